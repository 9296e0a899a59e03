"""Dashboard figures: score distribution per exam, pass rates per station, team and course, attendance per
batch and station, and the trend across batches. Pure aggregate queries (GROUP BY in the database) that take
the filters as explicit arguments and return plain data; nothing here writes.

A *result* is one person's result for one exam as app/exams/results.py defines it (the counted attempt:
the highest fully graded score); the figures count graded results only, with that attempt's percentage of
its paper and its pass/fail. Make-up exams (补考) are kept apart from regular exams in the pass
rates and left out of the batch trend. A batch's (or plan's) results are its members' results submitted from
the batch's (the plan's first batch's) first day (dated by the latest submission at that exam), so last
year's exams do not count for this year's batch.

Attendance figures count only sessions that have ended (by the `now` they are given) and in them the
`Attendance` rows recorded by roll call or check-in code: present and late count as attended, of everything
recorded (the denominator, shown). A seat without a row is not an absence — it is counted apart as not
recorded, as on the batch attendance page — so a batch that has not started shows no rate at all.

A trainer's dashboards cover only the exams they own and the sessions they lecture (`trainer_scope`).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Float, Select, and_, case, cast, func, literal, select

from app.accounts.models import User
from app.core.localtime import local_to_utc
from app.core.models import UTCDateTime
from app.core.roles import Role
from app.courses.models import Course
from app.exams.models import Exam, exam_owners
from app.exams.results import counted_results
from app.extensions import db
from app.org.models import Station, Team
from app.training.models import Attendance, Batch, BatchMember, Seat, TrainingSession
from app.training.roll_window import ended_by
from app.training.states import ATTENDED, AttendanceState, BatchState

BIN_COUNT = 10  # 0–9 %, 10–19 %, …, 90–100 %


@dataclass(frozen=True)
class Filters:
    """What the dashboards cover. Dates are local calendar days (inclusive); `trainer_id` limits the figures to
    the exams that trainer owns and the sessions they lecture (None: everything)."""

    plan_id: int | None = None
    batch_id: int | None = None
    course_id: int | None = None
    station_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    trainer_id: int | None = None


def trainer_scope(user) -> int | None:
    """None when `user` may see every exam's figures (HR, administrators); otherwise their own id, so the
    figures cover only the exams they own (as app.exams.permissions.can_view_exam allows a trainer)."""
    return None if user.has_role(Role.ADMIN, Role.HR) else user.id


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _round(value) -> float | None:
    return None if value is None else round(float(value), 1)


# --- Results -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExamFigures:
    exam_id: int
    title: str
    course_id: int
    makeup: bool
    opens_at: datetime
    results: int  # people with a graded result
    passed: int
    mean_percent: float | None

    @property
    def pass_percent(self) -> float | None:
        return _percent(self.passed, self.results)


@dataclass(frozen=True)
class Distribution:
    exam_id: int
    counts: list[int]  # people per 10-point bin of percentage; the last bin holds 90–100
    pass_mark_percent: float | None  # the pass mark as a percentage of the paper's total
    results: int
    passed: int
    mean_percent: float | None

    @property
    def pass_percent(self) -> float | None:
        return _percent(self.passed, self.results)


@dataclass(frozen=True)
class PassRate:
    key: int | None  # station, team or course id; None: people without a station or team
    label: str  # station name, "station team", or the course's Chinese name (`label_en` in English)
    makeup: bool  # make-up exams (补考) apart from regular ones
    results: int
    passed: int
    label_en: str = ""

    @property
    def percent(self) -> float | None:
        return _percent(self.passed, self.results)


@dataclass(frozen=True)
class TrendPoint:
    batch_id: int
    name: str
    starts_on: date
    results: int
    passed: int
    mean_percent: float | None

    @property
    def percent(self) -> float | None:
        return _percent(self.passed, self.results)


def _members_since(filters: Filters) -> tuple[Select | None, datetime | None]:
    """(ids of the people the plan/batch filter keeps, the first day their results count from)."""
    if filters.batch_id is not None:
        starts_on = db.session.scalar(select(Batch.starts_on).where(Batch.id == filters.batch_id))
        members = select(BatchMember.user_id).where(BatchMember.batch_id == filters.batch_id)
        return members, local_to_utc(starts_on) if starts_on else None
    if filters.plan_id is not None:
        starts_on = db.session.scalar(select(func.min(Batch.starts_on)).where(Batch.plan_id == filters.plan_id))
        members = select(BatchMember.user_id).where(BatchMember.plan_id == filters.plan_id)
        return members, local_to_utc(starts_on) if starts_on else None
    return None, None


def _best_results(filters: Filters, exam_id: int | None = None, user_ids=None):
    """Subquery: one row per (exam, person) with a graded result in scope (app/exams/results.py): percent,
    passed (0/1), the paper total, the latest submission, and the person's station and team, the exam's course
    and make-up flag. Dates filter on the result's latest submission at that exam."""
    counted = counted_results(exam_ids=None if exam_id is None else [exam_id], user_ids=user_ids)
    percent = cast(counted.c.score, Float) * 100 / cast(counted.c.max_score, Float)
    makeup = case((Exam.makeup_of_id.is_(None), 0), else_=1)
    query = (
        select(counted.c.exam_id, counted.c.user_id, User.station_id, User.team_id, Exam.course_id,
               makeup.label("makeup"), percent.label("percent"),
               case((counted.c.passed.is_(True), 1), else_=0).label("passed"),
               counted.c.max_score, counted.c.last_at)
        .join(Exam, Exam.id == counted.c.exam_id)
        .join(User, User.id == counted.c.user_id)
        .where(counted.c.score.is_not(None), counted.c.max_score > 0)
    )
    if filters.course_id is not None:
        query = query.where(Exam.course_id == filters.course_id)
    if filters.station_id is not None:
        query = query.where(User.station_id == filters.station_id)
    if filters.trainer_id is not None:
        query = query.where(Exam.id.in_(select(exam_owners.c.exam_id)
                                        .where(exam_owners.c.user_id == filters.trainer_id)))
    members, since = _members_since(filters)
    if members is not None:
        query = query.where(counted.c.user_id.in_(members))
    if filters.date_from is not None:
        since = max(filter(None, (since, local_to_utc(filters.date_from))))
    if since is not None:
        query = query.where(counted.c.last_at >= since)
    if filters.date_to is not None:
        query = query.where(counted.c.last_at < local_to_utc(filters.date_to + timedelta(days=1)))
    return query.subquery("best")


def exam_figures(filters: Filters, groups=None) -> list[ExamFigures]:
    """Every exam with a graded result in scope, latest first: results, passes and the mean percentage (summed
    from `result_groups`)."""
    summed: dict[int, list] = {}
    for row in result_groups(filters) if groups is None else groups:
        total = summed.setdefault(row.exam_id, [0, 0, 0.0])
        total[0] += row.results
        total[1] += int(row.passed or 0)
        total[2] += float(row.percents)
    if not summed:
        return []
    exams = {exam.id: exam for exam in db.session.scalars(select(Exam).where(Exam.id.in_(list(summed))))}
    figures = [ExamFigures(exam_id=exam_id, title=exams[exam_id].title, course_id=exams[exam_id].course_id,
                           makeup=exams[exam_id].makeup_of_id is not None, opens_at=exams[exam_id].opens_at,
                           results=count, passed=passed, mean_percent=_round(percents / count))
               for exam_id, (count, passed, percents) in summed.items()]
    return sorted(figures, key=lambda f: (f.opens_at, f.exam_id), reverse=True)


def score_distribution(filters: Filters, exam: Exam) -> Distribution:
    """How many people's best result at `exam` falls in each 10-point bin of percentage (0–9, …, 90–100)."""
    mine = _best_results(filters, exam.id)
    bin_of = case(*((mine.c.percent >= 10 * n, n) for n in range(BIN_COUNT - 1, 0, -1)), else_=0)
    binned = select(bin_of.label("bin")).subquery("binned")
    counts = [0] * BIN_COUNT
    for index, count in db.session.execute(select(binned.c.bin, func.count()).group_by(binned.c.bin)):
        counts[int(index)] = count
    results, passed, mean, total = db.session.execute(
        select(func.count(), func.sum(mine.c.passed), func.avg(mine.c.percent), func.max(mine.c.max_score))
    ).one()
    pass_mark = None
    if total:
        pass_mark = round(float(Decimal(exam.pass_mark) * 100 / Decimal(total)), 1)
    return Distribution(exam_id=exam.id, counts=counts, pass_mark_percent=pass_mark, results=results,
                        passed=int(passed or 0), mean_percent=_round(mean))


GROUP_COLUMNS = ("station_id", "team_id", "course_id")


def result_groups(filters: Filters) -> list:
    """Rows of (exam, station, team, course, make-up) with `results`, `passed` and `percents` (their sum) over the
    graded results in scope: one scan of the results, from which the exam figures and each pass-rate breakdown
    are summed. The page reads it once instead of running the results' window function four times."""
    best = _best_results(filters)
    keys = [best.c.exam_id, *(best.c[column] for column in GROUP_COLUMNS), best.c.makeup]
    return db.session.execute(select(*keys, func.count().label("results"), func.sum(best.c.passed).label("passed"),
                                     func.sum(best.c.percent).label("percents")).group_by(*keys)).all()


def _rates(filters: Filters, column: str, groups=None) -> list[tuple[int | None, bool, int, int]]:
    summed: dict[tuple[int | None, bool], list[int]] = {}
    for row in result_groups(filters) if groups is None else groups:
        total = summed.setdefault((getattr(row, column), bool(row.makeup)), [0, 0])
        total[0] += row.results
        total[1] += int(row.passed or 0)
    return [(group, makeup, count, passed) for (group, makeup), (count, passed) in summed.items()]


def pass_rates_by_station(filters: Filters, groups=None) -> list[PassRate]:
    """Per station (people without one last), regular exams before make-up exams."""
    rows = _rates(filters, "station_id", groups)
    names = dict(db.session.execute(select(Station.id, Station.name)
                                    .where(Station.id.in_([r[0] for r in rows if r[0] is not None]))).all())
    rates = [PassRate(key, names.get(key, ""), makeup, count, passed) for key, makeup, count, passed in rows]
    return sorted(rates, key=lambda r: (r.makeup, r.key is None, r.label, r.key or 0))


def pass_rates_by_team(filters: Filters, groups=None) -> list[PassRate]:
    """Per team, labelled "station team" (people without a team last)."""
    rows = _rates(filters, "team_id", groups)
    names = {team_id: f"{station} {team}" for team_id, station, team in db.session.execute(
        select(Team.id, Station.name, Team.name).join(Station, Station.id == Team.station_id)
        .where(Team.id.in_([r[0] for r in rows if r[0] is not None])))}
    rates = [PassRate(key, names.get(key, ""), makeup, count, passed) for key, makeup, count, passed in rows]
    return sorted(rates, key=lambda r: (r.makeup, r.key is None, r.label, r.key or 0))


def pass_rates_by_course(filters: Filters, groups=None) -> list[PassRate]:
    """Per course, in course order."""
    rows = _rates(filters, "course_id", groups)
    courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_([r[0] for r in rows])))}
    rates = [PassRate(key, courses[key].name, makeup, count, passed, label_en=courses[key].name_en)
             for key, makeup, count, passed in rows]
    return sorted(rates, key=lambda r: (r.makeup, courses[r.key].position, courses[r.key].code))


def batch_trend(filters: Filters) -> list[TrendPoint]:
    """Mean percentage and pass rate of regular exams per batch with results, in date order. A member's result
    counts for a batch when it was submitted on or after the batch's first day."""
    batches = select(Batch.id, Batch.name, Batch.starts_on)
    if filters.batch_id is not None:
        batches = batches.where(Batch.id == filters.batch_id)
    elif filters.plan_id is not None:
        batches = batches.where(Batch.plan_id == filters.plan_id)
    known = {batch_id: (name, starts_on) for batch_id, name, starts_on in db.session.execute(batches)}
    if not known:
        return []
    # Only the batches' members' results are read: they are all the trend joins.
    best = _best_results(filters, user_ids=select(BatchMember.user_id).where(BatchMember.batch_id.in_(list(known))))
    first_day = case({batch_id: literal(local_to_utc(starts_on), UTCDateTime())
                      for batch_id, (_name, starts_on) in known.items()}, value=BatchMember.batch_id)
    rows = db.session.execute(
        select(BatchMember.batch_id, func.count(), func.sum(best.c.passed), func.avg(best.c.percent))
        .join(best, best.c.user_id == BatchMember.user_id)
        .where(BatchMember.batch_id.in_(list(known)), best.c.makeup == 0, best.c.last_at >= first_day)
        .group_by(BatchMember.batch_id)
    ).all()
    points = [TrendPoint(batch_id, known[batch_id][0], known[batch_id][1], count, int(passed or 0), _round(mean))
              for batch_id, count, passed, mean in rows]
    return sorted(points, key=lambda p: (p.starts_on, p.batch_id))


# --- Attendance ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttendanceRate:
    key: int | None  # batch or station id; None: people without a station
    label: str
    counts: dict[str, int]  # present, late, absent, excused
    starts_on: date | None = None  # batches only
    unrecorded: int = 0  # seats in ended sessions nobody has recorded (counted neither way)

    @property
    def recorded(self) -> int:
        return sum(self.counts.values())

    @property
    def attended(self) -> int:
        return sum(self.counts[status] for status in ATTENDED)

    @property
    def percent(self) -> float | None:
        return _percent(self.attended, self.recorded)


def _attendance_scope(query: Select, filters: Filters, now: datetime) -> Select:
    """Ended sessions of published batches, narrowed by the filters (User is the seat holder)."""
    query = query.where(Batch.status != BatchState.PLANNING, ended_by(now))
    if filters.batch_id is not None:
        query = query.where(TrainingSession.batch_id == filters.batch_id)
    elif filters.plan_id is not None:
        query = query.where(Batch.plan_id == filters.plan_id)
    if filters.course_id is not None:
        query = query.where(TrainingSession.course_id == filters.course_id)
    if filters.station_id is not None:
        query = query.where(User.station_id == filters.station_id)
    if filters.date_from is not None:
        query = query.where(TrainingSession.day >= filters.date_from)
    if filters.date_to is not None:
        query = query.where(TrainingSession.day <= filters.date_to)
    if filters.trainer_id is not None:
        query = query.where(TrainingSession.lecturer_id == filters.trainer_id)
    return query


def _attendance_counts(filters: Filters, key, now: datetime) -> tuple[dict[int | None, dict[str, int]],
                                                                       dict[int | None, int]]:
    """({group: {status: recorded rows}}, {group: unrecorded seats}) over the ended sessions in scope."""
    recorded = _attendance_scope(
        select(key, Attendance.status, func.count())
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(Batch, Batch.id == TrainingSession.batch_id)
        .join(User, User.id == Attendance.user_id)
        .group_by(key, Attendance.status), filters, now)
    counts: dict[int | None, dict[str, int]] = {}
    for group, status, count in db.session.execute(recorded):
        counts.setdefault(group, dict.fromkeys(AttendanceState, 0))[status] = count
    unrecorded = _attendance_scope(
        select(key, func.count())
        .select_from(Seat)
        .join(TrainingSession, TrainingSession.id == Seat.session_id)
        .join(Batch, Batch.id == TrainingSession.batch_id)
        .join(User, User.id == Seat.user_id)
        .outerjoin(Attendance, and_(Attendance.session_id == Seat.session_id, Attendance.user_id == Seat.user_id))
        .where(Attendance.id.is_(None))
        .group_by(key), filters, now)
    missing = dict(db.session.execute(unrecorded).all())
    for group in missing:
        counts.setdefault(group, dict.fromkeys(AttendanceState, 0))
    return counts, missing


def attendance_by_batch(filters: Filters, now: datetime) -> list[AttendanceRate]:
    """Recorded attendance per batch over its sessions ended by `now`, in date order."""
    counts, missing = _attendance_counts(filters, TrainingSession.batch_id, now)
    batches = {b.id: b for b in db.session.scalars(select(Batch).where(Batch.id.in_(list(counts))))}
    rates = [AttendanceRate(key, batches[key].name, value, batches[key].starts_on, missing.get(key, 0))
             for key, value in counts.items()]
    return sorted(rates, key=lambda r: (r.starts_on, r.key))


def attendance_by_station(filters: Filters, now: datetime) -> list[AttendanceRate]:
    """Recorded attendance per station of the people over sessions ended by `now` (no station last)."""
    counts, missing = _attendance_counts(filters, User.station_id, now)
    names = dict(db.session.execute(select(Station.id, Station.name)
                                    .where(Station.id.in_([k for k in counts if k is not None]))).all())
    rates = [AttendanceRate(key, names.get(key, ""), value, unrecorded=missing.get(key, 0))
             for key, value in counts.items()]
    return sorted(rates, key=lambda r: (r.key is None, r.label, r.key or 0))
