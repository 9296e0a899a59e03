"""Fixtures of the training tests."""

from datetime import date

import pytest

from tests.training.test_checkin import local

DAY = date(2026, 3, 2)
# Modules whose pages read the clock for attendance: the attendance and batch pages, the home pages' lists.
CLOCKED = ("app.training.views.attendance", "app.training.views.batches", "app.main.landing")


@pytest.fixture
def clock(monkeypatch):
    """The training pages' clock, fixed at 09:00 on DAY (Asia/Shanghai) so tests pass at any hour;
    clock(moment) moves it."""
    def move(moment):
        for module in CLOCKED:
            monkeypatch.setattr(f"{module}.utcnow", lambda: moment)
    move(local(DAY, "09:00"))
    return move
