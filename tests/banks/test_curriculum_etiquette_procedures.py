"""The etiquette and procedures banks are a curriculum, not a pile: enough questions of every type and difficulty,
every lesson backed by questions, the procedures half of course 4 present, few questions on the Toll Road
Regulations, real choices, company practice marked, and the audit's corrections in place (each checked by the
corrected fact, never by a row number)."""

import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from app.accounts.actors import SYSTEM
from app.banks.drafts import QuestionType
from app.banks.formats.table import parse_table
from app.banks.importing import import_bank, read_bank_file
from app.banks.models import Question, Topic
from app.banks.types.text import normalise_blank
from app.core.roles import Role
from app.courses.catalog import ensure_courses, find_course
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]
BANKS = ROOT / "question_banks"
MATERIAL = ROOT / "app" / "courses" / "material"
COURSES = ("etiquette", "procedures")
MIN_QUESTIONS = 100
MIN_PER_LESSON = 8
MIN_LEVELS_PER_TYPE = 3
MIN_PROCEDURES_HALF = 40
MAX_REGULATIONS_SHARE = 0.15
MIN_OPTIONS = 4
MARKER = "本单位规定"  # the 知识点 of every question whose answer is company practice (see question_banks/README.md)
PRACTICE_SOURCE = re.compile(r"通常做法|规范做法|本单位")
CHOICE = (QuestionType.SINGLE, QuestionType.MULTIPLE)

# Lesson file → the 知识点 that stand for its topics; a question backs every lesson whose topic it carries.
LESSON_TOPICS = {
    "etiquette": {
        "01-service-sequence.md": {"服务流程", "唱收唱付", "手势规范", "法规依据", "投诉处理"},
        "02-standard-phrases.md": {"礼貌用语", "安全提示", "问询服务", "车道排队"},
        "03-appearance.md": {"仪容仪表", "岗位行为"},
        "04-youth-civilization-post.md": {"青年文明号"},
        "05-service-promises-and-station-appearance.md": {"服务承诺公示", "承诺兑现", "站容站貌"},
    },
    "procedures": {
        "01-toll-lane-basics.md": {"收费作业规范", "联网收费", "现金收费"},
        "02-holiday-free-passage.md": {"节假日免费通行"},
        "03-green-channel.md": {"绿色通道"},
        "04-banknote-security-features.md": {"人民币防伪特征", "2015年版100元", "2019年版人民币", "2020年版5元",
                                             "假币识别方法"},
        "05-counterfeit-handling.md": {"假币处置", "货币鉴别办法"},
        "06-management-rules.md": {"岗位职责", "评分与奖惩"},
        "07-shift-handover-and-cash.md": {"班前准备", "交接班", "票款解缴", "长短款"},
        "08-cards-classes-and-special-cases.md": {"通行卡", "车型判别", "特情处理", "冲卡逃费", "ETC车道",
                                                  "收费监控与稽查"},
    },
}
# Course 4's procedures half (管理制度 and 收费流程): lessons 01 and 06–08; not counterfeits, holidays or the green channel.
PROCEDURES_HALF = ("01-toll-lane-basics.md", "06-management-rules.md", "07-shift-handover-and-cash.md",
                   "08-cards-classes-and-special-cases.md")
POLICY_AND_COUNTERFEIT = ("02-holiday-free-passage.md", "03-green-channel.md", "04-banknote-security-features.md",
                          "05-counterfeit-handling.md")


@cache
def _bank(course: str) -> tuple:
    path = BANKS / course / f"{course}.csv"
    drafts, issues = parse_table(path.read_bytes(), path.name)
    assert not issues, issues
    return tuple(drafts)


def _lesson(course: str, name: str) -> str:
    return (MATERIAL / course / name).read_text(encoding="utf-8").replace("**", "")


def _texts(draft) -> list[str]:
    """Everything a candidate or a trainer reads of a question."""
    return [draft.stem, *draft.options, draft.reference, draft.explanation, draft.source,
            *("|".join(alternatives) for alternatives in draft.blanks)]


def _all_text(course: str) -> str:
    lessons = "\n".join(path.read_text(encoding="utf-8").replace("**", "")
                        for path in sorted((MATERIAL / course).glob("*.md")))
    return "\n".join(text for draft in _bank(course) for text in _texts(draft)) + "\n" + lessons


def _where(draft) -> str:
    return f"row {draft.row}: {draft.stem[:40]}"


def _accepts(draft, blank: int, answer: str) -> bool:
    return normalise_blank(answer) in {normalise_blank(alternative) for alternative in draft.blanks[blank]}


def _one(course: str, *needles: str):
    found = [draft for draft in _bank(course) if all(needle in draft.stem for needle in needles)]
    assert len(found) == 1, f"{course}: {len(found)} questions whose stem holds {needles}"
    return found[0]


# --- size and spread ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("course", COURSES)
def test_bank_holds_at_least_100_questions(course):
    assert len(_bank(course)) >= MIN_QUESTIONS


@pytest.mark.parametrize("course", COURSES)
def test_every_type_and_every_difficulty_is_used_and_each_type_spans_levels(course):
    drafts = _bank(course)
    assert {draft.type for draft in drafts} == set(QuestionType)
    assert {draft.difficulty for draft in drafts} == {1, 2, 3, 4, 5}
    levels = {kind: {draft.difficulty for draft in drafts if draft.type is kind} for kind in QuestionType}
    narrow = {kind.value: sorted(found) for kind, found in levels.items() if len(found) < MIN_LEVELS_PER_TYPE}
    assert not narrow, narrow


@pytest.mark.parametrize("course", COURSES)
def test_the_lesson_mapping_names_every_shipped_lesson(course):
    assert set(LESSON_TOPICS[course]) == {path.name for path in (MATERIAL / course).glob("*.md")}


@pytest.mark.parametrize("course", COURSES)
def test_every_lesson_is_backed_by_at_least_eight_questions(course):
    counts = {name: sum(1 for draft in _bank(course) if topics & set(draft.topics))
              for name, topics in LESSON_TOPICS[course].items()}
    thin = {name: count for name, count in counts.items() if count < MIN_PER_LESSON}
    assert not thin, thin


def test_the_procedures_half_of_course_four_has_at_least_40_questions():
    half = set().union(*(LESSON_TOPICS["procedures"][name] for name in PROCEDURES_HALF))
    other = set().union(*(LESSON_TOPICS["procedures"][name] for name in POLICY_AND_COUNTERFEIT))
    assert not half & other
    questions = [draft for draft in _bank("procedures") if half & set(draft.topics) and not other & set(draft.topics)]
    assert len(questions) >= MIN_PROCEDURES_HALF, len(questions)


@pytest.mark.parametrize("course", COURSES)
def test_at_most_15_percent_of_questions_rest_on_the_toll_road_regulations(course):
    drafts = _bank(course)
    citing = [draft for draft in drafts if "收费公路管理条例" in draft.source]
    assert len(citing) <= MAX_REGULATIONS_SHARE * len(drafts), f"{len(citing)} of {len(drafts)}"


@pytest.mark.parametrize("course", COURSES)
def test_the_notice_board_of_article_27_is_left_to_the_law_bank(course):
    assert not [_where(draft) for draft in _bank(course) if "第27条" in draft.source or "公告牌" in draft.stem]


# --- quality of each question -------------------------------------------------------------------------------

@pytest.mark.parametrize("course", COURSES)
def test_choice_questions_offer_at_least_four_options(course):
    few = [_where(draft) for draft in _bank(course)
           if draft.type in CHOICE and len([option for option in draft.options if option.strip()]) < MIN_OPTIONS]
    assert not few, few


@pytest.mark.parametrize("course", COURSES)
def test_explanations_name_the_option_not_its_letter(course):
    """Options are shuffled on the paper, so "选项B" or "A、B、C" in an explanation points at the wrong one."""
    letter = re.compile(r"(?<![A-Za-z])[A-H](?![A-Za-z])")
    citing = [f"{_where(draft)} → {letter.search(draft.explanation).group()}" for draft in _bank(course)
              if letter.search(draft.explanation)]
    assert not citing, citing


@pytest.mark.parametrize("course", COURSES)
def test_company_practice_questions_carry_the_marker_and_only_they_do(course):
    unmarked = [_where(draft) for draft in _bank(course)
                if PRACTICE_SOURCE.search(draft.source) and MARKER not in draft.topics]
    stray = [_where(draft) for draft in _bank(course)
             if MARKER in draft.topics and not PRACTICE_SOURCE.search(draft.source)]
    assert not unmarked and not stray, (unmarked, stray)


@pytest.mark.parametrize("course", COURSES)
def test_numeric_fill_ins_also_accept_chinese_numerals(course):
    digits = re.compile(r"^[\d.:%]+$")
    chinese = re.compile(r"[零〇一二两三四五六七八九十百千]")
    missing = [f"{_where(draft)} blank {number + 1}" for draft in _bank(course)
               for number, alternatives in enumerate(draft.blanks)
               if any(digits.match(alternative) for alternative in alternatives)
               and not any(chinese.search(alternative) for alternative in alternatives)]
    assert not missing, missing


# --- the audit's corrections, by the corrected fact ---------------------------------------------------------

@pytest.mark.parametrize("course", COURSES)
def test_truck_classes_go_by_the_maximum_permitted_gross_mass(course):
    """JT/T 489-2019: 2-axle trucks split at 最大允许总质量 4.5 t (the licensed figure), not the actual mass."""
    text = _all_text(course)
    for match in re.finditer("总质量", text):
        if "4.5" in text[match.end():match.end() + 12]:
            assert text[match.start() - 4:match.start()] == "最大允许", text[match.start() - 20:match.end() + 12]
    if course == "procedures":
        assert _one("procedures", "行驶证核定的最大允许总质量", "实际装载").truth is True


def test_anyone_who_finds_another_holding_counterfeits_reports_to_the_police_whatever_the_amount():
    """《人民币管理条例》第31条 has no "large amounts only"."""
    text = _all_text("procedures")
    assert not re.search(r"数额较大[^。；\n]*报告", text)
    assert "发现他人持有伪造、变造的人民币的，应当立即向公安机关报告" in _lesson("procedures", "05-counterfeit-handling.md")
    assert _one("procedures", "发现他人持有假币的，应当立即向公安机关报告").truth is True
    practice = _one("procedures", "遇到疑似假币，下列做法中属于规范做法的有")
    keyed = [practice.options[index] for index in practice.correct]
    assert any("第31条立即向公安机关报告" in option for option in keyed)


def test_notes_authenticated_as_fake_are_confiscated_under_article_34():
    lesson = _lesson("procedures", "05-counterfeit-handling.md")
    assert "第三十四条" in lesson and "经鉴定为假币的，予以没收" in lesson
    assert "只有中国人民银行和公安机关" not in _all_text("procedures")
    judgement = _one("procedures", "经中国人民银行或者其授权的机构鉴定为假币", "第34条")
    assert judgement.truth is True
    summary = _one("procedures", "关于伪造、变造人民币的没收和收缴")
    assert "经鉴定为假币的予以没收" in summary.options[next(iter(summary.correct))]


def test_financial_institutions_are_those_doing_rmb_deposits_and_withdrawals():
    text = _all_text("procedures")
    assert not re.search(r"办理(?:人民币)?存款业务", text)
    assert "办理人民币存取款业务的金融机构" in text
    assert "办理人民币存取款业务的金融机构" in _one("procedures", "收取车辆通行费时发现驾驶人交付的钞票疑似假币").reference


def test_no_claim_that_the_2022_revision_renamed_the_youth_post_rules():
    text = _all_text("etiquette")
    assert not re.search("更名|改名|名称改为", text)
    assert "《青年文明号活动管理办法》" in text
    history = _one("etiquette", "下列关于青年文明号发展沿革的表述，正确的是")
    assert "现行文件为《青年文明号活动管理办法》" in history.options[next(iter(history.correct))]


def test_the_2022_rules_introduced_the_special_recommendation_mechanism():
    lesson = _lesson("etiquette", "04-youth-civilization-post.md")
    assert "特别推荐" in lesson and "专项推荐" not in _all_text("etiquette")
    blank = _one("etiquette", "推荐机制")
    assert _accepts(blank, 0, "特别")


def test_intaglio_fill_in_accepts_the_usual_names():
    question = _one("procedures", "一看、二摸、三听、四测", "摸")
    for answer in ("雕刻凹印", "凹印", "雕刻凹版", "凹版"):
        assert _accepts(question, 0, answer), answer


def test_full_load_fill_in_accepts_numbers_percentages_and_chinese():
    question = _one("procedures", "整车装载要求")
    for answer in ("80%", "80", "８０％", "百分之八十", "八成"):
        assert _accepts(question, 0, answer), answer
    for answer in ("20%", "20", "２０％", "百分之二十", "二成"):
        assert _accepts(question, 1, answer), answer
    assert not _accepts(question, 0, "70%")


def test_green_channel_lesson_cites_article_16_of_the_regulations_only():
    lesson = _lesson("procedures", "03-green-channel.md")
    cited = set(re.findall(r"《收费公路管理条例》(第[一二三四五六七八九十]+条)", lesson))
    assert cited == {"第十六条"}


# --- the marker at work: one filter and the bulk action retire every company-practice question --------------

@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
@pytest.mark.parametrize("course", COURSES)
def test_a_trainer_retires_every_marked_question_with_the_topic_filter_and_the_bulk_action(course, client, login,
                                                                                            users):
    trainer = users[Role.TRAINER]
    ensure_courses()
    path = BANKS / course / f"{course}.csv"
    bank = import_bank(SYSTEM, find_course(course), "shipped", read_bank_file(path.read_bytes(), path.name),
                       now=datetime(2026, 3, 1, tzinfo=UTC), ip="t").bank
    bank.owners.append(trainer)
    db.session.commit()
    marker = db.session.scalar(db.select(Topic).where(Topic.name == MARKER))
    login(trainer)
    filtered = f"/banks/{bank.id}?topic={marker.id}"
    for _page in range(len(_bank(course)) // 50 + 2):  # the list shows 50 at a time; each pass retires a page
        ids = re.findall(r'name="ids" value="(\d+)"', client.get(filtered).get_data(as_text=True))
        if not ids:
            break
        client.post(f"/banks/{bank.id}/bulk", data={"ids": ids, "action": "retire", "back": filtered})
    db.session.expire_all()
    questions = db.session.scalars(db.select(Question).where(Question.bank_id == bank.id)).all()
    marked = {question.id for question in questions if MARKER in {topic.name for topic in question.topics}}
    assert len(marked) == sum(1 for draft in _bank(course) if MARKER in draft.topics)
    assert {question.id for question in questions if question.status == "retired"} == marked
