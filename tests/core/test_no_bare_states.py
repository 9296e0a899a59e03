"""No code or template compares a state column with a bare string: it names the StrEnum member (app/core/states.py).

The rule is derived, not listed, so every domain's enums are checked as soon as they exist: every StrEnum defined
in an `app.*` module (except `Role` and `QuestionType`, which are not states) is tied to the columns whose CHECK
constraint admits exactly its values (`one_of`). A comparison (`==`, `!=`, `in`, `not in`, SQLAlchemy's `.in_()`)
of such a column's name — an attribute or a variable `status`, `release_score`, … or one of the parameter names
in ALIASES — with a string constant that is one of those enums' values is a bare state. Other words that happen
to share a value (a roll-call `phase == "closed"`, a row's `state == "in_progress"`) are not columns, so they
pass.
"""

import ast
import importlib
import re
from collections import defaultdict
from enum import StrEnum
from pathlib import Path

import jinja2
from jinja2 import nodes

APP = Path(__file__).resolve().parents[2] / "app"
NOT_STATES = {"Role", "QuestionType"}
# Parameter names that carry a state column's value under another name.
ALIASES = {"how": "submitted_how", "when": "release_score"}
IN_VALUES = re.compile(r"(\w+) IN \(([^()]*)\)")
QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def state_enums() -> list[type[StrEnum]]:
    importlib.import_module("app.models")
    return [enum for enum in _subclasses(StrEnum)
            if enum.__module__.startswith("app.") and enum.__name__ not in NOT_STATES]


def watched_columns(enums) -> dict[str, set[str]]:
    """{column or alias name: the values of the enums whose CHECK constraint it carries}."""
    from app.extensions import db

    by_values = {frozenset(member.value for member in enum): enum for enum in enums}
    watched: dict[str, set[str]] = defaultdict(set)
    for table in db.metadata.tables.values():
        for constraint in table.constraints:
            sqltext = getattr(constraint, "sqltext", None)
            if sqltext is None:
                continue
            for column, values in IN_VALUES.findall(str(sqltext)):
                allowed = frozenset(value.replace("''", "'") for value in QUOTED.findall(values))
                if allowed in by_values:
                    watched[column] |= allowed
    for alias, column in ALIASES.items():
        if column in watched:
            watched[alias] |= watched[column]
    return dict(watched)


def _name(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _strings(node) -> list[str]:
    """The string constants of `node`: itself, or the items of a literal tuple, list or set."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [item.value for item in node.elts if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return []


def bare_in_python(source: str, filename: str, watched: dict[str, set[str]]) -> list[str]:
    """`file:line: code` for each comparison of a watched name with one of its enums' values."""
    found = []

    def flag(node, name, values):
        bare = [value for value in values if value in watched.get(name or "", ())]
        if bare:
            found.append((node.lineno, f"{filename}:{node.lineno}: {ast.get_source_segment(source, node) or ''}".rstrip()))

    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
                if isinstance(op, ast.In | ast.NotIn):
                    flag(node, _name(left), _strings(right))
                else:
                    flag(node, _name(left), _strings(right) if isinstance(right, ast.Constant) else [])
                    flag(node, _name(right), _strings(left) if isinstance(left, ast.Constant) else [])
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("in_", "not_in") and node.args):
            flag(node, _name(node.func.value), _strings(node.args[0]))
    return [text for _line, text in sorted(found)]


def _template_name(node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return node.attr
    return None


def _template_strings(node) -> list[str]:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, nodes.Tuple | nodes.List):
        return [item.value for item in node.items if isinstance(item, nodes.Const) and isinstance(item.value, str)]
    return []


def bare_in_template(source: str, filename: str, watched: dict[str, set[str]]) -> list[str]:
    """The same rule for a Jinja template: `exam.status == "draft"` or `exam.status in ("a", "b")`."""
    found = []
    for compare in jinja2.Environment(autoescape=True).parse(source).find_all(nodes.Compare):
        left = compare.expr
        for operand in compare.ops:
            right = operand.expr
            pairs = [(left, right)] if operand.op in ("in", "notin") else [(left, right), (right, left)]
            for named, constant in pairs:
                if operand.op not in ("in", "notin") and not isinstance(constant, nodes.Const):
                    continue
                name = _template_name(named)
                if any(value in watched.get(name or "", ()) for value in _template_strings(constant)):
                    found.append(f"{filename}:{compare.lineno}: {name} {operand.op} {_template_strings(constant)}")
            left = right
    return found


def _defining_files(enums) -> set[Path]:
    return {Path(importlib.import_module(enum.__module__).__file__).resolve() for enum in enums}


def test_state_enums_are_found_and_tied_to_their_columns():
    enums = state_enums()
    names = {enum.__name__ for enum in enums}
    assert {"ExamState", "AttemptState", "Release", "SubmittedHow", "RegradeAction"} <= names
    watched = watched_columns(enums)
    assert {"draft", "published", "in_progress", "submitted"} <= watched["status"]
    assert watched["submitted_how"] == watched["how"] == {"candidate", "deadline", "sweep", "closed"}
    assert watched["release_review"] == {"at_submit", "after_close", "never"}
    assert watched["action"] >= {"rekey", "void"}


def test_no_python_file_compares_a_state_with_a_bare_string():
    enums = state_enums()
    watched, skipped = watched_columns(enums), _defining_files(enums)
    found = []
    for path in sorted(APP.rglob("*.py")):
        if path.resolve() in skipped:
            continue
        found += bare_in_python(path.read_text(encoding="utf-8"), str(path.relative_to(APP.parent)), watched)
    assert not found, "Name the enum member instead of the string:\n" + "\n".join(found)


def test_no_template_compares_a_state_with_a_bare_string():
    watched = watched_columns(state_enums())
    found = []
    for path in sorted(APP.rglob("*.html")):
        found += bare_in_template(path.read_text(encoding="utf-8"), str(path.relative_to(APP.parent)), watched)
    assert not found, "Name the enum member instead of the string:\n" + "\n".join(found)


WATCHED = {"status": {"draft", "published", "in_progress"}, "submitted_how": {"candidate"}, "how": {"candidate"}}


def test_the_checker_catches_a_planted_bare_state_in_python():
    source = "\n".join([
        "from app.exams.states import ExamState",
        "if exam.status == ExamState.DRAFT: pass",  # the member: fine
        "if phase == 'closed' or row.state == 'in_progress': pass",  # not state columns: fine
        "if exam.status != 'draft': pass",  # line 4
        "if 'published' == exam.status: pass",  # line 5
        "if status in ('draft', 'archived'): pass",  # line 6
        "query = select(Exam).where(Exam.status.in_(['published']))",  # line 7
        "if how == 'candidate': pass",  # line 8
    ])
    found = bare_in_python(source, "planted.py", WATCHED)
    assert [line.split(":")[1] for line in found] == ["4", "5", "6", "7", "8"]
    assert found[0] == "planted.py:4: exam.status != 'draft'"


def test_the_checker_catches_a_planted_bare_state_in_a_template():
    source = "\n".join([
        '{% if exam.status == ExamState.DRAFT %}fine{% endif %}',
        '{% if row.state == "in_progress" or kind == "short_answer" %}fine{% endif %}',
        '{% if exam.status == "draft" %}bad{% endif %}',  # line 3
        '{% if exam.status in ("published", "closed") %}bad{% endif %}',  # line 4
        '{{ "x" if attempt.submitted_how != "candidate" }}',  # line 5
    ])
    found = bare_in_template(source, "planted.html", WATCHED)
    assert [line.split(":")[1] for line in found] == ["3", "4", "5"]
