"""CSV and XLSX question banks → drafts, and every way a row is refused with its row and column.

Pure tests: no app, no database. Files are built here (text, openpyxl).
"""

import io
from decimal import Decimal

import openpyxl
import pytest

from app.banks.checks import check_draft
from app.banks.drafts import Draft, QuestionType
from app.banks.formats.table import match_header, parse_table
from app.banks.identity import text_key as stem_key

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值", "难度", "知识点", "解析", "出处", "图片"]
ENGLISH = ["type", "stem", "option_a", "option_b", "option_c", "option_d", "answer", "points", "difficulty", "topic",
           "explanation", "source", "image"]
ROWS = [
    ["单选", "《收费公路管理条例》自何时起施行？", "2004年11月1日", "2004年9月13日", "2004年8月18日", "", "A", "2", "易",
     "收费公路；条例", "见第六十条。", "《收费公路管理条例》第60条", ""],
    ["多选题", "下列哪些车辆免交车辆通行费？", "军队车辆", "武警部队车辆", "普通货车", "跨区作业的联合收割机", "A、B、D", "",
     "3", "免费通行,第七条", "", "《收费公路管理条例》第7条", "harvester.png"],
    ["判断", "收费员有权收缴假币。", "", "", "", "", "×", "1", "较难", "假币", "无收缴权。", "", ""],
    ["填空", "收费站应公示____和（ ）。", "", "", "", "", "收费标准|收费标准;监督电话", "", "中", "公示", "第27条。", "", ""],
    ["简答", "简述文明服务的要求。喆 𠮷", "", "", "", "", "文明礼貌，规范服务。", "5", "5", "服务规范", "", "", ""],
    ["单选", "=1+1", "=2", "+3", "", "", "b", "", "", "公式", "", "", ""],
]


def csv_bytes(rows, *, header=HEADER, encoding="utf-8", newline="\r\n") -> bytes:
    def line(cells):
        return ",".join('"' + cell.replace('"', '""') + '"' if set(cell) & set(',"\r\n') else cell for cell in cells)

    return newline.join(line(cells) for cells in [header, *rows]).encode(encoding)


def xlsx_bytes(rows, *, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, cells in enumerate([header, *rows], start=1):
        for column, value in enumerate(cells, start=1):
            cell = sheet.cell(row=number, column=column)
            cell.value = value or None
            if value.startswith("="):
                cell.data_type = "s"  # text that starts with =, as Excel keeps it when typed as '=1+1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parsed(data: bytes, filename: str = "bank.csv"):
    drafts, issues = parse_table(data, filename)
    assert not issues, [str(issue) for issue in issues]
    return drafts


def issues_of(rows, *, header=HEADER, filename="bank.csv"):
    drafts, issues = parse_table(csv_bytes(rows, header=header), filename)
    assert issues
    return [(issue.row, issue.column, str(issue.message)) for issue in issues]


def row(**cells) -> list[str]:
    """A row of HEADER with the given cells (by English key) and everything else empty."""
    values = dict(zip(ENGLISH, [""] * len(ENGLISH), strict=True))
    values.update(cells)
    return [values[key] for key in ENGLISH]


EXPECTED = [
    Draft(type=QuestionType.SINGLE, stem="《收费公路管理条例》自何时起施行？",
          options=["2004年11月1日", "2004年9月13日", "2004年8月18日"], correct={0}, points=Decimal(2), difficulty=1,
          topics=["收费公路", "条例"], explanation="见第六十条。", source="《收费公路管理条例》第60条", row=2),
    Draft(type=QuestionType.MULTIPLE, stem="下列哪些车辆免交车辆通行费？",
          options=["军队车辆", "武警部队车辆", "普通货车", "跨区作业的联合收割机"], correct={0, 1, 3}, difficulty=3,
          topics=["免费通行", "第七条"], source="《收费公路管理条例》第7条", image="harvester.png", row=3),
    Draft(type=QuestionType.TRUE_FALSE, stem="收费员有权收缴假币。", truth=False, points=Decimal(1), difficulty=4,
          topics=["假币"], explanation="无收缴权。", row=4),
    Draft(type=QuestionType.FILL_BLANK, stem="收费站应公示____和（ ）。", blanks=[["收费标准"], ["监督电话"]], difficulty=3,
          topics=["公示"], explanation="第27条。", row=5),
    Draft(type=QuestionType.SHORT_ANSWER, stem="简述文明服务的要求。喆 𠮷", reference="文明礼貌，规范服务。",
          points=Decimal(5), difficulty=5, topics=["服务规范"], row=6),
    Draft(type=QuestionType.SINGLE, stem="=1+1", options=["=2", "+3"], correct={1}, topics=["公式"], row=7),
]


# --- Encodings and workbooks give the same drafts ---------------------------------------------

def test_utf8_csv_gives_every_type():
    assert parsed(csv_bytes(ROWS)) == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_utf8_bom_and_gb18030_csv_give_the_same_drafts(encoding):
    assert parsed(csv_bytes(ROWS, encoding=encoding)) == EXPECTED


@pytest.mark.parametrize("newline", ["\n", "\r"])
def test_any_line_ending_gives_the_same_drafts(newline):
    assert parsed(csv_bytes(ROWS, newline=newline)) == EXPECTED


def test_xlsx_gives_the_same_drafts():
    assert parsed(xlsx_bytes(ROWS), "bank.xlsx") == EXPECTED


def test_xlsx_numbers_and_booleans_read_as_written():
    rows = [row(type="判断", stem="对吗？", answer="TRUE", points="2", difficulty="3")]
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append([True if value == "TRUE" else int(value) if value.isdigit() else value or None
                            for value in rows[0]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    [draft] = parsed(buffer.getvalue(), "bank.xlsx")
    assert (draft.truth, draft.points, draft.difficulty) == (True, Decimal(2), 3)


def test_english_headers_in_any_case_and_spacing_give_the_same_drafts():
    header = [" TYPE ", "Stem", "Option A", "option-b", "OPTION_C", "option_d", "Answer", "points", "Difficulty",
              "topic", "Explanation", "SOURCE", "image"]
    assert parsed(csv_bytes(ROWS, header=header)) == EXPECTED


def test_headers_with_full_width_letters_and_inner_spaces_match():
    header = ["题型", "题干", "选项 A", "选项Ｂ", "选项c", "选项D", "答 案", "分值", "难度", "知识点", "解析", "出处", "图片"]
    assert parsed(csv_bytes(ROWS, header=header)) == EXPECTED


def test_common_synonyms_of_the_headers_match():
    header = ["题目类型", "题目", "选项A", "选项B", "选项C", "选项D", "正确答案", "分数", "难易度", "考点", "答案解析", "来源",
              "picture"]
    assert parsed(csv_bytes(ROWS, header=header)) == EXPECTED


def test_columns_in_any_order_and_only_the_required_ones():
    header = ["答案", "选项B", "题干", "选项A", "题型"]
    drafts = parsed(csv_bytes([["A", "乙", "问？", "甲", "单选"], ["对", "", "是吗？", "", "判断"]], header=header))
    assert drafts == [
        Draft(type=QuestionType.SINGLE, stem="问？", options=["甲", "乙"], correct={0}, row=2),
        Draft(type=QuestionType.TRUE_FALSE, stem="是吗？", truth=True, row=3),
    ]


def test_unknown_columns_are_ignored_and_listed():
    header = ["序号", *HEADER, "备注", "Options"]
    drafts = parsed(csv_bytes([["1", *ROWS[0], "注意", "x"]], header=header))
    assert drafts == EXPECTED[:1]
    mapping, issues = match_header(tuple(header))
    assert not issues and mapping.ignored == ("序号", "备注", "Options")


def test_text_like_a_formula_stays_literal():
    drafts = parsed(csv_bytes([row(type="填空", stem="=SUM(A1:A2) 等于____", answer="=1+1|@cmd")]))
    assert drafts[0].stem == "=SUM(A1:A2) 等于____" and drafts[0].blanks == [["=1+1", "@cmd"]]


def test_rare_characters_round_trip_in_every_encoding_and_xlsx():
    rows = [row(type="单选", stem="张喆的𠮷字？", option_a="喆", option_b="𠮷", answer="B", explanation="𠮷喆",
                topic="喆；𠮷")]
    for data, name in [(csv_bytes(rows), "a.csv"), (csv_bytes(rows, encoding="gb18030"), "a.csv"),
                       (csv_bytes(rows, encoding="utf-8-sig"), "a.csv"), (xlsx_bytes(rows), "a.xlsx")]:
        [draft] = parsed(data, name)
        assert (draft.stem, draft.options, draft.explanation, draft.topics) == (
            "张喆的𠮷字？", ["喆", "𠮷"], "𠮷喆", ["喆", "𠮷"])


def test_blank_rows_are_skipped_and_rows_keep_the_spreadsheet_numbers():
    data = csv_bytes([ROWS[0], [""] * len(HEADER), [], ROWS[2]])
    assert [draft.row for draft in parsed(data)] == [2, 5]
    workbook = xlsx_bytes([ROWS[0], [""] * len(HEADER), ROWS[2]])
    assert [draft.row for draft in parsed(workbook, "a.xlsx")] == [2, 4]


def test_multiline_cells_keep_their_lines():
    [draft] = parsed(csv_bytes([row(type="简答", stem="第一行\r\n第二行", answer="要点一\n要点二")]))
    assert draft.stem == "第一行\n第二行" and draft.reference == "要点一\n要点二"


def test_trailing_empty_options_are_ignored():
    [draft] = parsed(csv_bytes([row(type="单选", stem="?", option_a="甲", option_b="乙", option_c=" ", answer="A")]))
    assert draft.options == ["甲", "乙"]


def test_eight_options_a_to_h():
    header = ["题型", "题干", *(f"选项{letter}" for letter in "ABCDEFGH"), "答案"]
    [draft] = parsed(csv_bytes([["多选", "?", *"12345678", "A,H"]], header=header))
    assert draft.options == list("12345678") and draft.correct == {0, 7}


# --- Header problems ----------------------------------------------------------------------------

def test_missing_required_columns_are_named():
    drafts, issues = parse_table(csv_bytes([["甲"]], header=["题干"]), "bank.csv")
    assert drafts == []
    messages = [str(issue) for issue in issues]
    assert any("题型 (type)" in message for message in messages)
    assert any("答案 (answer)" in message for message in messages)
    assert not any("题干" in message for message in messages)


def test_a_column_given_twice_is_named_as_written():
    issues = issues_of([ROWS[0] + ["B"]], header=[*HEADER, "Answer"])
    assert issues == [(1, "Answer", "The column appears twice (also as 答案).")]


@pytest.mark.parametrize("extra", ["选项I", "option_j", "Option K"])
def test_options_beyond_h_are_refused(extra):
    issues = issues_of([ROWS[0] + ["x"]], header=[*HEADER, extra])
    assert issues[0][:2] == (1, extra) and "at most 8 options" in issues[0][2]


def test_a_header_without_questions_is_refused():
    drafts, issues = parse_table(",".join(HEADER).encode(), "bank.csv")
    assert drafts == [] and str(issues[0]) == "The file has a header row but no questions below it."


def test_file_level_problems_come_from_the_spreadsheet_reader():
    drafts, issues = parse_table(b"", "bank.csv")
    assert drafts == [] and str(issues[0]) == "The file is empty."
    drafts, issues = parse_table(b"%PDF-1.4", "bank.pdf")
    assert drafts == [] and "PDF" in str(issues[0])
    drafts, issues = parse_table(",".join(HEADER).encode() + b"\r\n\xff\xfe\xfa,x", "bank.csv")
    assert drafts == [] and issues[0].row == 2


# --- Row problems name the row and the column as written ---------------------------------------

@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (row(type="选择", stem="?", option_a="甲", option_b="乙", answer="A"), "题型", "'选择' is not a question type"),
        (row(type="", stem="?", answer="A"), "题型", "The question type is empty."),
        (row(type="单选", stem=" ", option_a="甲", option_b="乙", answer="A"), "题干", "The question text is empty."),
        (row(type="单选", stem="?", option_a="甲", option_b="乙", answer=""), "答案", "The answer is empty."),
        (row(type="单选", stem="?", option_a="甲", option_b="乙", answer="AB"), "答案",
         "exactly one correct option; the answer names 2"),
        (row(type="单选", stem="?", option_a="甲", option_b="乙", answer="C"), "答案",
         "names option C, but there is no option C"),
        (row(type="单选", stem="?", option_a="甲", option_b="乙", answer="甲"), "答案", "is not a choice answer"),
        (row(type="单选", stem="?", option_a="甲", answer="A"), "选项B", "at least 2 options"),
        (row(type="单选", stem="?", answer="A"), "选项A", "at least 2 options"),
        (row(type="单选", stem="?", option_a="甲", option_b="甲", answer="A"), "选项B", "the same as option A"),
        (row(type="单选", stem="?", option_a="甲", option_b="乙", option_d="丁", answer="A"), "选项C",
         "Option C is empty but a later option is filled"),
        (row(type="多选", stem="?", option_a="甲", option_b="乙", answer="A"), "答案", "at least 2 correct options"),
        (row(type="多选", stem="?", option_a="甲", option_b="乙", answer="A,B,E"), "答案", "no option E"),
        (row(type="判断", stem="?", answer="A"), "答案", "is not a true/false answer"),
        (row(type="判断", stem="?", option_a="对", option_b="错", answer="对"), "选项A",
         "Only single and multiple choice questions have options"),
        (row(type="填空", stem="缺少空格。", answer="甲"), "题干", "has no blank"),
        (row(type="填空", stem="甲____乙____", answer="一"), "答案", "Blanks in the question text: 2; answers given: 1."),
        (row(type="填空", stem="甲____", answer="一;二"), "答案", "Blanks in the question text: 1; answers given: 2."),
        (row(type="填空", stem="甲____乙____", answer="一;;三"), "答案", "blank 2 is empty"),
        (row(type="简答", stem="?", answer="要点", points="0"), "分值", "greater than 0"),
        (row(type="简答", stem="?", answer="要点", points="NaN"), "分值", "is not a number of points"),
        (row(type="简答", stem="?", answer="要点", points="inf"), "分值", "is not a number of points"),
        (row(type="简答", stem="?", answer="要点", points="-2"), "分值", "greater than 0"),
        (row(type="简答", stem="?", answer="要点", difficulty="6"), "难度", "is not a difficulty"),
        (row(type="简答", stem="?", answer="要点", difficulty="很难"), "难度", "is not a difficulty"),
        (row(type="简答", stem="?", answer="要点", topic="长" * 60), "知识点", "longer than 50 characters"),
        (row(type="简答", stem="?", answer="要点", image="../a.png"), "图片", "not a plain file name"),
    ],
)
def test_each_row_problem_names_row_and_column(cells, column, message):
    issues = issues_of([ROWS[0], cells])
    assert {number for number, _column, _message in issues} == {3}
    assert any(found == column and message in text for _number, found, text in issues), issues


def test_messages_name_the_column_as_written_in_an_english_file():
    issues = issues_of([row(type="single", stem="?", option_a="x", option_b="y", answer="Z")],
                       header=[name.upper() for name in ENGLISH])
    assert issues[0][:2] == (2, "ANSWER")
    issue = parse_table(csv_bytes([row(type="single", stem="?", option_a="x", option_b="y", answer="Z")],
                                  header=[name.upper() for name in ENGLISH]), "b.csv")[1][0]
    assert str(issue).startswith("Row 2, column ANSWER: 'Z' is not a choice answer")


def test_a_missing_option_column_is_named_in_chinese():
    header = ["题型", "题干", "选项A", "选项B", "选项D", "答案"]
    issues = issues_of([["单选", "?", "甲", "乙", "丁", "A"]], header=header)
    assert issues == [(2, "选项C", "Option C is empty but a later option is filled; options must follow one "
                                    "another from A.")]


def test_every_problem_of_a_row_and_of_every_row_is_reported():
    rows = [
        row(type="单选", stem="?", option_a="甲", option_b="乙", answer="C", points="x", difficulty="9"),
        row(type="无", stem="?", answer="A", points="-1", image="a/b.png"),
        ROWS[0],
        row(type="判断", stem="", answer="?"),
    ]
    issues = issues_of(rows)
    assert [(number, column) for number, column, _message in issues] == [
        (2, "答案"), (2, "分值"), (2, "难度"),  # left to right in each row
        (3, "题型"), (3, "分值"), (3, "图片"),
        (5, "题干"), (5, "答案"),
    ]


def test_valid_rows_are_still_returned_beside_the_problems():
    drafts, issues = parse_table(csv_bytes([ROWS[0], row(type="?", stem="?", answer="A"), ROWS[2]]), "bank.csv")
    assert [draft.row for draft in drafts] == [2, 4] and [issue.row for issue in issues] == [3]


def test_issues_render_with_row_and_column():
    drafts, issues = parse_table(csv_bytes([row(type="判断", stem="?", answer="也许")]), "bank.csv")
    assert str(issues[0]) == ("Row 2, column 答案: '也许' is not a true/false answer; use 对 or 错 "
                              "(also 正确/错误, √/×, T/F, true/false, 是/否).")


# --- Draft checks shared by every format --------------------------------------------------------

def fields(draft: Draft) -> list[str]:
    return [problem.field for problem in check_draft(draft)]


def test_a_correct_draft_of_each_type_passes():
    for draft in EXPECTED:
        assert check_draft(draft) == []


def test_more_than_eight_options_are_refused():
    draft = Draft(type=QuestionType.SINGLE, stem="?", options=[str(n) for n in range(9)], correct={0})
    assert fields(draft) == ["options"]


def test_choice_checks_for_other_formats():
    assert fields(Draft(type=QuestionType.SINGLE, stem="?", options=["a", "b"])) == ["answer"]
    assert fields(Draft(type=QuestionType.SINGLE, stem="?", options=["a", "b"], correct={2})) == ["answer"]
    assert fields(Draft(type=QuestionType.MULTIPLE, stem="?", options=["a", "b", ""], correct={0, 2})) == [
        "answer"]  # the answer names option C, which is empty
    weighted = Draft(type=QuestionType.MULTIPLE, stem="?", options=["a", "b", "c"], correct={0, 1},
                     weights={0: Decimal(50), 1: Decimal(50)})
    assert fields(weighted) == []
    weighted.weights[2] = Decimal(10)
    assert fields(weighted) == ["answer"]


def test_detail_checks_for_other_formats():
    draft = Draft(type=QuestionType.TRUE_FALSE, stem="?", truth=True, points=Decimal("NaN"), difficulty=0,
                  topics=[" "], image="x/y.png")
    assert fields(draft) == ["points", "difficulty", "topic", "image"]
    assert fields(Draft(type=QuestionType.TRUE_FALSE, stem="?")) == ["answer"]
    assert fields(Draft(type=QuestionType.FILL_BLANK, stem="a____", blanks=[[" "]])) == ["answer"]


def test_stem_key_ignores_width_case_spacing_punctuation_and_blank_style():
    assert stem_key("下列说法（ ）正确。") == stem_key("下列说法 ____ 正确") == stem_key("下列说法正确")
    assert stem_key("ETC 车道") == stem_key("ｅｔｃ车道！")
    assert stem_key("收费站") != stem_key("收费所")
