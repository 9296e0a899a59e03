"""Storing an import, all or nothing: the preview made again in the same transaction, then the new questions,
the new versions of questions named by ID, the IDs given, the images and one audit event. Flushes, never
commits."""

import hashlib
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import load_only

from app.accounts.actors import Actor
from app.audit import actions
from app.audit.services import record
from app.banks.importing.preview import ImportPreview, preview_import
from app.banks.importing.reading import BankFile, clean_text
from app.banks.models import Bank, Image
from app.banks.services import add_questions, create_bank, find_bank, set_external_ids, update_questions
from app.banks.zipped import PackedImage
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.spreadsheets import Issue
from app.courses.models import Course
from app.extensions import db


class BankImportRejected(DomainError):
    """The file has errors; nothing was stored. `preview.errors` lists them all."""

    status_code = 422

    def __init__(self, preview: ImportPreview):
        self.preview = preview
        super().__init__(_l("The questions were not imported: %(num)d problem(s) found.", num=len(preview.errors)))


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    bank: Bank
    bank_created: bool
    created: int
    updated: int  # questions given a new version
    unchanged: int  # questions the file names by ID whose content is the same
    skipped_duplicates: int
    skipped_existing: int  # already in another bank of the course, skipped by choice
    skipped_unsupported: int
    per_type: dict[str, int]
    images: int  # images the questions use (new or already stored)
    event_id: int


def import_bank(actor: Actor, course: Course, bank_name: str, file: BankFile, *, now: datetime, ip: str,
                create_bank_if_missing: bool = True, skip_unsupported: bool = False,
                skip_existing: bool = False, managed_bank_ids: Container[int] | None = None) -> ImportResult:
    """Check `file` against the course as it is now and store its questions, all or nothing — except
    what the trainer chose to skip: questions of unsupported types (`skip_unsupported`), and questions
    another bank of the course already has (`skip_existing`).

    The bank is `course`'s bank named `bank_name`, created when missing (unless told not to).
    Raises BankImportRejected, having written nothing, if anything is wrong. Flushes, never commits.
    """
    bank_name = clean_text(bank_name or "").strip()
    bank = find_bank(course, bank_name) if bank_name else None
    preview = preview_import(bank, file, bank_name=bank_name, course=course, skip_unsupported=skip_unsupported,
                             skip_existing=skip_existing, managed_bank_ids=managed_bank_ids)
    if bank is None and bank_name and not create_bank_if_missing:
        preview.errors.insert(0, Issue(_l("Course %(course)s has no bank named %(name)s.",
                                          course=course.name, name=bank_name)))
    return apply_import(actor, course, preview, now=now, ip=ip)


def apply_import(actor: Actor, course: Course, preview: ImportPreview, *, now: datetime, ip: str) -> ImportResult:
    """Store what `preview` lists. It must have been made in this same transaction (a preview kept across
    requests may be stale: use import_bank). Raises BankImportRejected if the preview has errors, or
    unsupported questions the trainer did not choose to skip."""
    if preview.unsupported and not preview.skip_unsupported:
        preview.errors.extend(preview.unsupported)
    if not preview.errors and preview.bank is None and not preview.writes_anything:
        preview.errors.append(Issue(_l("Nothing to import: the bank would be empty. Every question is skipped "
                                       "(see the notes).")))
    if preview.errors:
        raise BankImportRejected(preview)
    bank = preview.bank
    if bank is None:
        try:
            bank = create_bank(actor, course, preview.bank_name, now=now, ip=ip)
        except DomainError as error:  # created by someone else since the preview
            preview.errors.append(Issue(error.message))
            raise BankImportRejected(preview) from error
    images = store_images(preview.images, now=now)
    questions = add_questions(actor, bank, preview.to_import, now=now, images=images)
    set_external_ids(course, [(update.question, update.draft.external_id) for update in preview.updates
                              if update.adopts_id])
    file = preview.file
    replace_topics = file.header is not None and "topic" in file.header.indexes
    revised = update_questions(actor, [(update.question, update.draft) for update in preview.updates], now=now,
                               images=images, replace_topics=replace_topics)
    per_type = preview.per_type
    image_count = len({image.id for image in images.values()})
    skipped_unsupported = len(preview.unsupported)
    event = record(
        actions.BANK_IMPORTED, actor=actor, ip=ip, now=now, target=bank,
        details={
            "file": file.filename,
            "format": file.format,
            "bank": bank.name,
            "course": course.code,
            "created": len(questions),
            "updated": {str(version.question_id): version.number for version in revised},
            "unchanged": preview.unchanged,
            "ids_given": sum(update.adopts_id for update in preview.updates),
            "skipped_duplicates": preview.skipped,
            "in_other_banks": len(preview.in_course),
            "skipped_existing": preview.skipped_existing,
            "skipped_unsupported": skipped_unsupported,
            "per_type": per_type,
            "images": image_count,
        },
    )
    return ImportResult(preview=preview, bank=bank, bank_created=preview.bank is None, created=len(questions),
                        updated=len(revised), unchanged=preview.unchanged, skipped_duplicates=preview.skipped,
                        skipped_existing=preview.skipped_existing, skipped_unsupported=skipped_unsupported,
                        per_type=per_type, images=image_count, event_id=event.id)


def store_images(images: dict[str, PackedImage], *, now: datetime) -> dict[str, Image]:
    """Image rows for these images (name → Image), reusing any already stored with the same bytes."""
    if not images:
        return {}
    hashes = {name: hashlib.sha256(image.data).hexdigest() for name, image in images.items()}
    stored = {
        image.sha256: image
        for image in db.session.scalars(
            db.select(Image).options(load_only(Image.id, Image.sha256)).where(Image.sha256.in_(set(hashes.values())))
        )
    }
    for name, digest in hashes.items():
        if digest not in stored:
            packed = images[name]
            stored[digest] = Image(sha256=digest, content_type=packed.content_type, data=packed.data, created_at=now)
            db.session.add(stored[digest])
    db.session.flush()
    return {name: stored[digest] for name, digest in hashes.items()}
