"""Defining exams: settings, blueprint, candidates, the state machine draft → published → closed → archived.

Services flush, never commit. The blueprint (rules and fixed questions) freezes when the first candidate
starts: every blueprint change first runs `UPDATE exams … WHERE frozen_at IS NULL`, which serialises
with the first start's freeze, so a paper is never drawn from a half-edited blueprint.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from app.audit import actions
from app.audit.services import record
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.courses.models import Course
from app.exams.attempts import close_overdue
from app.exams.models import AudienceEntry, BlueprintRule, Exam, FixedQuestion
from app.exams.pools import RuleFilter, exposed_question_ids, fixed_questions, rule_report
from app.exams.states import ExamState, Release, SubmittedHow
from app.extensions import db


@dataclass
class ExamSettings:
    """Everything about an exam but its blueprint and candidates, as the form gives it."""

    title: str
    opens_at: datetime
    closes_at: datetime
    duration_minutes: int
    pass_mark: Decimal
    attempts_allowed: int = 1
    partial_share: Decimal | None = None
    release_score: str = Release.AT_SUBMIT
    release_review: str = Release.AFTER_CLOSE
    avoid_exposed: bool = False
    description: str = ""


@dataclass
class RuleData:
    count: int
    bank_id: int | None = None
    type: str | None = None
    topic_ids: list[int] = field(default_factory=list)
    difficulty_min: int = 1
    difficulty_max: int = 5
    points_each: Decimal | None = None


FROZEN_FIELDS = ("duration_minutes", "pass_mark", "partial_share", "attempts_allowed")


def _check(settings: ExamSettings) -> None:
    if not settings.title.strip():
        raise DomainError(_l("The exam needs a title."), field="title")
    if settings.closes_at <= settings.opens_at:
        raise DomainError(_l("The exam must close after it opens."), field="closes_at")
    if settings.duration_minutes <= 0:
        raise DomainError(_l("The duration must be at least one minute."), field="duration_minutes")
    if settings.attempts_allowed <= 0:
        raise DomainError(_l("At least one attempt must be allowed."), field="attempts_allowed")
    if settings.pass_mark < 0:
        raise DomainError(_l("The pass mark cannot be negative."), field="pass_mark")
    if settings.partial_share is not None and not 0 <= settings.partial_share <= 1:
        raise DomainError(_l("The share for a correct but incomplete choice must be between 0 and 1."),
                          field="partial_share")


def _snapshot(exam: Exam) -> dict:
    return {
        "title": exam.title, "opens_at": exam.opens_at.isoformat(), "closes_at": exam.closes_at.isoformat(),
        "duration_minutes": exam.duration_minutes, "pass_mark": str(exam.pass_mark),
        "attempts_allowed": exam.attempts_allowed,
        "partial_share": None if exam.partial_share is None else str(exam.partial_share),
        "release_score": exam.release_score, "release_review": exam.release_review,
        "avoid_exposed": exam.avoid_exposed,
    }


def create_exam(actor, course: Course, settings: ExamSettings, *, now: datetime, ip: str,
                makeup_of: Exam | None = None) -> Exam:
    _check(settings)
    exam = Exam(course_id=course.id, status=ExamState.DRAFT, created_at=now, created_by_id=getattr(actor, "id", None),
                makeup_of_id=makeup_of.id if makeup_of else None, **_fields(settings))
    if getattr(actor, "id", None) is not None:
        exam.owners.append(actor)
    db.session.add(exam)
    db.session.flush()
    record(actions.EXAM_CREATED, actor=actor, ip=ip, now=now, target=exam,
           details={"course": course.code, **_snapshot(exam)})
    return exam


def _fields(settings: ExamSettings) -> dict:
    return {"title": settings.title.strip(), "description": (settings.description or "").strip(),
            "opens_at": settings.opens_at, "closes_at": settings.closes_at,
            "duration_minutes": settings.duration_minutes, "pass_mark": settings.pass_mark,
            "attempts_allowed": settings.attempts_allowed, "partial_share": settings.partial_share,
            "release_score": settings.release_score, "release_review": settings.release_review,
            "avoid_exposed": settings.avoid_exposed}


def update_exam(actor, exam: Exam, settings: ExamSettings, *, now: datetime, ip: str) -> bool:
    """Change the settings; once frozen, duration, pass mark, scoring and attempts stay as they were."""
    if exam.status == ExamState.ARCHIVED:
        raise Conflict(_l("An archived exam cannot be changed."))
    _check(settings)
    before = _snapshot(exam)
    wanted = _fields(settings)
    if exam.frozen_at is not None:
        for name in FROZEN_FIELDS:
            if wanted[name] != getattr(exam, name):
                raise Conflict(_l("Candidates have started this exam: its duration, pass mark, scoring and "
                                  "attempts can no longer change."), field=name)
    for name, value in wanted.items():
        setattr(exam, name, value)
    db.session.flush()
    after = _snapshot(exam)
    changed = {k: {"old": before[k], "new": after[k]} for k in after if before[k] != after[k]}
    if changed:
        record(actions.EXAM_UPDATED, actor=actor, ip=ip, now=now, target=exam, details=changed)
    return bool(changed)


def _lock_unfrozen(exam: Exam) -> None:
    """Refuse if anyone started; otherwise hold the exam row until commit (see the module docstring)."""
    locked = db.session.execute(update(Exam).where(Exam.id == exam.id, Exam.frozen_at.is_(None))
                                .values(frozen_at=None).execution_options(synchronize_session=False)).rowcount
    if not locked or exam.status == ExamState.ARCHIVED:
        raise Conflict(_l("Candidates have started this exam: its paper blueprint can no longer change."))


def set_blueprint(actor, exam: Exam, rules: list[RuleData], fixed: list[tuple[int, Decimal | None]], *,
                  now: datetime, ip: str) -> None:
    """Replace the rules and the fixed questions (question id, points or None for the question's own)."""
    _lock_unfrozen(exam)
    for number, rule in enumerate(rules, start=1):
        if rule.count <= 0:
            raise DomainError(_l("Rule %(n)d: draw at least one question.", n=number))
        if not (1 <= rule.difficulty_min <= rule.difficulty_max <= 5):
            raise DomainError(_l("Rule %(n)d: the difficulty range must go from low to high, within 1–5.",
                                 n=number))
        if rule.points_each is not None and rule.points_each <= 0:
            raise DomainError(_l("Rule %(n)d: points must be positive.", n=number))
    question_ids = [question_id for question_id, _points in fixed]
    if len(set(question_ids)) != len(question_ids):
        raise DomainError(_l("A fixed question is listed twice."))
    exam.rules.clear()
    exam.fixed.clear()
    db.session.flush()
    for position, rule in enumerate(rules):
        exam.rules.append(BlueprintRule(position=position, bank_id=rule.bank_id, type=rule.type or None,
                                        topic_ids=list(rule.topic_ids), difficulty_min=rule.difficulty_min,
                                        difficulty_max=rule.difficulty_max, count=rule.count,
                                        points_each=rule.points_each))
    for position, (question_id, points) in enumerate(fixed):
        exam.fixed.append(FixedQuestion(position=position, question_id=question_id, points=points))
    db.session.flush()
    record(actions.EXAM_BLUEPRINT_CHANGED, actor=actor, ip=ip, now=now, target=exam,
           details={"rules": [_rule_details(r) for r in exam.rules], "fixed": question_ids})


def _rule_details(rule: BlueprintRule) -> dict:
    return {"bank_id": rule.bank_id, "type": rule.type, "topic_ids": rule.topic_ids,
            "difficulty": [rule.difficulty_min, rule.difficulty_max], "count": rule.count,
            "points_each": None if rule.points_each is None else str(rule.points_each)}


def set_audience(actor, exam: Exam, *, station_ids: list[int], team_ids: list[int], user_ids: list[int],
                 batch_ids: list[int] = (), now: datetime, ip: str) -> None:
    if exam.status == ExamState.ARCHIVED:
        raise Conflict(_l("An archived exam cannot be changed."))
    if exam.makeup_of_id is not None:
        raise Conflict(_l("A make-up exam admits those who failed or missed the original exam; it has no "
                          "candidate list of its own."))
    exam.audience.clear()
    db.session.flush()
    for station_id in dict.fromkeys(station_ids):
        exam.audience.append(AudienceEntry(station_id=station_id))
    for team_id in dict.fromkeys(team_ids):
        exam.audience.append(AudienceEntry(team_id=team_id))
    for user_id in dict.fromkeys(user_ids):
        exam.audience.append(AudienceEntry(user_id=user_id))
    for batch_id in dict.fromkeys(batch_ids):
        exam.audience.append(AudienceEntry(batch_id=batch_id))
    db.session.flush()
    record(actions.EXAM_AUDIENCE_CHANGED, actor=actor, ip=ip, now=now, target=exam,
           details={"stations": station_ids, "teams": team_ids, "users": user_ids, "batches": list(batch_ids)})


def total_points(exam: Exam) -> Decimal | None:
    """The paper's total, or None when a rule gives each question its own points (totals then vary)."""
    total = Decimal(0)
    for rule in exam.rules:
        if rule.points_each is None:
            return None
        total += rule.count * rule.points_each
    for fixed in exam.fixed:
        points = fixed.points if fixed.points is not None else (
            fixed.question.current.points if fixed.question.current else Decimal(0))
        total += points
    return total


def blueprint_problems(exam: Exam) -> list:
    """Why papers cannot be drawn yet (translated messages); empty when the exam may be published."""
    problems = []
    if not exam.rules and not exam.fixed:
        problems.append(_l("The paper has no questions: add a rule or a fixed question."))
    exposed = exposed_question_ids(exam) if exam.avoid_exposed else set()
    for number, rule in enumerate(exam.rules, start=1):
        report = rule_report(exam, RuleFilter.of(rule), rule.count, exposed)
        if report.short_by:
            problems.append(_l("Rule %(n)d draws %(count)d questions but only %(size)d match.", n=number,
                               count=rule.count, size=report.size))
    drawable = fixed_questions(exam)
    usable = {question.question_id for question, _points in drawable}
    first_with: dict[str, int] = {}
    for question, _points in drawable:
        first = first_with.setdefault(question.identity, question.question_id)
        if first != question.question_id:
            problems.append(_l("Fixed questions %(first)d and %(second)d are the same question (same text and "
                               "options); keep one.", first=first, second=question.question_id))
    for fixed in exam.fixed:
        if fixed.question_id not in usable:
            problems.append(_l("Fixed question %(id)d is retired or has no content.", id=fixed.question_id))
        elif fixed.question.bank.course_id != exam.course_id:
            problems.append(_l("Fixed question %(id)d belongs to another course.", id=fixed.question_id))
    total = total_points(exam)
    if total is not None and exam.pass_mark > total:
        problems.append(_l("The pass mark (%(mark)s) is above the paper's total (%(total)s).",
                           mark=exam.pass_mark, total=total))
    if exam.makeup_of_id is None and not exam.audience:
        problems.append(_l("Nobody may sit the exam yet: choose stations, teams or people."))
    return problems


def publish(actor, exam: Exam, *, now: datetime, ip: str) -> None:
    if exam.status != ExamState.DRAFT:
        raise Conflict(_l("Only a draft exam can be published."))
    problems = blueprint_problems(exam)
    if problems:
        raise DomainError(problems[0])
    exam.status = ExamState.PUBLISHED
    db.session.flush()
    record(actions.EXAM_PUBLISHED, actor=actor, ip=ip, now=now, target=exam, details={"title": exam.title})


def unpublish(actor, exam: Exam, *, now: datetime, ip: str) -> None:
    """Back to draft, as long as nobody started."""
    if exam.status != ExamState.PUBLISHED or exam.frozen_at is not None:
        raise Conflict(_l("Only a published exam nobody has started can go back to draft."))
    exam.status = ExamState.DRAFT
    db.session.flush()
    record(actions.EXAM_UPDATED, actor=actor, ip=ip, now=now, target=exam,
           details={"status": {"old": ExamState.PUBLISHED, "new": ExamState.DRAFT}})


def close(actor, exam: Exam, *, now: datetime, ip: str, grace: timedelta) -> int:
    """Close the exam now: open attempts are submitted with their saved answers; returns how many."""
    if exam.status != ExamState.PUBLISHED:
        raise Conflict(_l("Only a published exam can be closed."))
    exam.status = ExamState.CLOSED
    if exam.closes_at > now:
        exam.closes_at = now if now > exam.opens_at else exam.opens_at + timedelta(seconds=1)
    db.session.flush()
    closed = close_overdue(now=now, grace=grace, ip=ip, how=SubmittedHow.CLOSED, exam=exam, everyone=True)
    record(actions.EXAM_CLOSED, actor=actor, ip=ip, now=now, target=exam, details={"attempts_closed": closed})
    return closed


def archive(actor, exam: Exam, *, now: datetime, ip: str) -> None:
    if exam.status != ExamState.CLOSED:
        raise Conflict(_l("Only a closed exam can be archived."))
    exam.status = ExamState.ARCHIVED
    db.session.flush()
    record(actions.EXAM_ARCHIVED, actor=actor, ip=ip, now=now, target=exam, details={})


def create_makeup(actor, original: Exam, settings: ExamSettings, *, now: datetime, ip: str) -> Exam:
    """A make-up exam (补考) with the original's blueprint; it admits those who failed or were absent."""
    if original.makeup_of_id is not None:
        raise Conflict(_l("Make a make-up exam from the original exam, not from another make-up exam."))
    if original.status == ExamState.DRAFT:
        raise Conflict(_l("Publish the original exam before making a make-up exam for it."))
    if settings.opens_at < original.closes_at:
        raise DomainError(_l("The make-up exam must open after the original exam closes."), field="opens_at")
    makeup = create_exam(actor, original.course, settings, now=now, ip=ip, makeup_of=original)
    for owner in original.owners:
        if owner not in makeup.owners:
            makeup.owners.append(owner)
    set_blueprint(actor, makeup,
                  [RuleData(count=r.count, bank_id=r.bank_id, type=r.type, topic_ids=list(r.topic_ids or []),
                            difficulty_min=r.difficulty_min, difficulty_max=r.difficulty_max,
                            points_each=r.points_each) for r in original.rules],
                  [(f.question_id, f.points) for f in original.fixed], now=now, ip=ip)
    record(actions.MAKEUP_CREATED, actor=actor, ip=ip, now=now, target=makeup, details={"original": original.id})
    return makeup


def exams_for(user, *, status: str | None = None, course_code: str | None = None):
    """A select of the exams a trainer owns (all for administrators and HR), newest first, archived last,
    narrowed by state and course: the list pages it."""
    query = select(Exam).order_by((Exam.status == ExamState.ARCHIVED), Exam.opens_at.desc(), Exam.id.desc())
    if not user.has_role(Role.ADMIN, Role.HR):
        query = query.where(Exam.owners.any(id=user.id))
    if status:
        query = query.where(Exam.status == status)
    if course_code:
        query = query.where(Exam.course.has(Course.code == course_code))
    return query
