"""Dash callbacks stay thin: at most 15 body lines (docstring excluded) each.

A callback reads its inputs, gets the principal and the session, calls one service, hands the
result to a presenter (or a bundle whose ``outputs()`` is the Output tuple) and returns. Every
function decorated with ``app.callback`` / ``callback`` in ``cockpit/dashboard`` is measured
from its first statement after the docstring to its last line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from cockpit.settings import PROJECT_ROOT

DASHBOARD = PROJECT_ROOT / "cockpit" / "dashboard"
MAX_BODY_LINES = 15
# Callbacks outside the Flächen refactoring that are still longer (module:function -> lines).
# Shrink this list when touching those pages; the goal is an empty list.
ALLOWED_LONGER: dict[str, int] = {}


def _is_callback(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr == "callback"
    return isinstance(target, ast.Name) and target.id == "callback"


def _body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = function.body
    first = body[0]
    is_docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    if is_docstring and isinstance(first.value.value, str):
        body = body[1:]
    if not body:
        return 0
    end = body[-1].end_lineno or body[-1].lineno
    return end - body[0].lineno + 1


def callbacks() -> Iterator[tuple[str, int]]:
    for path in sorted(DASHBOARD.rglob("*.py")):
        module = path.relative_to(PROJECT_ROOT).with_suffix("").as_posix().replace("/", ".")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                _is_callback(d) for d in node.decorator_list
            ):
                yield f"{module}:{node.name}", _body_lines(node)


def test_the_dashboard_has_callbacks_to_measure() -> None:
    names = dict(callbacks())
    assert "cockpit.dashboard.pages.flaechen.listing:update_list" in names
    assert len(names) >= 40


def test_every_callback_body_has_at_most_15_lines() -> None:
    too_long = {
        name: lines
        for name, lines in callbacks()
        if lines > MAX_BODY_LINES and name not in ALLOWED_LONGER
    }
    assert not too_long, f"callbacks longer than {MAX_BODY_LINES} body lines: {too_long}"


def test_allow_list_holds_only_callbacks_that_are_still_long() -> None:
    measured = dict(callbacks())
    stale = {
        name: measured.get(name)
        for name in ALLOWED_LONGER
        if measured.get(name, 0) <= MAX_BODY_LINES
    }
    assert not stale, f"remove these from ALLOWED_LONGER (gone or short enough now): {stale}"


def test_the_measure_counts_body_lines_without_the_docstring(tmp_path: Path) -> None:
    source = '''
def register(app):
    @app.callback()
    def short(x):
        """Docstring

        over lines."""
        a = 1
        return a
'''
    tree = ast.parse(source)
    function = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "short"
    )
    assert _is_callback(function.decorator_list[0])
    assert _body_lines(function) == 2
