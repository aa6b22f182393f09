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
- mypy runs in the background while mutmut lists the tests and runs the clean tests; its
  verdicts are awaited by the first mutant that needs them. The Makefile gives it as many
  workers as the run (``MYPY_NUM_WORKERS``, mypy's parallel mode), so that it takes the core the
  clean tests leave free as soon as they end.

This replaces that one step. One more change: a mutant listed as equivalent in
``tools/mutation-equivalents.txt`` whose digest still matches (the same mutation of the same
function, see ``tools/mutation_report.py``) is not run: the report leaves it out of the score
whatever its run, and as a survivor it would run every test of its line. A mutant named
exactly on the command line (not through a pattern) is run. No option of mutmut does any of
this. Each of
mutmut's phases also prints the time it took, for ``docs/performance.md``. Run as
``python -m tools.mutation_run run [mutant names]``.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path

import mutmut.__main__ as mutmut_main
from mutmut.configuration import config
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.file_mutation import (
    FailedTypeCheckMutant,
    MutatedMethodLocation,
)
from mutmut.runners.harness import ListAllTestsResult, collected_test_names
from mutmut.type_checking import TypeCheckingError, parse_mypy_report
from mutmut.utils.file_utils import change_cwd
from mutmut.utils.format_utils import get_mutant_name, is_mutated_method_name
from mutmut.workers.isolation import ForkServerRunner

from tools.mutation_report import equivalents_that_hold


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


def type_check_command(root: Path) -> list[str]:
    """``type_check_command``, its targets (the ``source_paths``) replaced by the mutated files."""
    packages = {str(path).rstrip("/") for path in config().source_paths}
    options = [arg for arg in config().type_check_command if arg.rstrip("/") not in packages]
    return [*options, *mutated_files(root)]


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


class RejectedByTypeChecker(Mapping[str, FailedTypeCheckMutant]):
    """mypy's verdicts, computed in the background and awaited on first use."""

    def __init__(self, root: Path) -> None:
        self._root = root.absolute()
        # Into files, not pipes: nobody reads mypy's output until its verdicts are needed, and
        # a full pipe (64 KiB, against about 1.5 MB of errors) would stop mypy half-way.
        self._stdout = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed once read
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self._process = subprocess.Popen(
            type_check_command(root),
            cwd=self._root,
            stdout=self._stdout,
            stderr=self._stderr,
        )
        self._rejected: dict[str, FailedTypeCheckMutant] | None = None
        self._started = time.monotonic()

    def _verdicts(self) -> dict[str, FailedTypeCheckMutant]:
        if self._rejected is None:
            waited = time.monotonic()
            self._process.wait()
            self._stdout.seek(0)
            self._stderr.seek(0)
            stdout, stderr = self._stdout.read(), self._stderr.read()
            self._stdout.close()
            self._stderr.close()
            print(
                f"    mypy sur les mutants : {time.monotonic() - self._started:.0f} s, "
                f"dont {time.monotonic() - waited:.0f} s d'attente",
                flush=True,
            )
            # mypy exits 1 when it found errors, 2 when it could not check.
            if self._process.returncode not in (0, 1):
                raise RuntimeError(f"mypy could not check the mutants: {stderr or stdout}")
            report = [json.loads(line) for line in stdout.splitlines() if line.strip()]
            with change_cwd(self._root):
                self._rejected = _place(parse_mypy_report(report))
        return self._rejected

    def __getitem__(self, name: str) -> FailedTypeCheckMutant:
        return self._verdicts()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._verdicts())

    def __len__(self) -> int:
        return len(self._verdicts())

    def __bool__(self) -> bool:
        # mutmut asks ``verdicts or {}`` long before it needs a verdict; waiting there would
        # undo the overlap. Where it asks, an empty mapping and this one are used alike.
        return True


def mutants_rejected_by_type_checker() -> Mapping[str, FailedTypeCheckMutant]:
    """mutmut's ``filter_mutants_with_type_checker``, started and left to run."""
    return RejectedByTypeChecker(Path("mutants"))


class _TimedCatchOutput(mutmut_main.CatchOutput):
    """mutmut's phase spinner, which also prints how long the phase took."""

    def __enter__(self) -> _TimedCatchOutput:
        self._started = time.monotonic()
        super().__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)  # type: ignore[arg-type]
        print(f"    {self.spinner_title} : {time.monotonic() - self._started:.0f} s", flush=True)


def _timed_coverage_run() -> None:
    """mutmut's coverage run, timed apart from the making of the mutants around it."""
    started = time.monotonic()
    _coverage_run()
    _statistics_of_this_run.append(True)
    # mutmut catches this phase's output; the terminal is still there.
    print(f"\n    couverture : {time.monotonic() - started:.0f} s", file=sys.__stdout__, flush=True)


_coverage_run = mutmut_main.store_lines_covered_by_tests


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


def main() -> None:
    mutmut_main.collect_source_file_mutation_data = _collect_leaving_out_equivalents
    mutmut_main.CatchOutput = _TimedCatchOutput  # type: ignore[misc]
    mutmut_main.store_lines_covered_by_tests = _timed_coverage_run
    ForkServerRunner.list_all_tests = _tests_listed  # type: ignore[method-assign,assignment]
    mutmut_main.filter_mutants_with_type_checker = mutants_rejected_by_type_checker  # type: ignore[attr-defined,assignment]
    mutmut_main.cli()


if __name__ == "__main__":
    main()
