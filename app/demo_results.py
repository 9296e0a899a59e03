"""Demo step: last year's training with results, so evaluations, dashboards, exports and item analysis have
something to show on a fresh install.

A plan "2025年度…" over the demo stations with two finished batches (sessions held, roll taken), one exam
per course admitting both batches, every collector sitting it through the real exam services (paper drawn,
answers saved, submitted, graded automatically: the papers hold no short answers), a make-up law exam
for those who failed it, and the evaluations computed; the first batch is signed off, the second is left
for HR to review. Answers come from a seeded random generator, so every install shows the same figures.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from flask import current_app
from flask_babel import gettext as _

from app.accounts import services as account_services
from app.core.errors import DomainError
from app.core.localtime import local_to_utc, local_today
from app.courses.catalog import ensure_courses
from app.exams.states import Release
from app.extensions import db

PAST_PLAN = "2025年度收费人员岗位培训"
PAST_DAYS_AGO = 400
# Per course, papers of auto-graded questions only: (type, count, points each), 100 points.
PAST_RULES = {
    "law": (("single", 14, 3), ("multiple", 6, 4), ("true_false", 12, 2), ("fill_blank", 2, 5)),
    "default": (("single", 10, 4), ("multiple", 4, 6), ("true_false", 8, 3), ("fill_blank", 2, 6)),
}
ABSENT_SHARE = 0.04  # of each session's seats: absent (and so refused the exam of that course)
LATE_SHARE = 0.06


def _rules(course, bank):
    from app.exams.pools import RuleFilter, pool
    from app.exams.services import RuleData

    rules = [RuleData(count=count, bank_id=bank.id, type=kind, points_each=Decimal(points))
             for kind, count, points in PAST_RULES.get(course.code, PAST_RULES["default"])]
    enough = all(len(pool(course.id, RuleFilter(bank_id=bank.id, type=rule.type))) >= rule.count for rule in rules)
    return rules if enough else None


def _answer(item, right: bool, rng: random.Random):
    """A response in the paper's displayed order: the key when `right`, otherwise a wrong one."""
    key, order = item.version.key, item.option_order
    match item.version.type:
        case "single":
            correct = order.index(key["correct"][0])
            return correct if right else rng.choice([i for i in range(len(order)) if i != correct])
        case "multiple":
            chosen = sorted(order.index(i) for i in key["correct"])
            if right:
                return chosen
            return chosen[:-1] if len(chosen) > 1 else sorted({*chosen, (chosen[0] + 1) % len(order)})
        case "true_false":
            return key["truth"] if right else not key["truth"]
        case "fill_blank":
            return [alternatives[0] if right else "不清楚" for alternatives in key["blanks"]]
    return None


def _sit(user, exam, ability: float, when: datetime, rng: random.Random) -> bool:
    from app.exams import attempts as flow
    from app.exams.saving import answer_at_once

    grace = timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])
    try:
        attempt = flow.start_attempt(user, exam, now=when, ip="demo")
    except DomainError:
        return False  # refused, e.g. missed the course's training session
    responses = {item.position: _answer(item, rng.random() < ability, rng) for item in attempt.items}
    answer_at_once(attempt, responses, window="demo", now=when, grace=grace)
    return flow.submit(attempt, now=when + timedelta(minutes=25), grace=grace, actor=user, ip="demo")


def past_results(run) -> None:
    from app.banks.services import find_bank
    from app.demo_data import (
        BANK_OWNER,
        DEMO_ROOM,
        DEMO_ROOM_CAPACITY,
        DEMO_SHARE,
        DEMO_TIMETABLE,
        STAFF_ACCOUNTS,
        STATIONS,
        demo_bank_name,
    )
    from app.evaluation import computing, review
    from app.exams.services import ExamSettings, close, create_exam, create_makeup, publish, set_audience, set_blueprint
    from app.org import services as org_services
    from app.training import attendance, batches, plan_allocation, plans, sessions
    from app.training.models import TrainingPlan
    from app.training.states import AttendanceState

    if db.session.scalar(db.select(TrainingPlan).where(TrainingPlan.name == PAST_PLAN)) is not None:
        return
    hr = account_services.find_by_staff_no(STAFF_ACCOUNTS[1][0])
    trainer = account_services.find_by_staff_no(BANK_OWNER)
    stations = [s for s in (org_services.find_station(name) for name, _kind in STATIONS) if s]
    courses = {course.code: course for course in ensure_courses()}
    banks = {code: find_bank(course, demo_bank_name(course, code)) for code, course in courses.items()}
    rules = {code: _rules(courses[code], bank) for code, bank in banks.items() if bank is not None}
    if hr is None or trainer is None or not stations or len(rules) < len(courses) or not all(rules.values()):
        return
    rng = random.Random(2025)
    today = local_today(run.now)
    first = today - timedelta(days=PAST_DAYS_AGO + today.weekday())
    plan = plans.create_plan(hr, name=PAST_PLAN, share=Fraction(*DEMO_SHARE), stations=stations, teams=[],
                             now=run.now, ip="demo")
    made = []
    for number, starts_on in enumerate((first, first + timedelta(days=7)), start=1):
        batch = batches.create_batch(hr, name=f"2025年第{number}期", starts_on=starts_on,
                                     ends_on=starts_on + timedelta(days=2), capacity=DEMO_ROOM_CAPACITY, plan=plan,
                                     now=run.now, ip="demo")
        for offset, slot, code in DEMO_TIMETABLE:
            sessions.add_session(hr, batch, course=courses[code], day=starts_on + timedelta(days=offset), slot=slot,
                                 room=DEMO_ROOM, capacity=DEMO_ROOM_CAPACITY, lecturer=trainer, now=run.now,
                                 ip="demo")
        made.append(batch)
    if plan_allocation.propose(hr, plan, now=run.now, ip="demo").assignment is None:
        return
    for batch in made:
        for action in ("publish", "start", "finish"):
            batches.change_status(hr, batch, action, now=run.now, ip="demo")
        for session in batch.sessions:
            entries = {}
            for user in attendance.seat_holders(session):
                draw = rng.random()
                status = (AttendanceState.ABSENT if draw < ABSENT_SHARE else AttendanceState.LATE
                          if draw < ABSENT_SHARE + LATE_SHARE else AttendanceState.PRESENT)
                entries[user.id] = (status, "")
            # Taken at the start of the session, inside its attendance window.
            attendance.record_roll(trainer, session, entries, now=attendance.session_start(session), ip="demo")

    exam_opens = local_to_utc(made[-1].ends_on + timedelta(days=1), time(9))
    closes = exam_opens + timedelta(days=7)
    exams = {}
    for code, course in courses.items():
        total = sum(rule.count * rule.points_each for rule in rules[code])
        exam = create_exam(trainer, course, ExamSettings(
            title=f"{course.name}·2025年度考试", opens_at=exam_opens, closes_at=closes, duration_minutes=40,
            pass_mark=(total * Decimal("0.6")).quantize(Decimal("0.01")), partial_share=Decimal("0.5"),
            release_score=Release.AT_SUBMIT, release_review=Release.AFTER_CLOSE), now=run.now, ip="demo")
        set_blueprint(trainer, exam, rules[code], [], now=run.now, ip="demo")
        set_audience(trainer, exam, station_ids=[], team_ids=[], user_ids=[], batch_ids=[b.id for b in made],
                     now=run.now, ip="demo")
        publish(trainer, exam, now=run.now, ip="demo")
        exams[code] = exam
    members = sorted({m.user for batch in made for m in batch.members}, key=lambda u: u.staff_no)
    ability = {user.id: rng.uniform(0.5, 0.98) for user in members}
    grace = timedelta(seconds=current_app.config["EXAM_GRACE_SECONDS"])
    sat = 0
    for day, (_code, exam) in enumerate(exams.items()):
        when = exam_opens + timedelta(days=day)
        sat += sum(_sit(user, exam, ability[user.id], when, rng) for user in members)
    exam_end = closes + timedelta(minutes=1)
    for exam in exams.values():
        close(trainer, exam, now=exam_end, ip="demo", grace=grace)
    law = exams["law"]
    makeup = create_makeup(trainer, law, ExamSettings(
        title=f"{courses['law'].name}·2025年度补考", opens_at=exam_end, closes_at=exam_end + timedelta(days=7),
        duration_minutes=40, pass_mark=law.pass_mark, partial_share=Decimal("0.5"), release_score=Release.AT_SUBMIT,
        release_review=Release.AFTER_CLOSE), now=run.now, ip="demo")
    publish(trainer, makeup, now=run.now, ip="demo")
    sat += sum(_sit(user, makeup, min(ability[user.id] + 0.2, 0.98), exam_end + timedelta(hours=2), rng)
               for user in members)
    close(trainer, makeup, now=exam_end + timedelta(days=7, minutes=1), ip="demo", grace=grace)
    evaluated = 0
    for batch in made:
        evaluated += len(computing.compute_batch(hr, batch, now=run.now, ip="demo"))
    review.sign_off(hr, made[0], now=run.now, ip="demo")
    run.created[_("exam results")] += sat
    run.notes.append(_("Last year: %(plan)s with results, %(count)d evaluations; %(first)s is signed off, "
                       "%(second)s waits for HR (sign in as %(hr)s and open Evaluations).", plan=PAST_PLAN,
                       count=evaluated, first=made[0].name, second=made[1].name, hr=hr.staff_no))
