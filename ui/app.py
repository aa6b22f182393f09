"""Start the GUI: Qt in French, the database opened and brought up to date, first-run wizard,
login, main window. Every environment problem at start-up (locked database, database newer than
the code, unreadable data directory, no keyring) is a French message box, then a clean exit.

Hidden switches, for the start-up benchmark and scripted screenshots only:
- ``MEDIANUM_AGENT`` / ``MEDIANUM_PASSWORD`` sign that agent in without the login dialog — on a
  demonstration database only; a real database ignores them and shows the login dialog.
- ``MEDIANUM_QUIT_AFTER_SHOW=1`` prints ``MEDIANUM_SHOWN <s> <VmRSS kB> <page>`` once the main
  window is shown with its first page usable (seconds since this module was imported;
  ``benchmarks/bench_startup.py`` times the whole process itself; the key of the page shown),
  then quits; without an automatic sign-in, once the login dialog is shown (page « login »).
"""

from __future__ import annotations

import ast
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

# isort: off
# Start-up modules that do not need Qt are imported before PySide6: once PySide6 is loaded, its
# import hook looks at every module imported afterwards (``ui.lighten_pyside_import_hook``).
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from core import paths
from core.auth import Actor
from core.db import Database, default_url, translate_database_error
from core.errors import MedianumError
from core.i18n import _, set_language
from core.installation import is_demo, needs_first_run
from core.journal_cle import key_state
from core.logging_setup import configure_logging
from core.settings import Settings, load_settings

from PySide6.QtCore import QEventLoop, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from ui import lighten_pyside_import_hook
# isort: on

if TYPE_CHECKING:
    from core.early_sign_in import EarlyCheck
    from ui.main_window import MainWindow

lighten_pyside_import_hook()

log = logging.getLogger(__name__)

_STARTED = time.perf_counter()

# From the window shown to loading the domains' models in the background (``_open``).
_MODELS_AFTER_SHOW_MS = 200


def install_qt_translations(app: QApplication, language: str) -> QTranslator | None:
    """Qt's own catalog, so standard buttons read « Annuler », « Oui »."""
    if language != "fr":
        return None
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load("qtbase_fr", folder):
        app.installTranslator(translator)
        return translator
    log.warning("Qt French catalog not found in %s", folder)
    return None


def _fatal(text: str) -> int:
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        _("Médianum ne peut pas démarrer"),
        text,
        QMessageBox.StandardButton.Ok,
    )
    box.setAccessibleName(_("Médianum ne peut pas démarrer"))
    from ui.widgets import messages

    messages.present(box)
    return 1


def vm_rss_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _load_main_window() -> None:
    """What the main window needs once someone is signed in, loaded while that is not yet the
    case (the password typed, or checked): its modules, the home page it opens on (built with
    the window, so that the first page is usable as soon as the window is shown), and the
    locale data of the date that page shows."""
    import ui.main_window  # imported now, used once signed in
    import ui.pages.accueil  # noqa: F401 - the first page of every agent's rail
    from core.i18n import load_formats

    load_formats()


def _automatic_actor(
    db: Database,
    demo: bool,
    while_checking: Callable[[], None] = lambda: None,
    early_check: EarlyCheck | None = None,
) -> Actor | None:
    """The benchmark's agent from the environment, signed in on a demonstration database only.

    ``while_checking`` (the desk: loading the main window and building its frame) runs on this
    thread while the password is checked: argon2 (0.1–0.2 s, over 1 s on a loaded machine) runs
    alone in a thread and releases the GIL, so the two overlap, as far as argon2's own lane
    threads leave a core to this one. The database is read before and written after the check
    on this thread, as ``ui.login.sign_in`` does, so that the checking thread runs no Python
    meanwhile and touches neither the database nor Qt. ``early_check``: the same check started
    by ``main.py`` before the libraries loaded (``core.early_sign_in``, at a lower priority),
    whose answer is used if it was for the hash read here: then nothing is left to wait for."""
    login = os.environ.get("MEDIANUM_AGENT")
    password = os.environ.get("MEDIANUM_PASSWORD")
    if not (login and password):
        return None
    if not demo:
        log.warning("MEDIANUM_AGENT ignored: automatic sign-in is for demonstration databases")
        return None
    from core.auth import authenticate, password_matches, stored_password_hash

    with db.read_session() as session:
        stored = stored_password_hash(session, login)
    matches: list[bool] = []

    def check() -> None:
        early = early_check.matches(stored, password) if early_check and stored else None
        if early is not None:
            matches.append(early)
            return
        matches.append(stored is not None and password_matches(stored, password))

    checker = threading.Thread(target=check, name="sign-in", daemon=True)
    checker.start()
    try:
        while_checking()
    finally:
        checker.join()
    # The writing transaction gets the hash that was checked, or None: ``authenticate`` then
    # checks again, counts the failure and says why.
    with db.session() as session:
        return authenticate(
            session, login, password, verified_hash=stored if matches == [True] else None
        )


_REVISION_FIELDS = ("revision", "down_revision", "depends_on")
# ``revision: str = "core_0002"`` — one line each, as alembic generates them.
_REVISION_LINE = re.compile(
    r"^(revision|down_revision|depends_on)\b[^=\n]*=[ \t]*(.+?)[ \t]*$", re.MULTILINE
)


def _declared_revisions() -> dict[str, set[str]] | None:
    """Each migration file's revision and what it stands on (down revisions and dependencies),
    read from its top-level assignment lines (parsing whole files cost up to a second of a
    loaded start-up); None when a file does not follow the generated layout."""
    result: dict[str, set[str]] = {}
    for path in sorted((paths.MIGRATIONS_DIR / "versions").glob("*.py")):
        values: dict[str, object] = {}
        try:
            for match in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")):
                if match[1] in values:
                    return None  # assigned twice: only the full path can tell
                values[match[1]] = ast.literal_eval(match[2])
        except (OSError, SyntaxError, ValueError):
            return None
        revision = values.get("revision")
        if not isinstance(revision, str):
            return None
        below: set[str] = set()
        for key in ("down_revision", "depends_on"):
            stands_on = values.get(key)
            if isinstance(stands_on, str):
                below.add(stands_on)
            elif isinstance(stands_on, tuple | list):
                below.update(str(v) for v in stands_on)
            elif stands_on is not None:
                return None
        result[revision] = below
    return result or None


def schema_is_current(db: Database) -> bool:
    """True when every migration of the code is already applied, decided without alembic.

    Loading alembic (and mako, pygments) is a large share of start-up, and on all but the first
    start after an update there is nothing for it to do. Any doubt answers False, and
    ``core.migrate.upgrade`` then decides, refusing a newer database as usual.
    """
    declared = _declared_revisions()
    if declared is None:
        return False
    try:
        with db.engine.connect() as conn:
            current = {
                str(v) for v in conn.scalars(text("SELECT version_num FROM alembic_version"))
            }
    except DatabaseError:
        return False  # no version table yet, or a locked file: the full path says which
    if not current or not current <= declared.keys():
        return False
    applied: set[str] = set()
    stack = list(current)
    while stack:
        revision = stack.pop()
        if revision not in applied:
            applied.add(revision)
            stack.extend(declared.get(revision, ()))
    return applied == declared.keys()


def run_gui(argv: list[str] | None = None, *, early_check: EarlyCheck | None = None) -> int:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv if argv is None else argv)
    app.setApplicationName("Médianum")
    app.setApplicationDisplayName("Médianum")
    app.setOrganizationName("Medianum")
    language = "fr"
    try:
        settings = load_settings()
        language = str(settings.get("language"))
    except MedianumError as exc:
        install_qt_translations(app, language)
        return _fatal(str(exc))
    set_language(language)
    translator = install_qt_translations(app, language)  # noqa: F841 - kept alive by its parent

    from ui.style import apply_font_scale, apply_style

    apply_font_scale(app, int(settings.get("font_scale")))
    apply_style(app)
    try:
        return _run(app, settings, early_check)
    except MedianumError as exc:
        return _fatal(str(exc))


def _run(app: QApplication, settings: Settings, early_check: EarlyCheck | None = None) -> int:
    from ui.crash import install_crash_handlers

    configure_logging()
    install_crash_handlers()
    db = Database(default_url(settings))
    try:
        return _open(app, settings, db, early_check)
    finally:
        db.dispose()


def _redo_after_outside_restore(db: Database) -> None:
    """Each domain's start-up work (erasures a ``pg_restore`` brought back are erased again).
    A failure is logged and shown, never stops the desk from starting.

    The domains are installed here, the composition root imported: without it core knows no
    domain, the start-up work does nothing, and what needs every domain's tables (the right of
    access, the merge of two files) refuses to run."""
    import domaines  # noqa: F401 - installs every domain (core.domaine.install)
    from core.domaine import run_start_hooks

    try:
        said = run_start_hooks(db)
    except (MedianumError, DatabaseError):
        log.exception("start-up work of the domains failed")
        from ui.widgets import show_warning

        show_warning(
            None,
            _(
                "Les effacements faits à ce poste n'ont pas pu être vérifiés au démarrage ; "
                "lancez « medianum db apres-restauration » ou prévenez l'administrateur."
            ),
        )
        return
    for sentence in said:
        log.info("start-up: %s", sentence)


def _open(
    app: QApplication, settings: Settings, db: Database, early_check: EarlyCheck | None = None
) -> int:
    try:
        if not schema_is_current(db):
            from core import migrate

            migrate.upgrade(db)
        with db.read_session() as session:
            first_run = needs_first_run(session)
            demo = is_demo(session)
            journal_key = key_state(session)
    except DatabaseError as exc:  # a damaged file too, not only a locked or missing one
        translated = translate_database_error(exc)
        if translated is exc:
            raise
        raise translated from exc

    # Before the start-up backup (which must not keep what this erases) and before the login:
    # the desk replays at once, even if nobody signs in, since other desks may share the base.
    # Done while the password is typed instead, it gained nothing measurable (docs/performance.md).
    _redo_after_outside_restore(db)

    if settings.get("backup_at_start"):
        from core.sauvegarde_auto import run_at_start

        problem = run_at_start(settings, db.url)
        if problem is not None:
            from ui.widgets import show_warning

            show_warning(None, problem)  # a failed backup never stops the desk from starting

    from ui.context import AppContext
    from ui.tasks import TaskRunner

    if not journal_key.can_write:
        # A desk joining a sealed shared database: asked for the key before anyone signs in
        # (signing in writes the journal, which it must not do unsealed).
        from ui.journal_key import offer_key_import

        offer_key_import(None, journal_key)

    # The main window's frame, built while the password is typed or checked (``prepare``).
    frame: list[MainWindow] = []

    def prepare() -> None:
        _load_main_window()
        from ui.main_window import MainWindow

        frame.append(MainWindow(frame_for=(db, settings)))

    actor: Actor | None = None
    if first_run:
        from ui.wizard import FirstRunWizard

        wizard = FirstRunWizard(db)
        if wizard.exec() != QDialog.DialogCode.Accepted:
            return 0
        actor = wizard.actor
    if actor is None:
        actor = _automatic_actor(db, demo, while_checking=prepare, early_check=early_check)
    if actor is None:
        from ui.login import LoginDialog

        login = LoginDialog(db, demo=demo)
        if os.environ.get("MEDIANUM_QUIT_AFTER_SHOW") == "1":
            # No automatic sign-in: the moment measured is the login dialog shown, where a
            # desk's agent starts typing.
            login.show()
            app.processEvents()
            print(
                f"MEDIANUM_SHOWN {time.perf_counter() - _STARTED:.3f} {vm_rss_kb()} login",
                flush=True,
            )
            login.close()
            return 0
        # The main window's modules load and its frame is built while the agent types (keys
        # typed meanwhile wait in the event queue): the window then opens as soon as the
        # password is checked.
        QTimer.singleShot(0, prepare)
        if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
            return 0
        actor = login.actor

    from ui.main_window import MainWindow

    ctx = AppContext(db=db, actor=actor, settings=settings, tasks=TaskRunner(), demo=demo)
    if frame:
        window = frame[0]
        window.open_for(ctx)
    else:
        window = MainWindow(ctx)
    window.show()
    from ui.pages import preload

    def load_models() -> None:
        # Every domain's models, loaded off the GUI thread once the window has painted, while
        # the agent reads it: the first page opened then does not wait for them
        # (``ui.pages.preload`` would load them at that moment). Started at once, this thread
        # took the GIL from the window's first paint.
        ctx.tasks.run(lambda _progress: preload(()))

    if os.environ.get("MEDIANUM_QUIT_AFTER_SHOW") == "1":
        app.processEvents()
        # The moment measured is the first page usable, not « Chargement de la page… ».
        while window.current_page_loading():
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        print(
            f"MEDIANUM_SHOWN {time.perf_counter() - _STARTED:.3f} {vm_rss_kb()} "
            f"{window.current_page_key()}",
            flush=True,
        )
        load_models()  # waited for below, as a desk closed at once would
        QTimer.singleShot(0, app.quit)
    else:
        QTimer.singleShot(_MODELS_AFTER_SHOW_MS, load_models)
    status = app.exec()
    ctx.tasks.wait(5_000)
    return int(status)
