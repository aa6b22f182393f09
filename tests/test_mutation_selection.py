"""`make mutation` runs a mutant only against the tests that execute the line it changes.

Checked with a real coverage measurement and a mutant file laid out as mutmut 3.8 writes it
(the original function kept as ``x_f__mutmut_orig`` beside each mutant, and a ``.spans`` index
of their lines): a narrower selection must never leave out a test that runs the changed line.
"""

from __future__ import annotations

import importlib.util
import json
import math
import time
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


def test_a_test_that_killed_mutants_of_the_function_runs_before_quicker_ones_that_never_did(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "killers"
    durations = {"quick": 0.01, "chain_check": 0.05, "slow_end_to_end": 3.0}
    tests = list(durations)
    # Nothing killed yet: quickest first.
    first = mutation_selection.kills_by_test("core.journal.x_record__mutmut_1", folder)
    assert sorted(tests, key=mutation_selection.running_order_key(durations, first)) == [
        "quick",
        "chain_check",
        "slow_end_to_end",
    ]
    # The journal's chain test killed two mutants of `record`: the next one tries it first.
    mutation_selection.record_killer("core.journal.x_record__mutmut_1", "chain_check", folder)
    mutation_selection.record_killer("core.journal.x_record__mutmut_4", "chain_check", folder)
    kills = mutation_selection.kills_by_test("core.journal.x_record__mutmut_9", folder)
    assert kills == {"chain_check": 2}
    assert sorted(tests, key=mutation_selection.running_order_key(durations, kills))[0] == (
        "chain_check"
    )
    # A killer over ten times slower than a test that never killed waits behind it.
    mutation_selection.record_killer("core.journal.x_verify__mutmut_2", "slow_end_to_end", folder)
    kills = mutation_selection.kills_by_test("core.journal.x_verify__mutmut_3", folder)
    order = sorted(tests, key=mutation_selection.running_order_key(durations, kills))
    assert order.index("quick") < order.index("slow_end_to_end")
    # Another function's killers change nothing, and a test without a duration runs last.
    other = mutation_selection.kills_by_test("core.auth.x_require__mutmut_1", folder)
    assert other == {}
    key = mutation_selection.running_order_key(durations, other)
    assert sorted(["unknown", *tests], key=key)[-1] == "unknown"


def test_a_looping_mutant_is_stopped_after_the_time_of_one_test_not_of_its_function() -> None:
    # mutmut's formula, (tests + constant) x multiplier x 2, applied to the test alone.
    assert mutation_selection.cpu_seconds_allowed(0.5, 1.0, 5.0) == math.ceil(
        (0.5 + 0.02 + 1.0) * 5.0 * 2
    )
    # mutmut's own, for a function that 120 tests of 0.2 s run: 246 s against 13 s.
    whole = math.ceil((120 * 0.2 + 1.0) * 5.0 * 2)
    assert mutation_selection.cpu_seconds_allowed(0.2, 1.0, 5.0) * 10 < whole


def test_each_test_of_a_mutant_gets_its_own_cpu_limit_never_above_mutmuts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import resource

    from tests import conftest

    monkeypatch.setattr(
        conftest, "_durations_for_mutants", {"tests/a.py::quick": 0.1, "tests/a.py::slow": 30.0}
    )
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    # mutmut's limit for the run, as its fork server sets it: here 100 s of CPU from now.
    mutmut_limit = math.ceil(time.process_time()) + 100
    resource.setrlimit(resource.RLIMIT_CPU, (mutmut_limit, hard))
    monkeypatch.setattr(conftest, "_mutmut_cpu_limit", [])
    try:
        conftest._limit_cpu_time_for("tests/a.py::quick", 1.0, 5.0)
        lowered, kept_hard = resource.getrlimit(resource.RLIMIT_CPU)
        assert kept_hard == hard
        allowed = math.ceil((0.1 + 0.02 + 1.0) * 5.0 * 2)
        assert 0 < lowered - time.process_time() <= allowed + 1
        # The next test gets its own allowance, counted from its start, capped by mutmut's.
        conftest._limit_cpu_time_for("tests/a.py::slow", 1.0, 5.0)
        assert resource.getrlimit(resource.RLIMIT_CPU)[0] == mutmut_limit
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
