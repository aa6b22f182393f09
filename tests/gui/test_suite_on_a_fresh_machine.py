"""The test suite passes on a fresh machine: without PostgreSQL its runs are skipped saying why,
and the offscreen platform's one benign message does not fail a test (any other Qt warning
still does). Each case runs pytest itself in a child process, with the project's settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core import paths

WARNING_TEST = """
from PySide6.QtCore import qWarning


def test_emits(qapp):
    qWarning({message!r})
"""


def _pytest(*args: str, drop_pg: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if drop_pg:
        env.pop("MEDIANUM_TEST_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", *args],
        cwd=paths.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _emitting(tmp_path: Path, message: str) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_emits.py"
    test.write_text(WARNING_TEST.format(message=message), encoding="utf-8")
    return _pytest("-q", "-c", str(paths.PROJECT_ROOT / "pyproject.toml"), str(test))


def test_the_offscreen_platforms_size_hint_message_does_not_fail_a_test(tmp_path: Path) -> None:
    done = _emitting(tmp_path, "This plugin does not support propagateSizeHints()")
    assert done.returncode == 0, done.stdout[-2000:]


def test_any_other_qt_warning_still_fails_a_test(tmp_path: Path) -> None:
    for message in (
        "QAction::event: Ambiguous shortcut overload: Ctrl+L",
        "This plugin does not support propagateSizeHints() for this window",
    ):
        done = _emitting(tmp_path, message)
        assert done.returncode == 1, message
        assert "Failure: Qt messages with level WARNING or above emitted" in done.stdout


def test_without_postgresql_the_shared_database_test_is_skipped_saying_why() -> None:
    done = _pytest(
        "-q",
        "-rs",
        "tests/gui/test_shell_settings.py::"
        "test_the_gui_opens_the_shared_database_named_in_the_settings",
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 skipped" in done.stdout
    assert "MEDIANUM_TEST_DATABASE_URL is not set" in done.stdout
