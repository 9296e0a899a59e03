"""The admin's audit log page: who may open it, filters, pagination, escaping."""

from datetime import UTC, datetime, timedelta

import pytest

from app.audit import actions
from app.audit.models import AuditEvent
from app.audit.services import record
from app.core.roles import Role
from app.extensions import db

BASE = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _event(action=actions.USER_UPDATED, *, actor=None, ip="10.0.0.1", at=BASE, target=None, **details):
    return record(action, actor=actor, ip=ip, now=at, target=target, details=details)


@pytest.fixture
def admin_client(client, users, login):
    login(users[Role.ADMIN])
    return client


def _page(client, **params) -> str:
    response = client.get("/audit", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_admin_sees_events_with_label_actor_target_ip_and_details(app, admin_client, users):
    _event(actions.ROLES_CHANGED, actor=users[Role.ADMIN], ip="192.0.2.7", target=users[Role.COLLECTOR],
           marker="evt-roles", old=["collector"], new=["collector", "trainer"])
    db.session.commit()
    html = _page(admin_client)
    assert "192.0.2.7" in html
    assert "marker:</span> evt-roles" in html
    assert "new:</span> collector, trainer" in html
    with app.test_request_context():
        assert str(actions.LABELS[actions.ROLES_CHANGED]) in html
    assert "c0001" in html  # the target user, by staff number


@pytest.mark.parametrize("role", [Role.HR, Role.TRAINER, Role.COLLECTOR])
def test_other_roles_are_refused(client, users, login, role):
    login(users[role])
    assert client.get("/audit").status_code == 403
    assert client.get("/audit?action=login.failed").status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, users):
    response = client.get("/audit")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_filters_by_action_actor_ip_and_text(admin_client, users):
    admin, collector = users[Role.ADMIN], users[Role.COLLECTOR]
    _event(actions.PASSWORD_RESET, actor=admin, ip="10.1.2.3", target=collector, marker="evt-a", note="临时密码")
    _event(actions.USER_UPDATED, actor=admin, ip="10.9.9.9", marker="evt-b", note="other")
    _event(actions.USER_UPDATED, actor=users[Role.HR], ip="172.16.0.1", marker="evt-c", note="100%_done")
    db.session.commit()

    html = _page(admin_client, action=actions.PASSWORD_RESET)
    assert "evt-a" in html and "evt-b" not in html and "evt-c" not in html

    html = _page(admin_client, actor="HR01")
    assert "evt-c" in html and "evt-a" not in html and "evt-b" not in html

    html = _page(admin_client, ip="10.")
    assert "evt-a" in html and "evt-b" in html and "evt-c" not in html

    html = _page(admin_client, q="临时")
    assert "evt-a" in html and "evt-b" not in html

    # LIKE wildcards in the search text are taken literally.
    html = _page(admin_client, q="0%_d")
    assert "evt-c" in html and "evt-a" not in html and "evt-b" not in html
    html = _page(admin_client, q="%")
    assert "evt-c" in html and "evt-a" not in html and "evt-b" not in html


def test_filters_by_target_staff_number_or_kind_and_id(admin_client, users):
    collector = users[Role.COLLECTOR]
    _event(actions.PASSWORD_RESET, target=collector, marker="evt-target")
    _event(actions.USER_UPDATED, target=users[Role.HR], marker="evt-other")
    db.session.commit()
    for value in ("c0001", f"users:{collector.id}"):
        html = _page(admin_client, target=value)
        assert "evt-target" in html and "evt-other" not in html


def test_date_range_uses_the_configured_time_zone(admin_client, users):
    # 16:30 UTC on 1 March is 00:30 on 2 March in Asia/Shanghai.
    _event(at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC), marker="evt-late")
    _event(at=datetime(2026, 3, 1, 15, 30, tzinfo=UTC), marker="evt-early")
    db.session.commit()
    html = _page(admin_client, date_from="2026-03-02", date_to="2026-03-02")
    assert "evt-late" in html and "evt-early" not in html
    html = _page(admin_client, date_to="2026-03-01")
    assert "evt-early" in html and "evt-late" not in html


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-45"},
        {"date_to": "yesterday"},
        {"date_from": "2026-03-05", "date_to": "2026-03-01"},
        {"action": "no.such.action"},
        {"actor": "x" * 200},
    ],
)
def test_invalid_filter_shows_a_form_error_not_a_500(admin_client, users, params):
    html = _page(admin_client, **params)
    assert 'id="filter-errors"' in html
    assert "is-invalid" in html


def test_bad_page_number_falls_back_to_the_first_page(admin_client, users):
    _event(marker="evt-only")
    db.session.commit()
    assert "evt-only" in _page(admin_client, page="abc")
    assert "evt-only" in _page(admin_client, page="-3")


def test_fifty_events_per_page_newest_first_and_links_keep_filters(admin_client, users):
    for n in range(120):
        _event(actions.USER_UPDATED, at=BASE + timedelta(minutes=n), marker=f"evt-{n:03d}")
    db.session.commit()
    first = _page(admin_client, action=actions.USER_UPDATED)
    assert first.count("marker:</span> evt-") == 50
    assert first.index("evt-119") < first.index("evt-118")
    assert "evt-070" in first and "evt-069" not in first
    assert "action=user.updated" in first and "page=2" in first
    third = _page(admin_client, action=actions.USER_UPDATED, page=3)
    assert third.count("marker:</span> evt-") == 20
    assert "evt-000" in third


def test_details_are_escaped(admin_client, users):
    _event(marker="<script>alert(1)</script>", **{"<b>key</b>": "x"})
    db.session.commit()
    html = _page(admin_client)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>key</b>" not in html


def test_event_detail_page(admin_client, users):
    event = _event(actions.LOGIN_FAILED, ip="198.51.100.4", staff_no="nobody", reason="bad_credentials")
    db.session.commit()
    response = admin_client.get(f"/audit/{event.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "198.51.100.4" in html and "bad_credentials" in html and actions.LOGIN_FAILED in html
    assert admin_client.get("/audit/999999").status_code == 404


def test_event_detail_is_admin_only(client, users, login):
    event = _event()
    db.session.commit()
    login(users[Role.HR])
    assert client.get(f"/audit/{event.id}").status_code == 403


def test_page_lists_every_event_kind_in_the_action_filter(admin_client, users):
    html = _page(admin_client)
    for code in actions.LABELS:
        assert f'value="{code}"' in html
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) >= 1
