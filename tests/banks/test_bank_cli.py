"""`flask banks import`: counts per type on stdout, one line per problem on stderr, exit 1 and nothing stored."""

import pytest

from app.audit import actions
from app.audit.models import AuditEvent
from app.banks.models import Bank, Question
from app.courses.catalog import find_course
from app.extensions import db
from tests.banks.test_importing import (
    AIKEN,
    BANKS,
    GIFT,
    HEADER,
    ROWS,
    counts,
    csv_bytes,
    png,
    row_with_image,
    zip_bytes,
)

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")


def _write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_cli_imports_a_shipped_bank_and_prints_counts_per_type(runner):
    path = BANKS / "law" / "law.csv"
    result = runner.invoke(args=["banks", "import", str(path), "--course", "law"])
    assert result.exit_code == 0, result.output
    bank = db.session.scalars(db.select(Bank)).one()
    assert (bank.name, bank.course.code) == ("law", "law")  # the file's stem; the courses were created
    stored = db.session.scalar(db.select(db.func.count(Question.id)))
    assert f"Imported {stored} question(s) into law:" in result.stdout
    for kind in ("single", "multiple", "true_false", "fill_blank", "short_answer"):
        assert f"  {kind}: " in result.stdout
    assert "Duplicates skipped: 0" in result.stdout
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == actions.BANK_IMPORTED)).one()
    assert (event.actor_id, event.ip, event.details["created"]) == (None, "cli", stored)


def test_cli_names_the_bank_and_skips_duplicates_on_a_second_import(runner, tmp_path):
    first = _write(tmp_path, "a.csv", csv_bytes(*ROWS[:3]))
    second = _write(tmp_path, "b.csv", csv_bytes(*ROWS))
    assert runner.invoke(args=["banks", "import", first, "--course", "law", "--bank", "法规题库"]).exit_code == 0
    result = runner.invoke(args=["banks", "import", second, "--course", "law", "--bank", "法规题库"])
    assert result.exit_code == 0, result.output
    assert "already there" in result.stdout
    assert "Note: Row 2, column 题干: The bank already has this question" in result.stdout
    assert "Imported 2 question(s) into 法规题库:" in result.stdout
    assert "  fill_blank: 1\n  short_answer: 1\n" in result.stdout
    assert "Duplicates skipped: 3" in result.stdout
    assert db.session.scalar(db.select(db.func.count(Bank.id))) == 1


def test_cli_dry_run_shows_what_would_be_imported_and_stores_nothing(runner, tmp_path):
    before = counts()
    path = _write(tmp_path, "bank.csv", csv_bytes(*ROWS, ROWS[0]))
    result = runner.invoke(args=["banks", "import", path, "--course", "law", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would import 5 question(s):" in result.stdout
    assert "  single: 1\n" in result.stdout
    assert "Note: Row 7, column 题干: The same question as row 2; it is skipped." in result.stdout
    assert "Duplicates skipped: 1" in result.stdout
    assert "Dry run: nothing was stored." in result.stdout
    db.session.rollback()
    assert counts() == before
    assert find_course("law") is None  # not even the courses


def test_cli_errors_go_to_stderr_with_row_and_column_and_nothing_is_stored(runner, tmp_path):
    runner.invoke(args=["banks", "import", str(BANKS / "law" / "law.csv"), "--course", "law"])
    before = counts()
    path = _write(tmp_path, "bad.csv", csv_bytes(*ROWS, "单选,题干,甲,乙,,,C,2,2,,,,", "判断,收费员应当文明服务。,,,,,也许,1,9,,,,"))
    result = runner.invoke(args=["banks", "import", path, "--course", "law"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Row 7, column 答案: The answer names option C, but there is no option C.",
        "Row 8, column 答案: '也许' is not a true/false answer; use 对 or 错 (also 正确/错误, √/×, T/F, true/false, 是/否).",
        "Row 8, column 难度: '9' is not a difficulty; use 1 to 5, or 易, 较易, 中, 较难, 难.",
        "Nothing was imported: 3 problem(s) found.",
    ]
    assert "Imported" not in result.stdout
    db.session.rollback()
    assert counts() == before


def test_cli_text_formats_name_the_question(runner, tmp_path):
    path = _write(tmp_path, "bank.txt", GIFT.replace("{F}", "{#3}").encode())
    result = runner.invoke(args=["banks", "import", path, "--course", "law"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Question 2 (Q2): numerical questions are not supported, so it cannot be imported.",
        "Nothing was imported: 1 problem(s) found.",
        "--skip-unsupported imports the other 4 question(s).",
    ]


def test_cli_skip_unsupported_imports_the_other_questions(runner, tmp_path):
    path = _write(tmp_path, "bank.gift", GIFT.replace("{F}", "{#3}").encode())
    result = runner.invoke(args=["banks", "import", path, "--course", "law", "--skip-unsupported"])
    assert result.exit_code == 0, result.output
    assert "Imported 4 question(s) into bank:" in result.stdout
    assert "Unsupported questions skipped: 1" in result.stdout
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 4


def test_cli_imports_questions_other_banks_have_unless_told_to_skip_them(runner, tmp_path):
    first = _write(tmp_path, "law.csv", csv_bytes(*ROWS))
    assert runner.invoke(args=["banks", "import", first, "--course", "law"]).exit_code == 0
    again = runner.invoke(args=["banks", "import", first, "--course", "law", "--bank", "law (2)"])
    assert again.exit_code == 0, again.output
    assert "Note: Row 2, column 题干: Bank law of this course already has this question" in again.stdout
    assert "Already in other banks of the course, imported all the same: 5 (--skip-existing leaves them out)" \
        in again.stdout
    skipped = runner.invoke(args=["banks", "import", first, "--course", "law", "--bank", "law (3)",
                                  "--skip-existing"])
    assert skipped.exit_code == 1
    assert "Nothing to import: the bank would be empty." in skipped.stderr
    assert db.session.scalar(db.select(db.func.count(Bank.id))) == 2


def test_cli_re_import_with_ids_updates_questions(runner, tmp_path):
    rows = [f"L-{n},{row}" for n, row in enumerate(ROWS, start=1)]
    path = _write(tmp_path, "law.csv", csv_bytes(*rows, header="编号," + HEADER))
    assert runner.invoke(args=["banks", "import", path, "--course", "law"]).exit_code == 0
    rows[2] = rows[2].replace("私自收取现金", "私自收取通行费")
    path = _write(tmp_path, "law.csv", csv_bytes(*rows, header="编号," + HEADER))
    result = runner.invoke(args=["banks", "import", path, "--course", "law"])
    assert result.exit_code == 0, result.output
    assert "Imported 0 question(s) into law:" in result.stdout
    assert "Updated by ID (new versions): 1\nNamed by ID, unchanged: 4\n" in result.stdout


@pytest.mark.parametrize(("text", "option", "kind"), [(GIFT, "auto", "GIFT"), (AIKEN, "auto", "Aiken"),
                                                       (AIKEN, "aiken", "Aiken")])
def test_cli_reads_gift_and_aiken_text_files(runner, tmp_path, text, option, kind):
    path = _write(tmp_path, "题库.txt", text.encode())
    result = runner.invoke(args=["banks", "import", path, "--course", "procedures", "--format", option])
    assert result.exit_code == 0, result.output
    assert f"File: 题库.txt ({kind})" in result.stdout
    assert db.session.scalars(db.select(Bank)).one().name == "题库"


def test_cli_imports_a_zip_with_images(runner, tmp_path):
    data = zip_bytes({"bank/bank.csv": csv_bytes(row_with_image("该标志表示前方收费站。", "sign.png")),
                      "bank/sign.png": png()})
    path = _write(tmp_path, "标志.zip", data)
    result = runner.invoke(args=["banks", "import", path, "--course", "procedures"])
    assert result.exit_code == 0, result.output
    assert "File: 标志.zip (ZIP → bank/bank.csv)" in result.stdout
    assert "  true_false: 1" in result.stdout


def test_cli_unknown_course_lists_the_codes(runner, tmp_path):
    path = _write(tmp_path, "bank.csv", csv_bytes(*ROWS))
    result = runner.invoke(args=["banks", "import", path, "--course", "math"])
    assert result.exit_code == 1
    assert "There is no course with the code math. Courses: law, integrity, etiquette, procedures." in result.stderr
    assert db.session.scalar(db.select(db.func.count(Bank.id))) == 0


def test_cli_requires_a_course_and_an_existing_file(runner, tmp_path):
    path = _write(tmp_path, "bank.csv", csv_bytes(*ROWS))
    assert runner.invoke(args=["banks", "import", path]).exit_code == 2
    assert runner.invoke(args=["banks", "import", str(tmp_path / "none.csv"), "--course", "law"]).exit_code == 2


def test_cli_refuses_an_unknown_file_type(runner, tmp_path):
    path = _write(tmp_path, "bank.docx", b"PK\x03\x04")
    result = runner.invoke(args=["banks", "import", path, "--course", "law"])
    assert result.exit_code == 1
    assert "bank.docx cannot be imported" in result.stderr
