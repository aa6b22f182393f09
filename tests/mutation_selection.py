"""`make mutation`: run a mutant only against the tests that execute the line it changed.

mutmut 3 runs a mutant against every test that calls its *function* (its statistics run). A
mutant that survives then runs all of them: for a function that many use cases call, such as
the journal's or the permission checks, that is hundreds of tests, and the survivors were most
of a run's time. A test that never executes the changed line cannot see the change: up to that
line the mutant runs exactly the original code, so the test goes the same way. Hence:

- during the coverage run (``mutate_only_covered_lines``, made on the original sources; see
  ``tests/mutation_coverage.py``), each test is measured in its own coverage context, and the
  lines of every mutated file are saved with the tests that executed them
  (``tools.mutation_files.record_tests_by_line``);
- in a mutant's run, the changed lines are found by comparing the mutant's function with the
  original one that mutmut keeps beside it, and only the tests that executed one of those lines,
  or the start of the statement holding it, are kept (`tests_for_mutant`).

It only ever narrows mutmut's own selection, and falls back to it whenever it cannot tell (no
record, a line no test executed, a mutant it cannot read). mutmut has no such option and no
maintained tool offers it for mutmut's mutant files, hence these few functions.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from collections.abc import Callable
from pathlib import Path

from tools.mutation_files import (
    _MUTANT,
    KILLERS,
    RECORD,
    function_texts,
)

_record: dict[str, dict[str, object]] | None = None


def load_record() -> None:
    """Read the record once, in mutmut's fork server, so that each mutant's child inherits it."""
    global _record
    try:
        _record = json.loads(RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        _record = None


def _module_file(module: str, record: dict[str, dict[str, object]]) -> str | None:
    stem = module.replace(".", "/")
    for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
        if candidate in record:
            return candidate
    return None


def changed_lines(original: str, mutant: str) -> list[int]:
    """The 0-based lines of the original function's text that the mutant changed."""
    matcher = difflib.SequenceMatcher(
        a=original.splitlines(), b=mutant.splitlines(), autojunk=False
    )
    lines: list[int] = []
    for tag, first, last, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        # A pure insertion changes the code between two original lines: keep both neighbours.
        lines.extend(range(first, last) if last > first else (max(first - 1, 0), first))
    return lines


def tests_for_mutant(mutant_name: str) -> set[str] | None:
    """The tests that executed a line the mutant changes, or None when that cannot be told."""
    record = _record
    if record is None:
        return None
    match = _MUTANT.match(mutant_name)
    if match is None:
        return None
    name = _module_file(match["module"], record)
    if name is None:
        return None
    entry = record[name]
    function = match["function"]
    lines_of_function = entry["def"].get(function)  # type: ignore[attr-defined]
    if lines_of_function is None:
        return None
    def_line, body_line, _ = lines_of_function
    texts = function_texts(Path(name), function, match["number"])
    if texts is None:
        return None
    changed = changed_lines(*texts)
    # A change in the signature (a default value) acts at every call, and the ``def`` line ran
    # when the module was imported, not in the tests that call it: keep mutmut's selection.
    if not changed or any(def_line + offset < body_line for offset in changed):
        return None
    tests_by_line: dict[str, list[str]] = entry["tests"]  # type: ignore[assignment]
    statement: dict[str, int] = entry["statement"]  # type: ignore[assignment]
    tests: set[str] = set()
    for offset in changed:
        line = def_line + offset
        for probe in {line, statement.get(str(line), line)}:
            tests.update(tests_by_line.get(str(probe), ()))
    return tests or None


def tests_to_run(mutant_name: str, named: list[str]) -> list[str]:
    """Of the tests mutmut named for a mutant, those that execute a line it changes.

    mutmut's own list when that cannot be told, or with ``MUTATION_BY_FUNCTION=1`` (to check
    a survivor against mutmut's own selection)."""
    if os.environ.get("MUTATION_BY_FUNCTION"):
        return named
    wanted = tests_for_mutant(mutant_name)
    if wanted is None:
        return named
    return [test for test in named if test in wanted] or named


def _function_of(mutant_name: str) -> str | None:
    match = _MUTANT.match(mutant_name)
    return None if match is None else f"{match['module']}.{match['function']}"


def record_killer(mutant_name: str, nodeid: str, folder: Path = KILLERS) -> None:
    """Note that ``nodeid`` killed ``mutant_name``, for the next mutants of its function."""
    function = _function_of(mutant_name)
    if function is None:
        return
    folder.mkdir(exist_ok=True)
    # One short write in append mode: two workers' lines never interleave.
    with (folder / function).open("a", encoding="utf-8") as killers:
        killers.write(f"{nodeid}\n")


def kills_by_test(mutant_name: str, folder: Path = KILLERS) -> dict[str, int]:
    """How many mutants of ``mutant_name``'s function each test killed so far in this run."""
    function = _function_of(mutant_name)
    if function is None:
        return {}
    try:
        lines = (folder / function).read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    kills: dict[str, int] = {}
    for nodeid in lines:
        kills[nodeid] = kills.get(nodeid, 0) + 1
    return kills


#: A test's cost beyond its call (its fixtures, pytest's own work), in seconds.
_SETUP = 0.02


def running_order_key(durations: dict[str, float], kills: dict[str, int]) -> Callable[[str], float]:
    """The order in which to run a mutant's tests so that, if it dies, it dies soonest.

    Each mutant runs with ``-x``, so the first failing test ends it. With a chance ``p`` of
    failing and a cost ``d`` for each test, running them by rising ``d / p`` gives the least
    expected time to the first failure (Smith's rule). The chance is estimated from the
    mutants of the same function killed so far in the run: a test that killed ``k`` of them is
    taken as ``10 k + 1`` times likelier to fail than one that killed none. So a test that
    caught a mutant of the function runs before the quicker ones that never did, unless it is
    more than ten times slower; a test unknown to the statistics runs last."""

    def key(nodeid: str) -> float:
        duration = durations.get(nodeid)
        if duration is None:
            return float("inf")
        return (duration + _SETUP) / (kills.get(nodeid, 0) + 0.1)

    return key


def cpu_seconds_allowed(duration: float, constant: float, multiplier: float) -> int:
    """mutmut's CPU-time limit (its formula) for one test of the mutant's run.

    mutmut applies it to the sum of every test of the mutant's function, for the whole run:
    a mutant caught in an endless loop in its first test ran for minutes before it was
    stopped, though that test alone takes a fraction of a second."""
    return math.ceil((duration + _SETUP + constant) * multiplier * 2)
