"""Which package may import which: the order of docs/design.md ("Dependencies between packages"), checked.

Every module under app/ is parsed with `ast`, and every import counts, those inside functions too: a lazy import
is still a dependency, it only hides a cycle from Python. A package may import from the levels below its own; of
two packages on one level, one may use the other but not both ways; the top-level modules (create_app, models,
cli, the demo modules) may import any package but must not import each other in a circle. A failure names the
importing file and line, so the fix starts where the arrow does.
"""

import ast
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

APP = Path(__file__).resolve().parents[2] / "app"

# Bottom up; one tuple per level.
LEVELS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("audit", "uploads"),
    ("accounts",),
    ("org",),
    ("courses",),
    ("banks",),
    ("exams", "training"),
    ("evaluation", "reports"),
    ("api", "main"),
)
LEVEL_OF = {domain: index for index, level in enumerate(LEVELS) for domain in level}
TOP = "top"
# Top-level modules that are infrastructure every package needs: they count as core.
CORE_MODULES = {"config", "extensions"}


class Import(NamedTuple):
    """One imported module, and where the import statement is."""

    source: str  # dotted module name, "app.exams.audience"
    where: str  # "app/exams/audience.py:12"
    target: str  # dotted module name imported, "app.training.attendance"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> list[Import]:
    """Every `app.…` module the file imports, wherever in the file the import sits."""
    source = module_name(path, root)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from app import demo` imports the module app.demo; `from app.x import name` imports app.x.
            targets = [f"{base}.{alias.name}" if (root.parent / base.replace(".", "/") / alias.name).exists()
                       or (root.parent / base.replace(".", "/") / f"{alias.name}.py").exists() else base
                       for alias in node.names]
        where = f"{path.relative_to(root.parent).as_posix()}:{getattr(node, 'lineno', 0)}"
        found += [Import(source, where, target) for target in targets
                  if target == root.name or target.startswith(f"{root.name}.")]
    return list(dict.fromkeys(found))


def domain_of(module: str) -> str:
    """`app.<package>` for a package's modules; TOP for app/__init__.py, models, cli and the demo modules."""
    parts = module.split(".")
    if len(parts) < 2:
        return TOP
    if parts[1] in CORE_MODULES:
        return "core"
    return parts[1] if parts[1] in LEVEL_OF else TOP


def violations(root: Path = APP) -> list[str]:
    """Every import against the order, as readable lines; empty when the code follows it."""
    problems = []
    between: dict[tuple[str, str], list[Import]] = defaultdict(list)  # same-level domain pairs, top modules
    for path in sorted(root.rglob("*.py")):
        for imp in imports_of(path, root):
            source, target = domain_of(imp.source), domain_of(imp.target)
            if source == TOP:
                if target == TOP and imp.source != imp.target:
                    between[(imp.source, imp.target)].append(imp)
                continue
            if target == TOP:
                problems.append(f"{imp.where}: {source} imports the top-level module {imp.target}")
            elif LEVEL_OF[target] > LEVEL_OF[source]:
                problems.append(f"{imp.where}: {source} imports {target}, which is above it ({imp.target})")
            elif source != target and LEVEL_OF[target] == LEVEL_OF[source]:
                between[(source, target)].append(imp)
    return problems + [_describe(cycle, between) for cycle in _cycles(between)]


def _cycles(edges: dict[tuple[str, str], list[Import]]) -> list[list[str]]:
    """The groups of nodes that reach each other (strongly connected, more than one), each sorted."""
    after: dict[str, set[str]] = defaultdict(set)
    for one, other in edges:
        after[one].add(other)

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in after[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    reachable = {node: reach(node) for node in list(after)}
    groups = {tuple(sorted(n for n in reachable if n in reachable[node] and node in reachable[n]))
              for node in reachable}
    return sorted(list(group) for group in groups if len(group) > 1)


def _describe(cycle: list[str], edges: dict[tuple[str, str], list[Import]]) -> str:
    inside = [imps[0] for (one, other), imps in sorted(edges.items()) if one in cycle and other in cycle]
    return f"cycle {' ⇄ '.join(cycle)}: " + ", ".join(f"{imp.where} imports {imp.target}" for imp in inside)


def test_app_follows_the_dependency_order():
    assert violations() == []


def _plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"__init__.py": "", **files}.items():
        path = root / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "app"


def test_checker_catches_an_upward_import_even_inside_a_function(tmp_path):
    app = _plant(tmp_path, {
        "core/__init__.py": "",
        "core/roles.py": "def f():\n    from app.accounts.models import User\n",
        "accounts/__init__.py": "",
        "accounts/models.py": "from app.core import roles\n",
    })
    assert violations(app) == ["app/core/roles.py:2: core imports accounts, which is above it (app.accounts.models)"]


def test_checker_catches_a_cycle_on_one_level_and_allows_one_direction(tmp_path):
    app = _plant(tmp_path, {
        "exams/__init__.py": "",
        "exams/audience.py": "import app.training.attendance\n",
        "training/__init__.py": "",
        "training/attendance.py": "",
    })
    assert violations(app) == []
    (app / "training" / "eligibility.py").write_text("from app.exams import audience\n", encoding="utf-8")
    assert violations(app) == ["cycle exams ⇄ training: app/exams/audience.py:1 imports app.training.attendance, "
                               "app/training/eligibility.py:1 imports app.exams.audience"]


def test_checker_catches_a_cycle_between_top_level_modules_and_a_package_importing_one(tmp_path):
    app = _plant(tmp_path, {
        "demo.py": "from app import demo_results\n",
        "demo_results.py": "def f():\n    from app.demo import STEPS\n",
        "org/__init__.py": "from app.models import x\n",
    })
    assert violations(app) == [
        "app/org/__init__.py:1: org imports the top-level module app.models",
        "cycle app.demo ⇄ app.demo_results: app/demo.py:1 imports app.demo_results, "
        "app/demo_results.py:2 imports app.demo",
    ]


def test_checker_catches_a_longer_cycle_between_top_level_modules(tmp_path):
    app = _plant(tmp_path, {
        "cli.py": "from app import demo\n",
        "demo.py": "import app.demo_results\n",
        "demo_results.py": "from app.cli import register\n",
        "models.py": "from app import demo\n",
    })
    assert violations(app) == [
        "cycle app.cli ⇄ app.demo ⇄ app.demo_results: app/cli.py:1 imports app.demo, "
        "app/demo.py:1 imports app.demo_results, app/demo_results.py:1 imports app.cli",
    ]
