"""The main window: a navigation rail of the pages the agent may open, the pages, the lock.

Page modules are imported the first time their page is opened, so that the heavy parts (the web
engine of the maps, pandas of the statistics) cost nothing to a desk that does not use them. At
that first opening, the libraries and domain modules the page needs are imported in a worker
thread behind « Chargement de la page… » (``ui.pages.preload``); the page's own module and its
widgets are then built on the GUI thread.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core import paths
from core.auth import Actor
from core.db import Database
from core.i18n import _
from core.models import Structure
from core.settings import Settings
from ui import lighten_pyside_import_hook
from ui.context import AppContext
from ui.lock import InactivityWatcher, LockScreen
from ui.pages import (
    IMPORT_LOCK,
    PAGES,
    PageSpec,
    backend_imports,
    page_class,
    preload,
    visible_pages,
)
from ui.widgets import PlaceholderPage
from ui.widgets.fit import PageStack, scrolling
from ui.widgets.operations import data_changes, watch_writes

log = logging.getLogger(__name__)

lighten_pyside_import_hook()  # before any page loads its libraries (done already by ui.app)

RAIL_ROLE_KEY = Qt.ItemDataRole.UserRole


def application_version() -> str:
    import tomllib  # only when the version is asked for, not at every start

    try:
        with (paths.PROJECT_ROOT / "pyproject.toml").open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "?"


def build_page(spec: PageSpec, ctx: AppContext) -> QWidget:
    """Import the page's module now; a page not written yet is a plain placeholder."""
    page: Callable[[AppContext], QWidget] | None = page_class(spec)
    if page is None:
        return PlaceholderPage(_(spec.title))
    return page(ctx)


class MainWindow(QMainWindow):
    locked_changed = Signal(bool)
    ctx: AppContext

    def __init__(
        self,
        ctx: AppContext | None = None,
        *,
        frame_for: tuple[Database, Settings] | None = None,
        lock_interval_ms: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """The window of ``ctx``'s agent. Or, given ``frame_for`` (database, settings) instead,
        its frame alone — rail, pages' stack, menus, lock screen, status bar — built while the
        password is typed or checked; ``open_for`` then makes it the signed-in agent's."""
        super().__init__(parent)
        if ctx is not None:
            frame_for = (ctx.db, ctx.settings)
        if frame_for is None:
            raise TypeError("MainWindow needs the agent's context, or frame_for")
        db, settings = self._frame_for = frame_for
        self.pages: dict[str, QWidget] = {}
        self._loading: set[str] = set()  # pages whose libraries are being imported
        # Pages built before the last write: read again when next shown (``_on_rail_changed``).
        self._stale: set[str] = set()
        watch_writes(db)
        data_changes().changed.connect(self._data_changed)
        self.locked = False
        self.setAccessibleName(_("Fenêtre principale de Médianum"))
        self.resize(1200, 780)

        self.rail = QListWidget()
        self.rail.setAccessibleName(_("Pages"))
        self.rail.setAccessibleDescription(
            _("Choisissez une page avec les flèches, ou Ctrl+1 à Ctrl+9.")
        )
        self.rail.setFixedWidth(self.rail.fontMetrics().averageCharWidth() * 24 + 24)
        self.rail.setSpacing(2)
        self.rail.setStyleSheet("QListWidget::item { padding: 0.4em 0.5em; }")
        self.rail.currentItemChanged.connect(self._on_rail_changed)
        self.page_stack = PageStack()
        workspace = QWidget()
        row = QHBoxLayout(workspace)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.rail)
        row.addWidget(scrolling(self.page_stack), 1)

        self.lock_screen = LockScreen(db)
        self.lock_screen.unlocked.connect(self._on_unlocked)
        self.central = QStackedWidget()
        self.central.addWidget(workspace)
        self.central.addWidget(self.lock_screen)
        self.setCentralWidget(self.central)

        self.agent_label = QLabel()
        self.agent_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.agent_label, 1)
        self.database_label = QLabel(self._database_text(db))
        self.statusBar().addPermanentWidget(self.database_label)

        self._build_menus()
        interval = (
            lock_interval_ms
            if lock_interval_ms is not None
            else int(settings.get("lock_minutes")) * 60_000
        )
        self.watcher = InactivityWatcher(interval, self)
        self.watcher.idle.connect(self.lock_after_inactivity)
        if ctx is not None:
            self.open_for(ctx)

    def open_for(self, ctx: AppContext) -> None:
        """The agent is signed in: its title, the rail of its pages, its home page; the
        inactivity lock starts."""
        db, settings = self._frame_for
        if ctx.db is not db or ctx.settings is not settings:
            raise ValueError("the window's frame was built for another database or settings")
        self.ctx = ctx
        self._apply_actor()
        self.watcher.start()

    # --- building ------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu(_("&Médianum"))
        self.settings_action = self._action(menu, _("&Paramètres…"), self.open_settings, "Ctrl+,")
        menu.addSeparator()
        self.switch_action = self._action(menu, _("&Changer d'agent…"), self.switch_agent)
        self.lock_action = self._action(menu, _("&Verrouiller"), self.lock, "Ctrl+L")
        menu.addSeparator()
        self._action(menu, _("&Quitter"), self.close, QKeySequence.StandardKey.Quit)
        self.go_menu: QMenu = self.menuBar().addMenu(_("&Aller à"))
        help_menu = self.menuBar().addMenu(_("Aid&e"))
        self._action(help_menu, _("À &propos de Médianum"), self.show_about)

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: str | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    @staticmethod
    def _database_text(db: Database) -> str:
        url = db.url
        if db.is_sqlite:
            return _("Base locale : {path}").format(path=url.database)
        return _("Base partagée : {host}/{name}").format(host=url.host, name=url.database)

    def _structure_name(self) -> str:
        sid = self.ctx.actor.structure_id
        if sid is None:
            return _("tout le territoire")
        with self.ctx.db.read_session() as session:
            structure = session.get(Structure, sid)
            return structure.nom if structure is not None else ""

    def _apply_actor(self) -> None:
        """(Re)build everything that depends on who is signed in."""
        actor = self.ctx.actor
        structure = self._structure_name()
        title = _("Médianum — {agent} — {structure}").format(
            agent=actor.display_name, structure=structure
        )
        if self.ctx.demo:
            title += _(" — BASE DE DÉMONSTRATION")
        self.setWindowTitle(title)
        self.agent_label.setText(
            _("Connecté : {agent} ({login}) — {structure}").format(
                agent=actor.display_name, login=actor.login, structure=structure
            )
        )
        self._build_pages()

    def _build_pages(self) -> None:
        self.rail.blockSignals(True)
        self.rail.clear()
        self.rail.blockSignals(False)
        for page in self.pages.values():
            self.page_stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        self._loading.clear()
        self.go_menu.clear()
        for number, spec in enumerate(visible_pages(self.ctx.actor), start=1):
            item = QListWidgetItem(_(spec.title))
            item.setData(RAIL_ROLE_KEY, spec.key)
            item.setToolTip(_(spec.title))
            self.rail.addItem(item)
            shortcut = f"Ctrl+{number}" if number <= 9 else None
            self._action(self.go_menu, _(spec.title), partial(self.open_page, spec.key), shortcut)
        self.rail.setCurrentRow(0)

    # --- pages ---------------------------------------------------------------------------------

    def rail_keys(self) -> list[str]:
        return [str(self.rail.item(i).data(RAIL_ROLE_KEY)) for i in range(self.rail.count())]

    def open_page(self, key: str) -> None:
        for i in range(self.rail.count()):
            if self.rail.item(i).data(RAIL_ROLE_KEY) == key:
                self.rail.setCurrentRow(i)
                return

    def current_page(self) -> QWidget | None:
        return self.page_stack.currentWidget()

    def current_page_key(self) -> str | None:
        item = self.rail.currentItem()
        return None if item is None else str(item.data(RAIL_ROLE_KEY))

    def current_page_loading(self) -> bool:
        """Whether the page chosen in the rail still shows « Chargement de la page… »."""
        return self.current_page_key() in self._loading

    def _on_rail_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is None:
            return
        key = str(item.data(RAIL_ROLE_KEY))
        page = self.pages.get(key)
        if page is None:
            spec = next(s for s in PAGES if s.key == key)
            if spec.module not in sys.modules:
                self._load_page_in_background(spec)
                return
            page = self._create_page(spec)
            self.pages[key] = page
            self.page_stack.addWidget(page)
        elif key not in self._loading and self._needs_refresh(key, page):
            self._stale.discard(key)
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                refresh()
        self.page_stack.setCurrentWidget(page)

    def _data_changed(self, _origin: object) -> None:
        """Something was written (on any page, by any dialog or background task): every page
        built so far reads its data again the next time it is shown."""
        self._stale.update(self.pages)

    def _needs_refresh(self, key: str, page: QWidget) -> bool:
        """A page shown again reads its data again if something was written since it last did,
        always on a shared database (other desks write there unseen), or if it asks to
        (``refresh_when_shown``: the home page's date). Otherwise it is shown as it was: the
        statistics of 200,000 people are not recomputed for nothing."""
        return (
            key in self._stale
            or not self.ctx.db.is_sqlite
            or bool(getattr(page, "refresh_when_shown", False))
        )

    def _load_page_in_background(self, spec: PageSpec) -> None:
        """Import the libraries and domain modules of a page off the GUI thread (reportlab and
        qrcode for the Pass pages: up to a second on a desk PC), showing « Chargement… »
        meanwhile; the page is then built on the GUI thread, and shown if the agent is still
        waiting for it. Only modules outside ``ui`` are imported in the worker: they import no
        Qt, whereas a page's module creates Qt classes and may load the web engine."""
        loading = PlaceholderPage(_(spec.title), _("Chargement de la page…"))
        self._loading.add(spec.key)
        self.pages[spec.key] = loading
        self.page_stack.addWidget(loading)
        self.page_stack.setCurrentWidget(loading)

        def loaded(_result: object) -> None:
            if self.pages.get(spec.key) is not loading:
                return  # the pages were rebuilt meanwhile (another agent signed in)
            # No worker may be importing while this thread imports the page's module (see
            # ``ui.pages.IMPORT_LOCK``); if one is, try again shortly rather than wait for it.
            if not IMPORT_LOCK.acquire(blocking=False):
                QTimer.singleShot(50, lambda: loaded(_result))
                return
            try:
                self._loading.discard(spec.key)
                page = self._create_page(spec)  # a failed import is reported there
            finally:
                IMPORT_LOCK.release()
            shown = self.page_stack.currentWidget() is loading
            self.pages[spec.key] = page
            self.page_stack.addWidget(page)
            if shown:
                self.page_stack.setCurrentWidget(page)
            self.page_stack.removeWidget(loading)
            loading.deleteLater()

        self.ctx.tasks.run(
            lambda _progress: preload(backend_imports(spec.module)),
            on_done=loaded,
            on_error=loaded,
        )

    def _create_page(self, spec: PageSpec) -> QWidget:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            page = build_page(spec, self.ctx)
        except Exception as exc:  # noqa: BLE001 - one broken page must not take the desk down
            from ui.crash import report_exception

            report_exception(type(exc), exc, exc.__traceback__, self)
            page = PlaceholderPage(
                _(spec.title),
                _("Cette page n'a pas pu s'ouvrir. Le détail est dans le fichier journal."),
            )
        finally:
            QApplication.restoreOverrideCursor()
        requested = getattr(page, "page_requested", None)
        if requested is not None:
            requested.connect(self.open_page)
        return page

    # --- lock and agents -----------------------------------------------------------------------

    def lock_after_inactivity(self) -> None:
        self.lock(after_inactivity=True)

    def lock(self, *, after_inactivity: bool = False) -> None:
        if self.locked:
            return
        self.locked = True
        self.watcher.stop()
        # A form left open would stay readable over the lock screen: it is closed, unsaved —
        # forms write only on « OK », so nothing is half-written.
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        self.lock_screen.prepare(self.ctx.actor, after_inactivity=after_inactivity)
        self.central.setCurrentWidget(self.lock_screen)
        self._enable_commands(False)
        self.agent_label.setText(_("Poste verrouillé"))
        self.locked_changed.emit(True)

    def _on_unlocked(self, actor: Actor, same_agent: bool) -> None:
        self.locked = False
        self._enable_commands(True)
        self.central.setCurrentIndex(0)
        if same_agent:
            self._apply_title_only()
        else:
            self.set_actor(actor)
        self.watcher.start()
        self.locked_changed.emit(False)

    def _enable_commands(self, enabled: bool) -> None:
        # Shortcuts of a disabled menu still fire: each action is disabled on its own.
        self.menuBar().setEnabled(enabled)
        for action in (self.settings_action, self.switch_action, self.lock_action):
            action.setEnabled(enabled)
        for action in self.go_menu.actions():
            action.setEnabled(enabled)

    def _apply_title_only(self) -> None:
        self.agent_label.setText(
            _("Connecté : {agent} ({login}) — {structure}").format(
                agent=self.ctx.actor.display_name,
                login=self.ctx.actor.login,
                structure=self._structure_name(),
            )
        )

    def set_actor(self, actor: Actor) -> None:
        """Another agent takes the desk: every page is rebuilt for its permissions."""
        self.ctx.actor = actor
        self._apply_actor()

    def switch_agent(self) -> None:
        from ui.login import LoginDialog

        dialog = LoginDialog(self.ctx.db, self, demo=self.ctx.demo)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.actor is not None:
            self.set_actor(dialog.actor)

    def open_settings(self) -> None:
        from ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx.settings, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.watcher.set_interval(int(self.ctx.settings.get("lock_minutes")) * 60_000)

    def show_about(self) -> None:
        AboutDialog(self).exec()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.watcher.uninstall()
        super().closeEvent(event)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("À propos de Médianum"))
        self.setAccessibleName(_("À propos de Médianum"))
        self.resize(720, 560)
        layout = QVBoxLayout(self)
        text = QTextBrowser()
        text.setAccessibleName(_("À propos de Médianum"))
        text.setOpenExternalLinks(False)
        try:
            notice = paths.resource("DONNEES.md").read_text(encoding="utf-8")
        except OSError:
            notice = ""
        text.setMarkdown(
            "\n\n".join(
                [
                    "# Médianum " + application_version(),
                    _(
                        "L'outil des guichets de l'inclusion numérique : bénéficiaires, "
                        "accompagnements, Pass numériques, mandats, lieux et fragilité numérique."
                    ),
                    _(
                        "Logiciel libre sous la licence publique de l'Union européenne "
                        "(EUPL-1.2). Médianum n'envoie rien sur internet sans que vous le "
                        "demandiez : aucune télémétrie."
                    ),
                    notice,
                ]
            )
        )
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.text = text
