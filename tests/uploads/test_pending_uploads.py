"""Files kept in the database between an import's preview and its confirmation."""

from datetime import UTC, datetime, timedelta

import pytest

from app.core.errors import NotFound
from app.core.roles import Role
from app.extensions import db
from app.uploads.models import PendingUpload
from app.uploads.services import UploadExpired, consume_upload, find_upload, keep_upload, sweep_uploads

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def owner(users):
    return users[Role.HR]


def _keep(owner, data=b"a,b\n", now=NOW):
    return keep_upload(data, kind="roster", filename="花名册.csv", options={"create_missing": True},
                       owner=owner, now=now)


def test_a_kept_upload_comes_back_for_its_owner(owner):
    token = _keep(owner)
    db.session.commit()
    upload = find_upload(token, kind="roster", owner=owner, now=NOW + timedelta(minutes=59))
    assert (upload.data, upload.filename, upload.options) == (b"a,b\n", "花名册.csv", {"create_missing": True})


def test_only_the_hash_of_the_token_is_stored(owner):
    token = _keep(owner)
    stored = db.session.scalars(db.select(PendingUpload)).one()
    assert token not in stored.token_hash


def test_another_users_token_is_refused(owner, users):
    token = _keep(owner)
    with pytest.raises(NotFound):
        find_upload(token, kind="roster", owner=users[Role.ADMIN], now=NOW)


def test_a_token_of_another_kind_of_import_is_refused(owner):
    token = _keep(owner)
    with pytest.raises(NotFound):
        find_upload(token, kind="bank", owner=owner, now=NOW)


@pytest.mark.parametrize("token", ["", "x", "../../secret_key", "a" * 43, "a" * 44 + "'; --"])
def test_malformed_or_unknown_tokens_are_refused(owner, token):
    _keep(owner)
    with pytest.raises(NotFound):
        find_upload(token, kind="roster", owner=owner, now=NOW)


def test_an_expired_upload_is_refused(owner):
    token = _keep(owner)
    with pytest.raises(UploadExpired):
        find_upload(token, kind="roster", owner=owner, now=NOW + timedelta(hours=1, seconds=1))


def test_an_upload_can_be_used_up_only_once(owner):
    token = _keep(owner)
    upload = find_upload(token, kind="roster", owner=owner, now=NOW)
    consume_upload(upload)
    with pytest.raises(NotFound):
        consume_upload(upload)
    with pytest.raises(NotFound):
        find_upload(token, kind="roster", owner=owner, now=NOW)


def test_keeping_an_upload_sweeps_away_expired_ones(owner):
    _keep(owner, b"old", now=NOW)
    _keep(owner, b"new", now=NOW + timedelta(hours=2))
    assert [u.data for u in db.session.scalars(db.select(PendingUpload))] == [b"new"]
    assert sweep_uploads(NOW + timedelta(hours=4)) == 1
