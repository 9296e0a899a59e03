"""Demo data for a first look: stations, teams, collectors and one account per staff role.

`run()` goes through STEPS in order; each step is a function taking the DemoRun and adding only
what is missing, so running the demo again changes nothing. Later features append their own
steps (question banks, courses, a sample exam, ...). Steps flush; the caller commits once.
"""

import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _

from app.accounts import services as account_services
from app.accounts.actors import SYSTEM
from app.accounts.passwords import hash_password
from app.banks.services import find_bank
from app.banks.shipped import ShippedBank, load_shipped_bank
from app.core.roles import ROLE_LABELS, Role
from app.courses.catalog import ensure_courses
from app.courses.models import Course
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
from app.exams.states import Release
from app.extensions import db
from app.org import services as org_services
from app.org.models import Station, Team
from app.org.staff import StaffData, create_staff

DEMO_PASSWORD = "Demo@2026"  # nosec B105  # the demo accounts' published password, README
DEMO_IP = "demo"
URL = "http://127.0.0.1:5000/"

TEAMS = ("一班", "二班", "三班")
COLLECTORS_PER_TEAM = 10
POSITION_COLLECTOR = "收费员"
POSITION_TEAM_LEADER = "班长"

# 30 surnames × 30 given names; collector i gets SURNAMES[i % 30] and a given name shifted by
# 11 per round of 30, so the 90 names are distinct and the same on every machine.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN_NAMES = (
    "伟", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "晓燕", "海燕", "文博", "子豪", "雨婷", "思远", "佳怡",
)


def collector_staff_no(index: int) -> str:
    """c0001 … c0090 for index 0 … 89."""
    return f"c{index + 1:04d}"


def collector_name(index: int) -> str:
    surname = SURNAMES[index % len(SURNAMES)]
    given = GIVEN_NAMES[(index + 11 * (index // len(SURNAMES))) % len(GIVEN_NAMES)]
    return surname + given


def collector_hire_date(index: int) -> date:
    """Spread over 2008–2024, deterministic."""
    return date(2008 + (index * 7) % 17, 1 + (index * 5) % 12, 1 + (index * 11) % 28)


@dataclass
class DemoRun:
    now: datetime
    created: Counter = field(default_factory=Counter)
    # What each step added, by translated kind ("stations": 3); what a newer release of the shipped banks and
    # lessons changed ("questions updated": 30); and the summary table's rows (staff number, role label, name).
    updated: Counter = field(default_factory=Counter)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    # Lines printed after the accounts table (the demo exams …).
    notes: list[str] = field(default_factory=list)
    _password_hash: str | None = None

    @property
    def password_hash(self) -> str:
        """Hashed once, only if some account is actually created (argon2 is slow on purpose)."""
        if self._password_hash is None:
            self._password_hash = hash_password(DEMO_PASSWORD)
        return self._password_hash

    def ensure_user(self, data: StaffData) -> None:

        if account_services.find_by_staff_no(data.staff_no) is not None:
            return
        create_staff(SYSTEM, data, ip=DEMO_IP, now=self.now, password_hash=self.password_hash,
                     must_change_password=False)
        self.created[_("accounts")] += 1


def organisation(run: DemoRun) -> None:
    """The office, its stations and point, and three teams at each."""
    org_services.the_office()
    for station_name, kind in STATIONS:
        station = org_services.find_station(station_name)
        if station is None:
            station = org_services.create_station(station_name, kind)
            run.created[_("stations")] += 1
        for team_name in TEAMS:
            if org_services.find_team(station, team_name) is None:
                org_services.create_team(station, team_name)
                run.created[_("teams")] += 1


def staff_accounts(run: DemoRun) -> None:
    """One administrator, one HR officer, one trainer."""
    for staff_no, name, role, position in STAFF_ACCOUNTS:
        run.ensure_user(StaffData(staff_no=staff_no, name=name, position=position, roles={role}))
        run.accounts.append((staff_no, str(ROLE_LABELS[role]), name))


def collectors(run: DemoRun) -> None:
    """Ten collectors per team; the first of each team is its team leader (班长)."""
    index = 0
    for station_name, _kind in STATIONS:
        station: Station = org_services.find_station(station_name)
        for team_name in TEAMS:
            team: Team = org_services.find_team(station, team_name)
            for member in range(COLLECTORS_PER_TEAM):
                run.ensure_user(StaffData(
                    staff_no=collector_staff_no(index), name=collector_name(index), station=station, team=team,
                    position=POSITION_TEAM_LEADER if member == 0 else POSITION_COLLECTOR,
                    hire_date=collector_hire_date(index), roles={Role.COLLECTOR},
                ))
                index += 1
    run.accounts.append(
        (f"{collector_staff_no(0)} … {collector_staff_no(index - 1)}", str(ROLE_LABELS[Role.COLLECTOR]),
         _("%(n)d collectors in %(teams)d teams", n=index, teams=len(STATIONS) * len(TEAMS)))
    )


QUESTION_BANKS = Path(__file__).resolve().parents[1] / "question_banks"


def question_banks(run: DemoRun) -> None:
    """The shipped banks (question_banks/<course>/*.csv), one bank per file, owned by the demo trainer: loaded
    when missing; when the loader wrote the bank, brought up to the files as they are now, keeping what a
    trainer edited (app.banks.shipped). A bank of the same name that the loader did not write is left alone."""
    owner = account_services.find_by_staff_no(BANK_OWNER)
    known = set(db.session.scalars(db.select(Course.code)))
    courses = ensure_courses()
    if len(courses) > len(known):
        run.created[_("courses")] += len(courses) - len(known)
    for course in courses:
        for path in sorted((QUESTION_BANKS / course.code).glob("*.csv")):
            report = load_shipped_bank(course, path, demo_bank_name(course, path.stem), owner=owner, now=run.now,
                                       ip=DEMO_IP)
            run.created[_("question banks")] += report.created
            run.created[_("questions")] += report.added
            run.updated[_("questions updated")] += report.updated
            run.updated[_("questions retired")] += report.retired
            run.notes.extend(_bank_notes(report))
    run.created, run.updated = +run.created, +run.updated  # no "questions: 0"


def _bank_notes(report: ShippedBank) -> list[str]:
    """What the summary says about one shipped bank beyond the counts of a first load."""
    if report.left_alone:
        return [_("  ! %(bank)s was not loaded from the shipped files; it is left alone.", bank=report.bank_name)]
    if report.problems:
        return [_("  ! %(bank)s was not brought up to date: %(problem)s", bank=report.bank_name, problem=problem)
                for problem in report.problems[:10]]
    notes = []
    if not report.created and (report.added or report.updated or report.retired):
        notes.append(_("Shipped bank %(bank)s: %(added)d added, %(updated)d updated, %(retired)d retired (no longer "
                       "shipped).", bank=report.bank_name, added=report.added, updated=report.updated,
                       retired=report.retired))
    if report.kept:
        notes.append(_("%(bank)s: kept because edited or retired here: %(questions)s", bank=report.bank_name,
                       questions=_listed(report.kept)))
    if report.skipped:
        notes.append(_("%(bank)s: skipped (the bank has the same question under another ID): %(rows)s",
                       bank=report.bank_name, rows=_listed(report.skipped)))
    return notes


def _listed(names: list[str], most: int = 20) -> str:
    return ", ".join(names[:most]) + (" …" if len(names) > most else "")


COURSE_MATERIAL = Path(__file__).resolve().parent / "courses" / "material"


def course_material(run: DemoRun) -> None:
    """The shipped lessons (app/courses/material/<course>/NN-slug.md): added when missing, brought up to the
    files when still as the loader wrote them, kept when a trainer edited them (app.courses.shipped); and the
    demo trainer as a lecturer of every course."""
    from app.courses.shipped import load_material

    trainer = account_services.find_by_staff_no(BANK_OWNER)
    report = load_material(COURSE_MATERIAL, trainer if trainer is not None else SYSTEM, run.now, ip=DEMO_IP)
    if report.created:
        run.created[_("lessons")] += report.created
    if report.updated:
        run.updated[_("lessons updated")] += report.updated
    for course in ensure_courses():
        if trainer is not None and trainer not in course.lecturers:
            course.lecturers.append(trainer)
    db.session.flush()
    run.notes.append(_("Course material: %(count)d lessons in %(courses)d courses (open Courses).",
                       count=sum(report.lessons.values()), courses=len(report.lessons)))
    if report.kept:
        run.notes.append(_("  Lessons kept because edited here: %(files)s", files=_listed(report.kept)))
    run.notes.extend(f"  ! {problem}" for problem in report.problems)


# One published exam per course, open for a month, for every collector of the demo stations; each rule is a
# question type the shipped bank of the course holds enough of: (type, count, points each). Total 100.
DEMO_EXAM_RULES = {
    "law": (("single", 12, 3), ("multiple", 6, 4), ("true_false", 8, 2), ("fill_blank", 3, 4),
            ("short_answer", 1, 12)),
    "default": (("single", 8, 4), ("multiple", 4, 6), ("true_false", 5, 4), ("fill_blank", 2, 6),
                ("short_answer", 1, 12)),
}
DEMO_EXAM_MINUTES = {"law": 45, "default": 30}
DEMO_EXAM_DAYS = 30


def demo_exam_title(course) -> str:
    return f"{course.name}·演示考试"


def _demo_exam_rules(course, bank):
    from app.exams.pools import RuleFilter, pool
    from app.exams.services import RuleData

    rules = [RuleData(count=count, bank_id=bank.id, type=kind, points_each=Decimal(points))
             for kind, count, points in DEMO_EXAM_RULES.get(course.code, DEMO_EXAM_RULES["default"])]
    enough = all(len(pool(course.id, RuleFilter(bank_id=bank.id, type=rule.type))) >= rule.count for rule in rules)
    return rules if enough else None


def exams(run: DemoRun) -> None:
    """One published exam per course over its shipped bank, open from an hour ago for 30 days, for the demo
    stations' collectors, owned by the demo trainer. A course that already has its demo exam (whatever its
    state) is left alone; a course whose bank cannot fill the paper gets none."""
    from app.exams.models import Exam
    from app.exams.services import ExamSettings, create_exam, publish, set_audience, set_blueprint

    owner = account_services.find_by_staff_no(BANK_OWNER)
    actor = owner if owner is not None else SYSTEM
    stations = [org_services.find_station(name) for name, _kind in STATIONS]
    station_ids = [station.id for station in stations if station is not None]
    shown = []
    for course in ensure_courses():
        title = demo_exam_title(course)
        exam = db.session.scalar(db.select(Exam).where(Exam.course_id == course.id, Exam.title == title)
                                 .order_by(Exam.id).limit(1))
        if exam is None:
            bank = find_bank(course, demo_bank_name(course, course.code))
            rules = _demo_exam_rules(course, bank) if bank is not None and station_ids else None
            if rules is None:
                continue
            total = sum(rule.count * rule.points_each for rule in rules)
            minutes = DEMO_EXAM_MINUTES.get(course.code, DEMO_EXAM_MINUTES["default"])
            settings = ExamSettings(
                title=title, opens_at=run.now - timedelta(hours=1), closes_at=run.now + timedelta(days=DEMO_EXAM_DAYS),
                duration_minutes=minutes, pass_mark=(total * Decimal("0.6")).quantize(Decimal("0.01")),
                partial_share=Decimal("0.5"), release_score=Release.AT_SUBMIT, release_review=Release.AFTER_CLOSE,
                description=_("Demo exam: %(count)d questions, %(minutes)d minutes.",
                              count=sum(rule.count for rule in rules), minutes=minutes),
            )
            exam = create_exam(actor, course, settings, now=run.now, ip=DEMO_IP)
            set_blueprint(actor, exam, rules, [], now=run.now, ip=DEMO_IP)
            set_audience(actor, exam, station_ids=station_ids, team_ids=[], user_ids=[], now=run.now, ip=DEMO_IP)
            publish(actor, exam, now=run.now, ip=DEMO_IP)
            run.created[_("exams")] += 1
        shown.append(_("%(title)s: %(count)d questions, %(minutes)d minutes", title=exam.title,
                       count=sum(rule.count for rule in exam.rules), minutes=exam.duration_minutes))
    if shown:
        run.notes.append(_("Demo exams for the collectors (sign in as %(who)s, then open My exams):",
                           who=collector_staff_no(0)))
        run.notes.extend(f"  - {line}" for line in shown)


DEMO_PLAN = "2026年度收费人员岗位培训"


def demo_batch_starts(now: datetime) -> list[date]:
    """Next Monday and the Monday a week later (local dates), so the demo sessions lie ahead."""
    from app.core.localtime import local_today

    today = local_today(now)
    first = today + timedelta(days=7 - today.weekday())
    return [first, first + timedelta(days=7)]


def training(run: DemoRun) -> None:
    """A training plan over the demo stations with two batches, each with the four courses scheduled (law a
    full day, the others half a day) and published, the collectors allocated by the solver. A plan that is
    already there is left alone."""
    from fractions import Fraction

    from app.training import batches, plan_allocation, plans, sessions
    from app.training.models import TrainingPlan

    if db.session.scalar(db.select(TrainingPlan).where(TrainingPlan.name == DEMO_PLAN)) is not None:
        return
    hr = account_services.find_by_staff_no(STAFF_ACCOUNTS[1][0])
    lecturer = account_services.find_by_staff_no(BANK_OWNER)
    stations = [station for station in (org_services.find_station(name) for name, _kind in STATIONS) if station]
    if hr is None or lecturer is None or not stations:
        return
    courses = {course.code: course for course in ensure_courses()}
    plan = plans.create_plan(hr, name=DEMO_PLAN, share=Fraction(*DEMO_SHARE), stations=stations, teams=[],
                             now=run.now, ip=DEMO_IP)
    made = []
    for number, starts_on in enumerate(demo_batch_starts(run.now), start=1):
        batch = batches.create_batch(hr, name=f"2026年第{number}期", starts_on=starts_on,
                                     ends_on=starts_on + timedelta(days=2), capacity=DEMO_ROOM_CAPACITY, plan=plan,
                                     now=run.now, ip=DEMO_IP)
        for offset, slot, code in DEMO_TIMETABLE:
            sessions.add_session(hr, batch, course=courses[code], day=starts_on + timedelta(days=offset), slot=slot,
                                 room=DEMO_ROOM, capacity=DEMO_ROOM_CAPACITY, lecturer=lecturer, now=run.now,
                                 ip=DEMO_IP)
        made.append(batch)
    result = plan_allocation.propose(hr, plan, now=run.now, ip=DEMO_IP)
    if result.assignment is None:
        run.notes.append(_("The demo staff could not be allocated to the demo batches."))
        return
    for batch in made:
        batches.change_status(hr, batch, "publish", now=run.now, ip=DEMO_IP)
    run.created[_("training batches")] += len(made)
    run.notes.append(_("Training: %(plan)s, %(count)d batches starting %(first)s and %(second)s, %(people)d "
                       "collectors allocated (sign in as %(hr)s and open Training plans).", plan=DEMO_PLAN,
                       count=len(made), first=made[0].starts_on.isoformat(), second=made[1].starts_on.isoformat(),
                       people=len(result.assignment), hr=hr.staff_no))


def past_results(run: DemoRun) -> None:
    from app.demo_results import past_results as step

    step(run)


STEPS: list[Callable[[DemoRun], None]] = [
    organisation, staff_accounts, collectors, question_banks, course_material, exams, training, past_results,
]


def run(now: datetime) -> DemoRun:
    demo = DemoRun(now=now)
    for step in STEPS:
        step(demo)
    return demo


def summary(demo: DemoRun) -> str:
    """Plain-text report: what was created, the accounts, the password and where to go."""
    lines = []
    if demo.created:
        made = ", ".join(f"{kind}: {count}" for kind, count in demo.created.items())
        lines.append(_("Demo data created (%(made)s).", made=made))
    if demo.updated:
        changed = ", ".join(f"{kind}: {count}" for kind, count in demo.updated.items())
        lines.append(_("Shipped questions and lessons brought up to date (%(changed)s).", changed=changed))
    if not demo.created and not demo.updated:
        lines.append(_("Demo data was already in place; nothing changed."))
    headers = (_("Staff number"), _("Role"), _("Name"))
    rows = [headers, *demo.accounts]
    widths = [max(_display_width(row[i]) for row in rows) for i in range(3)]
    lines.append("")
    for number, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines.append("")
    if demo.notes:
        lines.extend(demo.notes)
        lines.append("")
    lines.append(_("Password for every demo account: %(password)s", password=DEMO_PASSWORD))
    lines.append(_("Start the server with `flask --app wsgi run`, then open %(url)s", url=URL))
    return "\n".join(lines)


def _display_width(text: str) -> int:
    """Chinese characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))
