"""Imports trainers really have: stable IDs that update questions as new versions (CSV, XLSX, Moodle XML),
questions another bank of the course already has, questions of unsupported types skipped on request,
essays without a model answer, and the letter rule set on import."""

import io
from dataclasses import replace

import openpyxl
import pytest

from app.accounts.actors import SYSTEM
from app.audit import actions
from app.audit.models import AuditEvent
from app.banks.importing import BankImportRejected, import_bank, preview_import, read_bank_file
from app.banks.models import Question, QuestionExternalId, QuestionVersion
from app.banks.services import find_bank, set_status
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db
from tests import factories
from tests.banks.test_importing import GIFT, HEADER, NOW, ROWS, counts, csv_bytes

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


@pytest.fixture
def law(app):
    ensure_courses()
    db.session.commit()
    return find_course("law")

ID_HEADER = "编号," + HEADER
ID_ROWS = tuple(f"L-{n},{row}" for n, row in enumerate(ROWS, start=1))
EDITED = ID_ROWS[1].replace("收费站应当公示的内容有（ ）。", "收费站应当在显著位置公示的内容有（ ）。").replace(",ABC,", ",AB,")


def _import(course, data: bytes, filename: str, bank_name: str = "法规题库", **options):
    return import_bank(SYSTEM, course, bank_name, read_bank_file(data, filename), now=NOW, ip="t", **options)


def _messages(issues) -> list[str]:
    return [str(issue) for issue in issues]


def _by_id(course) -> dict[str, Question]:
    rows = db.session.execute(db.select(QuestionExternalId.external_id, Question)
                              .join(Question, Question.id == QuestionExternalId.question_id)
                              .where(QuestionExternalId.course_id == course.id))
    return dict(rows.all())


def xlsx_bytes(header: str, *rows: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for line in (header, *rows):
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- IDs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_re_import_with_ids_updates_the_named_questions_as_new_versions(law, kind):
    make = csv_bytes if kind == "csv" else (lambda *rows, header: xlsx_bytes(header, *rows))
    first = _import(law, make(*ID_ROWS, header=ID_HEADER), f"bank.{kind}")
    assert (first.created, first.updated) == (5, 0)
    questions = _by_id(law)
    assert sorted(questions) == ["L-1", "L-2", "L-3", "L-4", "L-5"]
    before = counts()

    again = _import(law, make(ID_ROWS[0], EDITED, *ID_ROWS[2:], header=ID_HEADER), f"bank.{kind}")
    db.session.expire_all()
    assert (again.created, again.updated, again.unchanged, again.skipped_duplicates) == (0, 1, 4, 0)
    assert counts()["questions"] == before["questions"] and counts()["versions"] == before["versions"] + 1
    edited = _by_id(law)["L-2"]
    assert [v.number for v in edited.versions] == [1, 2] and edited.current.number == 2
    assert edited.current.stem == "收费站应当在显著位置公示的内容有（ ）。" and edited.current.key == {"correct": [0, 1]}
    assert edited.versions[0].stem == "收费站应当公示的内容有（ ）。" and edited.versions[0].key == {"correct": [0, 1, 2]}
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_IMPORTED)
                               .order_by(AuditEvent.id.desc())).first()
    assert event.details["updated"] == {str(edited.id): 2} and event.details["unchanged"] == 4


def test_a_paper_drawn_before_a_re_import_keeps_the_version_it_has(law, users):
    from app.exams.attempts import start_attempt
    from app.exams.models import PaperItem
    from app.exams.services import RuleData

    trainer, collector = users[Role.TRAINER], users[Role.COLLECTOR]
    result = _import(law, csv_bytes(*ID_ROWS, header=ID_HEADER), "bank.csv")
    exam = factories.make_exam(trainer, result.bank, audience=[collector], now=NOW,
                               rules=[RuleData(count=5, bank_id=result.bank.id)])
    attempt = start_attempt(collector, exam, now=NOW, ip="t")
    on_paper = {item.question_id: item.version_id for item in attempt.items}
    _import(law, csv_bytes(ID_ROWS[0], EDITED, *ID_ROWS[2:], header=ID_HEADER), "bank.csv")
    db.session.expire_all()
    edited = _by_id(law)["L-2"]
    assert edited.current.number == 2
    items = db.session.scalars(db.select(PaperItem).where(PaperItem.attempt_id == attempt.id)).all()
    assert {item.question_id: item.version_id for item in items} == on_paper
    assert db.session.get(QuestionVersion, on_paper[edited.id]).stem == "收费站应当公示的内容有（ ）。"


def test_moodle_idnumber_makes_a_re_import_an_update(law):
    def quiz(stem: str) -> bytes:
        return f"""<?xml version="1.0" encoding="UTF-8"?><quiz>
<question type="truefalse"><name><text>Q1</text></name><idnumber>tf-7</idnumber>
<questiontext><text>{stem}</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>
</quiz>""".encode()

    _import(law, quiz("收费员应当文明服务。"), "quiz.xml")
    again = _import(law, quiz("收费员应当文明、规范服务。"), "quiz.xml")
    assert (again.created, again.updated) == (0, 1)
    question = _by_id(law)["tf-7"]
    assert [v.stem for v in question.versions] == ["收费员应当文明服务。", "收费员应当文明、规范服务。"]


def test_an_id_new_to_the_course_is_given_to_the_bank_question_with_the_same_content(law):
    _import(law, csv_bytes(*ROWS), "bank.csv")
    given = _import(law, csv_bytes(*ID_ROWS, header=ID_HEADER), "bank.csv")
    assert (given.created, given.updated, given.unchanged, given.skipped_duplicates) == (0, 0, 5, 0)
    assert sorted(_by_id(law)) == ["L-1", "L-2", "L-3", "L-4", "L-5"]
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_IMPORTED)
                               .order_by(AuditEvent.id.desc())).first()
    assert event.details["ids_given"] == 5
    edited = _import(law, csv_bytes(ID_ROWS[0], EDITED, header=ID_HEADER), "bank.csv")
    assert (edited.created, edited.updated) == (0, 1)


def test_an_id_of_another_bank_or_twice_in_the_file_is_an_error_naming_the_row_and_column(law):
    _import(law, csv_bytes(*ID_ROWS[:2], header=ID_HEADER), "bank.csv", bank_name="甲")
    db.session.commit()
    before = counts()
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, csv_bytes(ID_ROWS[0], ID_ROWS[2], ID_ROWS[3].replace("L-4", "L-3"), header=ID_HEADER),
                "bank.csv", bank_name="乙")
    db.session.rollback()
    assert counts() == before
    question = _by_id(law)["L-1"]
    assert _messages(rejected.value.preview.errors) == [
        f"Row 2, column 编号: The ID L-1 belongs to question {question.id} in bank 甲 of this course. Import the file "
        "into that bank, or change the ID.",
        "Row 4, column 编号: The ID L-3 is also given in row 3.",
    ]


def test_ids_are_unique_per_course_not_per_bank(law):
    _import(law, csv_bytes(*ID_ROWS[:1], header=ID_HEADER), "bank.csv")
    other = _import(find_course("integrity"), csv_bytes(*ID_ROWS[:1], header=ID_HEADER), "bank.csv")
    assert other.created == 1  # the same ID names another question in another course


def test_an_update_of_a_retired_question_is_noted_and_keeps_it_retired(law):
    _import(law, csv_bytes(*ID_ROWS[:2], header=ID_HEADER), "bank.csv")
    question = _by_id(law)["L-2"]
    set_status(SYSTEM, question, "retired", now=NOW, ip="t")
    preview = preview_import(find_bank(law, "法规题库"), read_bank_file(csv_bytes(EDITED, header=ID_HEADER), "b.csv"))
    assert f"Row 2, column 编号: Question {question.id} is retired: it is updated all the same and stays retired." \
        in _messages(preview.warnings)
    result = _import(law, csv_bytes(EDITED, header=ID_HEADER), "bank.csv")
    assert result.updated == 1 and question.status == "retired"


# --- Questions another bank of the course has ---------------------------------------------------------

def test_questions_another_bank_of_the_course_has_are_flagged_and_skipped_on_request(law):
    first = _import(law, csv_bytes(*ROWS), "bank.csv", bank_name="law")
    preview = preview_import(None, read_bank_file(csv_bytes(*ROWS, "判断,收费站应当公示收费标准。,,,,,对,1,1,,,,"),
                                                   "law.csv"), bank_name="law (2)", course=law, skip_existing=True)
    question_ids = [q.id for q in db.session.scalars(db.select(Question).where(Question.bank_id == first.bank.id)
                                                      .order_by(Question.id))]
    assert _messages(preview.warnings)[:2] == [
        f"Row 2, column 题干: Bank law of this course already has this question (number {question_ids[0]}).",
        f"Row 3, column 题干: Bank law of this course already has this question (number {question_ids[1]}).",
    ]
    assert (len(preview.in_course), len(preview.to_import), preview.skipped_existing) == (5, 1, 5)
    skipped = _import(law, csv_bytes(*ROWS, "判断,收费站应当公示收费标准。,,,,,对,1,1,,,,"), "law.csv",
                      bank_name="law (2)", skip_existing=True)
    assert (skipped.created, skipped.skipped_existing) == (1, 5)
    kept = _import(law, csv_bytes(*ROWS), "law.csv", bank_name="law (3)")
    assert (kept.created, kept.skipped_existing) == (5, 0)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_IMPORTED)
                               .order_by(AuditEvent.id.desc())).first()
    assert (event.details["in_other_banks"], event.details["skipped_existing"]) == (5, 0)


def test_the_same_question_in_another_bank_with_another_answer_is_named_as_such(law):
    _import(law, csv_bytes(*ROWS), "bank.csv", bank_name="law")
    changed = ROWS[2].replace(",错,", ",对,")
    preview = preview_import(None, read_bank_file(csv_bytes(changed), "b.csv"), bank_name="新", course=law)
    assert "with a different answer" in _messages(preview.warnings)[0]


def test_a_new_bank_left_empty_by_the_skips_is_not_created(law):
    _import(law, csv_bytes(*ROWS), "bank.csv", bank_name="law")
    db.session.commit()
    before = counts()
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, csv_bytes(*ROWS), "law.csv", bank_name="law (2)", skip_existing=True)
    db.session.rollback()
    assert counts() == before and find_bank(law, "law (2)") is None
    assert "Nothing to import" in _messages(rejected.value.preview.errors)[0]


def test_options_in_another_order_and_html_make_the_same_question(law):
    _import(law, csv_bytes(ROWS[0]), "bank.csv", bank_name="law")
    reordered = "单选,<p>《收费公路管理条例》自何时起施行？</p>,2005年1月1日,2004年11月1日,2004年9月13日,,B,2,2,,,,"
    preview = preview_import(find_bank(law, "law"), read_bank_file(csv_bytes(reordered), "b.csv"))
    assert preview.skipped == 1 and preview.duplicates[0].same_answer  # the same right option, at another letter


# --- Unsupported questions ----------------------------------------------------------------------------

MATCHING = GIFT + "\n::Q6:: 把收费站与省份配对。 {=东郊 -> 北京 =西郊 -> 上海 =北环 -> 天津}\n"


def test_unsupported_questions_stop_the_import_unless_the_trainer_imports_the_others(law):
    before = counts()
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, MATCHING.encode(), "bank.gift")
    db.session.rollback()
    assert counts() == before
    assert _messages(rejected.value.preview.errors) == [
        "Question 6 (Q6): matching questions are not supported, so it cannot be imported."]
    result = _import(law, MATCHING.encode(), "bank.gift", skip_unsupported=True)
    assert (result.created, result.skipped_unsupported) == (5, 1)
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_IMPORTED)).one()
    assert event.details["skipped_unsupported"] == 1


def test_a_file_of_unsupported_questions_only_has_nothing_to_import(law):
    with pytest.raises(BankImportRejected) as rejected:
        _import(law, b"::Q1:: 1+1=? {#2}\n", "bank.gift", skip_unsupported=True)
    assert "Nothing to import" in _messages(rejected.value.preview.errors)[0]


# --- Essays ---------------------------------------------------------------------------------------------

ESSAYS_XML = """<?xml version="1.0" encoding="UTF-8"?><quiz>
<question type="essay"><name><text>E1</text></name><questiontext><text>谈谈文明服务。</text></questiontext></question>
<question type="essay"><name><text>E2</text></name><questiontext><text>简述收费流程。</text></questiontext>
<graderinfo format="html"><text></text></graderinfo></question>
</quiz>"""


@pytest.mark.parametrize(("data", "filename"), [
    (b"::E1:: \xe8\xb0\x88\xe8\xb0\x88\xe6\x96\x87\xe6\x98\x8e\xe6\x9c\x8d\xe5\x8a\xa1\xe3\x80\x82 {}\n\n"
     b"::E2:: \xe7\xae\x80\xe8\xbf\xb0\xe6\x94\xb6\xe8\xb4\xb9\xe6\xb5\x81\xe7\xa8\x8b\xe3\x80\x82 {}\n", "essays.gift"),
    (ESSAYS_XML.encode(), "essays.xml"),
])
def test_essays_without_a_model_answer_import_as_short_answers_with_a_note(law, data, filename):
    preview = preview_import(None, read_bank_file(data, filename), bank_name="论述", course=law)
    assert preview.ok and preview.per_type["short_answer"] == 2
    assert _messages(preview.warnings) == [
        "Question 1 (E1): No reference answer: graders see that there is none.",
        "Question 2 (E2): No reference answer: graders see that there is none."]
    result = _import(law, data, filename, bank_name="论述")
    versions = db.session.scalars(db.select(QuestionVersion).join(Question, Question.current_version_id ==
                                                                  QuestionVersion.id)
                                  .where(Question.bank_id == result.bank.id)).all()
    assert [(v.type, v.key) for v in versions] == [("short_answer", {"reference": ""})] * 2


# --- The letter rule -------------------------------------------------------------------------------------

LETTER_ROWS = (
    "多选,收费纪律要求有（ ）。,不放人情车,不擅自放行,不擅自关闭车道,不在监控外收费,可酌情免费,ABCD,3,2,,E即放人情车，属于违纪。,,",
    "单选,下列说法正确的是（ ）。,收费须开票,票据可不入账,可免费放行亲友,以上都对,A,2,2,,,,",
    "单选,收费站入口称重的目的是（ ）。,计算通行费,治理超限超载,统计车流,检查证件,B,2,2,,ETC 与 MTC 车道都称重。,,",
)


def test_the_import_keeps_the_written_order_where_letters_or_other_options_are_named(law):
    header = HEADER.replace("选项D,", "选项D,选项E,")
    rows = (LETTER_ROWS[0], *(row.replace(",A,2,", ",,A,2,").replace(",B,2,", ",,B,2,") for row in LETTER_ROWS[1:]))
    preview = preview_import(None, read_bank_file(csv_bytes(*rows, header=header), "b.csv"), bank_name="x", course=law)
    assert _messages(preview.warnings) == [
        "Row 2, column 解析: “E即放人情车，属于违纪。” names an option by its letter: this question keeps its options in "
        "the order written, so the letters match what candidates see.",
        "Row 3, column 选项D: “以上都对” points at other options: this question keeps its options in the order "
        "written.",
    ]
    result = _import(law, csv_bytes(*rows, header=header), "b.csv", bank_name="x")
    kept = db.session.scalars(db.select(QuestionVersion.keep_option_order)
                              .join(Question, Question.current_version_id == QuestionVersion.id)
                              .where(Question.bank_id == result.bank.id).order_by(Question.id)).all()
    assert kept == [True, True, False]


def test_an_update_keeps_the_letter_rule_of_the_version_before(law):
    _import(law, csv_bytes(*ID_ROWS[:1], header=ID_HEADER), "bank.csv")
    question = _by_id(law)["L-1"]
    from app.banks.services import draft_of, revise_question

    revise_question(SYSTEM, question, replace(draft_of(question.current), keep_order=True), now=NOW, ip="t")
    assert question.current.keep_option_order
    _import(law, csv_bytes(ID_ROWS[0].replace("第六十条。", "第六十条规定。"), header=ID_HEADER), "bank.csv")
    db.session.expire_all()
    assert question.current.number == 3 and question.current.keep_option_order
