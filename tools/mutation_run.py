"""`make mutation`: mutmut's command line, with its type-check step made quick.

mutmut 3.8.1 (pinned in requirements-mutation.txt) rejects a mutant that strict mypy rejects
(pyproject's ``type_check_command``) before running any test. To tell which mutant an error
belongs to, it parses every mutated file with libcst and its position metadata: about 0.8 ms a
line, and the mutated files hold some 400,000 lines (each mutant is a copy of its function), so
five minutes or more on one core while the other waits. Python's own parser gives the same
function spans in a fiftieth of the time.

Two more changes to that step, both of time only:
- mypy checks only the mutated files. Every other module's types come from the cache of
  ``make typecheck``, and no mutant can change them: mutmut's trampoline keeps each mutated
  function's signature, and the mutants themselves are named by no other module. Checking the
  packages named in ``type_check_command`` rechecked every module importing a mutated one, for
  no error (an error outside a mutant stops the run, and none ever did): about twice the time.
- mypy runs in the background while mutmut starts its fork server and runs its forced-fail
  test, as one process per worker of the run, each on a share of the mutated files
  (``type_check_commands``). A mutant waits only for the process checking its file, and the
  mutants whose check ends first run first: they take the core the other check leaves free
  (mypy's own parallel mode left most of a core idle, and every mutant waited for all of it).

Three more changes, of time only:
- The coverage run (which lines each test executes, mutmut's ``mutate_only_covered_lines``)
  runs under pytest-xdist on every core, not in one process (``_coverage_run_in_parallel``).
- mutmut's clean run (every test once more, on the mutated tree with no mutant active) is
  replaced by two checks that prove the same thing: the coverage run must pass, and after the
  mutants every test that killed one must pass with no mutant active
  (``_check_the_killers``), so that each kill counted is the mutant's doing.
- A mutant listed as equivalent in ``tools/mutation-equivalents.txt`` whose digest still
  matches (the same mutation of the same function, see ``tools/mutation_report.py``) is not
  run: the report leaves it out of the score whatever its run, and as a survivor it would run
  every test of its line. A mutant named exactly on the command line (not through a pattern)
  is run.

No option of mutmut does any of this. Each of mutmut's phases also prints the time it took,
for ``docs/performance.md``. Run as ``python -m tools.mutation_run run [mutant names]``.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import coverage
import mutmut.__main__ as mutmut_main
from mutmut.code_coverage import _excluded_lines
from mutmut.configuration import config
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.file_mutation import (
    FailedTypeCheckMutant,
    MutatedMethodLocation,
)
from mutmut.runners.harness import ListAllTestsResult, PytestRunner, collected_test_names
from mutmut.state import state
from mutmut.type_checking import TypeCheckingError, parse_mypy_report
from mutmut.utils.file_utils import change_cwd
from mutmut.utils.format_utils import get_mutant_name, is_mutated_method_name
from mutmut.workers.isolation import ForkServerRunner, get_mutant_runner

from tools.mutation_files import (
    _MUTANT,
    KILLERS,
    MEASURE,
    balanced_groups,
    killing_tests,
    merge_coverage_parts,
    record_tests_by_line,
    slow_to_type_check,
    write_mutmut_statistics,
)
from tools.mutation_report import equivalents_that_hold

if TYPE_CHECKING:
    from tests.mutation_session import KeptSession


class _MutantFunctions(ast.NodeVisitor):
    """The mutant functions of a mutated file with their lines, decorators included.

    As mutmut's own collector: module-level functions and methods, not what is nested in a
    function."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.found: list[MutatedMethodLocation] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if is_mutated_method_name(node.name):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            self.found.append(
                MutatedMethodLocation(
                    file=self.path,
                    function_name=node.name,
                    line_number_start=first,
                    line_number_end=node.end_lineno or node.lineno,
                )
            )

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function


def mutated_files(root: Path) -> list[str]:
    """The files of ``root`` (mutmut's ``mutants/``) that ``only_mutate`` names, relative."""
    patterns = config().only_mutate
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if any(fnmatch.fnmatch(path.relative_to(root).as_posix(), p) for p in patterns)
    )


def type_check_commands(root: Path, processes: int) -> list[tuple[list[str], list[str]]]:
    """``type_check_command`` as ``processes`` mypy runs, each with the mutated files it checks.

    The mutated files (not the ``source_paths`` named there, see above) are shared out by size;
    each run reads the other runs' mutated files as their originals (``--shadow-file``), which
    the trampolines make interchangeable for a caller (same signatures), and works in its own
    copy of ``make typecheck``'s cache (two mypy processes must not write one cache). The run
    whose largest file is smallest comes first: mypy checks a module whole, so the largest
    mutated file (the survey estimation's, a hundred thousand lines) sets when its run ends."""
    packages = {str(path).rstrip("/") for path in config().source_paths}
    options = [arg for arg in config().type_check_command if arg.rstrip("/") not in packages]
    at = options.index("--cache-dir") + 1
    cache = (root / options[at]).resolve()
    files = mutated_files(root)
    sizes = {name: (root / name).stat().st_size for name in files}
    slow = {
        name
        for name in files
        if slow_to_type_check((root.parent / name).read_text(encoding="utf-8"))
    }
    groups = balanced_groups(sizes, processes, slow)
    if not slow:
        groups.sort(key=lambda g: max(sizes[n] for n in g))
    commands = []
    for index, group in enumerate(groups):
        own_cache = root / f".mypy-cache-{index}"
        shutil.rmtree(own_cache, ignore_errors=True)
        if cache.is_dir():
            shutil.copytree(cache, own_cache)
        shadows = [
            arg
            for name in files
            if name not in group
            for arg in ("--shadow-file", name, str(root.parent / name))
        ]
        command = [*options[:at], str(own_cache), *options[at + 1 :]]
        commands.append(([*command, *shadows, *group], group))
    return commands


def _place(errors: list[TypeCheckingError]) -> dict[str, FailedTypeCheckMutant]:
    """Each error's mutant (run in ``mutants/``)."""
    rejected: dict[str, FailedTypeCheckMutant] = {}
    errors_by_path: dict[Path, list[TypeCheckingError]] = defaultdict(list)
    for error in errors:
        errors_by_path[error.file_path].append(error)
    for path, path_errors in errors_by_path.items():
        collector = _MutantFunctions(path)
        collector.visit(ast.parse(path.read_text(encoding="utf-8")))
        if not collector.found:
            continue
        for error in path_errors:
            mutant = next(
                (
                    m
                    for m in collector.found
                    if m.line_number_start <= error.line_number <= m.line_number_end
                ),
                None,
            )
            if mutant is None:
                # Outside every mutant: the unmutated code does not type-check, and
                # `make mutation` runs `make typecheck` first. Stop, as mutmut does.
                raise RuntimeError(
                    f"type error outside any mutant: {path}:{error.line_number} "
                    f"({error.error_description})"
                )
            name = get_mutant_name(path.relative_to(Path().absolute()), mutant.function_name)
            rejected[name] = FailedTypeCheckMutant(method_location=mutant, name=name, error=error)
    return rejected


class _TypeCheck:
    """One mypy process, the mutated files it checks, and its verdicts once it has ended."""

    def __init__(self, root: Path, command: list[str], files: list[str]) -> None:
        self.root = root
        self.files = set(files)
        env = {k: v for k, v in os.environ.items() if k != "MYPY_NUM_WORKERS"}
        # Into files, not pipes: nobody reads mypy's output until its verdicts are needed, and
        # a full pipe (64 KiB, against about 1.5 MB of errors) would stop mypy half-way.
        self._stdout = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed once read
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self._process = subprocess.Popen(
            command, cwd=root, env=env, stdout=self._stdout, stderr=self._stderr
        )
        self._started = time.monotonic()
        self._rejected: dict[str, FailedTypeCheckMutant] | None = None

    def verdicts(self) -> dict[str, FailedTypeCheckMutant]:
        if self._rejected is None:
            waited = time.monotonic()
            self._process.wait()
            self._stdout.seek(0)
            self._stderr.seek(0)
            stdout, stderr = self._stdout.read(), self._stderr.read()
            self._stdout.close()
            self._stderr.close()
            print(
                f"    mypy sur {len(self.files)} fichiers mutés : "
                f"{time.monotonic() - self._started:.0f} s, "
                f"dont {time.monotonic() - waited:.0f} s d'attente",
                flush=True,
            )
            # mypy exits 1 when it found errors, 2 when it could not check.
            if self._process.returncode not in (0, 1):
                raise RuntimeError(f"mypy could not check the mutants: {stderr or stdout}")
            report = [json.loads(line) for line in stdout.splitlines() if line.strip()]
            with change_cwd(self.root):
                self._rejected = _place(parse_mypy_report(report))
        return self._rejected


def _file_of(mutant_name: str) -> str:
    match = _MUTANT.match(mutant_name)
    return "" if match is None else match["module"].replace(".", "/") + ".py"


class RejectedByTypeChecker(Mapping[str, FailedTypeCheckMutant]):
    """mypy's verdicts, computed in the background, each awaited by the first mutant needing it.

    One mypy process per share of the mutated files (``type_check_commands``); a mutant waits
    only for the process checking its own file. The mutants of the share whose check ends
    first are run first (``rank``), so they take the core the other check leaves free."""

    def __init__(self, root: Path) -> None:
        root = root.absolute()
        self._checks = [
            _TypeCheck(root, command, files)
            for command, files in type_check_commands(root, _children)
        ]

    def rank(self, mutant_name: str) -> int:
        """Which check's verdicts come first: 0, the first to end."""
        file = _file_of(mutant_name)
        return next((i for i, c in enumerate(self._checks) if file in c.files), 0)

    def _all(self) -> dict[str, FailedTypeCheckMutant]:
        return {name: v for check in self._checks for name, v in check.verdicts().items()}

    def __getitem__(self, name: str) -> FailedTypeCheckMutant:
        return self._checks[self.rank(name)].verdicts()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __bool__(self) -> bool:
        # mutmut asks ``verdicts or {}`` long before it needs a verdict; waiting there would
        # undo the overlap. Where it asks, an empty mapping and this one are used alike.
        return True


def mutants_rejected_by_type_checker() -> Mapping[str, FailedTypeCheckMutant]:
    """mutmut's ``filter_mutants_with_type_checker``, started and left to run."""
    _type_checks.append(RejectedByTypeChecker(Path("mutants")))
    return _type_checks[-1]


#: This run's type check, once started.
_type_checks: list[RejectedByTypeChecker] = []


def _first_verdicts_first(mutant_name: str) -> tuple[int, float]:
    """mutmut's running order (its estimate of a mutant's time, least first), the mutants whose
    type check ends first put before the others (``RejectedByTypeChecker.rank``)."""
    rank = _type_checks[-1].rank(mutant_name) if _type_checks else 0
    return rank, _estimated_worst_case_time(mutant_name)


_estimated_worst_case_time = mutmut_main.estimated_worst_case_time


class _TimedCatchOutput(mutmut_main.CatchOutput):
    """mutmut's phase spinner, which also prints how long the phase took."""

    def __enter__(self) -> _TimedCatchOutput:
        self._started = time.monotonic()
        super().__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)  # type: ignore[arg-type]
        print(f"    {self.spinner_title} : {time.monotonic() - self._started:.0f} s", flush=True)


def _coverage_run_in_parallel() -> None:
    """mutmut's coverage run (``mutate_only_covered_lines``), on every core.

    mutmut measures the tests in one process: three to four minutes on one core while the
    others wait. The same tests run here under pytest-xdist, one file at a time per worker as
    ``make test`` runs them; each worker measures its own (``tests/mutation_coverage.py``), and
    their parts are merged into what mutmut's run gives: the lines each test executed, each
    test's duration, and the covered lines mutmut mutates. Only the files to mutate are
    measured. Unlike mutmut's, a failing test stops the run here, with its output."""
    if not config().mutate_only_covered_lines:
        return
    started = time.monotonic()
    root = Path("mutants").absolute()
    files = mutated_files(root)
    for stale in [*root.glob(".coverage.mutation.*"), *root.glob("mutation-durations.*.json")]:
        stale.unlink()
    measured = os.pathsep.join(str(root / name) for name in files)
    run = _pytest_in_mutants(
        ["-p", "tests.mutation_coverage", *config().pytest_add_cli_args_test_selection],
        {MEASURE: measured, "MUTANT_UNDER_TEST": "mutant_generation"},
    )
    if run.returncode != 0:
        # mutmut catches this phase's output; the terminal is still there.
        print(run.stdout, file=sys.__stdout__, flush=True)
        raise SystemExit(f"les tests échouent avant toute mutation (pytest : {run.returncode})")
    data, durations = merge_coverage_parts(root)
    with change_cwd(root):
        record = record_tests_by_line(files, data)
        write_mutmut_statistics(record, durations, config().config_fingerprint())
    measurement = coverage.Coverage(data_file=None)
    state()._covered_lines = {str(root / f): set(data.lines(str(root / f)) or ()) for f in files}
    state()._excluded_lines = {
        str(root / f): _excluded_lines(measurement, str(root / f)) for f in files
    }
    _statistics_of_this_run.append(True)
    print(f"\n    couverture : {time.monotonic() - started:.0f} s", file=sys.__stdout__, flush=True)


#: The run's workers (mutmut's ``--max-children``, else one per core, as mutmut).
_children = os.cpu_count() or 1


#: Set once this process's coverage run has written mutmut's statistics.
_statistics_of_this_run: list[bool] = []


def _tests_listed(runner: ForkServerRunner) -> ListAllTestsResult:
    """mutmut's listing of every test (to find tests its statistics do not know yet).

    After this run's own coverage run, the statistics know every test that ran, and a test
    that did not run (``-x`` after a failure) fails the clean run next anyway: the listing
    (a collection of the whole selection in a child, 15 s) is left out. In an existing
    ``mutants/`` (``mutmut run <names>`` after a test was added) it is made as always."""
    if _statistics_of_this_run:
        return ListAllTestsResult(ids=collected_test_names())
    return _list_all_tests(runner)


_list_all_tests = ForkServerRunner.list_all_tests


def _collect_leaving_out_equivalents(
    *, mutant_names: tuple[str, ...] | list[str]
) -> tuple[list[tuple[SourceFileMutationData, str, int | None]], dict[str, SourceFileMutationData]]:
    """mutmut's list of mutants to run, without the listed equivalents that still hold.

    They are marked « skipped » in mutmut's results. One named exactly on the command line (not
    through a pattern) is run."""
    mutants, by_path = _collect_mutants(mutant_names=mutant_names)
    named = {name for name in mutant_names if not any(c in name for c in "*?[")}
    holding = equivalents_that_hold(Path("mutants")) - named
    marked: dict[int, SourceFileMutationData] = {}
    kept = []
    for data, name, result in mutants:
        if name in holding:
            data.exit_code_by_key[name] = SKIPPED
            marked[id(data)] = data
            continue
        kept.append((data, name, result))
    for data in marked.values():
        data.save()
    print(f"    {len(mutants) - len(kept)} équivalents listés, non lancés", flush=True)
    return kept, by_path


#: mutmut's exit code for a mutant it was told not to run.
SKIPPED = 34
_collect_mutants = mutmut_main.collect_source_file_mutation_data


def _pytest_in_mutants(tests: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``tests`` in ``mutants/`` under pytest-xdist, one worker per child of the run.

    mutmut's own arguments, but spread over the workers (mutmut runs each mutant without
    xdist)."""
    args = list(config().pytest_add_cli_args)
    while "no:xdist" in args:
        at = args.index("no:xdist")
        del args[at - 1 : at + 1]
    command = [
        sys.executable, "-m", "pytest", "-p", "xdist.plugin",
        "-n", str(_children), "--dist", "loadfile", *args, *tests,
    ]  # fmt: skip
    return subprocess.run(
        command,
        cwd=Path("mutants"),
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _clean_run_unless_measured_here(runner: ForkServerRunner, tests: Iterable[str]) -> int:
    """mutmut's clean run (every test on the mutated tree, no mutant active), when it is needed.

    It proves that a test failing under a mutant fails because of the mutant, not because the
    tests fail anyway or because mutmut's trampolines broke something. After this process's
    coverage run it is not run: that run already stopped on any failing test of the original
    code, and what is left, the trampolines, is checked after the mutants on exactly the tests
    whose failures were counted (``_check_the_killers``). One run of every test on one core (four
    to five minutes here) becomes a run of the killing tests on every core (about a minute)."""
    if _statistics_of_this_run:
        print(
            "\n    tests propres : vérifiés par la couverture, puis sur les tests tueurs",
            file=sys.__stdout__,
            flush=True,
        )
        return 0
    return _clean_run(runner, tests)


_clean_run = ForkServerRunner.run_clean_tests


#: A mutant name no trampoline answers to: its child runs the original code, in every other
#: way as a mutant's (the fork server's session, its narrowing, ordering and time limits).
NO_MUTANT = "mutation_check.x_no_mutant__mutmut_{}"


def _check_the_killers() -> None:
    """After the mutants: every test that killed one passes as a mutant's test, with none active.

    Run through a fork server of mutmut's, exactly as the mutants ran, under a mutant name no
    trampoline answers to. So each kill counted was the mutant's doing, not the mutated tree's
    nor the way the mutants were run. A failure stops ``make mutation`` before its report,
    naming the test."""
    if not _statistics_of_this_run:
        return
    started = time.monotonic()
    tests = killing_tests(Path("mutants") / KILLERS)
    failed: list[str] = []
    if tests:
        durations = state().duration_by_test
        runner = get_mutant_runner(_children)
        runner.startup()
        try:
            for index in range(_children):
                share = tests[index::_children]
                if share:
                    allowed = int(10 * sum(durations.get(t, 1.0) for t in share)) + 60
                    runner.submit(NO_MUTANT.format(index), share, allowed, 0.0)
            runner.signal_work_complete()
            while runner.pending_count():
                result = runner.wait_for_result()
                if result.exit_code != 0:
                    failed.append(f"{result.mutant_name} : code {result.exit_code}")
        finally:
            runner.shutdown()
    if failed:
        # The check's own kills are recorded as any mutant's, under its function's name.
        record = Path("mutants") / KILLERS / NO_MUTANT.split("__mutmut_")[0]
        culprits = record.read_text(encoding="utf-8").split() if record.exists() else []
        named = ", ".join(culprits) or "voir mutants/mutmut-debug.log"
        raise SystemExit(
            "des tests qui ont tué des mutants échouent aussi sans mutant : ces résultats ne "
            f"prouvent rien ({', '.join(failed)} ; {named})"
        )
    print(
        f"    {len(tests)} tests tueurs, verts sans mutant : {time.monotonic() - started:.0f} s",
        flush=True,
    )


def _run_then_check_the_killers(
    mutant_names: tuple[str, ...] | list[str], max_children: int | None
) -> None:
    _mutmut_run(mutant_names, max_children)
    _check_the_killers()


_mutmut_run = mutmut_main._run


#: In the fork server: the pytest session every mutant's child runs its tests in.
_kept: list[KeptSession] = []


def _warm_up_keeping_the_session(runner: PytestRunner) -> None:
    """mutmut's fork-server warm-up (``pytest --collect-only``), its session kept for the mutants.

    See ``tests/mutation_session.py``. Run in the fork server only: the main process never
    imports the tests."""
    from tests.mutation_session import warm_up

    args = [
        "--rootdir=.",
        "--tb=native",
        *runner._pytest_args_regular_run([]),
        *runner._pytest_add_cli_args,
    ]  # fmt: skip  (mutmut's own arguments for a run of the whole selection)
    with change_cwd("mutants"):
        kept = warm_up(args)
    if kept is not None:
        _kept.append(kept)


def _run_tests_in_the_kept_session(
    runner: PytestRunner, *, mutant_name: str | None, tests: Iterable[str]
) -> int:
    """A mutant's run, in the fork server's session when it has one and knows every test.

    Otherwise (mutmut's clean and forced-fail runs, which fork from the main process) as
    mutmut runs it, through ``pytest.main``."""
    named = list(tests)
    if _kept and mutant_name and named and _kept[0].knows(named):
        with change_cwd("mutants"):
            return int(_kept[0].run(mutant_name, named))
    return _pytest_run_tests(runner, mutant_name=mutant_name, tests=named)


_pytest_run_tests = PytestRunner.run_tests


def main() -> None:
    mutmut_main.collect_source_file_mutation_data = _collect_leaving_out_equivalents
    mutmut_main.CatchOutput = _TimedCatchOutput  # type: ignore[misc]
    global _children
    if "--max-children" in sys.argv:
        _children = int(sys.argv[sys.argv.index("--max-children") + 1])
    mutmut_main.store_lines_covered_by_tests = _coverage_run_in_parallel
    ForkServerRunner.list_all_tests = _tests_listed  # type: ignore[method-assign,assignment]
    ForkServerRunner.run_clean_tests = _clean_run_unless_measured_here  # type: ignore[method-assign,assignment]
    mutmut_main._run = _run_then_check_the_killers
    if sys.argv[1:2] == ["run"]:  # mutmut's other commands print this estimate as a number
        mutmut_main.estimated_worst_case_time = _first_verdicts_first  # type: ignore[assignment]
    PytestRunner.warm_up = _warm_up_keeping_the_session  # type: ignore[method-assign,assignment]
    PytestRunner.run_tests = _run_tests_in_the_kept_session  # type: ignore[method-assign,assignment]
    mutmut_main.filter_mutants_with_type_checker = mutants_rejected_by_type_checker  # type: ignore[attr-defined,assignment]
    mutmut_main.cli()


if __name__ == "__main__":
    main()
