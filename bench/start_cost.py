"""The cost of one start: CPU ms and SQL statements of `start_attempt` + commit, split into drawing the paper
(`plan_paper`) and the rest (the checks, inserting the attempt and its items, the audit row).

Seeding: a 120-question bank (single, multiple, true/false, fill-in), an earlier exam of the same course whose
papers expose some questions, and a published 30-question exam with `avoid_exposed` on for N collectors. Each
start runs in the process (no HTTP), so the CPU figure is the app's and, on SQLite, the database's; on
PostgreSQL the server's CPU is not counted. The figures decided against drawing papers ahead (bench/README.md).

Run `.venv/bin/python bench/start_cost.py [--starts N] [--quick] [--database-url …]`.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_app  # noqa: E402


def drafts():
    from app.banks.drafts import Draft, QuestionType

    made = []
    for n in range(30):
        made.append(Draft(QuestionType.SINGLE, f"第{n + 1}题：收费站对第{n + 1}类车辆应当如何处理（ ）？",
                          options=[f"按规定收费{n}", f"免费放行{n}", f"报告站长{n}", f"拒绝通行{n}"], correct={n % 4},
                          difficulty=n % 5 + 1))
        made.append(Draft(QuestionType.MULTIPLE, f"第{n + 31}题：下列关于第{n + 1}项收费制度的说法，正确的有（ ）。",
                          options=[f"应当公示{n}", f"应当出具票据{n}", f"可以随意减免{n}", f"应当文明服务{n}"],
                          correct={0, 1, 3}, difficulty=n % 5 + 1))
    for n in range(30):
        made.append(Draft(QuestionType.TRUE_FALSE, f"第{n + 61}题：收费员在第{n + 1}号车道可以私自收取现金。",
                          truth=n % 2 == 0, difficulty=n % 5 + 1))
        made.append(Draft(QuestionType.FILL_BLANK, f"第{n + 91}题：第{n + 1}类鲜活农产品运输车辆享受____政策。",
                          blanks=[["绿色通道"]], difficulty=n % 5 + 1))
    return made


def seed(app, n: int, earlier: int):
    from app.accounts.models import User, UserRole
    from app.banks.services import add_questions, create_bank
    from app.core.clock import utcnow
    from app.core.roles import Role
    from app.courses.catalog import ensure_courses, find_course
    from app.exams import attempts
    from app.exams.services import ExamSettings, RuleData, create_exam, publish, set_audience, set_blueprint
    from app.extensions import db
    from app.org.models import Office, Station, Team

    now = utcnow()
    no_login = "!"  # nobody logs in here: starts run in the process  # noqa: S105
    office = Office(name="基准收费所")
    station = Station(office=office, name="基准收费站", kind="station")
    team = Team(station=station, name="一班")
    trainer = User(staff_no="trainer", name="讲师", password_hash=no_login, active=True, must_change_password=False)
    trainer.role_rows = [UserRole(role=Role.TRAINER.value)]
    db.session.add_all([office, station, team, trainer])
    people = []
    for i in range(n + earlier):
        user = User(staff_no=f"e{i:05d}", name=f"考生{i}", password_hash=no_login, station=station, team=team,
                    active=True, must_change_password=False)
        user.role_rows = [UserRole(role=Role.COLLECTOR.value)]
        db.session.add(user)
        people.append(user)
    db.session.flush()
    ensure_courses()
    course = find_course("law")
    bank = create_bank(trainer, course, "考试日题库", now=now, ip="bench")
    add_questions(trainer, bank, drafts(), now=now)

    def exam(title, opens, exposed, audience):
        made = create_exam(trainer, course, ExamSettings(
            title=title, opens_at=opens, closes_at=now + timedelta(hours=3), duration_minutes=30,
            pass_mark=Decimal(30), avoid_exposed=exposed), now=now, ip="bench")
        rules = [RuleData(count=count, bank_id=bank.id, type=kind, points_each=Decimal(2))
                 for kind, count in (("single", 8), ("multiple", 8), ("true_false", 7), ("fill_blank", 7))]
        set_blueprint(trainer, made, rules, [], now=now, ip="bench")
        set_audience(trainer, made, station_ids=[], team_ids=[], user_ids=[u.id for u in audience], now=now,
                     ip="bench")
        publish(trainer, made, now=now, ip="bench")
        return made

    first = exam("上期考试", now - timedelta(days=2), False, people[n:])
    for user in people[n:]:
        attempts.start_attempt(user, first, now=now - timedelta(days=1), ip="bench")
    main = exam("收费业务考试", now - timedelta(hours=1), True, people[:n])
    db.session.commit()
    return main.id, [u.id for u in people[:n]]


class Counter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args):
        self.count += 1


def measure(app, exam_id: int, user_ids: list[int], counter: Counter) -> dict:
    """Per start: CPU ms, wall ms and statements in total and inside plan_paper."""
    from app.accounts.models import User
    from app.core.clock import utcnow
    from app.exams import attempts
    from app.exams.models import Exam
    from app.extensions import db

    inner = {"cpu": 0.0, "statements": 0}
    original = attempts.plan_paper

    def timed_plan(*args, **kwargs):
        cpu, statements = time.process_time(), counter.count
        try:
            return original(*args, **kwargs)
        finally:
            inner["cpu"] += time.process_time() - cpu
            inner["statements"] += counter.count - statements

    attempts.plan_paper = timed_plan
    rows = []
    try:
        for user_id in user_ids:
            db.session.remove()
            user, exam = db.session.get(User, user_id), db.session.get(Exam, exam_id)
            inner.update(cpu=0.0, statements=0)
            cpu, wall, statements = time.process_time(), time.perf_counter(), counter.count
            attempts.start_attempt(user, exam, now=utcnow(), ip="bench")
            db.session.commit()
            rows.append({"cpu_ms": (time.process_time() - cpu) * 1000, "wall_ms": (time.perf_counter() - wall) * 1000,
                         "statements": counter.count - statements, "plan_cpu_ms": inner["cpu"] * 1000,
                         "plan_statements": inner["statements"]})
    finally:
        attempts.plan_paper = original
    return {key: round(statistics.median(row[key] for row in rows), 2) for key in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="40 starts")
    parser.add_argument("--earlier", type=int, default=3, help="attempts at the earlier exam (exposure)")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    starts = 40 if args.quick else args.starts
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    figures = {"uptime_start": uptime, "starts": starts}
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(args.database_url, Path(folder))
        with app.app_context():
            from app.extensions import db

            counter = Counter(db.engine)
            exam_id, user_ids = seed(app, starts, args.earlier)
            figures["draw"] = measure(app, exam_id, user_ids[:starts], counter)
            print("drawn in the request:", figures["draw"], flush=True)
    figures["uptime_end"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    figures["database"] = "postgresql" if args.database_url else "sqlite"
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
