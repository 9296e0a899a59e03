"""Evaluations: only signed-off batches, the documented fields, overrides, filters, pages, tokens and scope."""

from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.api import clients
from app.api.models import ApiClient
from app.api.scopes import EVALUATIONS_READ, RESULTS_READ, STAFF_READ
from app.core.roles import Role
from app.evaluation import computing, review
from app.extensions import db
from tests import factories
from tests.api.conftest import SIGNED, bearer
from tests.api.test_resources import _all_pages, _bad_parameter, _statements
from tests.evaluation import support


@pytest.fixture
def get(client, token):
    def _get(path, status=200, **headers):
        response = client.get(path, headers={**bearer(token), **headers})
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()

    return _get


def _ids(get, query=""):
    return [row["id"] for row in get(f"/api/v1/evaluations?{query}")["data"]]


def _signed_ids(world, evaluated):
    return sorted(evaluated.of(batch, person).id for batch, person in (
        (evaluated.second, world.collector), (evaluated.second, world.east2), (evaluated.second, world.west1),
        (evaluated.fourth, world.west1), (evaluated.fourth, world.east2)))


# --- what is given out ------------------------------------------------------------------------------

def test_only_evaluations_of_signed_off_batches_are_listed(get, world, evaluated):
    assert _ids(get) == _signed_ids(world, evaluated)
    batches = {row["batch"]["name"] for row in get("/api/v1/evaluations")["data"]}
    assert batches == {"第二期", "第四期"}  # not 第三期 (never signed off) nor 第五期 (reopened)


def test_an_evaluation_has_exactly_the_documented_fields(get, world, evaluated):
    mine = evaluated.of(evaluated.second, world.collector)
    row = get(f"/api/v1/evaluations/{mine.id}")
    courses = row.pop("courses")
    assert row == {
        "id": mine.id,
        "batch": {"id": evaluated.second.id, "name": "第二期",
                  "plan": {"id": evaluated.plan.id, "name": "2026年度培训"},
                  "starts_on": "2026-05-25", "ends_on": "2026-05-27"},
        "person": {"id": world.collector.id, "staff_no": "c0001", "name": "张三",
                   "station": {"id": world.east.id, "name": "东站"},
                   "team": {"id": world.east.teams[0].id, "name": world.east.teams[0].name}},
        "attendance": 50, "attendance_met": False, "total": 89, "rating": "good", "failed": False,
        "outcome": "none", "computed_outcome": "none", "overridden": False, "override_reason": None,
        "scheme_version": 1, "signed_off_at": "2026-06-02T02:00:00Z",
    }
    assert list(courses) == ["etiquette", "integrity", "law", "procedures"]
    assert courses["law"] == {"status": "passed", "regular": 95, "makeup": None, "counted": 95,
                              "attempt_id": mine.courses["law"]["attempt_id"]}
    listed = {item["id"]: item for item in get("/api/v1/evaluations")["data"]}
    assert listed[mine.id] == {**row, "courses": courses}


def test_course_figures_are_numbers_with_make_up_and_counted_apart(get, world, evaluated):
    law = get(f"/api/v1/evaluations/{evaluated.of(evaluated.second, world.west1).id}")["courses"]["law"]
    assert (law["status"], law["regular"], law["makeup"], law["counted"]) == ("passed_makeup", 55, 97.5, 60)
    missing = get(f"/api/v1/evaluations/{evaluated.of(evaluated.fourth, world.west1).id}")["courses"]["law"]
    assert missing == {"status": "missing", "regular": None, "makeup": None, "counted": 0, "attempt_id": None}


def test_an_overridden_outcome_is_given_as_final_with_the_computed_one_and_the_reason(get, world, evaluated):
    row = get(f"/api/v1/evaluations/{evaluated.overridden.id}")
    assert (row["outcome"], row["computed_outcome"], row["overridden"], row["override_reason"]) == (
        "none", "award", True, "处分期内，不参与评优")
    assert row["rating"] == "excellent" and row["total"] == 91.4


def test_unsigned_reopened_and_unknown_evaluations_are_404(get, world, evaluated):
    for batch, person in ((evaluated.third, world.collector), (evaluated.fifth, world.east2)):
        error = get(f"/api/v1/evaluations/{evaluated.of(batch, person).id}", 404)["error"]
        assert error["code"] == "not_found"
    assert get("/api/v1/evaluations/99999", 404)["error"]["code"] == "not_found"
    assert get("/api/v1/evaluations/2147483648", 404)["error"]["code"] == "not_found"


def test_reopening_withdraws_a_batch_until_it_is_signed_off_again(get, world, evaluated):
    hr, second = world.users[Role.HR], evaluated.second
    mine = evaluated.of(second, world.collector)
    review.reopen(hr, second, "补录成绩", now=SIGNED + timedelta(days=5), ip="test")
    db.session.commit()
    get(f"/api/v1/evaluations/{mine.id}", 404)
    assert _ids(get, f"batch={second.id}") == []
    computing.compute_batch(hr, second, now=support.NOW, ip="test")
    review.sign_off(hr, second, now=SIGNED + timedelta(days=6), ip="test")
    db.session.commit()
    assert get(f"/api/v1/evaluations/{mine.id}")["signed_off_at"] == "2026-06-08T02:00:00Z"


# --- filters and pages ------------------------------------------------------------------------------

def test_evaluation_filters(get, world, evaluated):
    second, fourth, of = evaluated.second, evaluated.fourth, evaluated.of
    assert _ids(get, f"batch={second.id}") == sorted(of(second, p).id for p in (world.collector, world.east2,
                                                                                  world.west1))
    assert _ids(get, f"batch={evaluated.third.id}") == []  # known but not signed off
    assert _ids(get, f"station={world.west.id}") == [of(second, world.west1).id, of(fourth, world.west1).id]
    assert _ids(get, f"team={world.east.teams[1].id}") == [of(second, world.east2).id, of(fourth, world.east2).id]
    assert _ids(get, "staff_no=C0001") == [of(second, world.collector).id]
    assert _ids(get, "outcome=award") == []  # the override replaced it
    assert _ids(get, "outcome=makeup_required") == sorted([of(fourth, world.west1).id, of(fourth, world.east2).id])
    assert _ids(get, "rating=excellent") == [evaluated.overridden.id]
    assert _ids(get, f"batch={fourth.id}&station={world.east.id}") == [of(fourth, world.east2).id]


def test_dates_filter_on_the_sign_off_in_the_local_zone(get, world, evaluated):
    second = sorted(evaluated.of(evaluated.second, p).id for p in (world.collector, world.east2, world.west1))
    fourth = sorted(evaluated.of(evaluated.fourth, p).id for p in (world.west1, world.east2))
    # 第二期 signed off 2026-06-02 10:00 Shanghai, 第四期 2026-06-05 10:00
    assert _ids(get, "from=2026-06-02&to=2026-06-02") == second
    assert _ids(get, "from=2026-06-03") == fourth
    assert _ids(get, "to=2026-06-04") == second
    assert _ids(get, "from=2026-06-05T02:00:00Z&to=2026-06-05T02:00:00Z") == fourth  # both ends included
    assert _ids(get, "from=2026-06-06") == []


@pytest.mark.parametrize("query, parameter", [
    ("batch=0", "batch"), ("station=east", "station"), ("team=1.5", "team"), ("staff_no=%00", "staff_no"),
    ("outcome=fired", "outcome"), ("rating=A", "rating"), ("from=yesterday", "from"),
    ("from=2026-06-05&to=2026-06-04", "to"), ("limit=0", "limit"), ("cursor=x", "cursor"),
])
def test_bad_evaluation_parameters_are_400_naming_them(get, world, evaluated, query, parameter):
    _bad_parameter(get, f"/api/v1/evaluations?{query}", parameter)


def test_evaluation_pages_follow_next_without_gaps_or_repeats(get, world, evaluated):
    items, pages = _all_pages(get, "/api/v1/evaluations?limit=2")
    assert [row["id"] for row in items] == _signed_ids(world, evaluated)
    assert pages == 3
    page = get(f"/api/v1/evaluations?limit=1&station={world.west.id}")
    assert page["next"].startswith("http://localhost/api/v1/evaluations?") and f"station={world.west.id}" in page["next"]
    assert [row["id"] for row in get(page["next"])["data"]] == [evaluated.of(evaluated.fourth, world.west1).id]


def test_an_evaluation_page_costs_the_same_queries_for_few_or_many_rows(app, get, world, evaluated):
    path = "/api/v1/evaluations?limit=200"
    get(path)
    few = _statements(app, get, path)
    plan = evaluated.plan
    people = [factories.make_user(team=world.west.teams[n % 2]) for n in range(12)]
    batch = support.batch_of(people, plan=plan, name="第六期")
    computing.compute_batch(world.users[Role.HR], batch, now=support.NOW, ip="test")
    review.sign_off(world.users[Role.HR], batch, now=SIGNED, ip="test")
    db.session.commit()
    many = _statements(app, get, path)
    assert len(get(path)["data"]) == 17
    assert many == few <= 3, f"{few} statements for a few rows, {many} for many"


# --- tokens, scope and document ---------------------------------------------------------------------

def test_evaluations_need_a_valid_token_with_their_scope(client, users, make_token, world, evaluated):
    paths = ["/api/v1/evaluations", f"/api/v1/evaluations/{evaluated.overridden.id}"]
    for path in paths:
        assert client.get(path).status_code == 401
        assert client.get(path, headers=bearer("tt_0123456789ab_secret")).status_code == 401
        error = client.get(path, headers=bearer(make_token([STAFF_READ, RESULTS_READ]))).get_json()["error"]
        assert error["status"] == 403 and error["code"] == "insufficient_scope" and EVALUATIONS_READ in error["message"]
    only = make_token([EVALUATIONS_READ], name="evaluations only")
    assert all(client.get(path, headers=bearer(only)).status_code == 200 for path in paths)
    assert client.get("/api/v1/results", headers=bearer(only)).status_code == 403
    revoked = db.session.scalar(select(ApiClient).where(ApiClient.name == "evaluations only"))
    clients.revoke_client(users[Role.ADMIN], revoked, ip="test", now=SIGNED)
    db.session.commit()
    assert client.get(paths[0], headers=bearer(only)).status_code == 401


def test_the_admin_may_grant_the_evaluations_scope(client, login, users):
    login(users[Role.ADMIN])
    form = client.get("/admin/api-clients/new").get_data(as_text=True)
    with force_locale("zh_Hans"):
        label = gettext("Evaluations: signed-off totals, ratings and outcomes per training batch")
    assert 'value="evaluations:read"' in form and label in form
    response = client.post("/admin/api-clients/new", data={"name": "考核", "scopes": [EVALUATIONS_READ]})
    assert response.status_code == 200 and 'id="api-token"' in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiClient)).scopes == [EVALUATIONS_READ]


def test_the_document_lists_the_evaluation_paths_their_scope_and_the_sign_off_rule(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/evaluations", "/evaluations/{evaluation_id}"):
        operation = document["paths"][path]["get"]
        assert operation["security"] == [{"bearer": [EVALUATIONS_READ]}]
        assert "signed-off batches" in operation["description"]
    assert "404" in document["paths"]["/evaluations/{evaluation_id}"]["get"]["responses"]
    assert EVALUATIONS_READ in document["components"]["securitySchemes"]["bearer"]["description"]
    schemas = document["components"]["schemas"]
    for name in ("Evaluation", "EvaluationCourse"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"])
    names = {param.get("name") or param["$ref"].rsplit("/", 1)[1]
             for param in document["paths"]["/evaluations"]["get"]["parameters"]}
    assert {"batch", "station", "team", "staff_no", "from", "to", "limit", "cursor"} <= names
