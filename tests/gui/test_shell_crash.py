"""A bug is logged with its traceback and shown in the crash dialog; nothing is sent anywhere.
A refusal (``MedianumError``) that reaches the hook stays a plain French message."""

from __future__ import annotations

import sys
import threading

from core import paths
from core.errors import ValidationError
from core.logging_setup import configure_logging
from tests.gui.shell_support import Boxes
from tests.gui.shell_support import boxes as boxes
from tests.gui.shell_support import restored_globals as restored_globals
from ui.crash import install_crash_handlers, report_exception


def _a_bug_in_a_page() -> None:
    raise ZeroDivisionError("division by zero in a statistic")


def _raise_and_catch() -> BaseException:
    try:
        _a_bug_in_a_page()
    except ZeroDivisionError as exc:
        return exc
    raise AssertionError("unreachable")


def test_unexpected_error_is_logged_with_its_traceback_and_the_dialog_shows_the_log_path(
    qtbot, boxes: Boxes, restored_globals: None
) -> None:
    configure_logging()
    exc = _raise_and_catch()
    report_exception(type(exc), exc, exc.__traceback__)

    log = paths.log_file().read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log
    assert "_a_bug_in_a_page" in log
    [box] = boxes.shown
    assert str(paths.log_file()) in box.text()
    assert "Rien n'a été envoyé" in box.text()
    assert "ZeroDivisionError: division by zero in a statistic" in box.detailedText()


def test_installed_hook_turns_an_uncaught_exception_into_the_crash_dialog(
    qtbot, boxes: Boxes, restored_globals: None
) -> None:
    configure_logging()
    install_crash_handlers()
    exc = _raise_and_catch()
    sys.excepthook(type(exc), exc, exc.__traceback__)
    assert boxes.shown[0].windowTitle() == "Erreur inattendue"
    assert "_a_bug_in_a_page" in paths.log_file().read_text(encoding="utf-8")


def test_refusal_reaching_the_hook_is_a_plain_french_message_and_no_crash_log(
    qtbot, boxes: Boxes, restored_globals: None
) -> None:
    configure_logging()
    install_crash_handlers()
    refusal = ValidationError("Le code postal doit compter 5 chiffres.")
    sys.excepthook(type(refusal), refusal, None)
    assert boxes.texts() == ["Le code postal doit compter 5 chiffres."]
    assert "Traceback" not in paths.log_file().read_text(encoding="utf-8")


def test_exception_on_a_worker_thread_reaches_the_crash_dialog_on_the_gui_thread(
    qtbot, boxes: Boxes, restored_globals: None
) -> None:
    configure_logging()
    install_crash_handlers()
    worker = threading.Thread(target=_a_bug_in_a_page)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(boxes.shown) == 1, timeout=5_000)
    assert "ZeroDivisionError" in boxes.shown[0].detailedText()
    assert "_a_bug_in_a_page" in paths.log_file().read_text(encoding="utf-8")


def test_a_damaged_database_reaching_the_hook_is_a_french_message_not_a_crash(
    qtbot, boxes: Boxes, restored_globals: None, tmp_path
) -> None:
    import sqlite3

    configure_logging()
    install_crash_handlers()
    junk = tmp_path / "abimee.sqlite3"
    junk.write_bytes(b"plus une base" * 500)
    try:
        sqlite3.connect(junk).execute("SELECT 1 FROM t")
    except sqlite3.DatabaseError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    [text] = boxes.texts()
    assert "endommagée" in text
    assert "SQLITE_NOTADB" in paths.log_file().read_text(encoding="utf-8")
