"""Creating and editing staff: validation onto form fields, nothing stored on error, roles need a fresh login."""

from datetime import date, timedelta

import pytest

from app.accounts.models import LoginSession, User
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.core.roles import Role
from app.extensions import db
from tests import factories


@pytest.fixture(autouse=True)
def english(users):
    """Pages in English, so assertions can read the messages."""
    for user in users.values():
        user.locale = "en"
    db.session.commit()


@pytest.fixture
def admin(client, users, login):
    login(users[Role.ADMIN])
    return users[Role.ADMIN]


def _user(staff_no: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.staff_no == staff_no))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def _make_stale(user: User) -> None:
    """Pretend the admin logged in long ago: the session is live but no longer fresh."""
    login_session = db.session.scalars(
        db.select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    ).one()
    login_session.authenticated_at = utcnow() - timedelta(hours=2)
    db.session.commit()


def test_admin_creates_a_staff_member_with_station_team_and_roles(client, admin, org):
    east = org.stations[0]
    response = client.post("/staff/new", data={
        "staff_no": " Ｋ２０２６０１ ", "name": "新员工", "station": str(east.id), "team": str(east.teams[1].id),
        "position": "收费员", "hire_date": "2024-03-01", "roles": ["collector", "trainer"],
    })
    created = _user("k202601")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/{created.id}")
    assert created.name == "新员工" and created.team_id == east.teams[1].id and created.station_id == east.id
    assert created.hire_date == date(2024, 3, 1)
    assert created.roles == {Role.COLLECTOR, Role.TRAINER}
    assert created.password_hash is None
    assert _events(actions.USER_CREATED)[0].details["staff_no"] == "k202601"


def test_station_is_taken_from_the_team_when_left_empty(client, admin, org):
    west = org.stations[1]
    client.post("/staff/new", data={"staff_no": "k1", "name": "甲", "station": "", "team": str(west.teams[0].id)})
    assert _user("k1").station_id == west.id


def test_duplicate_staff_number_is_refused_on_the_field_and_nothing_is_stored(client, admin, users):
    count_before = db.session.scalar(db.select(db.func.count(User.id)))
    response = client.post("/staff/new", data={"staff_no": "C0001", "name": "重复"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is-invalid" in html and "Staff number c0001 is already in use." in html
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(User.id))) == count_before
    assert not _events(actions.USER_CREATED)


def test_team_of_another_station_is_refused_on_the_team_field(client, admin, org):
    east, west = org.stations
    response = client.post("/staff/new", data={
        "staff_no": "k2", "name": "乙", "station": str(east.id), "team": str(west.teams[0].id),
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="team"' in html and "does not belong to station" in html
    assert 'class="form-select is-invalid" id="team"' in html
    assert _user("k2") is None


def test_editing_to_a_mismatched_team_changes_nothing(client, admin, org, users):
    collector = users[Role.COLLECTOR]
    east, west = org.stations
    response = client.post(f"/staff/{collector.id}/edit", data={
        "name": "改名了", "station": str(east.id), "team": str(west.teams[1].id), "roles": ["collector"],
    })
    assert response.status_code == 200
    assert "does not belong to station" in response.get_data(as_text=True)
    unchanged = _user("c0001")
    assert unchanged.name == "张三" and unchanged.team_id == east.teams[0].id
    assert not _events(actions.USER_UPDATED)


def test_required_fields_are_reported_on_their_fields(client, admin):
    response = client.post("/staff/new", data={"staff_no": "", "name": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("invalid-feedback") >= 2


def test_deactivated_team_is_not_offered_for_new_staff(client, admin, org):
    west = org.stations[1]
    west.teams[1].active = False
    db.session.commit()
    page = client.get("/staff/new").get_data(as_text=True)
    assert f'value="{west.teams[0].id}"' in page
    assert f'value="{west.teams[1].id}"' not in page
    response = client.post("/staff/new", data={"staff_no": "k3", "name": "丙", "team": str(west.teams[1].id)})
    assert response.status_code == 200 and _user("k3") is None


def test_admin_edits_details_and_the_change_is_audited(client, admin, users, org):
    collector = users[Role.COLLECTOR]
    west = org.stations[1]
    response = client.post(f"/staff/{collector.id}/edit", data={
        "name": "张三丰", "station": str(west.id), "team": str(west.teams[1].id), "position": "班长",
        "hire_date": "", "roles": ["collector"],
    })
    assert response.status_code == 302
    edited = _user("c0001")
    assert (edited.name, edited.team_id, edited.position) == ("张三丰", west.teams[1].id, "班长")
    event = _events(actions.USER_UPDATED)[0]
    assert set(event.details["changed"]) == {"name", "station_id", "team_id", "position"}
    assert event.actor_staff_no == "admin"


def test_admin_role_change_with_a_fresh_login_is_audited_old_to_new(client, admin, users):
    collector = users[Role.COLLECTOR]
    response = client.post(f"/staff/{collector.id}/edit", data={
        "name": collector.name, "station": str(collector.station_id), "team": str(collector.team_id),
        "roles": ["collector", "trainer"],
    })
    assert response.status_code == 302
    assert _user("c0001").roles == {Role.COLLECTOR, Role.TRAINER}
    event = _events(actions.ROLES_CHANGED)[0]
    assert event.details["old"] == ["collector"]
    assert event.details["new"] == ["collector", "trainer"]
    assert event.target_id == str(collector.id)


def test_role_change_with_a_stale_login_asks_for_the_password_and_changes_nothing(client, admin, users):
    collector = users[Role.COLLECTOR]
    _make_stale(admin)
    page = client.get(f"/staff/{collector.id}/edit").get_data(as_text=True)
    assert 'id="roles-fresh-note"' in page
    form = {"name": "新名字", "station": str(collector.station_id), "team": str(collector.team_id),
            "roles": ["collector", "admin"]}
    response = client.post(f"/staff/{collector.id}/edit", data=form)
    assert response.status_code == 302
    assert "/account/confirm" in response.headers["Location"]
    assert f"/staff/{collector.id}/edit" in response.headers["Location"]
    unchanged = _user("c0001")
    assert unchanged.roles == {Role.COLLECTOR} and unchanged.name == "张三"

    confirmed = client.post(response.headers["Location"], data={"password": factories.PASSWORD})
    assert confirmed.headers["Location"].endswith(f"/staff/{collector.id}/edit")
    assert client.post(f"/staff/{collector.id}/edit", data=form).status_code == 302
    assert _user("c0001").roles == {Role.COLLECTOR, Role.ADMIN}
    assert len(_events(actions.ROLES_CHANGED)) == 1


@pytest.mark.app_config(FRESH_LOGIN_MINUTES=0)
def test_other_edits_do_not_need_a_fresh_login(client, admin, users):
    collector = users[Role.COLLECTOR]
    response = client.post(f"/staff/{collector.id}/edit", data={
        "name": "张三三", "station": str(collector.station_id), "team": str(collector.team_id),
        "roles": ["collector"],
    })
    assert response.status_code == 302
    assert "/staff/" in response.headers["Location"]
    assert _user("c0001").name == "张三三"


@pytest.mark.app_config(FRESH_LOGIN_MINUTES=0)
def test_giving_roles_to_a_new_account_with_a_stale_login_stores_nothing(client, admin):
    response = client.post("/staff/new", data={"staff_no": "k4", "name": "丁", "roles": ["hr"]})
    assert response.status_code == 302
    assert "/account/confirm" in response.headers["Location"]
    assert _user("k4") is None


def test_admin_cannot_remove_their_own_admin_role(client, admin):
    response = client.post(f"/staff/{admin.id}/edit", data={"name": admin.name, "roles": ["collector"]})
    assert response.status_code == 200
    assert "cannot remove your own administrator role" in response.get_data(as_text=True)
    assert _user("admin").roles == {Role.ADMIN}


def test_removing_every_role_is_refused_on_the_roles_field(client, admin, users):
    collector = users[Role.COLLECTOR]
    response = client.post(f"/staff/{collector.id}/edit", data={"name": collector.name})
    assert response.status_code == 200
    assert "Choose at least one role" in response.get_data(as_text=True)
    assert _user("c0001").roles == {Role.COLLECTOR}


def test_saving_an_unchanged_form_records_nothing(client, admin, users):
    collector = users[Role.COLLECTOR]
    response = client.post(f"/staff/{collector.id}/edit", data={
        "name": collector.name, "station": str(collector.station_id), "team": str(collector.team_id),
        "roles": ["collector"],
    }, follow_redirects=True)
    assert response.status_code == 200
    assert not _events(actions.USER_UPDATED) and not _events(actions.ROLES_CHANGED)


def test_edit_page_of_an_unknown_person_is_404(client, admin):
    assert client.get("/staff/99999/edit").status_code == 404
    assert client.get("/staff/99999").status_code == 404


def test_detail_page_shows_the_person_and_admin_history(client, admin, users):
    collector = users[Role.COLLECTOR]
    client.post(f"/staff/{collector.id}/edit", data={"name": "张三丰", "station": str(collector.station_id),
                                                     "team": str(collector.team_id), "roles": ["collector"]})
    html = client.get(f"/staff/{collector.id}").get_data(as_text=True)
    assert "张三丰" in html and "c0001" in html
    assert 'id="staff-history"' in html
    assert 'id="issue-password"' in html and 'id="deactivate-staff"' in html


def test_hr_sees_no_history_and_no_password_button(client, users, login):
    login(users[Role.HR])
    html = client.get(f"/staff/{users[Role.COLLECTOR].id}").get_data(as_text=True)
    assert 'id="staff-history"' not in html
    assert 'id="issue-password"' not in html
    assert 'id="deactivate-staff"' in html
