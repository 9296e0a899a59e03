"""Question-bank import speed: read + check + store N questions from CSV and XLSX, on SQLite (and PostgreSQL).

usage: python bench/import_bank.py [--questions N] [--quick] [--database-url postgresql+psycopg://…] [--profile]

Each run builds a fresh database with the migrations and imports the file into a new bank as the system
(like `flask banks import`): read (parse + per-row checks), preview (checks against the database,
duplicates) and store (images, bank, questions, audit; commit), each timed. Then the same file is
imported again into the same bank: every question is a duplicate and is skipped. The questions mix the
five types, with topics, explanations and sources in Chinese. The last line is JSON with every figure.
"""

import argparse
import cProfile
import io
import json
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import fresh_app  # noqa: E402

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值", "难度", "知识点", "解析", "出处"]
TOPICS = ("收费公路管理条例", "公路法", "绿色通道", "假币识别", "文明服务", "廉洁自律", "票据管理", "应急处置")
LAWS = ("《收费公路管理条例》", "《公路法》", "《道路交通安全法》", "《人民币管理条例》")


def rows(n: int):
    for i in range(n):
        topic = f"{TOPICS[i % len(TOPICS)]};{TOPICS[(i * 3 + 1) % len(TOPICS)]}"
        explanation = f"第{i + 1}题解析：依据{LAWS[i % len(LAWS)]}的规定，收费人员应当按照规定的程序办理，不得擅自变更。"
        source = f"{LAWS[i % len(LAWS)]}第{i % 60 + 1}条"
        points, difficulty = "", str(1 + i % 5)
        kind = i % 10
        if kind < 4:
            row = ["单选", f"第{i + 1}题：收费站对车辆第{i % 97 + 1}类情形应当如何处理（ ）？",
                   f"按规定收费{i}", f"免费放行{i}", f"报告站长{i}", f"拒绝通行{i}", "ABCD"[i % 4]]
        elif kind < 6:
            row = ["多选", f"第{i + 1}题：下列关于第{i % 89 + 1}项收费制度的说法，正确的有（ ）。",
                   f"应当公示收费标准{i}", f"应当出具票据{i}", f"可以随意减免{i}", f"应当文明服务{i}", "ABD"]
        elif kind < 8:
            row = ["判断", f"第{i + 1}题：收费员在第{i % 83 + 1}号车道可以私自收取现金而不出具票据。",
                   "", "", "", "", "错" if i % 2 else "对"]
        elif kind < 9:
            row = ["填空", f"第{i + 1}题：鲜活农产品运输车辆享受____政策，整车合法装载的免收车辆____。",
                   "", "", "", "", "绿色通道;通行费|车辆通行费"]
            points = "2"
        else:
            row = ["简答", f"第{i + 1}题：简述收费员遇到第{i % 71 + 1}种特殊情况时的处理程序。",
                   "", "", "", "", "先稳定情绪，再核实情况，按规定处理并如实登记，必要时报告班长。"]
            points = "10"
        yield [*row, points, difficulty, topic, explanation, source]


def csv_bytes(n: int) -> bytes:
    def quoted(cell: str) -> str:
        return f'"{cell}"' if any(ch in cell for ch in ',"\n') else cell

    lines = [",".join(HEADER)] + [",".join(quoted(cell) for cell in r) for r in rows(n)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def xlsx_bytes(n: int) -> bytes:
    """A workbook as Excel and WPS save it: strings in the shared-string table. (openpyxl's write-only
    mode, used by our own bank export, writes inline strings instead, which openpyxl reads more slowly.)"""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows(n):
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def one_import(data: bytes, filename: str, bank_name: str) -> dict:
    from app.accounts.actors import SYSTEM
    from app.banks.importing import apply_import, preview_import, read_bank_file
    from app.banks.services import find_bank
    from app.core.clock import utcnow
    from app.courses.catalog import ensure_courses, find_course
    from app.extensions import db

    ensure_courses()
    db.session.commit()
    course = find_course("law")
    started = time.perf_counter()
    file = read_bank_file(data, filename)
    read_s = time.perf_counter() - started
    bank = find_bank(course, bank_name)
    preview = preview_import(bank, file, bank_name=bank_name)
    preview_s = time.perf_counter() - started - read_s
    if preview.errors:
        raise SystemExit("\n".join(str(issue) for issue in preview.errors[:10]))
    result = apply_import(SYSTEM, course, preview, now=utcnow(), ip="bench")
    db.session.commit()
    total = time.perf_counter() - started
    return {"s": round(total, 2), "read_s": round(read_s, 2), "preview_s": round(preview_s, 2),
            "store_s": round(total - read_s - preview_s, 2), "created": result.created,
            "skipped": result.skipped_duplicates, "peak_rss_mib": peak_rss_mib()}


def timed_import(app, data: bytes, filename: str, profile: bool) -> dict:
    from app.extensions import db

    figures = {}
    with app.app_context():
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        figures["first"] = one_import(data, filename, "基准题库")
        if profiler:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
        figures["again"] = one_import(data, filename, "基准题库")
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 questions")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (it is emptied)")
    parser.add_argument("--profile", action="store_true", help="cProfile the first import of each run (to stderr)")
    args = parser.parse_args()
    n = 1_000 if args.quick else args.questions
    files = {"csv": ("bank.csv", csv_bytes(n)), "xlsx": ("bank.xlsx", xlsx_bytes(n))}
    results = {"questions": n, "csv_bytes": len(files["csv"][1]), "xlsx_bytes": len(files["xlsx"][1])}
    with tempfile.TemporaryDirectory() as folder:
        for backend, url in (("sqlite", None), ("postgresql", args.database_url)):
            if backend == "postgresql" and not url:
                continue
            for kind, (filename, data) in files.items():
                figures = timed_import(fresh_app(url, Path(folder)), data, filename, args.profile)
                results[f"{backend}_{kind}"] = figures
                first, again = figures["first"], figures["again"]
                print(f"{backend:10} {kind:4} {n} questions: import {first['s']:.2f} s "
                      f"(read {first['read_s']:.2f}, preview {first['preview_s']:.2f}, store {first['store_s']:.2f}; "
                      f"{n / first['s']:.0f} questions/s, process peak RSS {first['peak_rss_mib']} MiB), "
                      f"re-import (all {again['skipped']} skipped as duplicates) {again['s']:.2f} s", flush=True)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
