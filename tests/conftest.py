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

The whole suite (no paths named) runs on pytest-xdist workers, one per core (tests/distribution.py). Each
worker has databases of its own: a SQLite folder, or on PostgreSQL a database `<name>_gw0` … beside
TEST_DATABASE_URL's, created and dropped by the worker. Named paths run in one process unless `-n` is given;
`-p no:xdist` runs everything in one process. `loaded_demo` gives a test the database `flask demo` leaves,
loaded once per run and copied per test.
"""

import itertools
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.core.roles import Role
from app.extensions import db, limiter
from tests import distribution, factories
from tests.database_state import DemoSnapshot, empty_postgres_tables, fresh_sqlite_copy

WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1 … in an xdist worker


def _worker_database(url: str | None) -> str | None:
    """The worker's own PostgreSQL database beside TEST_DATABASE_URL's (`toll_test_gw0`), or that one itself."""
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


POSTGRES_BASE_URL = os.environ.get("TEST_DATABASE_URL")
POSTGRES_URL = _worker_database(POSTGRES_BASE_URL)

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


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    if not WORKER and config.pluginmanager.hasplugin("xdist"):
        distribution.choose_workers(config)


def pytest_collection_modifyitems(items):
    distribution.order(items)


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
def worker_postgres_database():
    """An xdist worker's own PostgreSQL database, created beside TEST_DATABASE_URL's and dropped after the run."""
    if POSTGRES_URL == POSTGRES_BASE_URL:
        yield
        return
    name = make_url(POSTGRES_URL).database
    engine = create_engine(POSTGRES_BASE_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_folder, worker_postgres_database):
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


def _build(url: str, overrides: dict) -> Flask:
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides})
    app.test_client_class = IsolatedClient
    return app


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
        self.demos: dict[tuple, DemoSnapshot] = {}  # the demo as loaded with those settings (its output differs)
        self.numbers = itertools.count()

    def get(self, overrides: dict) -> _Shared:
        key = _key(overrides)
        if key not in self.apps:
            self.apps[key] = self._build(overrides)
        return self.apps[key]

    def rebuild(self, overrides: dict) -> None:
        self.apps.pop(_key(overrides), None)

    def _build(self, overrides: dict) -> _Shared:
        database = None if POSTGRES_URL else self.folder / f"app-{next(self.numbers)}.db"
        app = _build(POSTGRES_URL or f"sqlite:///{database}", overrides)
        return _Shared(app=app, database=database, config=dict(app.config), limiter_state=dict(vars(limiter)),
                       shape=_Shared.shape_of(app))

    def dispose(self) -> None:
        if self.apps:
            for snapshot in self.demos.values():
                snapshot.drop(next(iter(self.apps.values())).app)
        for shared in self.apps.values():
            with shared.app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def shared_apps(database_folder, worker_postgres_database):
    apps = _Apps(database_folder)
    yield apps
    apps.dispose()


def _key(overrides: dict) -> tuple:
    return tuple(sorted(overrides.items()))


def _overrides(request) -> dict:
    marker = request.node.get_closest_marker("app_config")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def app(request, shared_apps, migrated_database, tmp_path):
    overrides = _overrides(request)
    if request.node.get_closest_marker("fresh_app"):
        yield from _fresh_app(overrides, migrated_database, tmp_path)
        return
    shared = shared_apps.get(overrides)
    app = shared.app
    if shared.database is not None:
        with app.app_context():
            db.engine.dispose()
        fresh_sqlite_copy(migrated_database, shared.database)
    vars(limiter).update(shared.limiter_state)
    yield from _in_app_context(app)
    if POSTGRES_URL:
        empty_postgres_tables(app, dispose=False)
    app.config.clear()
    app.config.update(shared.config)
    if _Shared.shape_of(app) != shared.shape:
        shared_apps.rebuild(overrides)
        pytest.fail("the test changed the shared app (routes, hooks, template loader or extensions): "
                    "mark it @pytest.mark.fresh_app", pytrace=False)


@pytest.fixture
def loaded_demo(request, app, shared_apps, runner):
    """What `flask demo` returned on this test's empty database, which now holds what it loaded.

    Loading the demo takes 20-30 s, so it is loaded once per run (and set of settings: its output is
    translated) by the first test that asks, and copied into the database of each later one. A test of what
    the loader does to a database that already holds something runs `flask demo` itself.
    """
    if request.node.get_closest_marker("fresh_app"):
        pytest.fail("loaded_demo copies the demo into a shared app's database", pytrace=False)
    overrides = _overrides(request)
    shared = shared_apps.get(overrides)
    snapshot = shared_apps.demos.get(_key(overrides))
    if snapshot is not None:
        snapshot.restore(app, shared.database)
        return snapshot.result
    result = runner.invoke(args=["demo"])
    if result.exit_code == 0:
        shared_apps.demos[_key(overrides)] = DemoSnapshot.take(
            app, result, shared.database, shared_apps.folder, next(shared_apps.numbers))
    return result


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
        fresh_sqlite_copy(migrated_database, copy)
        url = f"sqlite:///{copy}"
    app = _build(url, overrides)
    yield from _in_app_context(app)
    if POSTGRES_URL:
        empty_postgres_tables(app, dispose=True)
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
