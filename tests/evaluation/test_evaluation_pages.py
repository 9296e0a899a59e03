"""The evaluation pages: who may open them, compute → override → sign off → reopen over HTTP, the scheme
form's errors, and a collector seeing their own evaluation only after sign-off."""

from decimal import Decimal as D

import pytest

from app.core.roles import Role
from app.evaluation.models import Evaluation, EvaluationScheme, EvaluationSignoff
from app.extensions import db
from tests import factories
from tests.evaluation.support import batch_of, exams_for, results


@pytest.fixture
def sheet(app, users, org):
    collector = users[Role.COLLECTOR]
    other = factories.make_user("c0002", name="李四", station=org.stations[1], team=org.stations[1].teams[0])
    batch = batch_of([collector, other], name="第一期")
    exams = exams_for(batch)
    results(collector, exams, 95, 90, 85, 80)
    results(other, exams, 55, 90, 90, 90)
    db.session.commit()
    return batch


def post(client, url, **data):
    return client.post(url, data=data, follow_redirects=True)


@pytest.mark.parametrize("role", [Role.TRAINER, Role.COLLECTOR])
def test_only_hr_and_admins_open_the_evaluation_pages(client, users, login, sheet, role):
    login(users[role])
    for url in ("/evaluation", f"/evaluation/batches/{sheet.id}", "/evaluation/scheme", "/evaluation/scheme/edit"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/evaluation/batches/{sheet.id}/compute").status_code == 403


def test_hr_computes_overrides_and_signs_off(client, users, login, sheet):
    login(users[Role.HR])
    page = post(client, f"/evaluation/batches/{sheet.id}/compute")
    body = page.get_data(as_text=True)
    assert "89.00" in body and "76.00" in body and "需补考" in body
    evaluation = db.session.scalar(db.select(Evaluation).join(Evaluation.user).where(
        Evaluation.total == D("76.00")))
    page = post(client, f"/evaluation/evaluations/{evaluation.id}/override", outcome="none", reason="")
    assert page.status_code == 400
    page = post(client, f"/evaluation/evaluations/{evaluation.id}/override", outcome="none", reason="已补训")
    assert "已补训" in page.get_data(as_text=True)
    page = post(client, f"/evaluation/batches/{sheet.id}/sign-off")
    assert 'id="signed-off"' in page.get_data(as_text=True)
    assert db.session.scalar(db.select(EvaluationSignoff)) is not None
    # locked: recomputing and overriding are refused with a message, nothing changes
    page = post(client, f"/evaluation/batches/{sheet.id}/compute")
    assert "重新开放" in page.get_data(as_text=True)
    page = post(client, f"/evaluation/batches/{sheet.id}/reopen", reason="成绩复核")
    assert db.session.scalar(db.select(EvaluationSignoff)) is None


def test_collector_sees_their_evaluation_only_after_sign_off(client, users, login, sheet):
    login(users[Role.HR])
    post(client, f"/evaluation/batches/{sheet.id}/compute")
    client.post("/logout")
    login(users[Role.COLLECTOR])
    assert "89.00" not in client.get("/me/evaluations").get_data(as_text=True)
    client.post("/logout")
    login(users[Role.HR])
    post(client, f"/evaluation/batches/{sheet.id}/sign-off")
    client.post("/logout")
    login(users[Role.COLLECTOR])
    body = client.get("/me/evaluations").get_data(as_text=True)
    assert "89.00" in body and "76.00" not in body  # not the other person's


def test_collector_cannot_open_another_persons_evaluation(client, users, login, sheet):
    login(users[Role.HR])
    post(client, f"/evaluation/batches/{sheet.id}/compute")
    client.post("/logout")
    login(users[Role.COLLECTOR])
    other = db.session.scalar(db.select(Evaluation).where(Evaluation.user_id != users[Role.COLLECTOR].id))
    assert client.get(f"/evaluation/evaluations/{other.id}/override").status_code == 403


def test_scheme_form_saves_a_new_version_or_names_the_error(client, users, login):
    from app.courses.catalog import ensure_courses

    ensure_courses()
    db.session.commit()
    login(users[Role.HR])
    form = {"weight_law": "40", "weight_integrity": "20", "weight_etiquette": "20", "weight_procedures": "10",
            "attendance_mode": "minimum", "attendance_weight": "0", "attendance_minimum": "100",
            "excellent_min": "90", "good_min": "80", "pass_min": "60", "award_min": "90", "makeup_rule": "cap",
            "review_periods": "2", "note": ""}
    page = client.post("/evaluation/scheme/edit", data=form)
    assert page.status_code == 400 and "合计为 90" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(EvaluationScheme)) is None
    page = client.post("/evaluation/scheme/edit", data={**form, "weight_procedures": "20", "note": "年度方案"},
                       follow_redirects=True)
    assert page.status_code == 200
    assert db.session.scalar(db.select(EvaluationScheme.version)) == 1


def test_batch_sheet_reads_in_english(client, users, login, sheet):
    users[Role.HR].locale = "en"
    db.session.commit()
    login(users[Role.HR])
    body = post(client, f"/evaluation/batches/{sheet.id}/compute").get_data(as_text=True)
    assert "Make-up exam required" in body and "Stations" in body
