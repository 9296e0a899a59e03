"""An attempt's life: start (paper drawn), submit, close when overdue. Saving answers is app.exams.saving.

Every state change is a conditional UPDATE whose row count decides (docs/security.md §31): two submits, a save
racing a submit — the database row says who won, never the app's memory. Services flush; the caller
commits once, so a worker killed mid-request leaves the attempt as it was (docs/security.md §32).
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.accounts.actors import SYSTEM
from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict
from app.core.i18n import lazy_gettext as _l
from app.exams import assembly
from app.exams.audience import attempts_used, refusal
from app.exams.grading import grade_attempt
from app.exams.models import Attempt, Exam, ExtraTime, PaperItem
from app.exams.policies import deadline_for
from app.exams.pools import RuleFilter, exposed_question_ids, fixed_questions, pool
from app.exams.states import AttemptState, SubmittedHow
from app.extensions import db


def open_attempt(user, exam: Exam) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id,
                                                   Attempt.status == AttemptState.IN_PROGRESS))


def has_open_attempt(user, now: datetime, grace: timedelta = timedelta(0)) -> bool:
    """`user` has an attempt (of any exam) that may still save: pages that show keys stay closed
    (docs/security.md §19)."""
    return db.session.scalar(
        select(func.count()).select_from(Attempt)
        .where(Attempt.user_id == user.id, Attempt.status == AttemptState.IN_PROGRESS, Attempt.deadline_at >= now - grace)
    ) > 0


def extra_minutes(exam: Exam, user) -> int:
    return db.session.scalar(select(ExtraTime.minutes).where(ExtraTime.exam_id == exam.id,
                                                             ExtraTime.user_id == user.id)) or 0


def plan_paper(exam: Exam, seed: int) -> list[assembly.PlannedItem]:
    """The paper `seed` draws from the exam's blueprint as it is now (raises assembly.PoolTooSmall)."""
    rules = [assembly.RuleDraw(pool(exam.course_id, RuleFilter.of(rule)), rule.count, rule.points_each)
             for rule in exam.rules]
    exposed = exposed_question_ids(exam) if exam.avoid_exposed else set()
    return assembly.draw_paper(rules, fixed_questions(exam), seed=seed, exposed=exposed)


def start_attempt(user, exam: Exam, *, now: datetime, ip: str) -> Attempt:
    """A new attempt with its paper; the open attempt if there is one.

    Two starts at once: the partial unique index lets one insert through; the other raises
    IntegrityError on flush, and the caller rolls back and resumes the open attempt.
    """
    existing = open_attempt(user, exam)
    if existing is not None:
        return existing
    refused = refusal(user, exam, now)
    if refused is not None:
        # A parallel start that committed between the two reads used the last attempt: resume it.
        existing = open_attempt(user, exam)
        if existing is not None:
            return existing
        raise Conflict(refused.message)
    if exam.frozen_at is None:
        # The first start freezes the blueprint; doing it first serialises with a concurrent blueprint edit.
        db.session.execute(update(Exam).where(Exam.id == exam.id, Exam.frozen_at.is_(None))
                           .values(frozen_at=now).execution_options(synchronize_session=False))
        db.session.refresh(exam)
    seed = secrets.randbits(31)
    try:
        planned = plan_paper(exam, seed)
    except assembly.PoolTooSmall as error:
        raise Conflict(_l("This exam's paper cannot be drawn: rule %(rule)d needs %(needed)d questions and only "
                          "%(available)d are available. Tell the trainer.", rule=error.rule_index + 1,
                          needed=error.needed, available=error.available)) from error
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=attempts_used(user, exam) + 1, seed=seed,
                      status=AttemptState.IN_PROGRESS, started_at=now,
                      deadline_at=deadline_for(exam, now, extra_minutes(exam, user)),
                      max_score=sum((item.points for item in planned), start=0),
                      mean_difficulty=round(sum(i.difficulty for i in planned) / len(planned), 2) if planned else 0)
    db.session.add(attempt)
    db.session.flush()  # the unique index decides here
    db.session.execute(
        PaperItem.__table__.insert(),
        [{"attempt_id": attempt.id, "position": item.position, "question_id": item.question_id,
          "version_id": item.version_id, "option_order": item.option_order, "points": item.points,
          "flagged": False, "comment": ""} for item in planned],
    )
    record(actions.ATTEMPT_STARTED, actor=user, ip=ip, now=now, target=attempt,
           details={"exam_id": exam.id, "number": attempt.number, "deadline": attempt.deadline_at.isoformat()})
    return attempt


def submit(attempt: Attempt, *, now: datetime, grace: timedelta, actor, ip: str, how: str = SubmittedHow.CANDIDATE) -> bool:
    """Close the attempt and grade it; True if this call did it (a second submit changes nothing).

    A candidate's submit after deadline + grace closes the attempt as overdue, with its saved answers."""
    overdue = attempt.deadline_at < now - grace
    if how == SubmittedHow.CANDIDATE and overdue:
        how = SubmittedHow.DEADLINE
    condition = [Attempt.id == attempt.id, Attempt.status == AttemptState.IN_PROGRESS]
    if how == SubmittedHow.CANDIDATE:
        condition.append(Attempt.deadline_at >= now - grace)
    closed = db.session.execute(
        update(Attempt).where(*condition).values(status=AttemptState.SUBMITTED, submitted_at=now, submitted_how=how)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if not closed:
        return False
    grade_attempt(attempt, now=now)
    action = actions.ATTEMPT_SUBMITTED if how == SubmittedHow.CANDIDATE else actions.ATTEMPT_AUTO_SUBMITTED
    record(action, actor=actor if how == SubmittedHow.CANDIDATE else SYSTEM, ip=ip, now=now, target=attempt,
           details={"exam_id": attempt.exam_id, "how": how, "user": attempt.user.staff_no,
                    "answered": sum(item.response is not None for item in attempt.items)})
    return True


def close_overdue(*, now: datetime, grace: timedelta, ip: str, how: str = SubmittedHow.DEADLINE,
                  user=None, exam: Exam | None = None, everyone: bool = False) -> int:
    """Submit every open attempt past deadline + grace (`everyone`: every open one, when an exam is
    closed early) with its last saved answers; how many were closed."""
    query = select(Attempt).where(Attempt.status == AttemptState.IN_PROGRESS)
    if not everyone:
        query = query.where(Attempt.deadline_at < now - grace)
    if user is not None:
        query = query.where(Attempt.user_id == user.id)
    if exam is not None:
        query = query.where(Attempt.exam_id == exam.id)
    return sum(submit(attempt, now=now, grace=grace, actor=SYSTEM, ip=ip, how=how)
               for attempt in db.session.scalars(query).all())


def remaining_seconds(attempt: Attempt, now: datetime) -> int:
    return max(0, int((attempt.deadline_at - now).total_seconds()))


def grant_extra_time(actor, exam: Exam, user, *, minutes: int, reason: str, now: datetime, ip: str,
                     grace: timedelta) -> Attempt | None:
    """Set `user`'s extra time on `exam` (total minutes); an open attempt's deadline moves with it.

    An attempt already past deadline + grace is closed first: extra time cannot reopen it."""
    close_overdue(now=now, grace=grace, ip=ip, user=user, exam=exam)
    grant = db.session.scalar(select(ExtraTime).where(ExtraTime.exam_id == exam.id, ExtraTime.user_id == user.id))
    before = grant.minutes if grant else 0
    if grant is None:
        grant = ExtraTime(exam_id=exam.id, user_id=user.id, minutes=minutes, reason=reason, granted_at=now,
                          granted_by_id=getattr(actor, "id", None))
        db.session.add(grant)
    else:
        grant.minutes, grant.reason, grant.granted_at = minutes, reason, now
        grant.granted_by_id = getattr(actor, "id", None)
    db.session.flush()
    attempt = open_attempt(user, exam)
    details = {"user": user.staff_no, "minutes": {"old": before, "new": minutes}, "reason": reason}
    if attempt is not None:
        deadline = deadline_for(exam, attempt.started_at, minutes)
        db.session.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.status == AttemptState.IN_PROGRESS)
                           .values(deadline_at=deadline).execution_options(synchronize_session=False))
        db.session.refresh(attempt)
        details["deadline"] = attempt.deadline_at.isoformat()
    record(actions.EXTRA_TIME_GRANTED, actor=actor, ip=ip, now=now, target=exam, details=details)
    return attempt
