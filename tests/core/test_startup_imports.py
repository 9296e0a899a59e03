"""What starting the app loads: not the allocation solver, and none of the `[production]` extra's packages.

OR-Tools is a large native library only HR's "Propose allocation" needs, so app/training/allocation_solver.py imports it
inside the functions that solve. psycopg, redis and gunicorn are installed only by `pip install -e '.[production]'`
(README, Production deployment): the embedded SQLite set-up must start without them. Each check runs in a fresh
interpreter, because this test process has long since imported everything.
"""

import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

START_APP = textwrap.dedent(
    """
    import json, sys
    from app import create_app
    app = create_app(json.loads(sys.argv[1]))
    app.test_client().get("/login")
    print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
    """
)


def _modules_after_start(tmp_path) -> set[str]:
    config = {"TESTING": True, "SECRET_KEY": "test-secret-key-not-for-production",
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'startup.db'}", "RATELIMIT_STORAGE_URI": "memory://"}
    result = subprocess.run([sys.executable, "-c", START_APP, json.dumps(config)], capture_output=True, text=True,
                            check=True, timeout=120)
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_starting_the_app_does_not_import_ortools_or_the_production_extra(tmp_path):
    loaded = _modules_after_start(tmp_path)
    assert "app" in loaded and "flask" in loaded  # the probe sees what the app imported
    assert not loaded & {"ortools", "psycopg", "redis", "gunicorn"}


def test_solving_an_allocation_imports_ortools_then():
    probe = textwrap.dedent(
        """
        import sys
        from fractions import Fraction
        from app.training.allocation import BatchSpec, Person, Problem
        from app.training.allocation_solver import solve
        assert "ortools" not in sys.modules
        people = tuple(Person(id=i, station=1, team=None) for i in range(4))
        result = solve(Problem(people, (BatchSpec(1, None), BatchSpec(2, None)), Fraction(1, 2)))
        assert sorted(result.assignment.values()) == [1, 1, 2, 2], result
        assert "ortools" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=120)


def test_the_production_packages_are_an_extra_the_readme_installs():
    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements):
        return {re.split(r"[\[<>=~! ]", requirement, maxsplit=1)[0].lower() for requirement in requirements}

    production = {"psycopg", "redis", "gunicorn"}
    assert names(project["optional-dependencies"]["production"]) == production
    assert not names(project["dependencies"]) & (production | {"charset-normalizer"})
    assert production <= names(project["optional-dependencies"]["test"])  # the tests use all three
    assert "pip install -e '.[production]'" in (root / "README.md").read_text(encoding="utf-8")
