"""A bank whose keys and explanations are strings found nowhere else, so a response can be searched for them.

Each question's explanation is 解析KX<n>; the fill-in answer is 答案KB2; the short answer's reference is
参考KR3. The choice questions' correct options are marked only by markup (the key's classes, the item
analysis's "(correct answer)" in English), which `KEY_MARKUP` lists for the pages that may show a
question but not its key.
"""

import io
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

from app.banks.drafts import Draft, QuestionType
from app.banks.services import add_questions, create_bank
from app.courses.catalog import ensure_courses, find_course

SECRETS = ("解析KX", "答案KB", "参考KR")
KEY_MARKUP = ("answer-key", "class=\"sample-key ", "is-key", "(correct answer)")


def secret_drafts() -> list[Draft]:
    """One question of each type (stems 密题1…5, which candidates may read), each 2 points."""
    two = Decimal(2)
    return [
        Draft(QuestionType.SINGLE, "密题1：收费员上岗应当", options=["佩戴工号牌", "随意着装"], correct={0},
              points=two, difficulty=3, explanation="解析KX1"),
        Draft(QuestionType.FILL_BLANK, "密题2：ETC车道编号为____", blanks=[["答案KB2"]], points=two,
              difficulty=3, explanation="解析KX2"),
        Draft(QuestionType.SHORT_ANSWER, "密题3：说明特情处理流程", reference="参考KR3", points=two, difficulty=3,
              explanation="解析KX3"),
        Draft(QuestionType.TRUE_FALSE, "密题4：收费亭内可以吸烟", truth=False, points=two, difficulty=3,
              explanation="解析KX4"),
        Draft(QuestionType.MULTIPLE, "密题5：下列属于文明用语的是", options=["您好", "快点", "谢谢", "让开"],
              correct={0, 2}, points=two, difficulty=3, explanation="解析KX5"),
    ]


def make_secret_bank(trainer, name: str = "密钥题库", course_code: str = "law"):
    """A bank owned by `trainer` holding `secret_drafts()`; returns (bank, questions by type). Flushes."""
    ensure_courses()
    now = datetime.now(UTC)
    bank = create_bank(trainer, find_course(course_code), name, now=now, ip="test")
    questions = add_questions(trainer, bank, secret_drafts(), now=now)
    return bank, {question.current.type: question for question in questions}


def text_of(response) -> str:
    """A response's text; for an XLSX (a ZIP), the text of every part inside it."""
    data = response.get_data()
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return data.decode("utf-8", "replace")


def leaks(response_or_text, markup: bool = False) -> list[str]:
    """The secrets (and, with `markup`, the key markup) found in a response or a text."""
    text = response_or_text if isinstance(response_or_text, str) else text_of(response_or_text)
    found = [secret for secret in SECRETS if secret in text]
    return found + [mark for mark in KEY_MARKUP if markup and mark in text]
