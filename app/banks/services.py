"""Banks and questions. Services flush, never commit; the caller commits once.

Editing a question adds a version and points the question at it; older versions stay for the
papers that use them. Retiring hides a question from new papers without touching old ones.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, insert, text, update
from sqlalchemy.orm import lazyload, load_only

from app.accounts.actors import Actor
from app.audit import actions
from app.audit.services import record
from app.banks import registry
from app.banks.drafts import Draft
from app.banks.identity import content_identity
from app.banks.keys import DEFAULT_DIFFICULTY, apply_key, key_of
from app.banks.letters import must_keep_order
from app.banks.models import Bank, Image, Question, QuestionExternalId, QuestionVersion, Topic, question_topics
from app.core.errors import Conflict, DomainError
from app.core.i18n import lazy_gettext as _l
from app.courses.models import Course
from app.extensions import db


def create_bank(actor: Actor, course: Course, name: str, *, description: str = "", now: datetime,
                ip: str) -> Bank:
    name = name.strip()
    if not name:
        raise DomainError(_l("The bank needs a name."), field="name")
    if db.session.scalar(db.select(Bank.id).where(Bank.course_id == course.id, Bank.name == name)):
        raise Conflict(_l("Course %(course)s already has a bank named %(name)s.", course=course.name, name=name),
                       field="name")
    bank = Bank(course=course, name=name, description=description.strip(), created_at=now,
                created_by_id=actor.id)
    if getattr(actor, "id", None) is not None:
        bank.owners.append(actor)
    db.session.add(bank)
    db.session.flush()
    record(actions.BANK_CREATED, actor=actor, ip=ip, now=now, target=bank,
           details={"course": course.code, "name": bank.name})
    return bank


def find_bank(course: Course, name: str) -> Bank | None:
    return db.session.scalar(db.select(Bank).where(Bank.course_id == course.id, Bank.name == name.strip()))


def topics_named(names: list[str]) -> list[Topic]:
    """Topic rows for these names, created when missing (one query for the lot)."""
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if not wanted:
        return []
    found = {t.name: t for t in db.session.scalars(db.select(Topic).where(Topic.name.in_(wanted)))}
    for name in wanted:
        if name not in found:
            found[name] = Topic(name=name)
            db.session.add(found[name])
    return [found[name] for name in wanted]


def content_of(draft: Draft, image: Image | None) -> dict:
    """The stored content of a version made from `draft` with `image` (CONTENT_FIELDS, plus its identity)."""
    kind = registry.get(draft.type)
    options = list(draft.options) if kind.has_options else []
    explanation = draft.explanation or ""
    return {
        "type": str(kind.type), "stem": draft.stem, "options": options, "key": key_of(draft),
        "points": draft.points if draft.points is not None else kind.default_points,
        "difficulty": draft.difficulty or DEFAULT_DIFFICULTY, "explanation": explanation,
        "source": (draft.source or "")[:500], "image_id": image.id if image is not None else None,
        "keep_option_order": draft.keep_order or must_keep_order(kind.type, draft.stem, options, explanation),
        "fingerprint": content_identity(draft.stem, options, image.sha256 if image is not None else None),
    }


CONTENT_FIELDS = ("type", "stem", "options", "key", "points", "difficulty", "explanation", "source", "image_id",
                  "keep_option_order")


def same_content(version: QuestionVersion, content: dict) -> bool:
    return all(getattr(version, field) == content[field] for field in CONTENT_FIELDS)


def _insert_rows(table, rows: list[dict]) -> None:
    if rows:
        db.session.connection().execute(insert(table), rows)  # one executemany


def add_questions(actor: Actor, bank: Bank, drafts: list[Draft], *, now: datetime,
                  images: dict[str, Image] | None = None) -> list[Question]:
    """New questions from checked drafts, written with one multi-row INSERT per table, so an import of
    10,000 questions takes seconds. `images` maps a draft's image file name to its stored Image."""
    if not drafts:
        return []
    images = images or {}
    topics = {t.name: t for t in topics_named([name for d in drafts for name in d.topics])}
    db.session.flush()
    question_ids = _reserve_ids(Question.__table__, len(drafts), lock_row=bank)
    version_ids = _reserve_ids(QuestionVersion.__table__, len(drafts), lock_row=bank)
    questions, versions, links, external = [], [], [], []
    for draft, question_id, version_id in zip(drafts, question_ids, version_ids, strict=True):
        image = images.get(draft.image) if draft.image else None
        questions.append({"id": question_id, "bank_id": bank.id, "status": "active", "created_at": now,
                          "current_version_id": None})
        versions.append({"id": version_id, "question_id": question_id, "number": 1, "created_at": now,
                         "created_by_id": actor.id, **content_of(draft, image)})
        links += [{"question_id": question_id, "topic_id": topics[name.strip()].id}
                  for name in dict.fromkeys(draft.topics) if name.strip()]
        if draft.external_id:
            external.append({"question_id": question_id, "course_id": bank.course_id,
                             "external_id": draft.external_id})
    _insert_rows(Question.__table__, questions)
    _insert_rows(QuestionVersion.__table__, versions)
    _insert_rows(question_topics, links)
    _insert_rows(QuestionExternalId.__table__, external)
    connection = db.session.connection()
    questions_table, versions_table = Question.__table__, QuestionVersion.__table__
    connection.execute(  # one statement: each new question points at its first version
        update(questions_table)
        .where(questions_table.c.bank_id == bank.id, questions_table.c.current_version_id.is_(None))
        .values(current_version_id=db.select(versions_table.c.id).where(
            versions_table.c.question_id == questions_table.c.id, versions_table.c.number == 1).scalar_subquery())
    )
    wanted = set(question_ids)
    loaded = db.session.scalars(
        db.select(Question).where(Question.id.between(min(question_ids), max(question_ids)))
        .options(lazyload("*")).order_by(Question.id)
    )
    return [question for question in loaded if question.id in wanted]


def _reserve_ids(table, count: int, *, lock_row: Bank) -> list[int]:
    """Primary keys for rows about to be inserted in bulk (so versions can point at their questions
    without a round trip per row)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return list(connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": count},
        ).scalars())
    # SQLite: a write first takes the database's write lock for this transaction, so no other
    # writer can take ids between reading the largest one and inserting.
    connection.execute(update(Bank.__table__).where(Bank.__table__.c.id == lock_row.id).values(id=lock_row.id))
    start = connection.execute(db.select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1
    return list(range(start, start + count))


def draft_of(version: QuestionVersion, topics: list[Topic] | None = None) -> Draft:
    """The editable content of a version, as a draft (for forms and exports)."""
    draft = Draft(type=registry.get(version.type).type, stem=version.stem, options=list(version.options),
                  points=Decimal(version.points), difficulty=version.difficulty,
                  topics=[t.name for t in (topics if topics is not None else version.question.topics)],
                  explanation=version.explanation, source=version.source, keep_order=version.keep_option_order)
    return apply_key(draft, version.key)


def revise_question(actor: Actor, question: Question, draft: Draft, *, now: datetime, ip: str,
                    image: Image | None = None) -> QuestionVersion | None:
    """A new version when the content changed (None if it did not); topics are updated in place."""
    question.topics = topics_named(draft.topics)
    version = _new_version(actor, question, draft, now=now, image=image)
    db.session.flush()
    if version is not None:
        record(actions.QUESTION_REVISED, actor=actor, ip=ip, now=now, target=question,
               details={"bank": question.bank_id, "version": version.number})
    return version


def _new_version(actor: Actor, question: Question, draft: Draft, *, now: datetime,
                 image: Image | None) -> QuestionVersion | None:
    """The question's next version from `draft` (the current picture kept unless another is given), made
    current; None when the content is the same as the current version's."""
    current = question.current
    if image is None and current is not None and current.image_id is not None:
        image = db.session.get(Image, current.image_id, options=[load_only(Image.id, Image.sha256)])
    content = content_of(draft, image)
    if current is not None and same_content(current, content):
        return None
    version = QuestionVersion(question_id=question.id, number=(current.number if current else 0) + 1,
                              created_at=now, created_by_id=actor.id, **content)
    db.session.add(version)
    db.session.flush()
    question.current = version
    return version


def update_questions(actor: Actor, changes: list[tuple[Question, Draft]], *, now: datetime,
                     images: dict[str, Image] | None = None, replace_topics: bool = True) -> list[QuestionVersion]:
    """New versions for questions a re-import names by ID (each unchanged one is left alone), their
    topics replaced by the file's when `replace_topics` (or when the file gives some). Returns the new
    versions; the caller audits the import as a whole."""
    images = images or {}
    new = []
    for question, draft in changes:
        if replace_topics or draft.topics:
            question.topics = topics_named(draft.topics)
        version = _new_version(actor, question, draft, now=now,
                               image=images.get(draft.image) if draft.image else None)
        if version is not None:
            new.append(version)
    db.session.flush()
    return new


def set_external_ids(course: Course, pairs: list[tuple[Question, str]]) -> None:
    """Give questions that have no ID yet the IDs a file names (unique in the course: the database says)."""
    _insert_rows(QuestionExternalId.__table__, [
        {"question_id": question.id, "course_id": course.id, "external_id": external_id}
        for question, external_id in pairs])


def set_status(actor: Actor, question: Question, status: str, *, now: datetime, ip: str) -> bool:
    """Retire ("retired") or restore ("active") a question; True if it changed."""
    if status not in ("active", "retired"):
        raise DomainError(_l("Unknown question status."))
    if question.status == status:
        return False
    question.status = status
    db.session.flush()
    record(actions.QUESTION_RETIRED if status == "retired" else actions.QUESTION_RESTORED, actor=actor, ip=ip,
           now=now, target=question, details={"bank": question.bank_id})
    return True
