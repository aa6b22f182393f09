"""`make mutation`: the tests are collected once, and each mutant runs its own in that session.

mutmut's fork server imports everything once, then forks a child per mutant, and each child
calls ``pytest.main``: it builds pytest's configuration again (some forty plugins registered,
their hooks set up), collects the named tests again, and only then runs them: 0.1–0.2 s of
CPU of a killed mutant's 0.3 s here (measured on three of them), over thousands of mutants.

Here the fork server builds one configured session and collects every test of the selection,
as ``pytest.main`` would up to its test loop, and keeps it (``KeptSession``). A mutant's child,
forked from it, takes the items mutmut named, narrowed and ordered as before
(``tests/mutation_selection.py``, the ``pytest_collection_modifyitems`` hook of
``tests/conftest.py``), and runs them through pytest's own test loop with the same options
(``-x``, the same plugins and hooks, so the same fixtures, time limits and reports). The child
is a fork: what a mutant's tests change in the session dies with it.

This relies on pytest's session API below ``pytest.main`` (``_prepareconfig``,
``Config._do_configure``), which pytest does not promise to keep: pytest is pinned in
requirements-dev.txt, and ``tests/test_mutation_selection.py`` forks mutants from a kept
session as mutmut's fork server does (a module answering to ``MUTANT_UNDER_TEST`` as mutmut's
trampolines do, warnings as errors), so an upgrade that breaks it fails ``make test``. And
``make mutation`` ends by running every killing test through a fork server of its own with no
mutant active (``tools/mutation_run.py``, ``_check_the_killers``). No maintained plugin runs
pytest items of one collection in forked children this way (pytest-xdist's ``--forked`` mode
is gone, pytest-forked forks per test and collects per run).
"""

from __future__ import annotations

import gc
import sys

import pytest
from _pytest.config import _prepareconfig

from tests import mutation_selection


class KeptSession:
    """A configured pytest session, its tests collected, for a fork server to fork from."""

    def __init__(self, args: list[str]) -> None:
        # What pytest.main does (its wrap_session), up to its test loop.
        self.config = _prepareconfig(args, None)
        self.session = pytest.Session.from_config(self.config)
        self.config._do_configure()
        self.config.hook.pytest_sessionstart(session=self.session)
        self.config.hook.pytest_collection(session=self.session)
        self.items = {item.nodeid: item for item in self.session.items}
        capture = self.config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            # What collection printed, read now: each child would print it again (below).
            capture.read_global_capture()
        #: A collection error makes every run fail in pytest; such a session is not used.
        self.usable = self.session.testsfailed == 0
        # What is inherited unchanged by every child need not be walked by its collector.
        gc.freeze()

    def knows(self, tests: list[str]) -> bool:
        return all(test in self.items for test in tests)

    def run(self, mutant: str, tests: list[str]) -> int:
        """In the mutant's child: run its tests, return pytest's exit code for them."""
        config, session = self.config, self.session
        capture = config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            # Capture files of its own (two children at once would share the server's), and
            # the child's own streams (mutmut points them at /dev/null) as what capturing puts
            # back between tests, as when pytest starts in the child. Every stream let go here
            # is kept referenced: one freed open would be reported unclosed (a ResourceWarning,
            # an error in these tests) in the mutant's first test, and kill it. (Stopping the
            # server's capturing prints what it holds: nothing, see __init__.)
            own = (sys.stdout, sys.stderr)
            capture.stop_global_capturing()
            self._let_go = (*own, sys.stdout, sys.stderr)
            sys.stdout, sys.stderr = own
            capture.start_global_capturing()
        session.items = [
            self.items[test] for test in mutation_selection.tests_to_run(mutant, tests)
        ]
        config.hook.pytest_collection_modifyitems(
            session=session, config=config, items=session.items
        )
        try:
            config.hook.pytest_runtestloop(session=session)
        except (session.Failed, session.Interrupted):
            pass  # -x: the first failure ends the loop
        except pytest.exit.Exception as stop:
            return pytest.ExitCode.INTERRUPTED if stop.returncode is None else stop.returncode
        finally:
            session._setupstate.teardown_exact(None)
        if session.testsfailed:
            return pytest.ExitCode.TESTS_FAILED
        return pytest.ExitCode.OK if session.items else pytest.ExitCode.NO_TESTS_COLLECTED


def warm_up(args: list[str]) -> KeptSession | None:
    """In mutmut's fork server, with its arguments: the session to fork from, or None."""
    kept = KeptSession(args)
    return kept if kept.usable else None
