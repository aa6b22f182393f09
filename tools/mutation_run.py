"""`make mutation`: mutmut's command line, with its type-check step made quick.

mutmut 3.8.1 (pinned in requirements-mutation.txt) rejects a mutant that strict mypy rejects
(pyproject's ``type_check_command``) before running any test. To tell which mutant an error
belongs to, it parses every mutated file with libcst and its position metadata: about 0.8 ms a
line, and the mutated files hold some 400,000 lines (each mutant is a copy of its function), so
five minutes or more on one core while the other waits. Python's own parser gives the same
function spans in a fiftieth of the time. This replaces that one step and changes nothing else;
no option of mutmut does it. Run as ``python -m tools.mutation_run run [mutant names]``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import mutmut.__main__ as mutmut_main
from mutmut.configuration import config
from mutmut.mutation.file_mutation import (
    FailedTypeCheckMutant,
    MutatedMethodLocation,
)
from mutmut.type_checking import TypeCheckingError, run_type_checker
from mutmut.utils.file_utils import change_cwd
from mutmut.utils.format_utils import get_mutant_name, is_mutated_method_name


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


def mutants_rejected_by_type_checker() -> dict[str, FailedTypeCheckMutant]:
    """mutmut's ``filter_mutants_with_type_checker``, each error placed with ``ast``."""
    rejected: dict[str, FailedTypeCheckMutant] = {}
    with change_cwd(Path("mutants")):
        errors_by_path: dict[Path, list[TypeCheckingError]] = defaultdict(list)
        for error in run_type_checker(config().type_check_command):
            errors_by_path[error.file_path].append(error)
        for path, errors in errors_by_path.items():
            collector = _MutantFunctions(path)
            collector.visit(ast.parse(path.read_text(encoding="utf-8")))
            if not collector.found:
                continue
            for error in errors:
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
                rejected[name] = FailedTypeCheckMutant(
                    method_location=mutant, name=name, error=error
                )
    return rejected


def main() -> None:
    mutmut_main.filter_mutants_with_type_checker = mutants_rejected_by_type_checker  # type: ignore[attr-defined]
    mutmut_main.cli()


if __name__ == "__main__":
    main()
