"""Hand-made results and attendance for the dashboard tests, with figures worked out by hand.

Two stations, 东站 (一班: e1, e2; 二班: e3, e4) and 西站 (一班: w1, w2; w3 sits but is not graded yet).
Trainer A owns exam `law` (pass mark 60 of 100) and its make-up exam; trainer B owns `integrity` (30 of 50).
Best percentages (a person's best attempt):

    law         e1 95 ✓  e2 72 ✓ (after 55)  e3 40 ✗  e4 60 ✓  w1 100 ✓  w2 30 ✗   (w3 in progress / ungraded)
    law make-up e3 65 ✓  w2 50 ✗
    integrity   e1 80 ✓  w1 50 ✗            (submitted three days ago; everything else one day ago, at local noon)

Plan 年度培训 has batch 第一期 (first day ten days ago: e1, e2, w1) and 第二期 (five days ago: e3, e4, w2).
Attendance: 第一期's law session (lectured by A): e1 present, e2 late, w1 absent; 第二期's two integrity
sessions (lectured by B): e3 present, e4 excused, w2 present; then e3 absent.
"""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from app.core.clock import utcnow
from app.core.localtime import local_to_utc, local_today
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.exams.models import Attempt, Exam
from app.extensions import db
from app.training.models import Attendance, TrainingPlan
from tests import factories

NOON = timedelta(hours=12)


def make_exam(owner, course_code, *, title, pass_mark, now, makeup_of=None):
    exam = Exam(course_id=find_course(course_code).id, title=title, status="published", opens_at=now - timedelta(days=7),
                closes_at=now + timedelta(days=7), duration_minutes=30, pass_mark=Decimal(pass_mark), created_at=now,
                created_by_id=owner.id, makeup_of_id=makeup_of.id if makeup_of else None)
    exam.owners.append(owner)
    db.session.add(exam)
    db.session.flush()
    return exam


def sit(exam, user, score, *, max_score=100, at, number=1, status="submitted", graded=True):
    """One attempt; `score` None (or graded=False) leaves it waiting for grading."""
    score = Decimal(score) if score is not None and graded else None
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=number, status=status, seed=1, started_at=at - timedelta(minutes=20),
                      deadline_at=at + timedelta(minutes=10), submitted_at=at if status == "submitted" else None,
                      max_score=Decimal(max_score), score=score,
                      passed=None if score is None else score >= exam.pass_mark)
    db.session.add(attempt)
    db.session.flush()
    return attempt


def build(users=None, org=None):
    """Everything above, committed (in `org` and with the HR user of `users` when given); returns the people,
    exams, plan and batches by name."""
    now = utcnow()
    ensure_courses()
    org = org or factories.make_org()
    east, west = org.stations
    hr = users[Role.HR] if users else factories.make_user("hr-dash", roles=[Role.HR])
    trainer_a = factories.make_user("trainer-a", roles=[Role.TRAINER], name="讲师甲")
    trainer_b = factories.make_user("trainer-b", roles=[Role.TRAINER], name="讲师乙")
    people = {}
    for name, station, team in (("e1", east, 0), ("e2", east, 0), ("e3", east, 1), ("e4", east, 1),
                                ("w1", west, 0), ("w2", west, 0), ("w3", west, 0)):
        people[name] = factories.make_user(f"dash-{name}", name=name, team=station.teams[team])

    law = make_exam(trainer_a, "law", title="法规考试", pass_mark=60, now=now)
    law_makeup = make_exam(trainer_a, "law", title="法规补考", pass_mark=60, now=now, makeup_of=law)
    integrity = make_exam(trainer_b, "integrity", title="廉洁考试", pass_mark=30, now=now)
    # Local noon, so the day filters see the same days at any hour (e2's first try is two hours earlier).
    today = local_today(now)
    day_ago, three_days_ago = local_to_utc(today - timedelta(days=1)) + NOON, local_to_utc(today - timedelta(days=3)) + NOON
    for name, score in (("e1", 95), ("e3", 40), ("e4", 60), ("w1", 100), ("w2", 30)):
        sit(law, people[name], score, at=day_ago)
    sit(law, people["e2"], 55, at=day_ago - timedelta(hours=2))
    sit(law, people["e2"], 72, at=day_ago, number=2)
    sit(law, people["w3"], 90, at=day_ago, graded=False)
    sit(law, people["w3"], None, at=day_ago, number=2, status="in_progress")
    sit(law_makeup, people["e3"], 65, at=day_ago)
    sit(law_makeup, people["w2"], 50, at=day_ago)
    sit(integrity, people["e1"], 40, max_score=50, at=three_days_ago)
    sit(integrity, people["w1"], 25, max_score=50, at=three_days_ago)

    plan = TrainingPlan(name="年度培训", share_numerator=1, share_denominator=2, created_at=now, stations=[east, west])
    db.session.add(plan)
    db.session.flush()
    first = factories.make_batch("第一期", starts_on=today - timedelta(days=10), status="finished", plan=plan,
                                 members=[people[n] for n in ("e1", "e2", "w1")])
    second = factories.make_batch("第二期", starts_on=today - timedelta(days=5), status="finished", plan=plan,
                                  members=[people[n] for n in ("e3", "e4", "w2")])
    law_session = factories.make_session(first, "law", trainer_a, slot="full",
                                         seats=[people[n] for n in ("e1", "e2", "w1")])
    integrity_am = factories.make_session(second, "integrity", trainer_b, slot="am",
                                          seats=[people[n] for n in ("e3", "e4", "w2")])
    integrity_pm = factories.make_session(second, "integrity", trainer_b, slot="pm", seats=[people["e3"]])
    for session, name, status in ((law_session, "e1", "present"), (law_session, "e2", "late"),
                                  (law_session, "w1", "absent"), (integrity_am, "e3", "present"),
                                  (integrity_am, "e4", "excused"), (integrity_am, "w2", "present"),
                                  (integrity_pm, "e3", "absent")):
        db.session.add(Attendance(session_id=session.id, user_id=people[name].id, status=status, recorded_at=now))
    db.session.commit()
    return SimpleNamespace(now=now, today=today, east=east, west=west, hr=hr, trainer_a=trainer_a,
                           trainer_b=trainer_b, people=people, law=law, law_makeup=law_makeup, integrity=integrity,
                           plan=plan, first=first, second=second, law_course=find_course("law"),
                           integrity_course=find_course("integrity"))
