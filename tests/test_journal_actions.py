"""Every journal line is written through a typed function of its domain's journal module.

A free string passed to ``record`` escapes the enums (a typo makes a new action nobody reads);
this scan of the source tree finds one wherever it comes back.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "mediation", "pass_numerique", "lieux", "fragilite", "ui")
TOP_LEVEL = ("main.py", "selftest.py", "domaines.py")


def _sources() -> list[Path]:
    files = [ROOT / name for name in TOP_LEVEL if (ROOT / name).exists()]
    for package in PACKAGES:
        files.extend(sorted((ROOT / package).rglob("*.py")))
    return files


def _is_record(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr == "record" and isinstance(func.value, ast.Name)
    return isinstance(func, ast.Name) and func.id == "record"


def _action(call: ast.Call) -> ast.expr | None:
    if len(call.args) >= 3:
        return call.args[2]
    return next((k.value for k in call.keywords if k.arg == "action"), None)


def literal_actions(source: str) -> list[int]:
    """Lines where ``record``/``x.record`` gets a string literal (or f-string) as its action."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _is_record(node):
            action = _action(node)
            literal = isinstance(action, ast.Constant) and isinstance(action.value, str)
            if literal or isinstance(action, ast.JoinedStr):
                found.append(node.lineno)
    return found


def test_no_journal_line_is_written_with_a_free_string_action() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources()
        for line in literal_actions(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_scan_recognises_a_free_string_action_in_every_spelling() -> None:
    source = (
        'journal.record(session, actor, "pass.chequier.emis", "pass_chequier", 1)\n'
        'record(session, None, "autotest")\n'
        'journal.record(session, actor, action=f"lieux.{verbe}")\n'
        "journal.record(session, actor, ActionPass.CHEQUIER_EMIS, 'pass_chequier', 1)\n"
    )
    assert literal_actions(source) == [1, 2, 3]
