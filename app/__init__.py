"""Application factory."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import instance_secret_key, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` (a mapping) overrides environment settings, as tests do."""
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None,
                instance_relative_config=True)
    from app.core.integers import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route: ids fit the database (docs/security.md §20)
    app.config.update(load_config(app.instance_path, domain_parsers=_domain_setting_parsers()))  # or ConfigError
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_MAX_HOURS"] * 3600
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from app.core import unavailable

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", unavailable.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    _init_extensions(app)
    _register_blueprints(app)

    from app.core import error_handlers, forking, health, i18n, navigation, request_log, security_headers, static_files

    forking.register(app)
    request_log.register(app)
    static_files.register(app)
    error_handlers.register(app)
    unavailable.register(app)
    health.register(app)
    navigation.register(app)
    i18n.register(app)
    security_headers.register(app)

    from app.courses import naming

    naming.register(app)

    from app.cli import register as register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table registered before mappers configure)
    from app.accounts.login import init_login
    from app.core.i18n import select_locale
    from app.core.sqlite import configure_sqlite
    from app.extensions import babel, csrf, db, limiter, migrate

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    init_login(app)


def _register_blueprints(app: Flask) -> None:
    from app.accounts.audit_page import bp as audit_bp
    from app.accounts.views import bp as accounts_bp
    from app.api.admin import bp as api_clients_bp
    from app.api.views import bp as api_bp
    from app.banks.views import bp as banks_bp
    from app.courses.views import bp as courses_bp
    from app.evaluation.views import bp as evaluation_bp
    from app.exams.views import bp as exams_bp
    from app.main.views import bp as main_bp
    from app.org.views import bp as org_bp
    from app.reports.views import bp as reports_bp
    from app.training.views import bp as training_bp

    for blueprint in (main_bp, accounts_bp, org_bp, courses_bp, training_bp, banks_bp, exams_bp, evaluation_bp,
                      reports_bp, audit_bp, api_bp, api_clients_bp):
        app.register_blueprint(blueprint)


def _domain_setting_parsers() -> dict:
    """The parsers of the settings a domain owns, so a bad value stops the start (app/config.py, DOMAIN_EXPECTED)."""
    from app.training.plans import parse_share
    from app.training.slots import parse_slots

    return {"TRAINING_SLOTS": parse_slots, "TRAINING_MAX_SHARE": parse_share}
