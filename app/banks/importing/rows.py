"""What each row of a file does to the course: add a question, update one by its ID, skip a repeat, or flag
a question another bank of the course has. Reads the course once (identities, IDs), never writes.

A row is compared by identity (app.banks.identity) with the active questions of the course and with the
earlier rows of the file; a row with an ID the course knows is an update of that question, which must be in
the bank imported into. See app.banks.importing for the decisions.
"""

import hashlib
from collections.abc import Container
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy.orm import selectinload

from app.banks import registry
from app.banks.drafts import Draft, QuestionType
from app.banks.identity import answer_signature, content_identity
from app.banks.importing.reading import BankFile
from app.banks.keys import key_of
from app.banks.letters import option_references
from app.banks.models import Bank, Image, Question, QuestionExternalId, QuestionVersion
from app.banks.services import content_of, same_content
from app.core.i18n import lazy_gettext as _l
from app.extensions import db

if TYPE_CHECKING:
    from app.banks.importing.preview import ImportPreview

@dataclass(frozen=True)
class Duplicate:
    """A question that is not imported because it repeats another one."""

    draft: Draft
    earlier: Draft | None  # the earlier question of the same file, or None: an active question of the bank
    question_id: int | None  # the bank's question it repeats
    same_answer: bool


@dataclass(frozen=True)
class InCourse:
    """A new question whose content another bank of the course already has: imported unless the trainer
    chooses to skip such questions (no paper holds both either way: app.exams.assembly)."""

    draft: Draft
    question_id: int
    bank_name: str
    same_answer: bool


@dataclass(frozen=True)
class Update:
    """A question of the bank that a row names by its ID (or, for an ID new to the course, by its content):
    the row becomes its next version when the content differs."""

    draft: Draft
    question: Question
    changed: bool
    adopts_id: bool  # the question had no ID and takes the row's


class _ImageRef(NamedTuple):
    """Enough of an image to compare content with a stored version: its row id (0: not stored yet) and hash."""

    id: int
    sha256: str


@dataclass(frozen=True)
class _Existing:
    """An active question of the course, at its current version."""

    question_id: int
    bank_id: int
    bank_name: str
    external_id: str | None
    signature: tuple


class RowPlanner:
    """Decides, row by row, what the import does: add, update (by ID), skip as a repeat, or refuse."""

    def __init__(self, preview: "ImportPreview", course_id: int | None, managed: Container[int] | None = None):
        self.preview = preview
        # Banks whose questions the importer may read (None: all, as for the command line). Of another
        # trainer's bank a message says only that it has the question: its name, number and whether its
        # answer differs would let an upload probe keys the importer may not see.
        self.managed = managed
        self.file = preview.file
        self.bank_id = preview.bank.id if preview.bank is not None else None
        self.course_id = course_id
        self.images = self._image_refs()
        self.by_identity = self._course_questions()
        self.ids = self._course_ids()
        self.seen: dict[str, Draft] = {}  # identity → the first row of the file with it
        self.rows_by_id: dict[str, Draft] = {}
        self.updating: dict[int, Draft] = {}  # question id → the row updating it
        self.pending_updates: list[tuple[Draft, int, bool]] = []

    def _image_refs(self) -> dict[str, _ImageRef]:
        hashes = {name: hashlib.sha256(image.data).hexdigest() for name, image in self.preview.images.items()}
        stored = dict(db.session.execute(db.select(Image.sha256, Image.id).where(Image.sha256.in_(set(hashes.values()))))
                      .all()) if hashes else {}
        return {name: _ImageRef(stored.get(digest, 0), digest) for name, digest in hashes.items()}

    def _course_questions(self) -> dict[str, list[_Existing]]:
        if self.course_id is None:
            return {}
        rows = db.session.execute(
            db.select(QuestionVersion.fingerprint, Question.id, Question.bank_id, Bank.name,
                      QuestionExternalId.external_id, QuestionVersion.type, QuestionVersion.options,
                      QuestionVersion.key)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .join(Bank, Bank.id == Question.bank_id)
            .outerjoin(QuestionExternalId, QuestionExternalId.question_id == Question.id)
            .where(Bank.course_id == self.course_id, Question.status == "active")
            .order_by(Question.id)
        )
        found: dict[str, list[_Existing]] = {}
        for identity, question_id, bank_id, bank_name, external_id, kind, options, key in rows:
            found.setdefault(identity, []).append(_Existing(question_id, bank_id, bank_name, external_id,
                                                            answer_signature(kind, options or [], key or {})))
        return found

    def _course_ids(self) -> dict[str, tuple[int, int, str]]:
        """ID → (question id, bank id, bank name), retired questions included (an ID is never reused)."""
        wanted = {draft.external_id for draft in self.file.drafts if draft.external_id}
        if self.course_id is None or not wanted:
            return {}
        rows = db.session.execute(
            db.select(QuestionExternalId.external_id, Question.id, Question.bank_id, Bank.name)
            .join(Question, Question.id == QuestionExternalId.question_id).join(Bank, Bank.id == Question.bank_id)
            .where(QuestionExternalId.course_id == self.course_id, QuestionExternalId.external_id.in_(wanted))
        )
        return {external_id: (question_id, bank_id, bank_name) for external_id, question_id, bank_id, bank_name in rows}

    def identity(self, draft: Draft) -> str:
        options = draft.options if registry.get(draft.type).has_options else []
        image = self.images.get(draft.image) if draft.image else None
        return content_identity(draft.stem, options, image.sha256 if image is not None else None)

    @staticmethod
    def signature(draft: Draft) -> tuple:
        return answer_signature(draft.type, draft.options, key_of(draft))

    def plan(self) -> None:
        for draft in self.file.drafts:
            self.row(draft)
        self._load_updates()
        for draft in [*self.preview.to_import, *(update.draft for update in self.preview.updates)]:
            self._notes(draft)

    def row(self, draft: Draft) -> None:
        preview, file = self.preview, self.file
        identity = self.identity(draft)
        if draft.external_id:
            earlier = self.rows_by_id.get(draft.external_id)
            if earlier is not None:
                preview.errors.append(file.place(draft, "id", self._repeated_id(draft.external_id, earlier)))
                return
            self.rows_by_id[draft.external_id] = draft
            named = self.ids.get(draft.external_id)
            if named is not None:
                question_id, bank_id, bank_name = named
                if bank_id != self.bank_id and not self.may_read(bank_id):
                    preview.errors.append(file.place(draft, "id", _l(
                        "The ID %(id)s belongs to a question of another bank of this course, which you do not "
                        "manage. Change the ID.", id=draft.external_id)))
                elif bank_id != self.bank_id:
                    preview.errors.append(file.place(draft, "id", _l(
                        "The ID %(id)s belongs to question %(question)d in bank %(bank)s of this course. Import the "
                        "file into that bank, or change the ID.", id=draft.external_id, question=question_id,
                        bank=bank_name)))
                elif question_id in self.updating:
                    preview.errors.append(file.place(draft, "id", self._repeated_id(draft.external_id,
                                                                                     self.updating[question_id])))
                else:
                    self._update(draft, question_id, adopts_id=False)
                    self.seen.setdefault(identity, draft)
                return
        same = self.by_identity.get(identity, [])
        in_bank = [found for found in same if found.bank_id == self.bank_id]
        if in_bank:
            found = in_bank[0]
            if draft.external_id and found.external_id is None and found.question_id not in self.updating:
                self._update(draft, found.question_id, adopts_id=True)  # the file now names this question
                self.seen.setdefault(identity, draft)
                return
            same_answer = self.signature(draft) == found.signature
            preview.duplicates.append(Duplicate(draft, None, found.question_id, same_answer))
            message = (_l("The bank already has this question (number %(id)d); it is skipped.", id=found.question_id)
                       if same_answer else
                       _l("The bank already has this question (number %(id)d) with a different answer; it is "
                          "skipped. Edit the bank's question to change its answer.", id=found.question_id))
            preview.warnings.append(file.place(draft, "stem", message))
            return
        if identity in self.seen:
            earlier = self.seen[identity]
            same_answer = self.signature(draft) == self.signature(earlier)
            preview.duplicates.append(Duplicate(draft, earlier, None, same_answer))
            preview.warnings.append(file.place(draft, "stem", _repeat_message(file, earlier, same_answer)))
            return
        self.seen[identity] = draft
        if same:
            found = next((found for found in same if self.may_read(found.bank_id)), same[0])
            same_answer = self.signature(draft) == found.signature
            preview.in_course.append(InCourse(draft, found.question_id, found.bank_name, same_answer))
            if not self.may_read(found.bank_id):
                message = _l("Another bank of this course, which you do not manage, already has this question.")
            elif same_answer:
                message = _l("Bank %(bank)s of this course already has this question (number %(id)d).",
                             bank=found.bank_name, id=found.question_id)
            else:
                message = _l("Bank %(bank)s of this course already has this question (number %(id)d), with a "
                             "different answer.", bank=found.bank_name, id=found.question_id)
            preview.warnings.append(file.place(draft, "stem", message))
            if preview.skip_existing:
                return
        preview.to_import.append(draft)

    def may_read(self, bank_id: int) -> bool:
        return self.managed is None or bank_id in self.managed

    def _repeated_id(self, external_id: str, earlier: Draft):
        if self.file.header is not None:
            return _l("The ID %(id)s is also given in row %(row)d.", id=external_id, row=earlier.row or 0)
        return _l("The ID %(id)s is also given to question %(number)d.", id=external_id, number=earlier.row or 0)

    def _update(self, draft: Draft, question_id: int, *, adopts_id: bool) -> None:
        self.updating[question_id] = draft
        self.pending_updates.append((draft, question_id, adopts_id))

    def _load_updates(self) -> None:
        """The questions to update, with their current versions, in one query; what would change."""
        ids = [question_id for _draft, question_id, _adopts in self.pending_updates]
        if not ids:
            return
        questions = {question.id: question for question in db.session.scalars(
            db.select(Question).where(Question.id.in_(ids)).options(selectinload(Question.current)))}
        image_ids = {q.current.image_id for q in questions.values() if q.current is not None and q.current.image_id}
        current_images = dict(db.session.execute(
            db.select(Image.id, Image.sha256).where(Image.id.in_(image_ids))).all()) if image_ids else {}
        for draft, question_id, adopts_id in self.pending_updates:
            question = questions[question_id]
            current = question.current
            draft.keep_order = draft.keep_order or bool(current is not None and current.keep_option_order)
            if draft.image:
                image = self.images.get(draft.image)
            elif current is not None and current.image_id:
                image = _ImageRef(current.image_id, current_images[current.image_id])
            else:
                image = None
            changed = current is None or not same_content(current, content_of(draft, image))
            self.preview.updates.append(Update(draft, question, changed, adopts_id))
            if question.status != "active":
                self.preview.warnings.append(self.file.place(draft, "id", _l(
                    "Question %(id)d is retired: it is updated all the same and stays retired.", id=question.id)))

    def _notes(self, draft: Draft) -> None:
        """What the trainer should know about a question that is imported or updated."""
        kind = registry.get(draft.type)
        for reference in option_references(kind.type, draft.stem, draft.options, draft.explanation):
            message = (_l("“%(text)s” names an option by its letter: this question keeps its options in the order "
                          "written, so the letters match what candidates see.", text=reference.snippet)
                       if reference.letters else
                       _l("“%(text)s” points at other options: this question keeps its options in the order "
                          "written.", text=reference.snippet))
            self.preview.warnings.append(self.file.place(draft, reference.field, message))
        if kind.type == QuestionType.SHORT_ANSWER and not draft.reference.strip():
            self.preview.warnings.append(self.file.place(draft, "answer", _l(
                "No reference answer: graders see that there is none.")))


def _repeat_message(file: BankFile, earlier: Draft, same: bool):
    if file.header is not None:
        if same:
            return _l("The same question as row %(row)d; it is skipped.", row=earlier.row or 0)
        return _l("The same question as row %(row)d, but with a different answer; it is skipped. Keep the "
                  "right one only.", row=earlier.row or 0)
    if same:
        return _l("The same question as question %(number)d; it is skipped.", number=earlier.row or 0)
    return _l("The same question as question %(number)d, but with a different answer; it is skipped. Keep the "
              "right one only.", number=earlier.row or 0)
