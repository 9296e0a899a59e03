"""Staff, exams and results: exactly the documented fields, filters, cursor pages, 400s naming the parameter."""

import pytest
from sqlalchemy import event

from app.extensions import db
from tests import factories
from tests.api.conftest import bearer


@pytest.fixture
def get(client, token):
    def _get(path, status=200, **headers):
        response = client.get(path, headers={**bearer(token), **headers})
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()

    return _get


def _bad_parameter(get, path, parameter):
    error = get(path, 400)["error"]
    assert error["code"] == "invalid_parameter" and error["parameter"] == parameter
    return error


def _all_pages(get, path):
    items, url, pages = [], path, 0
    while url:
        page = get(url)
        items += page["data"]
        url, pages = page["next"], pages + 1
    return items, pages


# --- staff ------------------------------------------------------------------------------------------

def test_staff_have_exactly_the_documented_fields(get, world):
    staff = {row["staff_no"]: row for row in get("/api/v1/staff")["data"]}
    assert set(staff) == {"admin", "hr01", "trainer01", "c0001", "c0002", "c0003", "c0004"}
    assert staff["c0003"] == {
        "staff_no": "c0003", "name": "王五", "station": {"id": world.west.id, "name": "西站"},
        "team": {"id": world.west.teams[0].id, "name": world.west.teams[0].name}, "position": "班长",
        "active": True, "roles": ["collector"],
    }
    assert staff["admin"]["station"] is None and staff["admin"]["roles"] == ["admin"]
    assert staff["c0004"]["active"] is False


def test_staff_filters(get, world):
    def numbers(query):
        return sorted(row["staff_no"] for row in get(f"/api/v1/staff?{query}")["data"])

    assert numbers(f"station={world.east.id}") == ["c0001", "c0002"]
    assert numbers(f"team={world.east.teams[1].id}") == ["c0002"]
    assert numbers(f"batch={world.batch.id}") == ["c0001", "c0002", "c0003"]
    assert numbers(f"station={world.west.id}&active=false") == ["c0004"]
    assert numbers("role=trainer") == ["trainer01"]
    assert numbers("batch=999") == []


def test_one_staff_member_by_number_any_case(get, world):
    assert get("/api/v1/staff/C0002")["name"] == "李四"
    error = get("/api/v1/staff/nobody", 404)["error"]
    assert error["code"] == "not_found"


def test_nothing_secret_is_given_out(client, token, world):
    body = "".join(client.get(path, headers=bearer(token)).get_data(as_text=True)
                   for path in ("/api/v1/staff", "/api/v1/staff/c0001", "/api/v1/exams", "/api/v1/results"))
    assert "password" not in body and "argon2" not in body
    assert world.collector.password_hash not in body
    for forbidden in ("seed", "correct", "answer", "response", "option_order"):
        assert f'"{forbidden}' not in body


# --- pagination -------------------------------------------------------------------------------------

def test_pages_follow_next_until_null_without_gaps_or_repeats(get, world):
    everyone = [row["staff_no"] for row in get("/api/v1/staff")["data"]]
    items, pages = _all_pages(get, "/api/v1/staff?limit=2")
    assert [row["staff_no"] for row in items] == everyone
    assert pages == 4  # 7 people, 2 a page
    first = get("/api/v1/staff?limit=2&station=" + str(world.east.id))
    assert first["next"] is None  # filters carry over and the last page says so


def test_next_links_keep_the_filters(get, world):
    page = get(f"/api/v1/results?limit=1&course=law&station={world.east.id}")
    assert page["next"].startswith("http://localhost/api/v1/results?")
    assert "course=law" in page["next"] and f"station={world.east.id}" in page["next"]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=x", "limit=-1", "limit=1.5", "limit="])
def test_a_bad_limit_is_400_naming_it(get, world, query):
    _bad_parameter(get, f"/api/v1/staff?{query}", "limit")


@pytest.mark.parametrize("cursor", ["x", "bm90LWFuLWlk", "aWQ6LTE", "é"])
def test_a_forged_cursor_is_400_naming_it(get, world, cursor):
    _bad_parameter(get, f"/api/v1/exams?cursor={cursor}", "cursor")


def test_an_empty_cursor_is_the_first_page_as_the_document_allows(get, world):
    """The OpenAPI document gives cursor as any string; a client may start with the empty one (issue 14)."""
    first = get("/api/v1/exams?limit=1")
    assert first["data"] and get("/api/v1/exams?limit=1&cursor=") == first


@pytest.mark.parametrize("path, parameter", [
    ("/api/v1/staff?station=east", "station"), ("/api/v1/staff?team=0", "team"),
    ("/api/v1/staff?batch=99999999999", "batch"), ("/api/v1/staff?active=yes", "active"),
    ("/api/v1/staff?role=boss", "role"), ("/api/v1/exams?status=draft", "status"),
    ("/api/v1/results?exam=1e3", "exam"), ("/api/v1/results?course=" + "x" * 40, "course"),
    ("/api/v1/results?staff_no=%00", "staff_no"),
])
def test_bad_filter_values_are_400_naming_the_parameter(get, world, path, parameter):
    _bad_parameter(get, path, parameter)


def test_bad_parameter_errors_are_translated(get, world):
    english = get("/api/v1/staff?limit=0", 400, **{"Accept-Language": "en"})["error"]
    chinese = get("/api/v1/staff?limit=0", 400)["error"]
    assert english["title"] == "Bad request" and chinese["title"] != english["title"]
    assert english["message"] == "The parameter limit must be a whole number from 1 to 200."
    assert "limit" in chinese["message"]  # the parameter's name is never translated
    assert english["parameter"] == chinese["parameter"] == "limit"


# --- exams ------------------------------------------------------------------------------------------

def test_exams_leave_drafts_out_and_show_the_documented_fields(get, world):
    exams = {row["id"]: row for row in get("/api/v1/exams")["data"]}
    assert set(exams) == {world.law.id, world.etiquette.id, world.makeup.id}
    law = exams[world.law.id]
    assert set(law) == {"id", "title", "course", "status", "opens_at", "closes_at", "duration_minutes", "pass_mark",
                        "attempts_allowed", "makeup_of"}
    assert (law["title"], law["course"], law["status"], law["pass_mark"], law["makeup_of"]) == (
        "法规考试", "law", "published", 6, None)
    assert law["opens_at"].endswith("Z")
    assert exams[world.makeup.id]["makeup_of"] == world.law.id
    assert get(f"/api/v1/exams/{world.law.id}") == law
    assert get(f"/api/v1/exams/{world.draft.id}", 404)["error"]["code"] == "not_found"
    assert get("/api/v1/exams/2147483648", 404)["error"]["code"] == "not_found"


def test_exam_filters(get, world):
    assert [row["id"] for row in get("/api/v1/exams?course=etiquette")["data"]] == [world.etiquette.id]
    assert get("/api/v1/exams?course=nope")["data"] == []
    assert get("/api/v1/exams?status=closed")["data"] == []
    assert get(f"/api/v1/exams?batch={world.batch.id}")["data"] == []


# --- results ----------------------------------------------------------------------------------------

def test_results_are_submitted_attempts_with_the_documented_fields(get, world):
    rows = get("/api/v1/results")["data"]
    r = world.results
    assert [row["id"] for row in rows] == [r.a.id, r.b.id, r.c.id, r.d.id, r.e.id, r.f.id]  # not the open one
    assert rows[0] == {"id": r.a.id, "staff_no": "c0001", "exam_id": world.law.id, "course": "law", "attempt": 1,
                       "score": 5, "max_score": 10, "passed": False, "submitted_at": "2026-11-02T02:00:00Z",
                       "makeup": False, "counted": True}
    assert rows[2]["score"] == 7.5
    assert rows[3]["score"] is None and rows[3]["passed"] is None  # a short answer awaits grading
    assert rows[4]["makeup"] is True and rows[4]["exam_id"] == world.makeup.id


def test_result_filters(get, world):
    r = world.results

    def ids(query):
        return [row["id"] for row in get(f"/api/v1/results?{query}")["data"]]

    assert ids(f"batch={world.batch.id}") == [r.a.id, r.b.id, r.c.id, r.d.id, r.e.id]
    assert ids(f"station={world.west.id}") == [r.c.id, r.f.id]
    assert ids(f"team={world.east.teams[1].id}") == [r.b.id]
    assert ids("course=etiquette") == [r.d.id, r.f.id]
    assert ids(f"exam={world.law.id}") == [r.a.id, r.b.id, r.c.id]
    assert ids("staff_no=C0001") == [r.a.id, r.d.id, r.e.id]
    assert ids(f"batch={world.batch.id}&course=law") == [r.a.id, r.b.id, r.c.id, r.e.id]  # the make-up too


def test_result_dates_are_whole_days_in_the_local_zone_or_exact_times(get, world):
    r = world.results

    def ids(query):
        return [row["id"] for row in get(f"/api/v1/results?{query}")["data"]]

    # a: 2026-11-02 10:00 Shanghai, b: 11:00, c: 11-03 10:00, d: 11-04, e: 11-05, f: 11-06
    assert ids("from=2026-11-02&to=2026-11-02") == [r.a.id, r.b.id]
    assert ids("from=2026-11-03") == [r.c.id, r.d.id, r.e.id, r.f.id]
    assert ids("to=2026-11-03") == [r.a.id, r.b.id, r.c.id]
    assert ids("from=2026-11-02T03:00:00Z&to=2026-11-03T02:00:00Z") == [r.b.id, r.c.id]  # both ends included
    assert ids("from=2026-11-02T10:30:00") == [r.b.id, r.c.id, r.d.id, r.e.id, r.f.id]  # no offset: local time


@pytest.mark.parametrize("query, parameter", [
    ("from=yesterday", "from"), ("from=2026-13-01", "from"), ("to=2026-11-31", "to"), ("to=9999-12-31", "to"),
    ("from=2026-11-05&to=2026-11-04", "to"), ("from=2026-11-02T25:00:00Z", "from"),
])
def test_bad_dates_are_400_naming_the_parameter(get, world, query, parameter):
    error = _bad_parameter(get, f"/api/v1/results?{query}", parameter)
    assert parameter in error["message"]


# --- efficiency -------------------------------------------------------------------------------------

class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def _statements(app, get, path):
    counter = _Counter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        get(path)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count


@pytest.mark.parametrize("path", ["/api/v1/staff?limit=200", "/api/v1/exams?limit=200", "/api/v1/results?limit=200"])
def test_a_page_costs_the_same_queries_for_few_or_many_rows(app, get, world, path):
    get(path)  # the first use of a token records it; count from the second
    few = _statements(app, get, path)
    trainer = world.users[next(role for role in world.users if role.value == "trainer")]
    bank = factories.make_exam_bank(trainer, "integrity", per_type=1)
    from tests.api.conftest import attempt

    for n in range(15):
        person = factories.make_user(team=world.west.teams[n % 2])
        exam = factories.make_exam(trainer, bank.bank, audience=[person])
        attempt(exam, person)
    db.session.commit()
    many = _statements(app, get, path)
    assert len(get(path)["data"]) > 15
    assert many == few <= 4, f"{path}: {few} statements for a few rows, {many} for many"
