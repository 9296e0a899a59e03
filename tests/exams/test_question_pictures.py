"""A question's picture travels inside the page (a data: URL), so whoever may see the question sees the
picture — the candidate on the paper, HR and trainers on the graded attempt, the collector in practice —
without a picture route anyone could probe."""

import hashlib
from datetime import UTC, datetime, timedelta

from app.banks.drafts import Draft, QuestionType
from app.banks.models import Image
from app.banks.services import add_questions, create_bank
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.exams import attempts as flow
from app.exams.services import RuleData
from app.extensions import db
from tests import factories

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154"
    "a24f5d0000000049454e44ae426082"
)
NOW = datetime.now(UTC)


def _exam_with_a_picture(trainer, candidate):
    ensure_courses()
    bank = create_bank(trainer, find_course("law"), "图片题库", now=NOW, ip="t")
    image = Image(sha256=hashlib.sha256(PNG).hexdigest(), content_type="image/png", data=PNG, created_at=NOW)
    db.session.add(image)
    draft = Draft(type=QuestionType.SINGLE, stem="图中标志表示什么？", options=["停车检查", "减速慢行"], correct={0},
                  image="sign.png")
    add_questions(trainer, bank, [draft], now=NOW, images={"sign.png": image})
    exam = factories.make_exam(trainer, bank, rules=[RuleData(count=1, bank_id=bank.id)], audience=[candidate],
                               pass_mark=0)
    db.session.commit()
    return exam


def test_the_picture_is_inside_the_paper_the_graded_attempt_and_practice(client, login, users):
    trainer, candidate = users[Role.TRAINER], users[Role.COLLECTOR]
    exam = _exam_with_a_picture(trainer, candidate)
    login(candidate)
    started = client.post(f"/my/exams/{exam.id}/start")
    attempt_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    assert "data:image/png;base64," in client.get(f"/my/attempts/{attempt_id}").get_data(as_text=True)

    attempt = db.session.get(flow.Attempt, attempt_id)
    flow.submit(attempt, now=NOW + timedelta(minutes=1), grace=timedelta(seconds=30), actor=candidate, ip="t")
    db.session.commit()
    for role in (Role.HR, Role.TRAINER):
        client.post("/logout")
        login(users[role])
        response = client.get(f"/exams/{exam.id}/attempts/{attempt_id}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200, role
        assert "data:image/png;base64," in page, role

    client.post("/logout")
    login(candidate)
    started = client.post("/practice/start", data={"course_id": exam.course_id}, follow_redirects=True)
    assert "data:image/png;base64," in started.get_data(as_text=True)
