"""The server-side store that keeps a roster file between preview and confirmation."""

import os
import stat
from datetime import UTC, datetime, timedelta

import pytest

from app.core.errors import NotFound
from app.org.roster.uploads import PendingUploads, UploadExpired

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    return PendingUploads(tmp_path / "uploads", "secret-key", kind="roster")


def test_saved_upload_comes_back_for_its_owner(store):
    token = store.save(b"a,b\n", filename="花名册.csv", options={"create_missing": True}, user_id=7, now=NOW)
    upload = store.load(token, user_id=7, now=NOW + timedelta(minutes=59))
    assert (upload.data, upload.filename, upload.options) == (b"a,b\n", "花名册.csv", {"create_missing": True})


def test_another_users_token_is_refused(store):
    token = store.save(b"x", filename="r.csv", options={}, user_id=7, now=NOW)
    with pytest.raises(NotFound):
        store.load(token, user_id=8, now=NOW)


def test_a_different_secret_key_does_not_accept_the_token(store, tmp_path):
    token = store.save(b"x", filename="r.csv", options={}, user_id=7, now=NOW)
    other = PendingUploads(tmp_path / "uploads", "another-key", kind="roster")
    with pytest.raises(NotFound):
        other.load(token, user_id=7, now=NOW)


@pytest.mark.parametrize("token", ["", "x", "../../secret_key", "a" * 32 + ".1.", "a" * 32 + ".1." + "0" * 32])
def test_malformed_or_forged_tokens_are_refused(store, token):
    with pytest.raises(NotFound):
        store.load(token, user_id=7, now=NOW)


def test_expired_upload_is_refused_and_its_files_deleted(store):
    token = store.save(b"x", filename="r.csv", options={}, user_id=7, now=NOW)
    with pytest.raises(UploadExpired):
        store.load(token, user_id=7, now=NOW + timedelta(hours=1, seconds=1))
    assert list(store.directory.iterdir()) == []


def test_a_replaced_file_is_refused(store):
    token = store.save(b"original", filename="r.csv", options={}, user_id=7, now=NOW)
    data_file = next(store.directory.glob("*.bin"))
    data_file.write_bytes(b"swapped")
    with pytest.raises(NotFound):
        store.load(token, user_id=7, now=NOW)


def test_files_are_private_to_the_server_user(store):
    store.save(b"x", filename="r.csv", options={}, user_id=7, now=NOW)
    for path in store.directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_saving_sweeps_away_old_uploads(store):
    store.save(b"old", filename="r.csv", options={}, user_id=7, now=NOW)
    old = datetime.now(UTC) - timedelta(hours=2)
    for path in store.directory.iterdir():
        os.utime(path, (old.timestamp(), old.timestamp()))
    store.save(b"new", filename="r.csv", options={}, user_id=7, now=datetime.now(UTC))
    assert len(list(store.directory.iterdir())) == 2


def test_discard_deletes_both_files(store):
    token = store.save(b"x", filename="r.csv", options={}, user_id=7, now=NOW)
    store.discard(token)
    assert list(store.directory.iterdir()) == []
