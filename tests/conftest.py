"""App with a fresh database per test, on SQLite (default) or PostgreSQL (TEST_DATABASE_URL).

The schema is built once per run by the real migrations; each SQLite test gets a copy of that
file, each PostgreSQL test starts from emptied tables.
"""

import os
import shutil

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from app import create_app
from app.accounts.roles import Role
from app.extensions import db, limiter
from tests import factories

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")

BASE_TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "WTF_CSRF_ENABLED": False,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 8,
    "ARGON2_PARALLELISM": 1,
    "RATELIMIT_STORAGE_URI": "memory://",
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
}


def pytest_configure(config):
    config.addinivalue_line("markers", "app_config(**settings): extra settings for the app fixture")


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test keeps an app context pushed for direct database access; without this, requests would
    share its `g` (Flask-Login's cached user, Babel's cached locale) and tests could pass for the
    wrong reason. After each request the test's session forgets what it loaded, so it reads what
    the request committed.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if _cv_app.get(None) is not None:
                db.session.expire_all()


def _upgrade(url: str) -> None:
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """URL of a database built by `flask db upgrade`: a template file, or the PostgreSQL test DB."""
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _upgrade(POSTGRES_URL)
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("template") / "template.db"
    _upgrade(f"sqlite:///{template}")
    return str(template)


def _database_url(migrated_database, tmp_path) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    copy = tmp_path / "test.db"
    shutil.copyfile(migrated_database, copy)
    return f"sqlite:///{copy}"


def _empty_postgres_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def app(request, migrated_database, tmp_path):
    overrides = {}
    marker = request.node.get_closest_marker("app_config")
    if marker:
        overrides.update(marker.kwargs)
    app = create_app(
        {
            **BASE_TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": _database_url(migrated_database, tmp_path),
            **overrides,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        limiter.reset()
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    ctx.pop()
    if POSTGRES_URL:
        _empty_postgres_tables(app)
    else:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def org(app):
    """One office with two stations and two teams each."""
    return factories.make_org()


@pytest.fixture
def users(app, org):
    """One active user per role, all with factories.PASSWORD."""
    station, team = org.stations[0], org.stations[0].teams[0]
    made = {
        Role.ADMIN: factories.make_user("admin", roles=[Role.ADMIN], name="管理员"),
        Role.HR: factories.make_user("hr01", roles=[Role.HR], name="人事"),
        Role.TRAINER: factories.make_user("trainer01", roles=[Role.TRAINER], name="讲师"),
        Role.COLLECTOR: factories.make_user(
            "c0001", roles=[Role.COLLECTOR], name="张三", station=station, team=team
        ),
    }
    db.session.commit()
    return made


@pytest.fixture
def login(client):
    """login(user) signs the test client in as `user` and returns the response."""

    def _login(user, password=factories.PASSWORD, follow_redirects=False):
        return client.post(
            "/login", data={"staff_no": user.staff_no, "password": password},
            follow_redirects=follow_redirects,
        )

    return _login
