"""The menu shows what a person may open: flat for collectors, folded into groups for people
who would otherwise get a menu wider than the screen."""

import pytest
from flask_login import login_user

from app.core.navigation import FLAT_LIMIT, nav_items
from app.core.roles import Role
from tests.factories import make_user


def _menu(app, user):
    with app.test_request_context("/"):
        login_user(user)
        return nav_items()


def _endpoints(entries):
    return [child.endpoint for entry in entries for child in (entry.children or [entry])]


def test_a_collector_gets_a_flat_menu_of_their_own_pages(app, users):
    menu = _menu(app, users[Role.COLLECTOR])
    assert all(not entry.children for entry in menu)
    assert "training.my_training" in _endpoints(menu) and "exams.my_exams" in _endpoints(menu)
    assert "training.plans" not in _endpoints(menu) and "audit.events" not in _endpoints(menu)


@pytest.mark.parametrize("role", [Role.TRAINER, Role.HR, Role.ADMIN])
def test_a_long_menu_folds_into_groups_and_keeps_every_page(app, users, role):
    menu = _menu(app, users[role])
    assert len(menu) <= FLAT_LIMIT
    grouped = [entry for entry in menu if entry.children]
    assert grouped and all(len(entry.children) >= 2 and entry.endpoint is None for entry in grouped)
    assert menu[0].endpoint == "main.home"
    assert "training.batches" in _endpoints(menu) and "exams.my_exams" in _endpoints(menu)


def test_someone_with_every_role_still_gets_each_page_once(app, org):
    everyone = make_user(roles=list(Role))
    endpoints = _endpoints(_menu(app, everyone))
    assert len(endpoints) == len(set(endpoints))
    assert {"org.staff_list", "training.plans", "exams.mistakes", "audit.events"} <= set(endpoints)
