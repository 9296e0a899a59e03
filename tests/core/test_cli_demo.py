"""`flask demo`: stations, teams, 90 collectors and three staff accounts; running it again changes nothing."""

from sqlalchemy import func

from app.accounts.models import User, UserRole
from app.audit.models import AuditEvent
from app.core.roles import Role
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.org.models import Office, Station, Team


def _count(model, *where) -> int:
    return db.session.scalar(db.select(func.count()).select_from(model).where(*where))


def _counts() -> dict:
    return {model.__name__: _count(model) for model in (Office, Station, Team, User, UserRole, AuditEvent)}


def test_demo_twice_creates_everything_once(loaded_demo, runner):
    first = loaded_demo
    assert first.exit_code == 0, first.output
    after_first = _counts()
    assert after_first["Office"] == 1
    assert after_first["Station"] == 3
    assert after_first["Team"] == 9
    assert _count(UserRole, UserRole.role == Role.COLLECTOR.value) == 90
    assert after_first["User"] == 93

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == after_first


def test_demo_layout_positions_and_roles(loaded_demo):
    assert loaded_demo.exit_code == 0
    point = db.session.scalar(db.select(Station).where(Station.kind == "point"))
    assert point.name == "北环收费点"
    for station in db.session.scalars(db.select(Station)):
        assert [team.name for team in station.teams] == sorted(["一班", "二班", "三班"])
        for team in station.teams:
            members = db.session.scalars(db.select(User).where(User.team_id == team.id)).all()
            assert len(members) == 10
            assert sum(member.position == "班长" for member in members) == 1
            assert all(member.station_id == station.id and member.hire_date for member in members)
    names = db.session.scalars(db.select(User.name).where(User.staff_no.like("c%"))).all()
    assert len(set(names)) == 90
    roles = {user.staff_no: user.roles for user in db.session.scalars(db.select(User))}
    assert roles["admin"] == {Role.ADMIN}
    assert roles["hr01"] == {Role.HR}
    assert roles["trainer01"] == {Role.TRAINER}
    assert roles["c0090"] == {Role.COLLECTOR}
    assert not any(user.must_change_password for user in db.session.scalars(db.select(User)))


def test_demo_accounts_can_log_in(loaded_demo, app):
    assert loaded_demo.exit_code == 0
    for staff_no, landing in (("c0001", "/me"), ("admin", "/admin"), ("hr01", "/hr"), ("trainer01", "/trainer")):
        client = app.test_client()
        response = client.post("/login", data={"staff_no": staff_no, "password": DEMO_PASSWORD})
        assert response.status_code == 302, staff_no
        assert client.get("/").headers["Location"].endswith(landing)


def test_demo_keeps_existing_accounts_as_they_are(runner, users):
    collector = users[Role.COLLECTOR]  # c0001, with the test password
    before = (collector.name, collector.password_hash, collector.station_id)
    assert runner.invoke(args=["demo"]).exit_code == 0
    db.session.expire_all()
    after = db.session.get(User, collector.id)
    assert (after.name, after.password_hash, after.station_id) == before
    assert _count(User, User.staff_no.like("c%")) == 90


def test_demo_output_lists_accounts_password_and_url(loaded_demo):
    output = loaded_demo.output
    for text in ("admin", "hr01", "trainer01", "c0001", "c0090", DEMO_PASSWORD, "http://127.0.0.1:5000/"):
        assert text in output
