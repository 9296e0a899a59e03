"""The candidate's pages, one by one: SQL statements and milliseconds per page for a collector with 10 exams
shown on 我的考试 and a 30-question paper (issue 17, "Pages").

usage: python bench/candidate_pages.py [--exams N] [--questions N] [--repeat N] [--quick]
                                       [--database-url postgresql+psycopg://…]

One collector (a station, a team, a training batch with a held session of every course they attended), N
published exams open now whose audiences name the station, the team, the person or the batch in turn, the last
one a make-up exam of a closed exam the collector failed; the first exam carries the paper of M questions (the
automatically graded types, Markdown stems with tables, so the result page shows the review). Pages, through the
Flask test client logged in as the collector: home (/me), 我的考试, the start page, the paper, the submit page,
and after submitting, the result page with its review. Each page is requested --repeat times after one warm-up
request (which fills the Markdown cache, as any earlier candidate would); the figure is the median, with the
statements of one request counted on the engine, the session's load included. The load average is printed at
start and end. Last line: JSON.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import fresh_app  # noqa: E402

PASSWORD = "Bench@2026pw"
CHEAP_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8, "ARGON2_PARALLELISM": 1}
TYPES = ("single", "multiple", "true_false", "fill_blank", "short_answer")
AUTO_GRADED = TYPES[:4]


def uptime() -> str:
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def drafts(per_type: int):
    from app.banks.drafts import Draft, QuestionType

    made = []
    for n in range(per_type):
        stem = f"**第{n}题**：收费站的 *通行费* 规定如下表。\n\n| 车型 | 费率 |\n|---|---|\n| 一类 | {n} 元 |\n"
        made += [
            Draft(QuestionType.SINGLE, "单选 " + stem, options=["甲 `A`", "乙 **B**", "丙", "丁"], correct={1},
                  points=Decimal(2), explanation=f"单选*解析*{n}"),
            Draft(QuestionType.MULTIPLE, "多选 " + stem, options=["一", "二", "三", "四"], correct={0, 2},
                  points=Decimal(2), explanation=f"多选解析{n}"),
            Draft(QuestionType.TRUE_FALSE, "判断 " + stem, truth=n % 2 == 0, points=Decimal(2)),
            Draft(QuestionType.FILL_BLANK, f"填空{n}：限速____公里，车道____条", blanks=[["30"], ["三"]],
                  points=Decimal(2)),
            Draft(QuestionType.SHORT_ANSWER, "简答 " + stem, reference=f"参考*答案*{n}", points=Decimal(2)),
        ]
    return made


def seed(app, exams: int, questions: int) -> dict:
    from app.accounts.models import User, UserRole
    from app.accounts.passwords import hash_password
    from app.banks.services import add_questions, create_bank
    from app.core.clock import utcnow
    from app.core.roles import Role
    from app.courses.catalog import ensure_courses, find_course
    from app.exams.models import Attempt
    from app.exams.services import ExamSettings, RuleData, create_exam, publish, set_audience, set_blueprint
    from app.exams.states import AttemptState, ExamState
    from app.extensions import db
    from app.org.models import Office, Station, Team
    from app.training.models import Attendance, Batch, BatchMember, Seat, TrainingSession

    now = utcnow()
    password_hash = hash_password(PASSWORD)
    office = Office(name="基准收费所")
    station = Station(office=office, name="基准收费站", kind="station")
    team = Team(station=station, name="一班")
    trainer = User(staff_no="trainer", name="讲师", password_hash=password_hash, active=True,
                   must_change_password=False)
    trainer.role_rows = [UserRole(role=Role.TRAINER.value)]
    collector = User(staff_no="c00001", name="考生", password_hash=password_hash, station=station, team=team,
                     active=True, must_change_password=False)
    collector.role_rows = [UserRole(role=Role.COLLECTOR.value)]
    db.session.add_all([office, station, team, trainer, collector])
    for i in range(20):  # teammates for the home page
        mate = User(staff_no=f"m{i:05d}", name=f"同事{i}", station=station, team=team, active=True,
                    must_change_password=False)
        mate.role_rows = [UserRole(role=Role.COLLECTOR.value)]
        db.session.add(mate)
    db.session.flush()
    ensure_courses()
    courses = [find_course(code) for code in ("law", "integrity", "etiquette", "procedures")]
    per_type = max(2, -(-questions // len(AUTO_GRADED)))
    banks = {}
    for course in courses:
        banks[course.code] = create_bank(trainer, course, f"{course.code}题库", now=now, ip="bench")
        add_questions(trainer, banks[course.code], drafts(per_type), now=now)
    batch = Batch(name="第一期", starts_on=(now - timedelta(days=3)).date(), ends_on=(now - timedelta(days=2)).date(),
                  status="finished", created_at=now)
    db.session.add(batch)
    batch.members.append(BatchMember(user_id=collector.id, added_at=now))
    for course in courses:  # a held session of every course, attended
        session = TrainingSession(batch=batch, course=course, day=batch.starts_on, slot="am", room="一号教室",
                                  capacity=40, lecturer_id=trainer.id, created_at=now)
        session.seats.append(Seat(user_id=collector.id))
        db.session.add(session)
        db.session.flush()
        db.session.add(Attendance(session_id=session.id, user_id=collector.id, status="present",
                                  recorded_at=now, recorded_by_id=trainer.id))
    db.session.flush()

    def exam(index: int, course, count: int, types=TYPES, **settings):
        made = create_exam(trainer, course, ExamSettings(
            title=f"考试{index}", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=3),
            duration_minutes=60, pass_mark=Decimal(1), release_review="at_submit", **settings), now=now, ip="bench")
        shares = [count // len(types) + (1 if i < count % len(types) else 0) for i in range(len(types))]
        rules = [RuleData(count=n, bank_id=banks[course.code].id, type=kind, points_each=Decimal(2))
                 for kind, n in zip(types, shares, strict=True) if n]
        set_blueprint(trainer, made, rules, [], now=now, ip="bench")
        audience = index % 4
        set_audience(trainer, made, station_ids=[station.id] if audience == 0 else [],
                     team_ids=[team.id] if audience == 1 else [], user_ids=[collector.id] if audience == 2 else [],
                     batch_ids=[batch.id] if audience == 3 else [], now=now, ip="bench")
        publish(trainer, made, now=now, ip="bench")
        return made

    made = [exam(0, courses[0], questions, types=AUTO_GRADED)]  # graded at submit: the review is shown
    made += [exam(i, courses[i % len(courses)], 5) for i in range(1, exams)]
    if exams >= 3:  # the last one: a make-up exam of a closed exam the collector failed
        original = exam(exams, courses[1], 5)
        original.opens_at, original.closes_at = now - timedelta(days=2), now - timedelta(days=1)
        original.status = ExamState.CLOSED
        db.session.add(Attempt(exam_id=original.id, user_id=collector.id, number=1, status=AttemptState.SUBMITTED,
                               seed=1, started_at=original.opens_at, deadline_at=original.opens_at + timedelta(hours=1),
                               submitted_at=original.opens_at, max_score=Decimal(10), score=Decimal(0), passed=False))
        made[-1].makeup_of_id = original.id
    db.session.commit()
    return {"collector": collector.staff_no, "paper_exam": made[0].id}


def count_statements(app):
    from sqlalchemy import event

    from app.extensions import db

    counter = {"n": 0}

    def counted(*_args):
        counter["n"] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counted)
    return counter


def measure(client, counter, path: str, repeat: int, expect: int = 200) -> dict:
    response = client.get(path)  # warm-up (templates compiled, caches filled)
    assert response.status_code == expect, (path, response.status_code)
    times, statements = [], []
    for _ in range(repeat):
        before = counter["n"]
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        statements.append(counter["n"] - before)
        assert response.status_code == expect, (path, response.status_code)
    return {"ms": round(statistics.median(times), 1), "statements": max(statements)}


def run(url: str | None, folder: Path, args) -> dict:
    app = fresh_app(url, folder)
    app.config.update(CHEAP_ARGON2, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    with app.app_context():
        seeded = seed(app, args.exams, args.questions)
    counter = count_statements(app)
    client = app.test_client()
    login = client.post("/login", data={"staff_no": seeded["collector"], "password": PASSWORD})
    assert login.status_code == 302, login.status_code
    exam_id = seeded["paper_exam"]
    figures = {"home": measure(client, counter, "/me", args.repeat),
               "my_exams": measure(client, counter, "/my/exams", args.repeat),
               "start_page": measure(client, counter, f"/my/exams/{exam_id}", args.repeat)}
    started = client.post(f"/my/exams/{exam_id}/start")
    assert started.status_code == 302, started.status_code
    attempt = started.headers["Location"].rstrip("/").split("/")[-1]
    figures["paper"] = measure(client, counter, f"/my/attempts/{attempt}", args.repeat)
    figures["submit_page"] = measure(client, counter, f"/my/attempts/{attempt}/submit", args.repeat)
    assert client.post(f"/my/attempts/{attempt}/submit").status_code == 302
    figures["result"] = measure(client, counter, f"/my/attempts/{attempt}/result", args.repeat)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exams", type=int, default=10)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="5 timed requests per page")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 5
    os.environ.setdefault("FLASK_DEBUG", "0")
    load_start = uptime()
    print(f"load average at start: {load_start}; CPUs: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as folder:
        figures = run(args.database_url, Path(folder), args)
    load_end = uptime()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    for page, figure in figures.items():
        print(f"{backend} {page:12} {figure['statements']:4d} statements {figure['ms']:8.1f} ms")
    print(f"load average at end: {load_end}")
    print(json.dumps({"backend": backend, "exams": args.exams, "questions": args.questions, "repeat": args.repeat,
                      "load": [load_start, load_end], "pages": figures}))


if __name__ == "__main__":
    main()
