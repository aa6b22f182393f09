"""`make mutation` runs a mutant only against the tests that execute the line it changes.

Checked with a real coverage measurement and a mutant file laid out as mutmut 3.8 writes it
(the original function kept as ``x_f__mutmut_orig`` beside each mutant, and a ``.spans`` index
of their lines): a narrower selection must never leave out a test that runs the changed line.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
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
    mutation_files.record_tests_by_line(["m.py"], cov.get_data())
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
    starts = mutation_files._innermost_statement_starts(source)
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
    record = mutation_files.record_tests_by_line(["m.py"], cov.get_data())
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
    # At the end of the run, each test that killed is run once more without any mutant.
    assert mutation_files.killing_tests(folder) == ["chain_check", "slow_end_to_end"]
    assert mutation_files.killing_tests(tmp_path / "none") == []


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


def test_the_coverage_run_spread_over_workers_gives_each_line_the_tests_that_ran_it(
    tmp_path: Path,
) -> None:
    # A small project measured as `make mutation` measures the real one: pytest-xdist workers,
    # each measuring its own tests from before the module under test is imported.
    (tmp_path / "m.py").write_text(ORIGINAL, encoding="utf-8")
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_small.py").write_text(
        "import m\n\ndef test_small():\n    assert m.f(0, 5) == 4\n", encoding="utf-8"
    )
    (tmp_path / "checks" / "test_big.py").write_text(
        "import m\n\ndef test_big():\n    assert m.f(2, 5) == 6\n", encoding="utf-8"
    )
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{root}",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        mutation_files.MEASURE: str(tmp_path / "m.py"),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    command = [
        sys.executable, "-m", "pytest", "-p", "xdist.plugin", "-p", "tests.mutation_coverage",
        "-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider", "-q", "checks",
    ]  # fmt: skip
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr

    data, durations = mutation_files.merge_coverage_parts(tmp_path)
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        record = mutation_files.record_tests_by_line(["m.py"], data)
    finally:
        os.chdir(previous)
    tests_by_line = record["m.py"]["tests"]
    assert isinstance(tests_by_line, dict)
    assert tests_by_line["3"] == ["checks/test_big.py::test_big"]
    assert tests_by_line["4"] == ["checks/test_small.py::test_small"]
    both = ["checks/test_big.py::test_big", "checks/test_small.py::test_small"]
    assert tests_by_line["2"] == both
    # The def line ran at import, measured too: mutmut mutates only the lines that ran.
    assert 1 in (data.lines(str(tmp_path / "m.py")) or [])
    assert sorted(durations) == both
    assert all(duration > 0 for duration in durations.values())


KEPT_SESSION_RUN = """\
import os, sys
from tests.mutation_session import warm_up

# As mutmut's fork server: its warm-up with the streams pointed at /dev/null, then put back;
# each mutant's child points them at a /dev/null of its own before running the tests.
server_streams = sys.stdout, sys.stderr
sys.stdout = sys.stderr = open(os.devnull, "w")
kept = warm_up(["-x", "-q", "-p", "no:cacheprovider", "checks"])
sys.stdout, sys.stderr = server_streams
assert kept is not None and kept.knows(sys.argv[2:])
codes = []
for mutant in ("m.x_f__mutmut_1", "m.x_f__mutmut_2", "m.x_f__mutmut_1"):
    child = os.fork()
    if child == 0:
        os.environ["MUTANT_UNDER_TEST"] = mutant
        sys.stdout = sys.stderr = open(os.devnull, "w")
        os._exit(kept.run(mutant, sys.argv[2:]))
    codes.append(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
open("codes.txt", "w").write(repr(codes))
"""


def test_each_mutant_runs_its_tests_in_the_session_collected_once_by_the_fork_server(
    tmp_path: Path,
) -> None:
    # A module standing for mutmut's trampolines: mutant 1 breaks f, mutant 2 changes nothing.
    (tmp_path / "m.py").write_text(
        "import os\n\ndef f(b):\n"
        "    if os.environ.get('MUTANT_UNDER_TEST') == 'm.x_f__mutmut_1':\n"
        "        return b\n"
        "    return b + 1\n",
        encoding="utf-8",
    )
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_f.py").write_text(
        "import m\n\n"
        "def ran(name):\n    with open('ran.log', 'a') as log:\n        log.write(name + '\\n')\n\n"
        "def test_first(tmp_path):\n    ran('first')\n\n"
        "def test_f():\n    ran('f')\n    assert m.f(1) == 2\n\n"
        "def test_after():\n    ran('after')\n    assert m.f(2) == 3\n",
        encoding="utf-8",
    )
    # Warnings are errors, as in this project: a stream the session let go unclosed would fail
    # the first test of every mutant (a ResourceWarning), and no mutant would survive.
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n", encoding="utf-8")
    (tmp_path / "run.py").write_text(KEPT_SESSION_RUN, encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{root}",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "MUTANT_UNDER_TEST": "",
    }
    named = [f"checks/test_f.py::{name}" for name in ("test_first", "test_f", "test_after")]
    run = subprocess.run(
        [sys.executable, "run.py", "--", *named],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # Killed, survived, killed again: nothing the first child did reached the third.
    assert (tmp_path / "codes.txt").read_text(encoding="utf-8") == "[1, 0, 1]"
    # Each killed run stopped at its first failure (-x); the survivor ran all three.
    ran = (tmp_path / "ran.log").read_text(encoding="utf-8").split()
    assert ran == ["first", "f", "first", "f", "after", "first", "f"]


def test_a_session_whose_collection_fails_is_not_kept(tmp_path: Path) -> None:
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_broken.py").write_text("import nowhere\n", encoding="utf-8")
    script = (
        "from tests.mutation_session import warm_up\n"
        "print(warm_up(['-q', '-p', 'no:cacheprovider', 'checks']) is None)\n"
    )
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "True"


def test_the_type_check_is_shared_out_by_size_so_no_mypy_process_waits_for_another() -> None:
    sizes = {"estimation": 110, "batches": 86, "droits": 48, "ponderation": 43, "creation": 34}
    sizes |= {"redemption": 22, "journal": 20, "settlements": 17, "auth": 13, "qr": 3}
    groups = mutation_files.balanced_groups(sizes, 2)
    assert sorted(name for group in groups for name in group) == sorted(sizes)
    # The two largest apart, and each process within 5 % of an even share.
    assert not any({"estimation", "batches"} <= set(group) for group in groups)
    assert max(sum(sizes[name] for name in group) for group in groups) <= 1.05 * 396 / 2
    # One process, or more processes than files: nothing lost, no empty run.
    assert mutation_files.balanced_groups(sizes, 1) == [sorted(sizes)]
    assert mutation_files.balanced_groups({"a": 1, "b": 2}, 4) == [["b"], ["a"]]


def test_the_modules_mypy_is_slow_on_are_checked_together_after_the_others() -> None:
    """The weighting and the survey estimation (numpy's and pandas's types) go to the last
    share whatever their size, so the first share, whose mutants start first, is quick."""
    sizes = {"estimation": 4844, "batches": 3780, "ponderation": 2044, "droits": 2031}
    sizes |= {"creation": 1337, "journal": 829, "redemption": 818, "settlements": 692}
    sizes |= {"issuance": 625, "auth": 570, "lecture": 337, "retention": 243, "qr": 142}
    slow = {"estimation", "ponderation"}
    first, last = mutation_files.balanced_groups(sizes, 2, slow)
    assert slow <= set(last) and not slow & set(first)
    assert sorted(first + last) == sorted(sizes)
    # The last share takes no more of the others than keeps the two within 10 % of each other.
    total = sum(sizes.values())
    assert max(sum(sizes[n] for n in first), sum(sizes[n] for n in last)) <= 0.55 * total
    assert mutation_files.balanced_groups(sizes, 1, slow) == [sorted(sizes)]
    assert mutation_files.slow_to_type_check("import numpy as np\n")
    assert mutation_files.slow_to_type_check('"""Doc."""\n\nfrom pandas import DataFrame\n')
    assert not mutation_files.slow_to_type_check("from core import numpy_like\nimport json\n")
    assert not mutation_files.slow_to_type_check("# numpy is not used here\n")
