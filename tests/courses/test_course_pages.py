"""Course pages: reading lessons in both locales, progress by "Mark as finished", attachments (upload checks,
download headers), who may edit, lecturers chosen by HR, and sanitized lesson text."""

import io
from datetime import UTC, datetime

import pytest

from app.core.roles import Role
from app.courses import lessons
from app.courses.catalog import ensure_courses, find_course
from app.courses.models import Lesson, LessonAttachment, LessonProgress
from app.extensions import db
from tests.factories import make_user

NOW = datetime(2026, 3, 1, 8, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154"
    "a24f5d0000000049454e44ae426082"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture
def law(users):
    ensure_courses()
    course = find_course("law")
    course.lecturers.append(users[Role.TRAINER])
    first = lessons.create_lesson(users[Role.TRAINER], course, "收费公路的定义", "## 收费公路\n\n依法收取**车辆通行费**的公路。",
                                  now=NOW, ip="t")
    lessons.create_lesson(users[Role.TRAINER], course, "免费车辆", "军车、警车免费。", now=NOW, ip="t")
    lessons.add_attachment(users[Role.TRAINER], first, "讲义 第一课.pdf", PDF, now=NOW, ip="t")
    db.session.commit()
    return course


def _url(course, lesson=None, suffix=""):
    return f"/courses/{course.code}" + (f"/lessons/{lesson.id}" if lesson else "") + suffix


@pytest.mark.parametrize(("locale", "lang", "words"), [("en", "en", ("Mark as finished", "Attachments")),
                                                       ("zh_Hans", "zh-Hans", ("收费公路的定义",))])
def test_reading_pages_render_in_both_locales(client, login, users, law, locale, lang, words):
    users[Role.COLLECTOR].locale = locale
    db.session.commit()
    login(users[Role.COLLECTOR])
    lesson = law.lessons[0]
    for url in ("/courses", _url(law), _url(law, lesson)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{lang}">' in response.get_data(as_text=True), url
    page = response.get_data(as_text=True)
    assert all(word in page for word in words)
    assert "<strong>车辆通行费</strong>" in page and "讲义 第一课.pdf" in page
    assert db.session.scalar(db.select(db.func.count(LessonProgress.id))) == 0  # reading a page changes nothing


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
def test_finishing_a_lesson_records_progress_and_shows_it(client, login, users, law):
    collector = users[Role.COLLECTOR]
    login(collector)
    first, second = law.lessons
    response = client.post(_url(law, first, "/finish"))
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(law, second))
    progress = db.session.scalar(db.select(LessonProgress).where(LessonProgress.user_id == collector.id))
    assert progress.lesson_id == first.id and progress.first_read_at and progress.finished_at
    course_page = client.get(_url(law)).get_data(as_text=True)
    assert "1 of 2 finished" in course_page and "Finished" in course_page and "Not finished yet" in course_page
    assert "1 of 2 finished" in client.get("/courses").get_data(as_text=True)
    assert "Mark as finished" not in client.get(_url(law, first)).get_data(as_text=True)


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
@pytest.mark.parametrize(("name", "data"), [("图示.png", PNG), ("handout.pdf", PDF)])
def test_a_lecturer_uploads_a_real_pdf_or_image(client, login, users, law, name, data):
    login(users[Role.TRAINER])
    lesson = law.lessons[1]
    response = client.post(_url(law, lesson, "/attachments"), data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert f"{name} was attached" in response.get_data(as_text=True)
    assert [attachment.filename for attachment in lesson.attachments] == [name]


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
@pytest.mark.parametrize(("name", "data", "message"), [
    ("setup.exe", EXE, "is not a PDF or an image"),
    ("renamed.pdf", EXE, "is not a PDF or an image"),
    ("fake.png", b"GIF8 not really", "is not a PDF or an image"),
    ("huge.pdf", PDF + b"0" * (10 * 1024 * 1024), "is larger than 10 MB"),
])
def test_other_uploads_are_refused_and_nothing_is_stored(client, login, users, law, name, data, message):
    login(users[Role.TRAINER])
    response = client.post(_url(law, law.lessons[1], "/attachments"), data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(LessonAttachment.id))) == 1  # only the fixture's PDF


def test_download_sends_the_stored_type_as_an_attachment_with_the_chinese_name(client, login, users, law):
    login(users[Role.COLLECTOR])
    attachment = law.lessons[0].attachments[0]
    response = client.get(f"/courses/law/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%AE%B2%E4%B9%89%20%E7%AC%AC%E4%B8%80%E8%AF%BE.pdf" in disposition
    assert client.get(f"/courses/integrity/attachments/{attachment.id}").status_code == 404


def test_collectors_and_trainers_who_do_not_teach_the_course_cannot_edit(client, login, users, law):
    lesson = law.lessons[0]
    attachment = lesson.attachments[0]
    other = make_user("t-other", roles=[Role.TRAINER])
    db.session.commit()
    for user, status in ((users[Role.COLLECTOR], 403), (users[Role.HR], 403), (other, 403)):
        client.post("/logout")
        login(user)
        assert client.get(_url(law, None, "/lessons/new")).status_code == status
        assert client.get(_url(law, lesson, "/edit")).status_code == status
        assert client.post(_url(law, lesson, "/edit"), data={"title": "改", "body": "x"}).status_code == status
        assert client.post(_url(law, lesson, "/delete")).status_code == status
        assert client.post(_url(law, lesson, "/attachments"), data={"file": (io.BytesIO(PNG), "a.png")},
                           content_type="multipart/form-data").status_code == status
        assert client.post(f"/courses/law/attachments/{attachment.id}/delete").status_code == status
    db.session.expire_all()
    assert lesson.title == "收费公路的定义" and len(lesson.attachments) == 1
    # The same trainer may edit the course they teach … and not another one.
    client.post("/logout")
    login(users[Role.TRAINER])
    assert client.get(_url(law, lesson, "/edit")).status_code == 200
    assert client.get("/courses/integrity/lessons/new").status_code == 403


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
def test_an_administrator_writes_previews_moves_and_deletes_lessons(client, login, users, law):
    login(users[Role.ADMIN])
    preview = client.post("/courses/integrity/lessons/new", data={"title": "廉洁", "body": "**要点**", "action": "preview"})
    assert preview.status_code == 200 and "<strong>要点</strong>" in preview.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Lesson.id)).where(Lesson.title == "廉洁")) == 0
    saved = client.post("/courses/integrity/lessons/new", data={"title": "廉洁", "body": "**要点**", "action": "save"})
    assert saved.status_code == 302
    made_id = db.session.scalar(db.select(Lesson.id).where(Lesson.title == "廉洁"))
    duplicate = client.post(_url(law, None, "/lessons/new"), data={"title": "免费车辆", "body": "x"})
    assert "already has a lesson titled" in duplicate.get_data(as_text=True)
    first, second = law.lessons
    assert client.post(_url(law, second, "/move"), data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [lesson.title for lesson in find_course("law").lessons] == ["免费车辆", "收费公路的定义"]
    attachment_id = first.attachments[0].id
    assert client.post(f"/courses/law/attachments/{attachment_id}/delete").status_code == 302
    assert client.post(f"/courses/integrity/lessons/{made_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Lesson, made_id) is None
    assert db.session.get(LessonAttachment, attachment_id) is None


@pytest.mark.app_config(BABEL_DEFAULT_LOCALE="en")
def test_hr_sets_the_lecturers_who_then_edit_the_course(client, login, users, law):
    other = make_user("t-other", roles=[Role.TRAINER], name="新讲师")
    db.session.commit()
    login(users[Role.TRAINER])
    assert client.get("/courses/law/lecturers").status_code == 403
    client.post("/logout")
    login(users[Role.HR])
    assert client.get("/courses/law/lecturers").status_code == 200
    response = client.post("/courses/law/lecturers", data={"lecturers": [other.id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert [lecturer.staff_no for lecturer in find_course("law").lecturers] == ["t-other"]
    refused = client.post("/courses/law/lecturers", data={"lecturers": [users[Role.COLLECTOR].id]})
    assert refused.status_code == 200  # a collector is not offered, so the form refuses the choice
    client.post("/logout")
    login(other)
    assert client.get(_url(law, law.lessons[0], "/edit")).status_code == 200


XSS_BODY = "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n**safe**"


def test_a_lesson_body_cannot_run_script(client, login, users, law):
    lesson = lessons.create_lesson(users[Role.ADMIN], law, "XSS", XSS_BODY, now=NOW, ip="t")
    db.session.commit()
    login(users[Role.COLLECTOR])
    page = client.get(_url(law, lesson)).get_data(as_text=True)
    assert "<strong>safe</strong>" in page
    body = page.split('class="lesson-body', 1)[1].split("</article>", 1)[0]
    assert "<script" not in body and "onerror" not in body and "href" not in body
    assert "<img>" in body  # the image without its bad source and handler
    client.post("/logout")
    login(users[Role.TRAINER])
    preview = client.post(_url(law, lesson, "/edit"), data={"title": "XSS", "body": XSS_BODY, "action": "preview"})
    shown = preview.get_data(as_text=True).split('border rounded p-3 lesson-body">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in shown and "onerror" not in shown and "href" not in shown
