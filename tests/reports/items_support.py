"""A small graded exam for the item-analysis service and page tests.

Four objective questions (single, multiple, true/false, fill in the blanks; 2 points each on the paper, keys
as in tests.exams.marking_support) and four candidates whose answers give these scores:

               single  multiple  true/false  fill   total
    c1           2        2          2        2       8     single B, multiple A C, true, 30 / abc
    c2           2        0          2        1       5     single B, multiple A,   true, 30 / x
    c3           0        2          0        0       2     single C, multiple A C, false, nothing
    c4           0        0          0        0       0     single D, multiple B,   false, nothing
"""

from decimal import Decimal

from app.exams.services import RuleData
from app.extensions import db
from tests import factories
from tests.exams.marking_support import NOW, sit

TYPES = ("single", "multiple", "true_false", "fill_blank")
ANSWERS = [
    {"single": 1, "multiple": [0, 2], "true_false": True, "fill_blank": ["30", "abc"]},
    {"single": 1, "multiple": [0], "true_false": True, "fill_blank": ["三十", "x"]},
    {"single": 2, "multiple": [0, 2], "true_false": False},
    {"single": 3, "multiple": [1], "true_false": False},
]


def objective_exam(trainer, candidates, bank=None, **settings):
    """An exam over one question of each objective type (a new bank unless given); returns (exam, bank,
    {type: question})."""
    if bank is None:
        bank = factories.make_exam_bank(trainer, per_type=1).bank
    rules = [RuleData(count=1, bank_id=bank.id, type=t, points_each=Decimal(2)) for t in TYPES]
    exam = factories.make_exam(trainer, bank, rules=rules, audience=list(candidates), now=NOW, **settings)
    db.session.flush()
    questions = {q.current.type: q for q in bank_questions(bank)}
    return exam, bank, questions


def bank_questions(bank):
    from app.banks.models import Question

    return db.session.scalars(db.select(Question).where(Question.bank_id == bank.id).order_by(Question.id)).all()


def candidates(org, count=4):
    team = org.stations[0].teams[0]
    people = [factories.make_user(roles=["collector"], team=team) for _ in range(count)]
    db.session.commit()
    return people


def sit_all(exam, people, answers=ANSWERS):
    return [sit(person, exam, answer) for person, answer in zip(people, answers, strict=True)]
