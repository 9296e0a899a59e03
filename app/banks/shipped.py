"""The shipped banks (question_banks/<course>/*.csv): loading a file as a bank of its course, and bringing a
later release of it into a database that already has the bank, without rewriting what a trainer changed and
without changing any past result. docs/shipped-content.md gives the rules and their reasons; in short:

- Every shipped row has an ID (编号). A row whose ID the bank knows updates that question — a new version when
  the content differs — only while the question is active and its current version is one the loader wrote
  (`QuestionVersion.shipped`). Otherwise a trainer edited or retired it: the question is kept as it is.
- A row whose ID the course does not know adopts the bank's question without an ID that reads the same (a bank
  loaded before the files had IDs), judged by its current version or by the last version the loader wrote, so a
  question a trainer edited is recognised too. Otherwise the row is a new question.
- A question the loader wrote that the file no longer has is retired, unless a trainer edited it or restored it
  after an earlier retirement. Nothing is deleted, and papers keep the versions they were drawn with.

Writes go through the import (app.banks.importing) with the file narrowed to the rows that change something,
so checks, topics, the letter rule and the audit event are the import's own. Flushes, never commits.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import selectinload

from app.accounts.actors import SYSTEM
from app.accounts.models import User
from app.audit import actions
from app.audit.models import AuditEvent
from app.banks.drafts import Draft
from app.banks.importing import BankFile, import_bank, preview_import, read_bank_file
from app.banks.models import Bank, Question, QuestionExternalId, QuestionVersion
from app.banks.services import CONTENT_FIELDS, content_of, find_bank, set_external_ids, set_status
from app.core.i18n import lazy_gettext as _l
from app.courses.models import Course
from app.extensions import db


@dataclass
class ShippedBank:
    """What loading one shipped file did to its bank."""

    bank_name: str
    created: bool = False  # the bank is new
    added: int = 0
    updated: int = 0  # questions given a new version
    retired: int = 0  # no longer in the file
    kept: list[str] = field(default_factory=list)  # questions the file would change, kept as a trainer left them
    skipped: list[str] = field(default_factory=list)  # rows repeating a question the bank has under another ID
    left_alone: bool = False  # a bank of that name the loader did not write
    problems: list = field(default_factory=list)  # messages (lazy); with any, nothing was written


@dataclass
class _Held:
    """A question of the bank, with what the loader needs to know about it."""

    question: Question
    shipped: QuestionVersion | None  # the last version the loader wrote

    @property
    def as_shipped(self) -> bool:
        """Active, at a version the loader wrote: nobody has edited or retired it since."""
        current = self.question.current
        return self.question.status == "active" and current is not None and current.shipped

    @property
    def identities(self) -> set[str]:
        found = {self.shipped.fingerprint} if self.shipped is not None else set()
        if self.question.status == "active" and self.question.current is not None:
            found.add(self.question.current.fingerprint)
        return found

    def label(self, external_id: str | None = None) -> str:
        """How the summary names it: its ID (or the one it is being given) and its number."""
        external_id = external_id or self.question.external_id
        return f"{external_id} (#{self.question.id})" if external_id else f"#{self.question.id}"


def load_shipped_bank(course: Course, path: Path, bank_name: str, *, owner: User | None, now: datetime,
                      ip: str) -> ShippedBank:
    """Load `path` into its bank of `course` (found by the file's IDs, else by `bank_name`; created when
    missing), or bring the bank up to the file. `owner` (the demo trainer) is made an owner of the bank."""
    report = ShippedBank(bank_name)
    file = read_bank_file(path.read_bytes(), path.name)
    if file.issues or file.unsupported:
        report.problems = [str(issue) for issue in [*file.issues, *file.unsupported]]
        return report
    bank = _bank_of(course, file, bank_name, report)
    if report.problems:
        return report
    if bank is not None and not _written_by_loader(bank):
        report.left_alone = True
        return report
    if bank is None:
        rows, adopted, held = file.drafts, [], {}
    else:
        report.bank_name = bank.name
        held = _held(bank)
        rows, adopted = _plan(course, file, held, report)
    preview = preview_import(bank, replace(file, drafts=rows), bank_name=bank_name, course=course)
    if preview.errors:
        report.problems = [str(issue) for issue in preview.errors]
        report.kept.clear()
        return report
    report.skipped = [duplicate.draft.external_id or str(duplicate.draft.row) for duplicate in preview.duplicates]
    idle = {id(update.draft) for update in preview.updates if not update.changed} | {
        id(duplicate.draft) for duplicate in preview.duplicates}
    rows = [draft for draft in rows if id(draft) not in idle]  # what is left writes something
    if adopted:
        set_external_ids(course, [(found.question, draft.external_id) for draft, found in adopted])
    if rows:
        result = import_bank(SYSTEM, course, bank_name if bank is None else bank.name, replace(file, drafts=rows),
                             now=now, ip=ip)
        bank, report.created, report.added, report.updated = (result.bank, result.bank_created, result.created,
                                                              result.updated)
        _mark_written(bank, [draft.external_id for draft in rows if draft.external_id])
    if held:
        named = {id(found) for _draft, found in adopted} | {
            id(found) for found in held.values() if found.question.external_id in _ids(file)}
        report.retired = _retire_dropped([found for found in held.values() if id(found) not in named], report,
                                         now=now, ip=ip)
    if bank is not None and owner is not None and owner not in bank.owners:
        bank.owners.append(owner)
    db.session.flush()
    return report


def _ids(file: BankFile) -> set[str]:
    return {draft.external_id for draft in file.drafts if draft.external_id}


def _bank_of(course: Course, file: BankFile, bank_name: str, report: ShippedBank) -> Bank | None:
    """The bank holding the file's IDs (it may have been renamed), else the bank of that name, else None."""
    ids = _ids(file)
    holders = set(db.session.scalars(
        db.select(Question.bank_id).join(QuestionExternalId, QuestionExternalId.question_id == Question.id)
        .where(QuestionExternalId.course_id == course.id, QuestionExternalId.external_id.in_(ids)))) if ids else set()
    if len(holders) > 1:
        names = db.session.scalars(db.select(Bank.name).where(Bank.id.in_(holders)).order_by(Bank.name))
        report.problems.append(_l("The IDs of %(file)s are spread over several banks: %(banks)s.",
                                 file=file.filename, banks=", ".join(names)))
        return None
    if holders:
        return db.session.get(Bank, holders.pop())
    return find_bank(course, bank_name)


def _written_by_loader(bank: Bank) -> bool:
    return db.session.scalar(
        db.select(QuestionVersion.id).join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.bank_id == bank.id, QuestionVersion.shipped.is_(True)).limit(1)) is not None


def _held(bank: Bank) -> dict[int, _Held]:
    """Every question of the bank (retired ones too), by id, with the last version the loader wrote."""
    questions = db.session.scalars(db.select(Question).where(Question.bank_id == bank.id)
                                   .options(selectinload(Question.external)).order_by(Question.id)).all()
    last: dict[int, QuestionVersion] = {}
    for version in db.session.scalars(
            db.select(QuestionVersion).join(Question, Question.id == QuestionVersion.question_id)
            .where(Question.bank_id == bank.id, QuestionVersion.shipped.is_(True)).order_by(QuestionVersion.number)):
        last[version.question_id] = version
    return {question.id: _Held(question, last.get(question.id)) for question in questions}


def _plan(course: Course, file: BankFile, held: dict[int, _Held],
          report: ShippedBank) -> tuple[list[Draft], list[tuple[Draft, _Held]]]:
    """The rows that may change the bank (new rows, and rows of questions still as the loader wrote them), and
    the questions without an ID that a row names by its content. Rows of questions a trainer changed are left
    out; those whose file row changed since the loader last wrote them are reported as kept."""
    by_id = {found.question.external_id: found for found in held.values() if found.question.external_id}
    known = set(db.session.scalars(db.select(QuestionExternalId.external_id).where(
        QuestionExternalId.course_id == course.id, QuestionExternalId.external_id.in_(_ids(file)))))
    without_id = [found for found in held.values() if found.question.external_id is None]
    rows, adopted, claimed = [], [], set()
    for draft in file.drafts:
        found = by_id.get(draft.external_id) if draft.external_id else None
        if found is None and draft.external_id and draft.external_id not in known:
            identity = content_of(draft, None)["fingerprint"]
            found = next((candidate for candidate in without_id
                          if candidate.question.id not in claimed and identity in candidate.identities), None)
            if found is not None:
                claimed.add(found.question.id)
                adopted.append((draft, found))
        if found is None or found.as_shipped:
            rows.append(draft)
        elif _differs(found.shipped or found.question.current, draft):
            report.kept.append(found.label(draft.external_id))
    return rows, adopted


def _differs(version: QuestionVersion, draft: Draft) -> bool:
    """Whether the row says something else than the version (the letter rule aside: it follows the text)."""
    content = content_of(draft, version.image)
    return any(getattr(version, name) != content[name] for name in CONTENT_FIELDS if name != "keep_option_order")


def _mark_written(bank: Bank, external_ids: list[str]) -> None:
    """The current versions of the questions these rows added or updated are the loader's."""
    if not external_ids:
        return
    current = (db.select(Question.current_version_id)
               .join(QuestionExternalId, QuestionExternalId.question_id == Question.id)
               .where(Question.bank_id == bank.id, QuestionExternalId.external_id.in_(external_ids)))
    db.session.execute(update(QuestionVersion).where(QuestionVersion.id.in_(current)).values(shipped=True)
                       .execution_options(synchronize_session="fetch"))


def _retire_dropped(dropped: list[_Held], report: ShippedBank, *, now: datetime, ip: str) -> int:
    """Retire the questions the file no longer has that nobody changed; report the others the loader wrote."""
    restored = {int(target) for target in db.session.scalars(db.select(AuditEvent.target_id).where(
        AuditEvent.action == actions.QUESTION_RESTORED, AuditEvent.target_type == Question.__tablename__,
        AuditEvent.target_id.in_([str(found.question.id) for found in dropped])))} if dropped else set()
    retired = 0
    for found in dropped:
        if found.question.status != "active" or found.shipped is None:
            continue  # retired already, or a trainer's own question
        if found.as_shipped and found.question.id not in restored:
            retired += set_status(SYSTEM, found.question, "retired", now=now, ip=ip)
        else:
            report.kept.append(found.label())
    return retired
