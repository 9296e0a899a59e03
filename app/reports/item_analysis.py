"""Item analysis of an exam, and of one question across the exams that used it.

What counts: submitted attempts whose score is complete (`Attempt.score` set, so every short answer was
graded), every attempt of a candidate who sat more than once. Scores are read as stored: a regrade rewrites
the stored item scores and totals (app.exams.regrades.apply_regrade), so a rekeyed or voided question is
analysed as it now counts. A rekeyed question's options are compared with the corrected key; a voided one
is shown but never flagged and left out of the reliability.

The unit is the question *version* candidates saw (its options and key), so a question edited while an
exam ran shows one row per version; usually that is one row per question.

Speed: one exam with 5,000 attempts × 100 questions is half a million paper items. They are read with one
query of plain columns (no ORM objects; JSON columns as text, parsed once per distinct text) and the
statistics run on numpy arrays (app.reports.item_stats).
"""

import gc
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Float, Text, cast, select

from app.banks import registry
from app.banks.models import Question, QuestionVersion
from app.exams.grading import regrades_of
from app.exams.models import Attempt, Exam, PaperItem, Regrade
from app.exams.states import AttemptState, RegradeAction
from app.extensions import db
from app.reports.item_stats import ItemInfo, ItemStats, Responses, TestAnalysis, analyse_items, analyse_test


@dataclass(frozen=True)
class ItemRow:
    version: QuestionVersion
    stats: ItemStats
    regrade: Regrade | None
    key: frozenset[int]  # the key the analysis used (a rekey's corrected key)


@dataclass(frozen=True)
class ExamItemAnalysis:
    exam: Exam
    analysis: TestAnalysis
    rows: tuple[ItemRow, ...]


@dataclass(frozen=True)
class ExamUse:
    exam: Exam
    row: ItemRow
    attempts: int  # graded attempts of the exam that carried the version


@dataclass(frozen=True)
class QuestionItemAnalysis:
    question: Question
    uses: tuple[ExamUse, ...]  # per exam (and version), newest exam first
    pooled: tuple[ItemRow, ...]  # per version, over every exam given (voided uses left out)
    min_sample: int


# --- Reading paper items ------------------------------------------------------------------------

def _graded(query):
    return query.join(Attempt, Attempt.id == PaperItem.attempt_id).where(
        Attempt.status == AttemptState.SUBMITTED, Attempt.score.is_not(None))


ITEM_COLUMNS = (PaperItem.attempt_id, PaperItem.version_id, cast(PaperItem.score, Float),
                cast(PaperItem.points, Float), cast(PaperItem.response, Text), cast(PaperItem.option_order, Text))


def _key_of(version: QuestionVersion, regrade: Regrade | None) -> frozenset[int]:
    key = regrade.key_version.key if regrade is not None and regrade.action == RegradeAction.REKEY else version.key
    return registry.get(version.type).analysed_key(key or {})


def _info(version: QuestionVersion, regrade: Regrade | None) -> ItemInfo:
    voided = regrade is not None and regrade.action == RegradeAction.VOID
    answers = registry.get(version.type).analysed_answers(version)
    if answers:
        return ItemInfo(options=answers, key=_key_of(version, regrade), voided=voided)
    return ItemInfo(voided=voided)


class _Choices:
    """Bit masks of the original options stored responses pick. Masks are cached by (version, response
    text, order text) and parsed texts by text: a paper's option order is one of a few permutations and
    responses repeat, so each distinct text is parsed once and most of half a million items cost one
    dictionary look-up."""

    def __init__(self, versions: dict[int, QuestionVersion]):
        counted = {vid: (v.type, registry.get(v.type).analysed_answers(v)) for vid, v in versions.items()}
        self.kinds = {vid: kind for vid, kind in counted.items() if kind[1]}
        self.masks: dict[tuple, int] = {}
        self.by_kind: dict[tuple, int] = {}  # versions of the same type and option count map alike
        self.parsed: dict[str, object] = {}

    def of_rows(self, rows: list[tuple], version: int, response: int, order: int) -> list[int]:
        """The mask of each row (0 for other question types); the arguments are column numbers."""
        kinds, masks = self.kinds, self.masks
        return [0 if row[version] not in kinds
                else masks[k] if (k := (row[version], row[response], row[order])) in masks else self._add(k)
                for row in rows]

    def _add(self, cache_key: tuple) -> int:
        version_id, response, order = cache_key
        kind_key = (self.kinds[version_id], response, order)
        mask = self.by_kind.get(kind_key)
        if mask is None:
            mask = self.by_kind[kind_key] = _mask(kind_key[0], self._parse(response), self._parse(order))
        self.masks[cache_key] = mask
        return mask

    def _parse(self, text: str | None):
        if text is None:
            return None
        if text not in self.parsed:
            try:
                self.parsed[text] = json.loads(text)
            except ValueError:
                self.parsed[text] = None
        return self.parsed[text]


def _mask(kind: tuple[str, int], response, order) -> int:
    """Displayed positions → original indexes, as grading maps them (the type's own reading)."""
    question_type, count = kind
    return registry.get(question_type).analysed_mask(response, order, count)


def _versions(ids: Iterable[int]) -> dict[int, QuestionVersion]:
    ids = set(ids)
    if not ids:
        return {}
    return {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while half a million row tuples are made: they hold no
    cycles, yet each full collection would walk them all (about a sixth of the time at the largest size)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plain_rows(query) -> list[tuple]:
    """The rows as the DB-API returns them: plain tuples. SQLAlchemy's Row objects cost about a microsecond
    each (half a second for one large exam); the columns are cast in SQL, so no result processing is needed."""
    result = db.session.connection().execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


# --- One exam -----------------------------------------------------------------------------------

def analyse_exam(exam: Exam, *, min_sample: int) -> ExamItemAnalysis:
    """Every question version on the graded papers of the exam (by question), with the test's reliability."""
    with _collector_paused():
        rows = _plain_rows(_graded(select(*ITEM_COLUMNS)).where(Attempt.exam_id == exam.id))
        version_ids = [row[1] for row in rows]
        versions = _versions(set(version_ids))
        table = Responses(attempt=[row[0] for row in rows], item=version_ids, score=[row[2] for row in rows],
                          points=[row[3] for row in rows], chosen=_Choices(versions).of_rows(rows, 1, 4, 5))
        del rows
    regrades = regrades_of(exam.id)
    ordered = sorted(versions, key=lambda vid: (versions[vid].question_id, versions[vid].number))
    infos = {vid: _info(versions[vid], regrades.get(vid)) for vid in ordered}
    analysis = analyse_test(table, infos, min_sample=min_sample)
    return ExamItemAnalysis(exam=exam, analysis=analysis, rows=tuple(
        ItemRow(version=versions[s.item], stats=s, regrade=regrades.get(s.item), key=infos[s.item].key)
        for s in analysis.items))


# --- One question across exams ------------------------------------------------------------------

def exams_using(question: Question) -> list[Exam]:
    """Exams with a graded paper that carried the question (any version), newest first."""
    versions = select(QuestionVersion.id).where(QuestionVersion.question_id == question.id)
    exam_ids = select(Attempt.exam_id).distinct().join(PaperItem, PaperItem.attempt_id == Attempt.id).where(
        PaperItem.version_id.in_(versions), Attempt.status == AttemptState.SUBMITTED, Attempt.score.is_not(None))
    return list(db.session.scalars(select(Exam).where(Exam.id.in_(exam_ids))
                                   .order_by(Exam.opens_at.desc(), Exam.id.desc())))


def exams_in_progress(user, exams: list[Exam]) -> set[int]:
    """Ids of `exams` in which `user` has an attempt in progress (one query, not one per exam): the analysis
    shows keys, so it stays hidden from them until they submit."""
    if not exams:
        return set()
    return set(db.session.scalars(select(Attempt.exam_id).where(
        Attempt.user_id == user.id, Attempt.status == AttemptState.IN_PROGRESS, Attempt.exam_id.in_([e.id for e in exams]))))


def analyse_question(question: Question, exams: list[Exam], *, min_sample: int) -> QuestionItemAnalysis:
    """The question in each of `exams` (the caller passes those the reader may see) and pooled over them.

    Each candidate is ranked and correlated by the share of their paper's total (and of the rest of the
    paper), read from the stored attempt totals, so exams with different maximum scores pool fairly; a
    pooled row is per version (options and key must be the same), leaving out exams that voided it.
    """
    by_id = {exam.id: exam for exam in exams}
    if not by_id:
        return QuestionItemAnalysis(question=question, uses=(), pooled=(), min_sample=min_sample)
    versions_of_question = select(QuestionVersion.id).where(QuestionVersion.question_id == question.id)
    rows = _plain_rows(
        _graded(select(*ITEM_COLUMNS, Attempt.exam_id, cast(Attempt.score, Float), cast(Attempt.max_score, Float)))
        .where(PaperItem.version_id.in_(versions_of_question), Attempt.exam_id.in_(by_id)))
    versions = _versions(row[1] for row in rows)
    chosen = _Choices(versions).of_rows(rows, 1, 4, 5)
    totals = {row[0]: (row[7], row[8]) for row in rows}
    regrades = {exam_id: regrades_of(exam_id) for exam_id in {row[6] for row in rows}}
    groups: dict[tuple[int, int], Responses] = defaultdict(Responses)
    pooled: dict[int, Responses] = defaultdict(Responses)
    for (attempt_id, version_id, score, points, _response, _order, exam_id, _total, _max), mask in zip(
            rows, chosen, strict=True):
        targets = [groups[(exam_id, version_id)]]
        regrade = regrades[exam_id].get(version_id)
        if regrade is None or regrade.action != RegradeAction.VOID:
            targets.append(pooled[version_id])
        for table in targets:
            table.attempt.append(attempt_id)
            table.item.append(version_id)
            table.score.append(score)
            table.points.append(points)
            table.chosen.append(mask)
    uses = []
    for (exam_id, version_id), table in groups.items():
        regrade = regrades[exam_id].get(version_id)
        info = _info(versions[version_id], regrade)
        stats = analyse_items(table, {version_id: info}, totals=totals, min_sample=min_sample)[0]
        uses.append(ExamUse(exam=by_id[exam_id], row=ItemRow(versions[version_id], stats, regrade, info.key),
                            attempts=stats.n))
    order = {exam.id: position for position, exam in enumerate(exams)}
    uses.sort(key=lambda use: (order[use.exam.id], use.row.version.number))
    pooled_rows = []
    for version_id in sorted(pooled, key=lambda vid: versions[vid].number):
        # The pooled key: the version's own, or a rekey's corrected key when an exam rekeyed it.
        rekeys = [r[version_id] for r in regrades.values() if version_id in r and r[version_id].action == RegradeAction.REKEY]
        regrade = max(rekeys, key=lambda r: r.applied_at) if rekeys else None
        info = _info(versions[version_id], regrade)
        stats = analyse_items(pooled[version_id], {version_id: info}, totals=totals, min_sample=min_sample)[0]
        pooled_rows.append(ItemRow(versions[version_id], stats, regrade, info.key))
    return QuestionItemAnalysis(question=question, uses=tuple(uses), pooled=tuple(pooled_rows),
                                min_sample=min_sample)
