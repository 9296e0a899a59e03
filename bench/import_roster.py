"""Roster import speed: parse + check + store N staff from CSV and XLSX, on SQLite (and PostgreSQL).

usage: python bench/import_roster.py [--rows N] [--quick] [--database-url postgresql+psycopg://…]

Each run builds a fresh database with the migrations, imports the file as the system (like
`flask staff import`), then re-imports it unchanged. The last line is JSON with every figure.
"""

import argparse
import io
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import fresh_app  # noqa: E402

HEADER = ["工号", "姓名", "收费站", "班组", "岗位", "入职日期", "角色"]
STATIONS = 60
TEAMS_PER_STATION = 4


def rows(n: int):
    for i in range(n):
        station = f"第{i % STATIONS + 1:02d}收费站"
        team = f"{(i // STATIONS) % TEAMS_PER_STATION + 1}班"
        yield [f"b{i + 1:06d}", f"员工{i + 1}", station, team, "收费员",
               date(2010 + i % 15, 1 + i % 12, 1 + i % 28).isoformat(), "收费员"]


def csv_bytes(n: int) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows(n)]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def xlsx_bytes(n: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for r in rows(n):
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed_import(app, data: bytes, filename: str) -> dict:
    from app.accounts.actors import SYSTEM
    from app.core.clock import utcnow
    from app.extensions import db
    from app.org.roster import import_roster

    figures = {}
    with app.app_context():
        for label in ("first", "again"):
            started = time.perf_counter()
            result = import_roster(data, filename, actor=SYSTEM, create_missing=True, ip="bench", now=utcnow())
            db.session.commit()
            seconds = time.perf_counter() - started
            figures[f"{label}_s"] = round(seconds, 2)
            figures[f"{label}_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            figures[f"{label}_created"] = result.created
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="500 rows")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (it is emptied)")
    args = parser.parse_args()
    n = 500 if args.quick else args.rows
    files = {"csv": ("roster.csv", csv_bytes(n)), "xlsx": ("roster.xlsx", xlsx_bytes(n))}
    results = {"rows": n}
    with tempfile.TemporaryDirectory() as folder:
        for backend, url in (("sqlite", None), ("postgresql", args.database_url)):
            if backend == "postgresql" and not url:
                continue
            for kind, (filename, data) in files.items():
                figures = timed_import(fresh_app(url, Path(folder)), data, filename)
                results[f"{backend}_{kind}"] = figures
                print(f"{backend:10} {kind:4} {n} rows: first import {figures['first_s']:.2f} s "
                      f"({n / figures['first_s']:.0f} rows/s, process peak RSS {figures['first_peak_rss_mib']} MiB), "
                      f"unchanged re-import {figures['again_s']:.2f} s")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
