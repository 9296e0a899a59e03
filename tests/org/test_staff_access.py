"""Who may open the staff and station pages: collectors and trainers get 403 everywhere,
HR may not change roles, issue passwords or touch administrators' accounts."""

import pytest

from app.accounts.models import User
from app.audit import actions
from app.audit.models import AuditEvent
from app.core.permissions import access_of
from app.core.roles import Role
from app.extensions import db
from app.org import permissions
from tests import factories

# Endpoints this area owns (the roster import has its own tests).
OWN_ENDPOINT_PREFIXES = ("org.staff", "org.station", "org.team")


@pytest.fixture(autouse=True)
def english(users):
    """Pages in English, so assertions can read the messages."""
    for user in users.values():
        user.locale = "en"
    db.session.commit()


def _own_rules(app):
    return [
        rule for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(OWN_ENDPOINT_PREFIXES)
    ]


def _url(rule, ids):
    values = {name: ids[name] for name in rule.arguments}
    return rule.build(values)[1]


@pytest.fixture
def ids(org, users):
    target = factories.make_user("target01", team=org.stations[1].teams[0])
    db.session.commit()
    return {"user_id": target.id, "station_id": org.stations[1].id, "team_id": org.stations[1].teams[0].id}


def test_every_staff_and_station_route_declares_admin_and_hr_only(app):
    rules = _own_rules(app)
    assert {rule.endpoint for rule in rules} >= {
        "org.staff_list", "org.staff_new", "org.staff_detail", "org.staff_edit", "org.staff_deactivate",
        "org.staff_reactivate", "org.staff_issue_password", "org.stations", "org.station_new",
        "org.station_edit", "org.station_deactivate", "org.station_reactivate", "org.team_new",
        "org.team_edit", "org.team_deactivate", "org.team_reactivate",
    }
    for rule in rules:
        access = access_of(app.view_functions[rule.endpoint])
        assert access is not None, rule.endpoint
        assert not access.public
        assert access.roles <= {Role.ADMIN, Role.HR} and access.roles, rule.endpoint
    assert access_of(app.view_functions["org.staff_issue_password"]).roles == {Role.ADMIN}
    assert access_of(app.view_functions["org.staff_issue_password"]).fresh


@pytest.mark.parametrize("role", [Role.COLLECTOR, Role.TRAINER])
def test_collectors_and_trainers_get_403_on_every_page_and_action(app, client, users, login, ids, role):
    login(users[role])
    before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    for rule in _own_rules(app):
        url = _url(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"name": "x", "staff_no": "x1", "kind": "station"})
            assert response.status_code == 403, (method, url)
    after = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    assert after == before  # nothing was changed (logins are audited before `before`)


def test_anonymous_visitors_are_sent_to_login_on_every_page(app, client, ids):
    for rule in _own_rules(app):
        url = _url(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url)
            assert "/login" in response.headers["Location"]


def test_hr_cannot_issue_a_temporary_password(client, users, login, ids):
    login(users[Role.HR])
    assert client.get(f"/staff/{ids['user_id']}/password").status_code == 403
    assert client.post(f"/staff/{ids['user_id']}/password").status_code == 403
    assert not db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == actions.PASSWORD_RESET)
    ).all()


def test_hr_cannot_change_roles_even_with_a_forged_form(client, users, login, ids):
    login(users[Role.HR])
    page = client.get(f"/staff/{ids['user_id']}/edit").get_data(as_text=True)
    assert 'name="roles"' not in page
    response = client.post(
        f"/staff/{ids['user_id']}/edit",
        data={"name": "目标", "roles": ["collector", "admin"]},
    )
    assert response.status_code == 302
    target = db.session.get(User, ids["user_id"])
    db.session.refresh(target)
    assert target.roles == {Role.COLLECTOR}
    assert target.name == "目标"
    assert not db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.ROLES_CHANGED)).all()


def test_hr_creates_collectors_only(client, users, login):
    login(users[Role.HR])
    page = client.get("/staff/new").get_data(as_text=True)
    assert 'name="roles"' not in page
    response = client.post("/staff/new", data={"staff_no": "n0001", "name": "新人", "roles": ["admin"]})
    assert response.status_code == 302
    created = db.session.scalars(db.select(User).where(User.staff_no == "n0001")).one()
    assert created.roles == {Role.COLLECTOR}


def test_hr_cannot_edit_or_deactivate_an_administrator(client, users, login):
    login(users[Role.HR])
    admin = users[Role.ADMIN]
    assert client.get(f"/staff/{admin.id}").status_code == 200
    assert client.get(f"/staff/{admin.id}/edit").status_code == 403
    assert client.post(f"/staff/{admin.id}/edit", data={"name": "x"}).status_code == 403
    assert client.post(f"/staff/{admin.id}/deactivate").status_code == 403
    db.session.refresh(admin)
    assert admin.active and admin.name == "管理员"


def test_permission_functions_follow_the_roles(users):
    admin, hr, trainer, collector = (users[r] for r in (Role.ADMIN, Role.HR, Role.TRAINER, Role.COLLECTOR))
    assert permissions.can_manage_staff(admin) and permissions.can_manage_staff(hr)
    assert not permissions.can_manage_staff(trainer) and not permissions.can_manage_staff(collector)
    assert permissions.can_change_roles(admin) and not permissions.can_change_roles(hr)
    assert permissions.can_issue_password(admin, collector) and not permissions.can_issue_password(hr, collector)
    assert not permissions.can_issue_password(admin, admin)
    assert permissions.can_manage_user(hr, collector) and not permissions.can_manage_user(hr, admin)
    assert permissions.can_manage_user(admin, hr)
    assert not permissions.can_change_active(admin, admin)
    assert permissions.can_manage_org(hr) and not permissions.can_manage_org(trainer)
    assert permissions.can_see_staff_history(admin) and not permissions.can_see_staff_history(hr)
