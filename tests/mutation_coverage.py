"""`make mutation`'s coverage run, one part per pytest-xdist worker.

mutmut measures which lines the tests run in one process, on one core, while the other waits
(three to four minutes here). ``tools/mutation_run.py`` runs the same tests under pytest-xdist
instead, with this plugin named on the command line (``-p tests.mutation_coverage``): pytest
imports it before any ``conftest.py``, so each worker starts measuring before the application
is imported, as mutmut's own measurement does. Each worker then gives every test its own
coverage context (setup, call and teardown), adds up each test's duration, and at the end saves
its measurement and its durations in the run's folder; ``tools/mutation_run.py`` merges them.

Only the files to mutate are measured (``include``): the rest is never read, and tracing it
(SQLAlchemy, pandas) was most of the measurement's cost.

Outside that run (no ``tools.mutation_files.MEASURE`` in the environment, or the xdist
controller, which runs no test) it does nothing.
"""

from __future__ import annotations

import json
import os

import coverage
import pytest

from tools.mutation_files import MEASURE, coverage_part_files


def _start() -> coverage.Coverage | None:
    files = os.environ.get(MEASURE, "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not files or not worker:
        return None
    measurement = coverage.Coverage(
        data_file=str(coverage_part_files(worker)[0]), include=files.split(os.pathsep)
    )
    measurement.start()
    return measurement


_measurement = _start()
_durations: dict[str, float] = {}


def pytest_runtest_logstart(nodeid: str) -> None:
    if _measurement is not None:
        _measurement.switch_context(nodeid)
        _durations[nodeid] = 0.0


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Setup and teardown too: a database test's fixtures can take longer than its call, and
    # the duration sets the order and the time limit of the mutants it runs for.
    if _measurement is not None:
        _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _measurement is None:
        return
    _measurement.stop()
    _measurement.save()
    durations = coverage_part_files(os.environ["PYTEST_XDIST_WORKER"])[1]
    durations.write_text(json.dumps(_durations), encoding="utf-8")
