"""Plain functions that build rows for tests; they flush, the caller commits when it needs to."""

import itertools
from types import SimpleNamespace

from app.accounts.models import User, UserRole
from app.accounts.passwords import hash_password
from app.core.roles import Role
from app.extensions import db
from app.org.models import Office, Station, Team

PASSWORD = "Test@2026pw"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hashed(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_org(stations=("东站", "西站"), teams=("一班", "二班")) -> SimpleNamespace:
    office = Office(name="测试收费所")
    db.session.add(office)
    made = []
    for station_name in stations:
        station = Station(office=office, name=station_name, kind="station")
        db.session.add(station)
        for team_name in teams:
            db.session.add(Team(station=station, name=team_name))
        made.append(station)
    db.session.flush()
    return SimpleNamespace(office=office, stations=made)


def make_user(
    staff_no: str | None = None,
    *,
    roles=(Role.COLLECTOR,),
    name: str | None = None,
    password: str | None = PASSWORD,
    station: Station | None = None,
    team: Team | None = None,
    active: bool = True,
    must_change_password: bool = False,
    **fields,
) -> User:
    number = next(_counter)
    user = User(
        staff_no=(staff_no or f"t{number:05d}").casefold(),
        name=name or f"测试员{number}",
        password_hash=_hashed(password) if password else None,
        station=station or (team.station if team else None),
        team=team,
        active=active,
        must_change_password=must_change_password,
        **fields,
    )
    user.role_rows = [UserRole(role=Role(role).value) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user


# --- Exams ------------------------------------------------------------------------------------------

def exam_drafts(per_type: int = 4):
    """Questions of every type with keys a test can check by hand (difficulty cycles 1…5)."""
    from decimal import Decimal

    from app.banks.drafts import Draft, QuestionType

    drafts = []
    for n in range(per_type):
        level = n % 5 + 1
        drafts += [
            Draft(QuestionType.SINGLE, f"单选题{n}：收费站题目", options=["甲", "乙", "丙", "丁"], correct={1},
                  difficulty=level, points=Decimal(2), explanation=f"单选解析{n}"),
            Draft(QuestionType.MULTIPLE, f"多选题{n}：选出正确项", options=["一", "二", "三", "四"], correct={0, 2},
                  difficulty=level, points=Decimal(4), explanation=f"多选解析{n}"),
            Draft(QuestionType.TRUE_FALSE, f"判断题{n}：收费员应当文明服务", truth=n % 2 == 0, difficulty=level,
                  points=Decimal(1)),
            Draft(QuestionType.FILL_BLANK, f"填空题{n}：限速____公里，车道____条", blanks=[["30", "三十"], ["abc"]],
                  difficulty=level, points=Decimal(3)),
            Draft(QuestionType.SHORT_ANSWER, f"简答题{n}：说明收费流程", reference=f"参考答案{n}", difficulty=level,
                  points=Decimal(5)),
        ]
    return drafts


def make_exam_bank(trainer, course_code: str = "law", per_type: int = 4):
    """A bank of `exam_drafts` in the course (courses are created when missing)."""
    from datetime import UTC, datetime

    from app.banks.services import add_questions, create_bank
    from app.courses.catalog import ensure_courses, find_course

    ensure_courses()
    now = datetime.now(UTC)
    bank = create_bank(trainer, find_course(course_code), f"考试题库{next(_counter)}", now=now, ip="test")
    questions = add_questions(trainer, bank, exam_drafts(per_type), now=now)
    return SimpleNamespace(bank=bank, questions=questions)


def make_exam(trainer, bank, *, rules=None, audience=(), status="published", now=None, **settings):
    """An exam over `bank` (default rules: one question of each type, 2 points each), open now,
    30 minutes, pass mark 6 of 10, candidates `audience` (users, teams or stations)."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from app.exams.services import ExamSettings, RuleData, create_exam, publish, set_audience, set_blueprint
    from app.org.models import Station, Team

    now = now or datetime.now(UTC)
    values = {"title": "测试考试", "opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(hours=3),
              "duration_minutes": 30, "pass_mark": Decimal(6)}
    values.update(settings)
    exam = create_exam(trainer, bank.course, ExamSettings(**values), now=now, ip="test")
    if rules is None:
        rules = [RuleData(count=1, bank_id=bank.id, type=t, points_each=Decimal(2))
                 for t in ("single", "multiple", "true_false", "fill_blank", "short_answer")]
    set_blueprint(trainer, exam, rules, [], now=now, ip="test")
    set_audience(trainer, exam, station_ids=[a.id for a in audience if isinstance(a, Station)],
                 team_ids=[a.id for a in audience if isinstance(a, Team)],
                 user_ids=[a.id for a in audience if not isinstance(a, (Station, Team))], now=now, ip="test")
    if status != "draft":
        publish(trainer, exam, now=now, ip="test")
    return exam


def make_batch(name: str | None = None, *, starts_on=None, days: int = 2, status: str = "planning", plan=None,
               capacity=None, members=(), now=None):
    """A batch (期) starting `starts_on` (default: a week from today) lasting `days` days, with members."""
    from datetime import date, timedelta

    from app.core.clock import utcnow
    from app.training.models import Batch, BatchMember

    now = now or utcnow()
    starts_on = starts_on or (date.today() + timedelta(days=7))
    batch = Batch(name=name or f"第{next(_counter)}期", starts_on=starts_on,
                  ends_on=starts_on + timedelta(days=days - 1), status=status, plan=plan, capacity=capacity,
                  created_at=now)
    db.session.add(batch)
    for user in members:
        batch.members.append(BatchMember(user_id=user.id, plan_id=plan.id if plan else None, added_at=now))
    db.session.flush()
    return batch


def make_session(batch, course_code: str, lecturer, *, day=None, slot: str = "am", room: str = "一号教室",
                 capacity: int = 40, seats=(), now=None):
    """A session of `course_code` in `batch` (default: its first day), with seats for `seats`."""
    from app.core.clock import utcnow
    from app.courses.catalog import ensure_courses, find_course
    from app.training.models import Seat, TrainingSession

    ensure_courses()
    session = TrainingSession(batch=batch, course=find_course(course_code), day=day or batch.starts_on, slot=slot,
                              room=room, capacity=capacity, lecturer_id=lecturer.id, created_at=now or utcnow())
    db.session.add(session)
    for user in seats:
        session.seats.append(Seat(user_id=user.id))
    db.session.flush()
    return session
