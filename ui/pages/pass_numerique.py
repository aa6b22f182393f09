"""Page « Pass numériques »: one tab per task, shown according to the agent's roles.

« Émettre » and « Opposition » for the desk (PASS_EMETTRE), « Encaisser » for a referenced
structure's mediator (PASS_ENCAISSER in the current structure), the rest for the coordinator
(PASS_GERER), among them the registration of the offline desks' batch keys. Every database
write runs through ``ctx.tasks``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from core.auth import Permission
from core.i18n import _
from ui.context import AppContext
from ui.widgets.fit import FittingScrollArea, scrolling
from ui.widgets.pass_cles_lot import CleLotWidget
from ui.widgets.pass_emettre import EmettreWidget, OppositionWidget
from ui.widgets.pass_encaisser import EncaisserWidget
from ui.widgets.pass_gestion import (
    CampagnesWidget,
    ExpirationsWidget,
    RapportWidget,
    RemboursementsWidget,
)


class PassPage(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Pass numériques"))
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(_("Onglets des Pass numériques"))
        layout.addWidget(self.tabs)
        actor = ctx.actor
        self.emettre: EmettreWidget | None = None
        self.encaisser: EncaisserWidget | None = None
        self.opposition: OppositionWidget | None = None
        self.campagnes: CampagnesWidget | None = None
        self.remboursements: RemboursementsWidget | None = None
        self.rapport: RapportWidget | None = None
        self.cles_lot: CleLotWidget | None = None
        self.expirations: ExpirationsWidget | None = None
        if actor.can(Permission.PASS_ENCAISSER):
            self.encaisser = EncaisserWidget(ctx)
            self._add_tab(self.encaisser, _("&Encaisser"))
        if actor.can(Permission.PASS_EMETTRE):
            self.emettre = EmettreWidget(ctx)
            self._add_tab(self.emettre, _("É&mettre"))
            self.opposition = OppositionWidget(ctx)
            self._add_tab(self.opposition, _("&Opposition"))
        gerer = actor.can_anywhere(Permission.PASS_GERER)
        if gerer:
            self.campagnes = CampagnesWidget(ctx)
            self._add_tab(self.campagnes, _("&Campagnes et structures"))
            self.remboursements = RemboursementsWidget(ctx)
            self._add_tab(self.remboursements, _("&Remboursements"))
            self.cles_lot = CleLotWidget(ctx)
            self._add_tab(self.cles_lot, _("Clés des &lots"))
            self.rapport = RapportWidget(ctx)
            self._add_tab(self.rapport, _("Rapport &financeur"))
        if gerer or actor.can(Permission.PASS_EMETTRE):
            self.expirations = ExpirationsWidget(ctx)
            self._add_tab(self.expirations, _("E&xpirations"))
        if self.tabs.count() == 0:
            self.tabs.addTab(
                QLabel(_("Votre rôle dans cette structure ne donne accès à aucun onglet.")),
                _("Pass numériques"),
            )

    def _add_tab(self, widget: QWidget, title: str) -> None:
        # Each tab scrolls on its own: the coordinator's tabs hold a form beside a list, taller
        # than a 1366×768 screen leaves once the tab bar and the window's rail are drawn.
        self.tabs.addTab(scrolling(widget), title)

    def refresh(self) -> None:
        current: QWidget | None = self.tabs.currentWidget()
        if isinstance(current, FittingScrollArea):
            current = current.widget()
        refresh = getattr(current, "refresh", None)
        if callable(refresh):
            refresh()
