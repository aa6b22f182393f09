"""What ``make mutation``'s runner and its report share with the tests' hooks.

Used in mutmut's main process (``tools/mutation_run.py``, ``tools/mutation_report.py``), which
must not import the ``tests`` package: pytest would then find ``tests.conftest`` already imported
from the source tree instead of from ``mutants/``. Hence these live here; the tests' side is
``tests/mutation_selection.py``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coverage import CoverageData

#: Written by the coverage run in mutmut's ``mutants/`` folder, read by the mutants' runs.
RECORD = Path("mutation-tests-by-line.json")
#: mutmut's statistics file, in ``mutants/``.
STATISTICS = Path("mutmut-stats.json")
#: In ``mutants/``: one file per mutated function, a line for each of its mutants that a test
#: killed in this run, naming that test (``tests/mutation_selection.record_killer``).
KILLERS = Path(".killers")
#: The files to measure in the coverage run (absolute, separated by ``os.pathsep``), for
#: ``tests/mutation_coverage.py`` in each pytest-xdist worker.
MEASURE = "MEDIANUM_MUTATION_COVERAGE"


def coverage_part_files(worker: str) -> tuple[Path, Path]:
    """The measurement and the test durations one worker of the coverage run saves."""
    return Path(f".coverage.mutation.{worker}"), Path(f"mutation-durations.{worker}.json")


def merge_coverage_parts(folder: Path) -> tuple[CoverageData, dict[str, float]]:
    """The workers' measurements and durations, merged as one run of every test would give.

    Each worker ran its own tests, so a test's context is in one part only, and a line's tests
    are the union of the parts'."""
    from coverage import CoverageData

    merged = CoverageData(no_disk=True)
    durations: dict[str, float] = {}
    for part in sorted(folder.glob(".coverage.mutation.*")):
        data = CoverageData(basename=str(part))
        data.read()
        merged.update(data)
        worker = part.name.removeprefix(".coverage.mutation.")
        durations.update(
            json.loads((folder / coverage_part_files(worker)[1]).read_text(encoding="utf-8"))
        )
    return merged, durations


def balanced_groups(
    sizes: dict[str, int], count: int, slow: frozenset[str] | set[str] = frozenset()
) -> list[list[str]]:
    """The files split into at most ``count`` groups of about the same total size.

    Largest first, each into the group holding least so far (the longest-processing-time
    rule): for ``make mutation``'s type check, one mypy process per group. The ``slow`` files
    all go to the last group, which then takes no more of the others than its size calls for:
    mypy spends several times longer on them for their size (numpy's and pandas's types), so
    a group holding one of them is the one to check beside the mutants of the others."""
    groups: list[list[str]] = [[] for _ in range(max(count, 1))]
    totals = [0] * len(groups)
    for name in sorted(slow & sizes.keys()):
        groups[-1].append(name)
        totals[-1] += sizes[name]
    for name in sorted(sizes.keys() - slow, key=lambda n: (-sizes[n], n)):
        lightest = totals.index(min(totals))
        groups[lightest].append(name)
        totals[lightest] += sizes[name]
    return [sorted(group) for group in groups if group]


_NUMERIC_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:numpy|pandas)\b", re.MULTILINE)


def slow_to_type_check(source: str) -> bool:
    """Whether mypy checks this module slowly for its size: it uses numpy's or pandas's types
    (measured: of two shares of the mutated files of equal size, the one holding the weighting
    and the survey estimation took mypy 334 s, the other 48 s; a share that took the weighting
    instead of the rights module went from 57 s to 176 s)."""
    return _NUMERIC_IMPORT.search(source) is not None


def killing_tests(folder: Path = KILLERS) -> list[str]:
    """Every test that killed a mutant in this run, once each."""
    tests: set[str] = set()
    if folder.is_dir():
        for function in folder.iterdir():
            tests.update(function.read_text(encoding="utf-8").splitlines())
    return sorted(tests)


def _innermost_statement_starts(source: str) -> dict[int, int]:
    """For each line of a file, the first line of the innermost statement that holds it."""
    starts: dict[int, int] = {}
    spans = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt) and node.end_lineno is not None:
            spans.append((node.end_lineno - node.lineno, node.lineno, node.end_lineno))
    # Widest first, so that an inner statement overwrites the lines of the one around it.
    for _, first, last in sorted(spans, reverse=True):
        for line in range(first, last + 1):
            starts[line] = first
    return starts


def _def_lines(source: str) -> dict[str, list[int]]:
    """The ``def``, first body and last lines of each function and method, by mutmut's name.

    mutmut names ``f`` of a module ``x_f`` and method ``m`` of class ``C`` ``xǁCǁm``."""
    lines: dict[str, list[int]] = {}
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines[f"x_{node.name}"] = [node.lineno, node.body[0].lineno, node.end_lineno or 0]
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines[f"xǁ{node.name}ǁ{item.name}"] = [
                        item.lineno,
                        item.body[0].lineno,
                        item.end_lineno or 0,
                    ]
    return lines


def record_tests_by_line(
    files: Iterable[str], data: CoverageData, output: Path = RECORD
) -> dict[str, dict[str, object]]:
    """Save, for each file to mutate, the tests that executed each line (run in ``mutants/``).

    ``data`` is the coverage run's measurement, one context per test."""
    record: dict[str, dict[str, object]] = {}
    for name in files:
        path = Path(name)
        if not path.exists():
            continue
        source = path.read_text(encoding="utf-8")
        contexts = data.contexts_by_lineno(str(path.absolute()))
        record[name] = {
            "tests": {str(line): sorted(c for c in tests if c) for line, tests in contexts.items()},
            "statement": {str(k): v for k, v in _innermost_statement_starts(source).items()},
            "def": _def_lines(source),
        }
    output.write_text(json.dumps(record), encoding="utf-8")
    return record


def write_mutmut_statistics(
    record: dict[str, dict[str, object]],
    durations: dict[str, float],
    config_fingerprint: dict[str, str],
) -> None:
    """mutmut's statistics file (mutmut 3.8's format) from the record and the durations.

    ``config_fingerprint`` is mutmut's ``config().config_fingerprint()``: with another, mutmut
    would take its configuration for changed and run its statistics again."""
    statistics = mutmut_statistics(record, durations)
    statistics.update(
        stats_time=0.0,
        function_hashes={},
        function_dependencies={},
        config_fingerprint=config_fingerprint,
        watched_file_hashes={},
        git_commit=None,
    )
    STATISTICS.write_text(json.dumps(statistics), encoding="utf-8")


def mutmut_statistics(
    record: dict[str, dict[str, object]], durations: dict[str, float]
) -> dict[str, object]:
    """mutmut's statistics (which tests call each function, each test's duration) from coverage.

    mutmut learns them in a run of its own, through its trampolines, after the coverage run:
    the same tests run twice, about three minutes here. The coverage run already knows which
    tests ran a line of each function's body; its file (``mutants/mutmut-stats.json``, mutmut
    3.8's format, pinned in requirements-mutation.txt) written before mutmut looks for it makes
    mutmut take it as its statistics and run only the tests it does not know."""
    tests_by_function: dict[str, list[str]] = {}
    for name, entry in record.items():
        module = name.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        tests_by_line: dict[str, list[str]] = entry["tests"]  # type: ignore[assignment]
        functions: dict[str, list[int]] = entry["def"]  # type: ignore[assignment]
        for function, (_, body, last) in functions.items():
            tests: set[str] = set()
            for line in range(body, last + 1):
                tests.update(tests_by_line.get(str(line), ()))
            if tests:
                tests_by_function[f"{module}.{function}"] = sorted(tests)
    return {"tests_by_mangled_function_name": tests_by_function, "duration_by_test": durations}


_MUTANT = re.compile(r"^(?P<module>.+)\.(?P<function>x[^.]*?)__mutmut_(?P<number>\d+)$")


def _def_index(text: str) -> int:
    for index, line in enumerate(text.splitlines()):
        if re.match(r"\s*(async\s+)?def ", line):
            return index
    raise ValueError("no def line")


def function_texts(path: Path, function: str, number: str) -> tuple[str, str] | None:
    """The original function and one of its mutants, from ``def`` on, under the same name.

    ``path`` is a file of mutmut's ``mutants/``, where mutmut keeps the original of each
    mutated function beside its mutants, and their lines in ``<file>.spans``."""
    try:
        spans = json.loads(Path(f"{path}.spans").read_text(encoding="utf-8"))["spans"]
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        texts = []
        for generated in (f"{function}__mutmut_orig", f"{function}__mutmut_{number}"):
            first, last = spans[generated]
            text = "".join(lines[first - 1 : last])
            # Both texts are the same function under two names: align them on their def line.
            text = "\n".join(text.splitlines()[_def_index(text) :])
            texts.append(text.replace(generated, function, 1))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return texts[0], texts[1]


def mutant_fingerprint(mutant_name: str, root: Path) -> str | None:
    """A digest of a mutant and of the function it mutates, or None if it is not in ``root``.

    mutmut numbers the mutants of a function in order: once the function changes, the same
    name may be another mutation. A mutant judged equivalent is listed with this digest, so
    that the listing holds only while the function and the mutation are the ones judged."""
    match = _MUTANT.match(mutant_name)
    if match is None:
        return None
    stem = match["module"].replace(".", "/")
    for candidate in (root / f"{stem}.py", root / stem / "__init__.py"):
        if candidate.exists():
            texts = function_texts(candidate, match["function"], match["number"])
            if texts is None:
                return None
            digest = hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest()
            return digest[:12]
    return None
