"""One question on the web: adding each type with the import's rules, editing into new versions with a
history and a diff, retiring and restoring, the candidate preview without the key, and pictures."""

import hashlib
import re
from datetime import UTC, datetime

import pytest

from app.audit import actions
from app.audit.models import AuditEvent
from app.banks.drafts import Draft, QuestionType
from app.banks.models import Image, Question, QuestionVersion
from app.banks.services import add_questions, create_bank
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db

pytestmark = pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154"
    "a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def bank(users):
    ensure_courses()
    made = create_bank(users[Role.TRAINER], find_course("law"), "法规题库", now=NOW, ip="t")
    db.session.commit()
    return made


@pytest.fixture
def trainer(client, login, users):
    login(users[Role.TRAINER])
    return users[Role.TRAINER]


def form(**fields) -> dict:
    data = {"type": "single", "stem": "", "answer": "", "points": "", "difficulty": "", "topic": "",
            "explanation": "", "source": ""}
    data.update(fields)
    return data


def add(client, bank, **fields):
    return client.post(f"/banks/{bank.id}/questions/new", data=form(**fields))


def questions_of(bank) -> list[Question]:
    return db.session.scalars(db.select(Question).where(Question.bank_id == bank.id).order_by(Question.id)).all()


def errors_of(response) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', response.get_data(as_text=True))


@pytest.mark.parametrize("fields, key", [
    ({"type": "single", "stem": "收费站的职责是（ ）。", "option_a": "收费", "option_b": "修路", "answer": "Ａ"},
     {"correct": [0]}),
    ({"type": "multiple", "stem": "下列属于特情的有（ ）。", "option_a": "冲卡", "option_b": "故障", "option_c": "缴费",
      "answer": "A、B"}, {"correct": [0, 1]}),
    ({"type": "true_false", "stem": "收费员应当文明服务。", "answer": "√"}, {"truth": True}),
    ({"type": "fill_blank", "stem": "小型客车限速____公里/小时，最低____。", "answer": "120|一百二十；60"},
     {"blanks": [["120", "一百二十"], ["60"]]}),
    ({"type": "short_answer", "stem": "简述ETC的原理。", "answer": "车载单元与路侧单元通信。"},
     {"reference": "车载单元与路侧单元通信。"}),
])
def test_each_type_can_be_added_with_the_answer_syntax_of_the_bank_files(client, trainer, bank, fields, key):
    response = add(client, bank, points="1.5", difficulty="4", topic="收费;服务、 收费", source="《条例》第7条",
                   explanation="因为……", **fields)
    assert response.status_code == 302, errors_of(response)
    question = questions_of(bank)[0]
    version = question.current
    assert response.headers["Location"] == f"/banks/questions/{question.id}"
    assert (version.number, version.type, version.key) == (1, fields["type"], key)
    assert (str(version.points), version.difficulty, version.source) == ("1.50", 4, "《条例》第7条")
    assert sorted(t.name for t in question.topics) == ["收费", "服务"]
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == actions.QUESTION_ADDED))
    assert event.target_id == str(question.id) and event.details == {"bank": bank.id, "type": fields["type"]}


def test_an_empty_points_or_difficulty_takes_the_type_defaults(client, trainer, bank):
    add(client, bank, type="true_false", stem="对吗？", answer="对")
    version = questions_of(bank)[0].current
    assert (str(version.points), version.difficulty) == ("1.00", 3)


@pytest.mark.parametrize("fields, field_errors", [
    ({"stem": "", "option_a": "甲", "option_b": "乙", "answer": "A"}, ["The question text is empty."]),
    ({"stem": "题", "option_a": "甲", "option_b": "乙", "answer": "C"},
     ["The answer names option C, but there is no option C."]),
    ({"stem": "题", "option_a": "甲", "answer": "A"}, ["A choice question needs at least 2 options."]),
    ({"stem": "题", "option_a": "甲", "option_c": "丙", "answer": "A"},
     ["Option B is empty but a later option is filled; options must follow one another from A."]),
    ({"type": "multiple", "stem": "题", "option_a": "甲", "option_b": "乙", "answer": "A"},
     ["A multiple-choice question has at least 2 correct options; for one correct option use a single-choice "
      "question."]),
    ({"type": "true_false", "stem": "题", "option_a": "甲", "answer": "maybe"},
     ["Only single and multiple choice questions have options; leave this cell empty.",
      "&#39;maybe&#39; is not a true/false answer; use 对 or 错 (also 正确/错误, √/×, T/F, true/false, 是/否)."]),
    ({"type": "fill_blank", "stem": "两个____和____", "answer": "甲"},
     ["Blanks in the question text: 2; answers given: 1. Give one answer per blank, separated by ;."]),
    ({"type": "short_answer", "stem": "简述", "points": "0"},
     ["The points must be a number greater than 0."]),
])
def test_a_bad_question_is_refused_with_the_imports_messages_on_its_fields(client, trainer, bank, fields,
                                                                          field_errors):
    response = add(client, bank, **fields)
    assert response.status_code == 200
    assert sorted(errors_of(response)) == sorted(field_errors)
    assert questions_of(bank) == []


def _stored(users, bank, draft: Draft) -> Question:
    question = add_questions(users[Role.TRAINER], bank, [draft], now=NOW)[0]
    db.session.commit()
    return question


SINGLE = Draft(type=QuestionType.SINGLE, stem="收费站应当在（ ）公布收费标准。", options=["站区醒目位置", "网站"],
               correct={0}, explanation="第二十五条。", topics=["公示"])


def test_editing_saves_a_new_version_and_keeps_the_old_one(client, trainer, users, bank):
    question = _stored(users, bank, SINGLE)
    page = client.get(f"/banks/questions/{question.id}/edit").get_data(as_text=True)
    assert "收费站应当在（ ）公布收费标准。" in page and 'value="A"' not in page  # answer is a textarea
    response = client.post(f"/banks/questions/{question.id}/edit", data=form(
        stem="收费站应当在（ ）显著位置公布收费标准。", option_a="收费站区醒目位置", option_b="网站", answer="A",
        explanation="第二十五条。", topic="公示"))
    assert response.status_code == 302
    versions = db.session.scalars(db.select(QuestionVersion).where(QuestionVersion.question_id == question.id)
                                  .order_by(QuestionVersion.number)).all()
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].stem == SINGLE.stem and versions[1].stem.endswith("显著位置公布收费标准。")
    assert db.session.get(Question, question.id).current_version_id == versions[1].id
    detail = client.get(f"/banks/questions/{question.id}").get_data(as_text=True)
    assert "v2" in detail and f"/banks/questions/{question.id}/versions/1" in detail
    assert "讲师 (trainer01)" in detail


def test_saving_without_a_change_adds_no_version(client, trainer, users, bank):
    question = _stored(users, bank, SINGLE)
    data = form(stem=SINGLE.stem, option_a="站区醒目位置", option_b="网站", answer="A", explanation="第二十五条。",
                topic="公示")
    response = client.post(f"/banks/questions/{question.id}/edit", data=data, follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert len(db.session.get(Question, question.id).versions) == 1
    data["topic"] = "公示;收费标准"
    response = client.post(f"/banks/questions/{question.id}/edit", data=data, follow_redirects=True)
    assert "The topics were saved" in response.get_data(as_text=True)
    assert len(db.session.get(Question, question.id).versions) == 1


def test_the_diff_shows_what_changed_between_a_version_and_the_one_before(client, trainer, users, bank):
    question = _stored(users, bank, SINGLE)
    client.post(f"/banks/questions/{question.id}/edit", data=form(
        stem="收费站应当在（ ）公布<script>alert(1)</script>收费标准。", option_a="站区醒目位置", option_b="官方网站",
        answer="B", points="3", explanation="第二十五条。"))
    page = client.get(f"/banks/questions/{question.id}/versions/2").get_data(as_text=True)
    diff = page[page.index('id="version-diff"'):page.index("</section>", page.index('id="version-diff"'))]
    assert '<ins class="diff-ins bg-success-subtle text-success-emphasis">&lt;script&gt;alert(1)&lt;/script&gt;</ins>' in diff
    assert "<script>" not in page
    segments = re.findall(r'<(ins|del) class="diff-\w+ [^"]*">([^<]*)</', diff)
    assert ("del", "A") in segments and ("ins", "B") in segments  # the answer
    assert ("del", "2") in segments and ("ins", "3") in segments  # the points
    assert "<span>A. 站区醒目位置<br>B. </span>" in diff  # options compared line by line
    assert "Explanation" not in diff  # unchanged fields are left out
    first = client.get(f"/banks/questions/{question.id}/versions/1").get_data(as_text=True)
    assert "First version" in first
    assert client.get(f"/banks/questions/{question.id}/versions/3").status_code == 404


def test_editing_keeps_gift_weights_while_the_correct_options_stay(client, trainer, users, bank):
    from decimal import Decimal

    draft = Draft(type=QuestionType.MULTIPLE, stem="多选", options=["甲", "乙", "丙"], correct={0, 1},
                  weights={0: Decimal("70"), 1: Decimal("30")})
    question = _stored(users, bank, draft)
    client.post(f"/banks/questions/{question.id}/edit",
                data=form(type="multiple", stem="多选题", option_a="甲", option_b="乙", option_c="丙", answer="AB"))
    assert db.session.get(Question, question.id).current.key["weights"] == {"0": "70", "1": "30"}
    client.post(f"/banks/questions/{question.id}/edit",
                data=form(type="multiple", stem="多选题", option_a="甲", option_b="乙", option_c="丙", answer="BC"))
    assert db.session.get(Question, question.id).current.key == {"correct": [1, 2]}


def test_retiring_and_restoring_from_the_question_page(client, trainer, users, bank):
    question = _stored(users, bank, SINGLE)
    response = client.post(f"/banks/questions/{question.id}/retire", follow_redirects=True)
    assert "was retired" in response.get_data(as_text=True)
    assert db.session.get(Question, question.id).status == "retired"
    client.post(f"/banks/questions/{question.id}/restore")
    assert db.session.get(Question, question.id).status == "active"
    assert [e.action for e in db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.target_type == "questions").order_by(AuditEvent.id))] == [actions.QUESTION_RETIRED,
                                                                              actions.QUESTION_RESTORED]


@pytest.mark.parametrize("draft, secrets", [
    (Draft(type=QuestionType.FILL_BLANK, stem="限速____公里/小时。", blanks=[["一百二十公里"]],
           explanation="依据道路交通安全法实施条例"), ["一百二十公里", "道路交通安全法实施条例"]),
    (Draft(type=QuestionType.SHORT_ANSWER, stem="简述绿色通道政策。", reference="鲜活农产品运输车辆免费",
           explanation="交通运输部通知"), ["鲜活农产品运输车辆免费", "交通运输部通知"]),
    (Draft(type=QuestionType.TRUE_FALSE, stem="收费员可以罚款。", truth=False, explanation="无处罚权"),
     ["无处罚权", "answer-key", "text-bg-danger"]),
])
def test_the_candidate_preview_shows_the_question_but_not_its_key(client, trainer, users, bank, draft, secrets):
    question = _stored(users, bank, draft)
    detail = client.get(f"/banks/questions/{question.id}").get_data(as_text=True)
    assert all(secret in detail for secret in secrets[:1])  # the trainer's page has the key
    preview = client.get(f"/banks/questions/{question.id}/preview").get_data(as_text=True)
    assert draft.stem.split("____")[0] in preview and "disabled" in preview
    for secret in secrets:
        assert secret not in preview


def test_the_question_page_renders_markdown_sanitised(client, trainer, users, bank):
    draft = Draft(type=QuestionType.TRUE_FALSE, stem="**加粗** <img src=x onerror=alert(1)> <script>x()</script>",
                  truth=True, explanation="<a href='javascript:alert(1)'>链接</a>")
    question = _stored(users, bank, draft)
    page = client.get(f"/banks/questions/{question.id}").get_data(as_text=True)
    assert "<strong>加粗</strong>" in page
    assert "onerror" not in page and "<script>x()" not in page and "javascript:" not in page


def test_a_picture_is_served_to_those_who_manage_a_bank_that_uses_it(app, client, login, users, bank):
    from tests.factories import PASSWORD, make_user

    image = Image(sha256=hashlib.sha256(PNG).hexdigest(), content_type="image/png", data=PNG, created_at=NOW)
    db.session.add(image)
    draft = Draft(type=QuestionType.TRUE_FALSE, stem="看图判断。", truth=True, image="sign.png")
    question = add_questions(users[Role.TRAINER], bank, [draft], now=NOW, images={"sign.png": image})[0]
    other = make_user("trainer02", roles=[Role.TRAINER])
    db.session.commit()
    login(users[Role.TRAINER])
    page = client.get(f"/banks/questions/{question.id}").get_data(as_text=True)
    assert f'src="/banks/images/{image.sha256}"' in page
    response = client.get(f"/banks/images/{image.sha256}")
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/banks/images/" + "0" * 64).status_code == 404
    stranger = app.test_client()
    stranger.post("/login", data={"staff_no": other.staff_no, "password": PASSWORD})
    assert stranger.get(f"/banks/images/{image.sha256}").status_code == 403
