"""The lock file docs/deploy/constraints.txt pins every requirement of pyproject.toml at a version it allows, so
`pip install -c docs/deploy/constraints.txt -e '.[production]'` (README) cannot contradict pyproject. Offline half of
`.ci/lock --check`; the other half (pip resolves to exactly the pins) needs the package index and runs in .ci/run."""

import runpy
from pathlib import Path

from packaging.version import Version

LOCK = runpy.run_path(str(Path(__file__).resolve().parents[2] / ".ci" / "lock"))


def test_every_requirement_is_pinned_at_a_version_pyproject_allows():
    assert LOCK["pin_problems"](LOCK["read_pins"]()) == []


def test_a_missing_or_refused_pin_is_named():
    pins = LOCK["read_pins"]()
    pins["werkzeug"] = Version("3.0.0")
    del pins["python-dotenv"]
    problems = LOCK["pin_problems"](pins)
    assert "werkzeug==3.0.0 does not satisfy pyproject.toml's werkzeug>=3.1.5" in problems
    assert any(problem.startswith("python-dotenv>=") and "is not pinned" in problem for problem in problems)
