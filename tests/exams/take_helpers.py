"""Shared set-up for the candidate-side HTTP tests (test_take_*.py): an exam the collector may sit, the
right answers of a paper in the form's field names, and the paper's script as a Python window."""

from decimal import Decimal

from app.exams.models import Attempt
from app.exams.services import RuleData
from app.extensions import db
from tests import factories
from tests.exams.paper_window import Window

AUTO_TYPES = ("single", "multiple", "true_false", "fill_blank")


def make_exam(trainer, candidates, *, types=AUTO_TYPES, **settings):
    """A published exam, open now, one 2-point question of each of `types`."""
    bank = factories.make_exam_bank(trainer).bank
    rules = [RuleData(count=1, bank_id=bank.id, type=t, points_each=Decimal(2)) for t in types]
    exam = factories.make_exam(trainer, bank, rules=rules, audience=candidates, **settings)
    db.session.commit()
    return exam


def start(client, exam) -> Attempt:
    response = client.post(f"/my/exams/{exam.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    attempt_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    return db.session.get(Attempt, attempt_id)


def right_fields(attempt) -> dict[str, list[str]]:
    """The paper's inputs filled with the key, as the script sends them ({name: [values]})."""
    fields = {}
    for item in attempt.items:
        name, key, order = f"q{item.position}", item.version.key, item.option_order
        match item.version.type:
            case "single":
                fields[name] = [str(order.index(key["correct"][0]))]
            case "multiple":
                fields[name] = [str(order.index(i)) for i in sorted(key["correct"])]
            case "true_false":
                fields[name] = ["true" if key["truth"] else "false"]
            case "fill_blank":
                for number, alternatives in enumerate(key["blanks"], start=1):
                    fields[f"{name}-{number}"] = [alternatives[0]]
            case "short_answer":
                fields[name] = ["我的回答"]
    return fields


def empty_fields(attempt) -> dict[str, list[str]]:
    fields = {}
    for item in attempt.items:
        if item.version.type == "fill_blank":
            for number in range(1, len(item.version.key["blanks"]) + 1):
                fields[f"q{item.position}-{number}"] = [""]
        else:
            fields[f"q{item.position}"] = []
    return fields


def window(client, attempt) -> Window:
    """A freshly loaded exam page of `attempt` (see tests/exams/paper_window.py)."""
    return Window(client, attempt.id).load()


def save_fields(client, attempt, fields, flagged=()):
    """One new window answers with `fields` (inputs by name) and saves: the reply."""
    page = window(client, attempt)
    page.answer_all(fields, flagged=flagged)
    return page.save()


def position_of(attempt, question_type) -> int:
    return next(item.position for item in attempt.items if item.version.type == question_type)
