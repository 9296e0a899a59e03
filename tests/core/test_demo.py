"""app.demo: deterministic names and dates, and a step list later features can extend."""

from datetime import date

from app import demo


def test_collector_numbers_and_names_are_deterministic_and_distinct():
    numbers = [demo.collector_staff_no(i) for i in range(90)]
    assert numbers[0] == "c0001" and numbers[-1] == "c0090"
    names = [demo.collector_name(i) for i in range(90)]
    assert len(set(names)) == 90
    assert names == [demo.collector_name(i) for i in range(90)]
    assert all(2 <= len(name) <= 3 for name in names)


def test_hire_dates_are_plausible():
    dates = [demo.collector_hire_date(i) for i in range(90)]
    assert all(date(2008, 1, 1) <= d <= date(2024, 12, 31) for d in dates)
    assert len(set(dates)) > 60


def test_steps_are_a_list_of_functions_run_in_order(monkeypatch, app):
    calls = []
    monkeypatch.setattr(demo, "STEPS", [lambda run: calls.append(("a", run)), lambda run: calls.append(("b", run))])
    result = demo.run(now=None)
    assert [name for name, _ in calls] == ["a", "b"]
    assert all(run is result for _, run in calls)


def test_password_is_hashed_at_most_once(monkeypatch, app):
    hashes = []
    monkeypatch.setattr(demo, "hash_password", lambda password: hashes.append(password) or "hash")
    run = demo.DemoRun(now=None)
    assert run.password_hash == run.password_hash == "hash"
    assert hashes == [demo.DEMO_PASSWORD]
