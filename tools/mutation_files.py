"""What ``make mutation``'s runner and its report share with the tests' hooks.

Used in mutmut's main process (``tools/mutation_run.py``, ``tools/mutation_report.py``), which
must not import the ``tests`` package: pytest would then find ``tests.conftest`` already imported
from the source tree instead of from ``mutants/``. Hence these live here; the tests' side is
``tests/mutation_selection.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

#: Written by the coverage run in mutmut's ``mutants/`` folder, read by the mutants' runs.
RECORD = Path("mutation-tests-by-line.json")
#: mutmut's statistics file, in ``mutants/``.
STATISTICS = Path("mutmut-stats.json")


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
