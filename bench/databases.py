"""A fresh, migrated database for a benchmark run: a new SQLite file in `folder`, or the PostgreSQL database
at `url` emptied first (it must be one made for benchmarks)."""

import time
from pathlib import Path

from sqlalchemy import create_engine, text


def empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fresh_app(url: str | None, folder: Path):
    from flask_migrate import upgrade

    from app import create_app

    if url:
        empty_postgres(url)
    else:
        url = f"sqlite:///{folder / f'bench-{time.monotonic_ns()}.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
    return app
