"""App with a fresh database per test, on SQLite (default) or PostgreSQL (TEST_DATABASE_URL).

The schema is built once per run by the real migrations. Apps are built once per run too, one per set of
settings a test asks for (`app_config`): building one compiles every URL rule, and doing that per test was a
third of the suite's time. A test that changes the app itself (adds a route, re-points the rate limiter) is
marked `fresh_app` and gets an app of its own; a fixture check fails any test that changes a shared app
without saying so. Settings a test changes at run time are put back after it.

The database is fresh per test either way: on SQLite the test's database file is a new copy of the
migrated template; on PostgreSQL every table is emptied and every id sequence restarted after each test.
(A transaction rolled back per test was ruled out: reports stream through a session of their own, and
some tests use threads, a second connection or another process, none of which would see the test's rows.)
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from app import create_app
from app.core.roles import Role
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
    config.addinivalue_line("markers", "app_config(**settings): extra settings for the app fixture (a fresh app)")
    config.addinivalue_line(
        "markers", "fresh_app: the test changes the app itself (routes, template loader, rate limiter storage), "
        "so it gets an app of its own"
    )


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
def database_folder(tmp_path_factory):
    """Where the SQLite test databases live: memory-backed /dev/shm when there is one (the databases keep
    synchronous=FULL, as in production, and every commit's fsync then costs nothing), else pytest's tmp."""
    shm = Path("/dev/shm")  # noqa: S108 (mkdtemp below makes a private folder)
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("databases")
        return
    folder = Path(tempfile.mkdtemp(prefix="toll-tests-", dir=shm))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def migrated_database(database_folder):
    """URL of a database built by `flask db upgrade`: a template file, or the PostgreSQL test DB."""
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _upgrade(POSTGRES_URL)
        return POSTGRES_URL
    template = database_folder / "template.db"
    _upgrade(f"sqlite:///{template}")
    return str(template)


def _fresh_sqlite_copy(template: str, copy: Path) -> None:
    """The template copied over `copy`, with no write-ahead log of an earlier test left beside it."""
    for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm"), Path(f"{copy}-journal")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template, copy)


def _build(url: str, overrides: dict) -> Flask:
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides})
    app.test_client_class = IsolatedClient
    return app


RESTART_SEQUENCES = text(
    "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), start_value, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def _empty_postgres_tables(app, dispose: bool) -> None:
    """Every table emptied and every id sequence restarted, the state `TRUNCATE … RESTART IDENTITY` leaves.

    TRUNCATE costs about a second on this machine however few tables it names (it replaces their files);
    DELETE of the few rows a test leaves costs milliseconds. The deletes run with triggers off (the audit
    log's append-only trigger, the foreign keys: every table is emptied, so none is left dangling), which
    needs a superuser; any other role gets the TRUNCATE.
    """
    with app.app_context():
        db.session.remove()
        tables = [f'"{table.name}"' for table in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.scalar(text("SELECT current_setting('is_superuser') = 'on'")):
                connection.execute(text("SET LOCAL session_replication_role = replica"))
                connection.exec_driver_sql("; ".join(f"DELETE FROM {table}" for table in tables))  # noqa: S608
                connection.execute(RESTART_SEQUENCES)
            else:
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        if dispose:
            db.engine.dispose()


@dataclass
class _Shared:
    """An app built once per run for one set of settings, and what a test must leave as it found it."""

    app: Flask
    database: Path | None  # the SQLite file each test gets a fresh copy of
    config: dict
    limiter_state: dict  # the rate limiter is one object, re-pointed by every app built
    shape: tuple

    @staticmethod
    def shape_of(app: Flask) -> tuple:
        return (
            len(app.url_map._rules), tuple(app.view_functions), app.jinja_env.loader,
            {key: len(funcs) for key, funcs in app.before_request_funcs.items()},
            {key: len(funcs) for key, funcs in app.after_request_funcs.items()},
            len(app.teardown_appcontext_funcs), len(app.url_value_preprocessors),
            tuple(app.extensions), app.wsgi_app,
        )


class _Apps:
    """The run's apps, one per distinct `app_config` (most tests use the default settings)."""

    def __init__(self, database_folder: Path):
        self.folder = database_folder
        self.apps: dict[tuple, _Shared] = {}

    def get(self, overrides: dict) -> _Shared:
        key = tuple(sorted(overrides.items()))
        if key not in self.apps:
            self.apps[key] = self._build(overrides)
        return self.apps[key]

    def rebuild(self, overrides: dict) -> None:
        self.apps.pop(tuple(sorted(overrides.items())), None)

    def _build(self, overrides: dict) -> _Shared:
        database = None if POSTGRES_URL else self.folder / f"app-{len(self.apps)}.db"
        app = _build(POSTGRES_URL or f"sqlite:///{database}", overrides)
        return _Shared(app=app, database=database, config=dict(app.config), limiter_state=dict(vars(limiter)),
                       shape=_Shared.shape_of(app))

    def dispose(self) -> None:
        for shared in self.apps.values():
            with shared.app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def shared_apps(database_folder):
    apps = _Apps(database_folder)
    yield apps
    apps.dispose()


@pytest.fixture
def app(request, shared_apps, migrated_database, tmp_path):
    marker = request.node.get_closest_marker("app_config")
    overrides = dict(marker.kwargs) if marker else {}
    if request.node.get_closest_marker("fresh_app"):
        yield from _fresh_app(overrides, migrated_database, tmp_path)
        return
    shared = shared_apps.get(overrides)
    app = shared.app
    if shared.database is not None:
        with app.app_context():
            db.engine.dispose()
        _fresh_sqlite_copy(migrated_database, shared.database)
    vars(limiter).update(shared.limiter_state)
    yield from _in_app_context(app)
    if POSTGRES_URL:
        _empty_postgres_tables(app, dispose=False)
    app.config.clear()
    app.config.update(shared.config)
    if _Shared.shape_of(app) != shared.shape:
        shared_apps.rebuild(overrides)
        pytest.fail("the test changed the shared app (routes, hooks, template loader or extensions): "
                    "mark it @pytest.mark.fresh_app", pytrace=False)


def _in_app_context(app: Flask):
    """Yields `app` with unspent rate limits and an app context pushed for the test; its session is removed after."""
    with app.app_context():
        limiter.reset()
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    ctx.pop()


def _fresh_app(overrides: dict, migrated_database: str, tmp_path: Path):
    """An app of the test's own, for a test that changes the app itself."""
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        copy = tmp_path / "test.db"
        _fresh_sqlite_copy(migrated_database, copy)
        url = f"sqlite:///{copy}"
    app = _build(url, overrides)
    yield from _in_app_context(app)
    if POSTGRES_URL:
        _empty_postgres_tables(app, dispose=True)
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
