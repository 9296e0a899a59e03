"""A migration script as a module, so a test can run its data step on a database it built (the schema is
already at head: the step is what an older database goes through on `flask db upgrade`)."""

import importlib.util
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def migration(revision: str):
    spec = importlib.util.spec_from_file_location(f"migration_{revision}", VERSIONS / f"{revision}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
