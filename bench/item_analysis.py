"""Item analysis speed: one exam with 5,000 graded attempts × 100 questions (500,000 paper items), then
`app.reports.item_analysis.analyse_exam` timed on it.

usage: python bench/item_analysis.py [--attempts N] [--questions N] [--repeat N] [--seed N] [--quick]
                                     [--database-url postgresql+psycopg://…]   (that database is emptied)

The bank holds 1.5 × questions (single, multiple, true/false and fill-in-the-blank questions); each paper
carries the first 40% of them (as fixed questions would) and draws the rest at random, with option orders
shuffled per paper. Candidates answer by a one-parameter logistic model (ability ~ N(0, 1), question
difficulty spread over −2 … 2), so the statistics have realistic spread. Rows go in by bulk insert (COPY on
PostgreSQL). Without --database-url it runs on a fresh SQLite file. The last line is JSON with every figure.
`run` returns those figures: bench/reports.py calls it for the reports issue's combined run.
"""

import argparse
import io
import json
import math
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import fresh_app  # noqa: E402

FULL = {"attempts": 5000, "questions": 100}
QUICK = {"attempts": 1000, "questions": 100}
TYPES = ("single", "single", "multiple", "true_false", "fill_blank")


def _drafts(count: int, rng: random.Random):
    from app.banks.drafts import Draft, QuestionType

    drafts = []
    for n in range(count):
        kind = TYPES[n % len(TYPES)]
        level = rng.randint(1, 5)
        if kind == "single":
            drafts.append(Draft(QuestionType.SINGLE, f"基准单选题{n}", options=["甲", "乙", "丙", "丁"],
                                correct={rng.randrange(4)}, difficulty=level, points=Decimal(1)))
        elif kind == "multiple":
            drafts.append(Draft(QuestionType.MULTIPLE, f"基准多选题{n}", options=["一", "二", "三", "四", "五"],
                                correct=set(rng.sample(range(5), 2)), difficulty=level, points=Decimal(2)))
        elif kind == "true_false":
            drafts.append(Draft(QuestionType.TRUE_FALSE, f"基准判断题{n}", truth=rng.random() < 0.5,
                                difficulty=level, points=Decimal(1)))
        else:
            drafts.append(Draft(QuestionType.FILL_BLANK, f"基准填空题{n}：____与____", blanks=[["甲"], ["乙"]],
                                difficulty=level, points=Decimal(2)))
    return drafts


def _answer(rng, version, order, right_probability):
    """(response as the candidate submitted it, score) for one paper item."""
    points = float(version.points)
    right = rng.random() < right_probability
    if version.type == "single":
        key = version.key["correct"][0]
        index = key if right else rng.choice([i for i in range(4) if i != key])
        return order.index(index), points if right else 0.0
    if version.type == "multiple":
        key = set(version.key["correct"])
        chosen = key if right else set(rng.sample(range(5), rng.choice([1, 2, 3])))
        score = points if chosen == key else 0.0
        return sorted(order.index(i) for i in chosen), score
    if version.type == "true_false":
        truth = version.key["truth"]
        return truth if right else not truth, points if right else 0.0
    blanks = [right or rng.random() < 0.5 for _ in range(2)]
    return ["甲" if blanks[0] else "丙", "乙" if blanks[1] else "丁"], points * sum(blanks) / 2


def build(attempts: int, questions: int, seed: int) -> int:
    """Candidates, a bank, an exam and its graded papers; returns the exam id."""
    from app.accounts.actors import SYSTEM
    from app.accounts.models import User, UserRole
    from app.banks.models import QuestionVersion
    from app.banks.services import add_questions, create_bank
    from app.courses.catalog import ensure_courses, find_course
    from app.exams.models import Attempt
    from app.exams.services import ExamSettings, create_exam
    from app.extensions import db

    rng = random.Random(seed)
    now = datetime.now(UTC)
    ensure_courses()
    bank = create_bank(SYSTEM, find_course("law"), "基准题库", now=now, ip="bench")
    made = add_questions(SYSTEM, bank, _drafts(int(questions * 1.5), rng), now=now)
    versions = {v.question_id: v for v in db.session.scalars(db.select(QuestionVersion))}
    pool = [(q.id, versions[q.id]) for q in made]
    fixed_count = int(questions * 0.4)
    fixed, drawn = pool[:fixed_count], pool[fixed_count:]
    exam = create_exam(SYSTEM, bank.course, ExamSettings(
        title="基准考试", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1), duration_minutes=60,
        pass_mark=Decimal(60)), now=now, ip="bench")
    exam.status = "published"
    exam.frozen_at = now
    db.session.flush()
    first_user = (db.session.scalar(db.select(db.func.max(User.id))) or 0) + 1
    db.session.execute(db.insert(User), [
        {"id": first_user + n, "staff_no": f"ia{n:06d}", "name": f"考生{n}", "active": True, "created_at": now}
        for n in range(attempts)])
    db.session.execute(db.insert(UserRole), [{"user_id": first_user + n, "role": "collector"}
                                             for n in range(attempts)])
    difficulty = {qid: rng.uniform(-2, 2) for qid, _v in pool}
    orders = {4: [list(p) for p in _permutations(4, rng, 12)], 5: [list(p) for p in _permutations(5, rng, 24)]}
    attempt_rows, item_rows = [], []
    first_attempt = (db.session.scalar(db.select(db.func.max(Attempt.id))) or 0) + 1
    for n in range(attempts):
        attempt_id = first_attempt + n
        ability = rng.gauss(0, 1)
        paper = fixed + rng.sample(drawn, questions - fixed_count)
        total = maximum = 0.0
        for position, (question_id, version) in enumerate(paper, start=1):
            count = len(version.options or [])
            order = rng.choice(orders[count]) if count else []
            probability = 1 / (1 + math.exp(-(ability - difficulty[question_id])))
            response, score = _answer(rng, version, order, probability)
            total += score
            maximum += float(version.points)
            item_rows.append((attempt_id, position, question_id, version.id, json.dumps(order),
                              str(version.points), json.dumps(response, ensure_ascii=False), False, now, str(score),
                              score == float(version.points), now, ""))
        attempt_rows.append({"id": attempt_id, "exam_id": exam.id, "user_id": first_user + n, "number": 1,
                             "status": "submitted", "seed": n, "started_at": now, "deadline_at": now,
                             "writer": "", "save_seq": 1, "submitted_at": now, "submitted_how": "candidate",
                             "max_score": Decimal(str(maximum)), "score": Decimal(str(round(total, 2))),
                             "passed": total >= 60, "graded_at": now, "mean_difficulty": Decimal(3)})
    db.session.execute(db.insert(Attempt), attempt_rows)
    db.session.commit()
    _insert_items(item_rows)
    return exam.id


def _permutations(count: int, rng: random.Random, how_many: int):
    seen = set()
    while len(seen) < how_many:
        order = list(range(count))
        rng.shuffle(order)
        seen.add(tuple(order))
    return sorted(seen)


ITEM_FIELDS = ("attempt_id", "position", "question_id", "version_id", "option_order", "points", "response",
               "flagged", "answered_at", "score", "correct", "graded_at", "comment")


def _insert_items(rows: list[tuple]) -> None:
    """Half a million rows: COPY on PostgreSQL, one executemany on SQLite."""
    from app.extensions import db

    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if db.engine.dialect.name == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_copy_text(value) for value in row) + "\n")
            with cursor.copy(f"COPY paper_items ({', '.join(ITEM_FIELDS)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        else:
            marks = ", ".join("?" for _ in ITEM_FIELDS)
            cursor.executemany(f"INSERT INTO paper_items ({', '.join(ITEM_FIELDS)}) VALUES ({marks})",  # noqa: S608
                               [(*row[:8], row[8].isoformat(" "), *row[9:11], row[11].isoformat(" "), row[12])
                                for row in rows])
        connection.commit()
    finally:
        connection.close()


def _copy_text(value) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def run(quick: bool, database_url: str | None, *, attempts: int | None = None, questions: int | None = None,
        repeat: int = 3, seed: int = 1, echo=print) -> dict:
    """Build the exam on a fresh database (SQLite, or `database_url`, which is emptied) and time the analysis."""
    from app.exams.models import Exam
    from app.extensions import db
    from app.reports.item_analysis import analyse_exam

    size = QUICK if quick else FULL
    attempts = attempts or size["attempts"]
    questions = questions or size["questions"]
    backend = "postgresql" if database_url else "sqlite"
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(database_url, Path(folder))
        with app.app_context():
            started = time.perf_counter()
            exam_id = build(attempts, questions, seed)
            build_seconds = time.perf_counter() - started
            items = db.session.scalar(db.select(db.func.count()).select_from(db.text("paper_items")))
            echo(f"built {attempts} attempts × {questions} questions ({items} paper items) on {backend} "
                 f"in {build_seconds:.1f} s")
            timings = []
            result = None
            for run_number in range(1, repeat + 1):
                db.session.remove()
                exam = db.session.get(Exam, exam_id)
                started = time.perf_counter()
                result = analyse_exam(exam, min_sample=30)
                timings.append(time.perf_counter() - started)
                echo(f"analyse_exam run {run_number}: {timings[-1]:.3f} s")
            flagged = result.analysis.flagged
            value = result.analysis.reliability.value
            echo(f"{len(result.rows)} questions analysed, {flagged} flagged; reliability "
                 f"{result.analysis.reliability.method} = {value if value is None else round(value, 3)} over "
                 f"{result.analysis.reliability.items} common questions")
            db.session.remove()
            db.engine.dispose()
    return {"backend": backend, "attempts": attempts, "questions": questions, "paper_items": items,
            "build_seconds": round(build_seconds, 2), "analyse_seconds": [round(t, 3) for t in timings],
            "analyse_median_seconds": round(statistics.median(timings), 3), "target_seconds": 2.0,
            "questions_analysed": len(result.rows), "flagged": flagged,
            "reliability": None if value is None else round(value, 4),
            "reliability_items": result.analysis.reliability.items}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int)
    parser.add_argument("--questions", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK['attempts']:,} attempts")
    parser.add_argument("--database-url", help="run on this PostgreSQL database instead of SQLite (it is emptied)")
    args = parser.parse_args()
    figures = run(args.quick, args.database_url, attempts=args.attempts, questions=args.questions,
                  repeat=args.repeat, seed=args.seed)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
