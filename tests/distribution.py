"""How the whole suite is spread over pytest-xdist workers: which tests run together, and in what order.

A worker takes a file at a time (module fixtures are built once, and tests meant to run as a pair in file
order stay together); the files that load the demo through `loaded_demo` go to one worker as one unit, so the
demo is loaded once per run rather than once per worker. The longest units are handed out first, so that the
run does not end with one worker busy on a long file while the other waits.
"""

import os

import pytest

# The files that ask for `loaded_demo`: one unit of work, so one worker loads the demo (once per set of settings).
DEMO_UNIT = "the demo"
DEMO_FILES = frozenset({
    "tests/banks/test_past_results.py",
    "tests/core/test_cli_demo.py",
    "tests/core/test_demo_banks.py",
    "tests/courses/test_demo_material.py",
    "tests/evaluation/test_demo_results.py",
    "tests/exams/test_demo_exams.py",
    "tests/training/test_demo_training.py",
})

# The longest units, longest first (from `--durations`); every other file keeps its place after them.
SLOWEST_FIRST = (
    "tests/exams/test_answers_never_lost.py",
    DEMO_UNIT,
    "tests/core/test_demo_upgrade.py",
    "tests/exams/test_past_results_unchanged.py",
    "tests/browser/test_evaluation_browser.py",
)


def unit_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return DEMO_UNIT if path in DEMO_FILES else path


def order(items: list) -> None:
    """Slowest units first; the rest, and the tests inside each file, in collection order."""
    rank = {unit: position for position, unit in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(unit_of(item.nodeid), len(rank)))


def choose_workers(config) -> None:
    """As many workers as cores (at most 4) for the whole suite, unless `-n`, `--pdb` or `--collect-only` was given.

    Named paths run in one process: a few files are over before workers would have started. Runs before
    xdist's own `pytest_cmdline_main`, which turns these options into workers.
    """
    whole_suite = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    cores = min(len(os.sched_getaffinity(0)), 4)
    if (config.option.numprocesses is None and whole_suite and cores > 1 and not config.option.usepdb
            and not config.option.collectonly):
        config.option.numprocesses = cores
    if config.option.numprocesses and config.option.dist == "no":
        config.option.dist = "loadfile"
        config.option.loadscopereorder = False  # keep the order of `order`, not the biggest file first
        config.pluginmanager.register(Scheduling(), "toll-scheduling")


class Scheduling:
    """The xdist plugin that hands out `unit_of` units in the order of `order`."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config, log):
        from xdist.scheduler import LoadScopeScheduling

        class ByUnit(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                return unit_of(nodeid)

        return ByUnit(config, log)
