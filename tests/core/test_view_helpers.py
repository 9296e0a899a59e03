"""The shared view helpers: one commit per unit of work, a refusal rolls back and is reported, 404 before 403."""

from enum import StrEnum

import pytest
from flask import get_flashed_messages
from werkzeug.exceptions import Forbidden, NotFound
from wtforms import Form, StringField

from app.core.errors import DomainError
from app.core.loading import load_or_404, require
from app.core.states import one_of
from app.core.writes import commit_or_report
from app.extensions import db
from app.org.models import Office, Station


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


def test_one_of_writes_the_same_check_for_an_enum_and_its_values():
    assert one_of("status", Colour) == "status IN ('red', 'blue')"
    assert one_of("status", ("red", "blue")) == one_of("status", Colour)


class NameForm(Form):
    name = StringField()


def _add_station(name):
    office = db.session.scalar(db.select(Office)) or Office(name="测试收费所")
    station = Station(office=office, name=name, kind="station")
    db.session.add(station)
    db.session.flush()
    return station


def _count(name):
    return db.session.scalar(db.select(db.func.count()).select_from(Station).where(Station.name == name))


def test_a_unit_that_returns_is_committed_and_its_value_returned(app):
    with app.test_request_context():
        outcome = commit_or_report(lambda: _add_station("Kept"))
        assert outcome and outcome.value.name == "Kept"
        db.session.rollback()  # nothing left to undo: the unit was committed
        assert _count("Kept") == 1


def test_a_refused_unit_is_rolled_back_and_its_message_lands_on_the_named_field(app):
    def refuse():
        _add_station("Dropped")
        raise DomainError("bad name", field="name")

    with app.test_request_context():
        form = NameForm()
        outcome = commit_or_report(refuse, form=form)
        assert not outcome and outcome.error.field == "name"
        assert form.name.errors == ["bad name"]
        assert _count("Dropped") == 0


def test_a_refused_unit_without_a_form_is_flashed_as_danger(app):
    def refuse():
        raise DomainError("not now")

    with app.test_request_context():
        assert not commit_or_report(refuse)
        assert get_flashed_messages(with_categories=True) == [("danger", "not now")]


def test_load_or_404_answers_404_for_a_missing_row_before_asking_permission(app):
    asked = []
    with app.test_request_context():
        with pytest.raises(NotFound):
            load_or_404(Station, 999_999, allowed=lambda user, obj: asked.append(obj) or True)
        assert asked == []


def test_load_or_404_answers_403_when_the_permission_refuses(app):
    with app.test_request_context():
        station = _add_station("Guarded")
        with pytest.raises(Forbidden):
            load_or_404(Station, station.id, allowed=lambda user, obj: False)
        assert load_or_404(Station, station.id, allowed=lambda user, obj: True) is station
        with pytest.raises(Forbidden):
            require(False)
        require(True)
