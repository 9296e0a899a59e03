"""Exports: every shipped bank survives CSV, XLSX and GIFT and reads back as the same questions;
CSV is UTF-8 with BOM and neutralised for Excel, XLSX has only string cells, downloads are named
with RFC 5987 and audited."""

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit import actions
from app.audit.models import AuditEvent
from app.banks.answers import BLANK
from app.banks.drafts import Draft, QuestionType
from app.banks.exporting import (
    HEADER,
    export_bank,
    gift_supports,
    neutralise,
    to_csv,
    to_gift,
    to_xlsx,
    unneutralise,
)
from app.banks.formats.gift import parse_gift
from app.banks.formats.table import parse_table
from app.banks.models import Question
from app.banks.services import add_questions, create_bank, draft_of, set_status
from app.core.downloads import content_disposition
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2026, 3, 1, tzinfo=UTC)
BANKS = Path(__file__).resolve().parents[2] / "question_banks"
SHIPPED = sorted(BANKS.glob("*/*.csv"))


def table_fields(draft: Draft) -> tuple:
    """What the table formats must keep exactly (topics are a set: stored in name order)."""
    return (QuestionType(draft.type), draft.stem, list(draft.options), sorted(draft.correct), draft.truth,
            draft.blanks, draft.reference, Decimal(draft.points) if draft.points is not None else None,
            draft.difficulty, sorted(draft.topics), draft.explanation, draft.source)


def gift_fields(draft: Draft) -> tuple:
    """What GIFT keeps: no points, difficulty or source; a blank is written as ____ where it stood; a
    short answer's reference answer is its general feedback (so the explanation is not kept); without
    stored weights, a multiple choice gets equal shares (only the correct options are compared)."""
    kind = QuestionType(draft.type)
    stem = draft.stem
    if kind is QuestionType.FILL_BLANK:
        stem = re.sub(r"\s*____\s*", "____", BLANK.sub("____", stem))
    explanation = "" if kind is QuestionType.SHORT_ANSWER else draft.explanation
    return (kind, stem, list(draft.options), sorted(draft.correct), draft.truth, draft.blanks, draft.reference,
            explanation, sorted(draft.topics))


def stored_bank(users, path: Path):
    ensure_courses()
    drafts, issues = parse_table(path.read_bytes(), path.name)
    assert issues == []
    bank = create_bank(users[Role.TRAINER], find_course(path.parent.name), path.stem, now=NOW, ip="t")
    add_questions(users[Role.TRAINER], bank, drafts, now=NOW)
    db.session.commit()
    return bank, drafts


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_every_shipped_bank_reads_back_identically_from_csv_and_xlsx(users, path):
    bank, drafts = stored_bank(users, path)
    for fmt in ("csv", "xlsx"):
        export = export_bank(users[Role.TRAINER], bank, fmt, now=NOW, ip="t")
        again, issues = parse_table(export.data, export.filename)
        assert [str(issue) for issue in issues] == []
        assert [table_fields(d) for d in again] == [table_fields(d) for d in drafts], fmt


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_every_shipped_bank_reads_back_from_gift_with_what_gift_keeps(users, path):
    bank, drafts = stored_bank(users, path)
    export = export_bank(users[Role.TRAINER], bank, "gift", now=NOW, ip="t",
                         gift_left_out_note="Not exported (one blank per question):")
    again, issues = parse_gift(export.data)
    assert [str(issue) for issue in issues] == []
    kept = [d for d in drafts if gift_supports(d)]
    assert [gift_fields(d) for d in again] == [gift_fields(d) for d in kept]
    left_out = len(drafts) - len(kept)
    if left_out:  # named in a comment at the top, which the reader skips
        assert export.data.decode().startswith("// Not exported (one blank per question): Q")


def test_the_export_holds_the_current_version_of_active_questions_and_retired_ones_on_request(users):
    bank, drafts = stored_bank(users, BANKS / "law" / "law.csv")
    first, second = db.session.scalars(db.select(Question).where(Question.bank_id == bank.id)
                                       .order_by(Question.id).limit(2)).all()
    set_status(users[Role.TRAINER], second, "retired", now=NOW, ip="t")
    from app.banks.services import revise_question

    draft = draft_of(first.current)
    draft.stem = "修订后的题干（ ）。"
    revise_question(users[Role.TRAINER], first, draft, now=NOW, ip="t")
    db.session.commit()
    active, _ = parse_table(export_bank(users[Role.TRAINER], bank, "csv", now=NOW, ip="t").data, "a.csv")
    everything, _ = parse_table(export_bank(users[Role.TRAINER], bank, "csv", include_retired=True, now=NOW,
                                            ip="t").data, "a.csv")
    assert len(active) == len(drafts) - 1 and len(everything) == len(drafts)
    assert active[0].stem == "修订后的题干（ ）。"
    assert drafts[1].stem not in [d.stem for d in active] and drafts[1].stem in [d.stem for d in everything]


# --- CSV ----------------------------------------------------------------------------------------

RISKY = Draft(type=QuestionType.SINGLE, stem="=HYPERLINK(\"http://x\")", options=["+1", "-1", "@SUM(A1)", "'=2"],
              correct={1}, points=Decimal("2"), difficulty=2, topics=["公式"], explanation="-负数", source="@出处")


def test_csv_is_utf8_with_bom_the_chinese_header_and_crlf_rows():
    data = to_csv([RISKY])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.split("\r\n")[0] == ",".join(HEADER)
    assert HEADER[:4] == ("编号", "题型", "题干", "选项A") and "选项H" in HEADER and "出处" in HEADER
    assert text.endswith("\r\n")


def test_csv_cells_that_excel_would_run_as_formulas_get_a_leading_apostrophe():
    rows = list(csv.reader(io.StringIO(to_csv([RISKY])[3:].decode("utf-8"))))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["题干"] == "'=HYPERLINK(\"http://x\")"
    assert (cells["选项A"], cells["选项B"], cells["选项C"], cells["选项D"]) == ("'+1", "'-1", "'@SUM(A1)", "''=2")
    assert cells["解析"] == "'-负数" and cells["出处"] == "'@出处"
    assert cells["题型"] == "单选" and cells["答案"] == "B" and cells["分值"] == "2"


@given(st.text(alphabet=st.sampled_from("'=+-@\t\r\nab收"), max_size=8))
@settings(max_examples=300)
def test_unneutralise_undoes_neutralise_exactly(text):
    assert unneutralise(neutralise(text)) == text
    assert not re.match(r"[=+\-@\t\r\n]", neutralise(text))


def test_csv_quotes_commas_quotes_and_line_breaks_as_rfc_4180_says():
    draft = Draft(type=QuestionType.SHORT_ANSWER, stem='他说："收费，要规范"\n第二行, 逗号', reference="a,b")
    again, issues = parse_table(to_csv([draft]), "x.csv")
    assert issues == [] and again[0].stem == draft.stem and again[0].reference == "a,b"


# --- XLSX ---------------------------------------------------------------------------------------

def test_xlsx_has_a_frozen_header_and_only_string_cells_never_a_formula():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([RISKY], title="法规:题库?")))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet.title == "法规题库"
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert {cell.data_type for cell in cells} == {"s"}
    assert [c.value for c in sheet[1]][:3] == ["编号", "题型", "题干"]
    stem = sheet["C2"]
    assert stem.value == "=HYPERLINK(\"http://x\")" and stem.quotePrefix  # Excel shows it as text
    assert not sheet["B2"].quotePrefix


def test_xlsx_reads_back_cells_that_look_like_formulas_exactly():
    again, issues = parse_table(to_xlsx([RISKY]), "x.xlsx")
    assert issues == []
    assert table_fields(again[0]) == table_fields(RISKY)


def test_xlsx_drops_control_characters_excel_cannot_hold():
    draft = Draft(type=QuestionType.TRUE_FALSE, stem="收费\x0b站\x00", truth=True)
    again, issues = parse_table(to_xlsx([draft]), "x.xlsx")
    assert issues == [] and again[0].stem == "收费站"


# --- GIFT ---------------------------------------------------------------------------------------

def test_gift_escapes_its_special_characters_and_keeps_line_breaks():
    drafts = [
        Draft(type=QuestionType.SINGLE, stem="a~b=c#d{e}f:g\\h\n\n第二段", options=["=1", "~2", "%50%三"],
              correct={2}, topics=["收费", "规范"], explanation="[html]<b>x</b> ####"),
        Draft(type=QuestionType.MULTIPLE, stem="多选 -> 题", options=["甲", "乙", "丙"], correct={0, 1},
              weights={0: Decimal("60"), 1: Decimal("40")}),
        Draft(type=QuestionType.FILL_BLANK, stem="____在前", blanks=[["a*b", "c=d"]]),
        Draft(type=QuestionType.TRUE_FALSE, stem="T", truth=False, explanation="因为{}"),
        Draft(type=QuestionType.SHORT_ANSWER, stem="简述", reference="参考：#1"),
    ]
    again, issues = parse_gift(to_gift(drafts, ["Q1", "Q:2", "Q3", "Q4", "Q5"]))
    assert [str(issue) for issue in issues] == []
    assert [gift_fields(d) for d in again] == [gift_fields(d) for d in drafts]
    assert again[1].weights == {0: Decimal("60"), 1: Decimal("40")}
    assert [d.title for d in again] == ["Q1", "Q:2", "Q3", "Q4", "Q5"]


def test_gift_leaves_out_questions_with_several_blanks_and_names_them():
    drafts = [Draft(type=QuestionType.FILL_BLANK, stem="____和____", blanks=[["a"], ["b"]]),
              Draft(type=QuestionType.TRUE_FALSE, stem="对吗", truth=True)]
    data = to_gift(drafts, ["Q7", "Q8"], left_out_note="Left out:")
    again, issues = parse_gift(data)
    assert issues == [] and [d.stem for d in again] == ["对吗"]
    assert data.decode().splitlines()[0] == "// Left out: Q7"


# --- Downloads ----------------------------------------------------------------------------------

def test_content_disposition_names_the_file_in_rfc_5987_with_an_ascii_fallback():
    header = content_disposition("law-法规题库-20260301.csv")
    assert header.startswith('attachment; filename="law-20260301.csv"') or 'filename="law' in header
    encoded = re.search(r"filename\*=UTF-8''(\S+)$", header).group(1)
    assert unquote(encoded) == "law-法规题库-20260301.csv"
    assert "法" not in header


def test_downloading_an_export_is_audited_and_named_after_the_bank(client, login, users):
    bank, _drafts = stored_bank(users, BANKS / "etiquette" / "etiquette.csv")
    login(users[Role.TRAINER])
    response = client.get(f"/banks/{bank.id}/export/xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    name = unquote(re.search(r"filename\*=UTF-8''(\S+)$", disposition).group(1))
    assert name.startswith("etiquette-etiquette-") and name.endswith(".xlsx")
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_EXPORTED))
    assert event.actor_id == users[Role.TRAINER].id and event.details["format"] == "xlsx"
    assert event.target_id == str(bank.id)
    csv_response = client.get(f"/banks/{bank.id}/export/csv?retired=1")
    assert csv_response.data.startswith(b"\xef\xbb\xbf") and csv_response.mimetype == "text/csv"
    gift = client.get(f"/banks/{bank.id}/export/gift")
    assert gift.mimetype == "text/plain" and parse_gift(gift.data)[1] == []


def test_a_chinese_bank_name_reaches_the_download_intact(client, login, users):
    ensure_courses()
    bank = create_bank(users[Role.TRAINER], find_course("law"), "收费/公路:条例", now=NOW, ip="t")
    db.session.commit()
    login(users[Role.TRAINER])
    disposition = client.get(f"/banks/{bank.id}/export/csv").headers["Content-Disposition"]
    name = unquote(re.search(r"filename\*=UTF-8''(\S+)$", disposition).group(1))
    assert name.startswith("law-收费_公路_条例-") and name.endswith(".csv")


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en", FRESH_LOGIN_MINUTES=0)
def test_a_download_needs_a_recent_login(client, login, users):
    bank, _drafts = stored_bank(users, BANKS / "integrity" / "integrity.csv")
    login(users[Role.TRAINER])
    response = client.get(f"/banks/{bank.id}/export/csv")
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_EXPORTED)) is None
    assert client.get(f"/banks/{bank.id}/export").status_code == 200  # the page itself does not


def test_the_export_page_offers_every_format(client, login, users):
    bank, _drafts = stored_bank(users, BANKS / "integrity" / "integrity.csv")
    login(users[Role.ADMIN])
    page = client.get(f"/banks/{bank.id}/export").get_data(as_text=True)
    for fmt in ("csv", "xlsx", "gift"):
        assert f'href="/banks/{bank.id}/export/{fmt}"' in page
    first = {fmt: page.index(f'href="/banks/{bank.id}/export/{fmt}"') for fmt in ("csv", "xlsx", "gift")}
    assert first["xlsx"] < first["csv"] < first["gift"]  # Excel first, for people; CSV and GIFT for other systems
    assert 'class="btn btn-primary"' in page[first["xlsx"] - 40:first["xlsx"]]
    assert "CSV (for importing into other systems)" in page and 'aria-describedby="export-csv-hint"' in page
    assert 'id="export-csv-hint"' in page


def test_csv_reads_back_cells_that_look_like_formulas_exactly():
    """The CSV export neutralises them for Excel; our own import takes the apostrophe off again."""
    again, issues = parse_table(to_csv([RISKY]), "x.csv")
    assert issues == []
    assert table_fields(again[0]) == table_fields(RISKY)
