"""`make mutation` runs a mutant only against the tests that execute the line it changes.

Checked with a real coverage measurement and a mutant file laid out as mutmut 3.8 writes it
(the original function kept as ``x_f__mutmut_orig`` beside each mutant, and a ``.spans`` index
of their lines): a narrower selection must never leave out a test that runs the changed line.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import coverage
import pytest

from tests import mutation_selection
from tools import mutation_files

ORIGINAL = """\
def f(a, b):
    if a > 1:
        return b + 1
    return b - 1
"""

# What mutmut 3.8 makes of ORIGINAL, trimmed to three of its mutants (its trampoline header,
# which the selection does not read, left out).
MUTATED = """\
# trampoline header
#
#
#
#
#
#
#
#
def x_f__mutmut_orig(a, b):
    if a > 1:
        return b + 1
    return b - 1
def x_f__mutmut_1(a, b):
    if a >= 1:
        return b + 1
    return b - 1
def x_f__mutmut_3(a, b):
    if a > 1:
        return b - 1
    return b - 1
def x_f__mutmut_5(a, b):
    if a > 1:
        return b + 1
    return b + 1
def x_f__mutmut_7(a, b=2):
    if a > 1:
        return b + 1
    return b - 1
"""
SPANS = {
    "x_f__mutmut_orig": [10, 13],
    "x_f__mutmut_1": [14, 17],
    "x_f__mutmut_3": [18, 21],
    "x_f__mutmut_5": [22, 25],
    "x_f__mutmut_7": [26, 29],
}


@pytest.fixture
def measured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two tests measured as mutmut's coverage run does: one takes each branch of ``f``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(ORIGINAL, encoding="utf-8")
    cov = coverage.Coverage(data_file=None, source=[str(tmp_path)])
    cov.start()
    try:
        spec = importlib.util.spec_from_file_location("m", tmp_path / "m.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # First imported by a test (as a lazily imported module is): its def line runs there.
        cov.switch_context("tests/test_m.py::test_import")
        spec.loader.exec_module(module)
        cov.switch_context("tests/test_m.py::test_small")
        assert module.f(0, 5) == 4
        cov.switch_context("tests/test_m.py::test_big")
        assert module.f(2, 5) == 6
    finally:
        cov.stop()
    mutation_selection.record_tests_by_line(["m.py"], cov)
    # Then mutmut writes its mutants over the copy; the fork server reads the record.
    (tmp_path / "m.py").write_text(MUTATED, encoding="utf-8")
    (tmp_path / "m.py.spans").write_text(json.dumps({"version": 1, "spans": SPANS}))
    mutation_selection.load_record()
    yield
    mutation_selection._record = None


@pytest.mark.usefixtures("measured")
def test_a_mutant_runs_only_the_tests_that_execute_its_line() -> None:
    # `return b + 1` runs only for a > 1, `return b - 1` only otherwise.
    assert mutation_selection.tests_for_mutant("m.x_f__mutmut_3") == {"tests/test_m.py::test_big"}
    assert mutation_selection.tests_for_mutant("m.x_f__mutmut_5") == {"tests/test_m.py::test_small"}


@pytest.mark.usefixtures("measured")
def test_a_condition_both_tests_evaluate_keeps_both() -> None:
    assert mutation_selection.tests_for_mutant("m.x_f__mutmut_1") == {
        "tests/test_m.py::test_small",
        "tests/test_m.py::test_big",
    }


@pytest.mark.usefixtures("measured")
def test_what_cannot_be_told_falls_back_to_mutmuts_own_selection() -> None:
    # A default value acts at every call; the def line ran at import, in no test.
    assert mutation_selection.tests_for_mutant("m.x_f__mutmut_7") is None
    # A mutant the index does not know, a function the record does not know.
    assert mutation_selection.tests_for_mutant("m.x_f__mutmut_99") is None
    assert mutation_selection.tests_for_mutant("m.x_g__mutmut_1") is None
    assert mutation_selection.tests_for_mutant("other.x_f__mutmut_1") is None


def test_without_a_record_nothing_is_narrowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mutation_selection.load_record()
    assert mutation_selection.tests_for_mutant("m.x_f__mutmut_3") is None


def test_a_changed_line_inside_a_long_statement_also_takes_the_tests_of_its_start() -> None:
    source = "def g(x):\n    y = [\n        x,\n        x + 1,\n    ]\n    return y\n"
    starts = mutation_selection._innermost_statement_starts(source)
    assert starts[4] == 2 and starts[6] == 6 and starts[2] == 2
    assert mutation_selection.changed_lines("a\nb\nc", "a\nB\nc") == [1]


def test_mutmuts_statistics_come_from_the_tests_that_ran_the_functions_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(ORIGINAL, encoding="utf-8")
    cov = coverage.Coverage(data_file=None, source=[str(tmp_path)])
    cov.start()
    try:
        spec = importlib.util.spec_from_file_location("m", tmp_path / "m.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        cov.switch_context("tests/test_m.py::test_import")
        spec.loader.exec_module(module)
        cov.switch_context("tests/test_m.py::test_small")
        module.f(0, 5)
    finally:
        cov.stop()
    record = mutation_selection.record_tests_by_line(["m.py"], cov)
    durations = {"tests/test_m.py::test_import": 0.0, "tests/test_m.py::test_small": 0.1}
    statistics = mutation_files.mutmut_statistics(record, durations)
    # The test that only imported the module never called f: mutmut would not run it either.
    assert statistics["tests_by_mangled_function_name"] == {
        "m.x_f": ["tests/test_m.py::test_small"]
    }
    assert statistics["duration_by_test"] == durations


def test_an_equivalent_mutant_is_known_only_while_it_and_its_function_are_unchanged(
    tmp_path: Path,
) -> None:
    (tmp_path / "m.py").write_text(MUTATED, encoding="utf-8")
    (tmp_path / "m.py.spans").write_text(json.dumps({"version": 1, "spans": SPANS}))
    first = mutation_files.mutant_fingerprint("m.x_f__mutmut_3", tmp_path)
    assert first is not None
    assert mutation_files.mutant_fingerprint("m.x_f__mutmut_3", tmp_path) == first
    # Another mutation of the same function is another mutant.
    assert mutation_files.mutant_fingerprint("m.x_f__mutmut_5", tmp_path) not in (first, None)
    # The function changed (the mutant's own line did not): the judgement must be made again.
    (tmp_path / "m.py").write_text(MUTATED.replace("return b - 1", "return b - 2"))
    assert mutation_files.mutant_fingerprint("m.x_f__mutmut_3", tmp_path) != first
    # Gone, or not a mutant's name at all.
    assert mutation_files.mutant_fingerprint("m.x_f__mutmut_99", tmp_path) is None
    assert mutation_files.mutant_fingerprint("other.x_f__mutmut_3", tmp_path) is None
    assert mutation_files.mutant_fingerprint("m.f", tmp_path) is None


class _Collector:
    """What ``pytest_pycollect_makeitem`` reads of the module or class being collected."""

    def __init__(self, nodeid: str, args: list[str]) -> None:
        self.nodeid = nodeid
        self.config = type("Config", (), {"args": args, "stash": pytest.Stash()})()


def test_a_mutants_child_builds_only_the_tests_mutmut_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.conftest import pytest_pycollect_makeitem

    monkeypatch.setenv("MUTANT_UNDER_TEST", "m.x_f__mutmut_3")
    args = [
        "tests/a.py::test_named[1]",
        "tests/a.py::TestGroup::test_inner",
        "tests/b.py",
    ]
    module_a = _Collector("tests/a.py", args)
    group = _Collector("tests/a.py::TestGroup", module_a.config.args)
    group.config = module_a.config

    def built(collector: _Collector, name: str) -> bool:
        # None: pytest builds the item as always; []: nothing is built.
        return pytest_pycollect_makeitem(collector, name, object()) is None  # type: ignore[arg-type]

    assert built(module_a, "test_named")  # each of its parameters is then matched by pytest
    assert built(module_a, "TestGroup") and built(group, "test_inner")
    assert not built(module_a, "test_other") and not built(group, "test_other")
    # A file named whole, and a file not named (pytest never collects it), are left alone.
    assert built(_Collector("tests/b.py", args), "test_anything")
    assert built(_Collector("tests/c.py", args), "test_anything")
    # Outside a mutant's child, every test is built.
    monkeypatch.setenv("MUTANT_UNDER_TEST", "")
    assert built(_Collector("tests/a.py", args), "test_other")
