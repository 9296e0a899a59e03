"""Changes made to banks from the web pages, on top of app.banks.services: one question added,
a bank renamed, its owners chosen, topics and statuses changed for several questions at once.

Like every service they take the actor, objects, plain data, `now` and `ip`, flush but never commit,
raise DomainError for a refused change, and record what they did in the audit log.
"""

from datetime import datetime

from app.accounts.actors import Actor
from app.accounts.models import User, UserRole
from app.audit import actions
from app.audit.services import record
from app.banks.drafts import Draft
from app.banks.models import Bank, Question
from app.banks.services import add_questions, set_status, topics_named
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.extensions import db

BULK_MAX = 500  # questions changed by one bulk action


def add_question(actor: Actor, bank: Bank, draft: Draft, *, now: datetime, ip: str) -> Question:
    """One new question (version 1) from a checked draft."""
    question = add_questions(actor, bank, [draft], now=now)[0]
    record(actions.QUESTION_ADDED, actor=actor, ip=ip, now=now, target=question,
           details={"bank": bank.id, "type": str(draft.type)})
    return question


def update_bank(actor: Actor, bank: Bank, name: str, description: str, *, now: datetime, ip: str) -> bool:
    """Rename the bank or change its description; False when nothing changed."""
    name, description = name.strip(), description.strip()
    if not name:
        raise DomainError(_l("The bank needs a name."), field="name")
    if name == bank.name and description == bank.description:
        return False
    taken = db.session.scalar(db.select(Bank.id).where(Bank.course_id == bank.course_id, Bank.name == name,
                                                       Bank.id != bank.id))
    if taken:
        raise Conflict(_l("Course %(course)s already has a bank named %(name)s.", course=bank.course.name,
                          name=name), field="name")
    details = {}
    if name != bank.name:
        details["name"] = [bank.name, name]
    if description != bank.description:
        details["description"] = True
    bank.name, bank.description = name, description
    db.session.flush()
    record(actions.BANK_UPDATED, actor=actor, ip=ip, now=now, target=bank, details=details)
    return True


def trainers() -> list[User]:
    """Active trainers, who may own banks."""
    return list(db.session.scalars(
        db.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.TRAINER.value, User.active.is_(True)).order_by(User.staff_no)
    ))


def set_owners(actor: Actor, bank: Bank, owners: list[User], *, now: datetime, ip: str) -> bool:
    """The trainers who own the bank (administrators only, checked by the caller); False when unchanged.
    A bank may be left without owners: administrators still manage it."""
    for owner in owners:
        if not owner.active or not owner.has_role(Role.TRAINER):
            raise DomainError(_l("%(name)s is not an active trainer.", name=owner.name), field="owners")
    before = sorted(owner.staff_no for owner in bank.owners)
    after = sorted({owner.staff_no for owner in owners})
    if before == after:
        return False
    bank.owners = list({owner.id: owner for owner in owners}.values())
    db.session.flush()
    record(actions.BANK_UPDATED, actor=actor, ip=ip, now=now, target=bank, details={"owners": [before, after]})
    return True


def questions_of(bank: Bank, ids: list[int]) -> list[Question]:
    """The questions with these ids that belong to `bank` (others are ignored, never touched)."""
    if not ids:
        return []
    return list(db.session.scalars(
        db.select(Question).where(Question.bank_id == bank.id, Question.id.in_(ids)).order_by(Question.id)
    ))


def add_topic(actor: Actor, bank: Bank, questions: list[Question], name: str, *, now: datetime, ip: str) -> int:
    """Tag each question with the topic (not a new version: topics belong to the question);
    returns how many questions gained it."""
    if not questions:
        raise DomainError(_l("Select at least one question."), field="ids")
    topic = topics_named([name])
    if not topic:
        raise DomainError(_l("Enter the topic to add."), field="topic")
    topic = topic[0]
    changed = 0
    for question in questions:
        if question.bank_id != bank.id:
            raise DomainError(_l("A selected question is not in this bank."), field="ids")
        if all(existing.name != topic.name for existing in question.topics):
            question.topics = [*question.topics, topic]
            changed += 1
    db.session.flush()
    if changed:
        record(actions.BANK_UPDATED, actor=actor, ip=ip, now=now, target=bank,
               details={"topic_added": topic.name, "questions": changed})
    return changed


def set_statuses(actor: Actor, bank: Bank, questions: list[Question], status: str, *, now: datetime,
                 ip: str) -> int:
    """Retire or restore several questions; returns how many changed (each change is audited)."""
    if not questions:
        raise DomainError(_l("Select at least one question."), field="ids")
    changed = 0
    for question in questions:
        if question.bank_id != bank.id:
            raise DomainError(_l("A selected question is not in this bank."), field="ids")
        changed += set_status(actor, question, status, now=now, ip=ip)
    return changed
