"""HR's plan and allocation pages: forms, proposing, counts, live move checks and moves without JavaScript."""

from datetime import date

import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.extensions import db
from app.training import plan_allocation
from app.training.models import BatchMember, TrainingPlan, Unavailability
from tests.training.test_allocation_service import memberships, place
from tests.training.test_plans import NOW, make_plan_org

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", ALLOCATION_TIME_LIMIT=5)


def routes(plan_id, user_id, batch_id, leave_id):
    base = f"/training/plans/{plan_id}"
    return [
        ("GET", "/training/plans", None), ("GET", "/training/plans/new", None),
        ("POST", "/training/plans/new", {"name": "x", "share": "1/3"}), ("GET", f"{base}/edit", None),
        ("POST", f"{base}/edit", {"name": "x", "share": "1/3"}), ("GET", base, None),
        ("POST", f"{base}/propose", {}), ("GET", f"{base}/check-move?user_id={user_id}&batch_id={batch_id}", None),
        ("POST", f"{base}/move", {"user_id": user_id, "batch_id": batch_id}), ("GET", "/training/leave", None),
        ("POST", "/training/leave", {"staff_no": "c0001", "starts_on": "2026-05-01", "ends_on": "2026-05-02"}),
        ("POST", "/training/leave/remove", {"id": leave_id}),
    ]


@pytest.mark.parametrize("role", [Role.COLLECTOR, Role.TRAINER])
def test_collectors_and_trainers_are_refused_everywhere(app, client, users, login, role):
    setup = make_plan_org(per_team=1, hr=users[Role.HR])
    row = Unavailability(user_id=setup.people[0].id, starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 1),
                         created_at=NOW)
    db.session.add(row)
    db.session.commit()
    login(users[role])
    for method, url, data in routes(setup.plan.id, setup.people[0].id, setup.batches[0].id, row.id):
        assert client.open(url, method=method, data=data).status_code == 403, f"{method} {url}"
    assert memberships(setup.plan) == {}
    assert db.session.scalar(select(TrainingPlan).where(TrainingPlan.name == "x")) is None


@pytest.mark.parametrize("role", [Role.HR, Role.ADMIN])
def test_every_page_opens_for_hr_and_admins(app, client, users, login, role):
    setup = make_plan_org(per_team=1, hr=users[Role.HR])
    login(users[role])
    for url in ("/training/plans", "/training/plans/new", f"/training/plans/{setup.plan.id}",
                f"/training/plans/{setup.plan.id}/edit", "/training/leave"):
        assert client.get(url).status_code == 200, url


def test_the_plan_page_is_in_chinese_by_default(app, client, users, login):
    users[Role.HR].locale = "zh_Hans"
    setup = make_plan_org(per_team=1, hr=users[Role.HR])
    login(users[Role.HR])
    page = client.get(f"/training/plans/{setup.plan.id}").get_data(as_text=True)
    assert 'lang="zh-Hans"' in page and "第1期" in page and "东站" in page
    assert "培训计划" in page and "筛选" in page and ">收费站<" in page
    assert 'lang="zh-Hans"' in client.get("/training/plans").get_data(as_text=True)


def test_the_plan_page_in_english_shows_scope_counts_and_the_member_table(app, client, users, login):
    setup = make_plan_org(per_team=1, hr=users[Role.HR])
    login(users[Role.HR])
    page = client.get(f"/training/plans/{setup.plan.id}").get_data(as_text=True)
    assert "Propose allocation" in page and "6 collectors, 0 allocated" in page
    assert 'id="station-counts"' in page and 'id="team-counts"' in page and 'id="member-table"' in page
    assert "js/allocation.js" in page
    assert 'id="add-batch"' in page and f"plan_id={setup.plan.id}" in page
    assert f'href="/training/batches/{setup.batches[0].id}"' in page
    listing = client.get("/training/plans").get_data(as_text=True)
    assert setup.plan.name in listing and "1/3 (33.3%)" in listing


def test_new_plan_form_creates_a_plan_and_refuses_a_bad_share(app, client, users, org, login):
    login(users[Role.HR])
    form = client.get("/training/plans/new").get_data(as_text=True)
    assert 'value="1/3"' in form and org.stations[0].teams[0].name in form
    bad = client.post("/training/plans/new", data={"name": "秋训", "share": "150%", "stations": org.stations[0].id})
    assert bad.status_code == 200 and "at most 1" in bad.get_data(as_text=True)
    response = client.post("/training/plans/new", data={"name": "秋训", "share": "25%",
                                                          "stations": org.stations[0].id,
                                                          "teams": org.stations[1].teams[0].id})
    plan = db.session.scalar(select(TrainingPlan).where(TrainingPlan.name == "秋训"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/training/plans/{plan.id}")
    assert plan.max_share.numerator == 1 and plan.max_share.denominator == 4
    assert [t.id for t in plan.teams] == [org.stations[1].teams[0].id]
    duplicate = client.post("/training/plans/new", data={"name": "秋训", "share": "1/3",
                                                          "stations": org.stations[0].id})
    assert "already exists" in duplicate.get_data(as_text=True)


def test_proposing_places_everybody_and_redirects(app, client, users, login):
    setup = make_plan_org(per_team=2, hr=users[Role.HR])
    setup.plan.share_numerator, setup.plan.share_denominator = 1, 2
    db.session.commit()
    login(users[Role.HR])
    response = client.post(f"/training/plans/{setup.plan.id}/propose")
    assert response.status_code == 302
    assert len(memberships(setup.plan)) == 12
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12 people placed" in page and "12 allocated" in page


def test_a_refused_proposal_names_the_station_and_changes_nothing(app, client, users, login):
    setup = make_plan_org(per_team=3, batches=2, hr=users[Role.HR])
    place(setup.plan, setup.people[0], setup.batches[0])
    db.session.commit()
    login(users[Role.HR])
    response = client.post(f"/training/plans/{setup.plan.id}/propose")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="refusals"' in page and "Station" in page
    assert any(f"Station {s.name}" in page for s in setup.org.stations)
    assert memberships(setup.plan) == {setup.people[0].id: (setup.batches[0].id, False)}


def test_check_move_answers_json_with_problems_or_ok(app, client, users, login):
    setup = make_plan_org(per_team=3, hr=users[Role.HR])
    plan_allocation.propose(setup.hr, setup.plan, now=NOW, ip="t")
    db.session.commit()
    person = setup.people[0]
    mine = memberships(setup.plan)[person.id][0]
    other = next(b for b in setup.batches if b.id != mine)
    login(users[Role.HR])
    url = f"/training/plans/{setup.plan.id}/check-move"
    bad = client.get(url, query_string={"user_id": person.id, "batch_id": other.id}).get_json()
    assert bad["ok"] is False and any("东站" in p and "at most 2" in p for p in bad["problems"])
    good = client.get(url, query_string={"user_id": person.id, "batch_id": mine}).get_json()
    assert good == {"ok": True, "problems": []}
    assert client.get(url, query_string={"user_id": person.id, "batch_id": 999999}).status_code == 404
    assert client.get(url).get_json()["ok"] is False


def test_moving_without_javascript_refuses_with_the_reason_then_accepts_a_good_move(app, client, users, login):
    setup = make_plan_org(per_team=1, hr=users[Role.HR])
    person = setup.people[0]
    partner = next(p for p in setup.people if p.station_id == person.station_id and p.id != person.id)
    place(setup.plan, partner, setup.batches[1])
    place(setup.plan, person, setup.batches[0])
    db.session.commit()
    login(users[Role.HR])
    url = f"/training/plans/{setup.plan.id}/move"
    setup.plan.share_numerator, setup.plan.share_denominator = 1, 2  # station of 2 → 1 per batch
    db.session.commit()
    refused = client.post(url, data={"user_id": person.id, "batch_id": setup.batches[1].id})
    assert refused.status_code == 409
    assert "would have 2 collectors in batch 第2期" in refused.get_data(as_text=True)
    assert memberships(setup.plan)[person.id] == (setup.batches[0].id, False)
    moved = client.post(url, data={"user_id": person.id, "batch_id": setup.batches[2].id, "station": 1})
    assert moved.status_code == 302 and f"#member-{person.id}" in moved.headers["Location"]
    assert "station=1" in moved.headers["Location"]
    assert memberships(setup.plan)[person.id] == (setup.batches[2].id, True)
    page = client.get(f"/training/plans/{setup.plan.id}").get_data(as_text=True)
    assert "Pinned" in page


def test_the_member_table_filters_by_station_and_pages_a_hundred_at_a_time(app, client, users, login):
    setup = make_plan_org(per_team=20, hr=users[Role.HR])  # 120 people
    login(users[Role.HR])
    base = f"/training/plans/{setup.plan.id}"
    first = client.get(base).get_data(as_text=True)
    assert first.count('class="move-form') == 100 and 'rel="next"' in first
    second = client.get(base, query_string={"page": 2}).get_data(as_text=True)
    assert second.count('class="move-form') == 20
    west = setup.org.stations[1]
    filtered = client.get(base, query_string={"station": west.id}).get_data(as_text=True)
    assert filtered.count('class="move-form') == 40
    team = west.teams[0]
    assert client.get(base, query_string={"team": team.id}).get_data(as_text=True).count('class="move-form') == 20


def test_people_without_a_station_are_listed_as_not_allocated(app, client, users, login):
    setup = make_plan_org(per_team=1, hr=users[Role.HR])
    person = setup.people[0]
    setup.plan.teams = [person.team]  # in scope through the team
    person.station_id = None
    db.session.commit()
    login(users[Role.HR])
    page = client.get(f"/training/plans/{setup.plan.id}").get_data(as_text=True)
    assert 'id="no-station"' in page and person.staff_no in page
    assert db.session.scalar(select(BatchMember)) is None
