"""Every test function checks an outcome. A test that only runs code passes whatever the
code does (unless it raises), so it proves less than its name says. A test counts as
checking when its body (or a helper it calls, found by name among the suite's functions)
has an ``assert``, uses ``pytest.raises`` / ``pytest.warns`` / ``pytest.fail``, or calls
an ``assert…`` method or fixture (``assertContains``, ``django_assert_num_queries``)."""

import ast
from pathlib import Path

from django.conf import settings

ROOTS = ("skypark", "loyalty", "events", "bookings", "bench")
OUTCOME_CALLS = {"raises", "warns", "fail", "deprecated_call"}


def _files():
    base = Path(settings.BASE_DIR)
    for root in ROOTS:
        for path in sorted((base / root).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _called_names(node):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name):
                yield func.id
            elif isinstance(func, ast.Attribute):
                yield func.attr


def _checks_directly(node) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Assert):
            return True
    return any(name in OUTCOME_CALLS or "assert" in name.lower() for name in _called_names(node))


def _functions():
    found = {}
    for path in _files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.setdefault(node.name, []).append((path, node))
    return found


def unchecked_tests() -> list[str]:
    functions = _functions()
    checking = {name for name, defs in functions.items() if any(_checks_directly(node) for _p, node in defs)}
    # Helpers that call checking helpers check too (to a fixed point).
    changed = True
    while changed:
        changed = False
        for name, defs in functions.items():
            if name not in checking and any(set(_called_names(node)) & checking for _p, node in defs):
                checking.add(name)
                changed = True
    base = Path(settings.BASE_DIR)
    missing = []
    for name, defs in functions.items():
        if not name.startswith("test_"):
            continue
        for path, node in defs:
            if not path.name.startswith("test_"):
                continue
            called = set(_called_names(node))
            # Fixtures used as arguments may check (e.g. a fixture asserting on teardown).
            arguments = {arg.arg for arg in node.args.args}
            if _checks_directly(node) or called & checking or arguments & checking:
                continue
            missing.append(f"{path.relative_to(base)}:{node.lineno} {name}")
    return sorted(missing)


def test_every_test_function_checks_an_outcome():
    assert unchecked_tests() == []


def test_the_check_finds_a_test_without_an_outcome(tmp_path):
    tree = ast.parse("def test_runs_only():\n    total = 1 + 1\n\ndef test_checks():\n    assert 1 + 1 == 2\n")
    runs_only, checks = tree.body
    assert not _checks_directly(runs_only)
    assert _checks_directly(checks)
