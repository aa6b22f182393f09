"""Accueil: who is signed in, today's date, the pages this agent may open."""

from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.i18n import DISPLAY_TZ, _, format_date
from ui.context import AppContext
from ui.pages import visible_pages


class AccueilPage(QWidget):
    page_requested = Signal(str)
    refresh_when_shown = True  # today's date: cheap, and right after midnight

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Accueil"))
        layout = QVBoxLayout(self)
        self.welcome = QLabel()
        self.welcome.setTextFormat(Qt.TextFormat.RichText)
        greeting = _("Bonjour, {name}").format(name=ctx.actor.display_name)
        self.welcome.setText(f"<h1>{html.escape(greeting)}</h1>")
        self.welcome.setAccessibleName(greeting)
        layout.addWidget(self.welcome)
        self.today = QLabel()
        self.today.setAccessibleName(_("Date du jour"))
        layout.addWidget(self.today)
        self.refresh()

        if ctx.demo:
            notice = QLabel(
                _(
                    "Ceci est une base de démonstration : toutes les personnes et tous les "
                    "chiffres sont fictifs. Essayez librement ; les agents de démonstration "
                    "sont « demo » (mot de passe « demo », tous les rôles), « accueil », "
                    "« mediateur », « aidant », « coordinateur » et « admin » (mot de passe "
                    "identique à l'identifiant)."
                )
            )
            notice.setWordWrap(True)
            notice.setFrameShape(QFrame.Shape.StyledPanel)
            notice.setStyleSheet("QLabel { background: #fff4ce; padding: 8px; }")
            notice.setAccessibleName(_("Avertissement : base de démonstration"))
            layout.addWidget(notice)
            self.demo_notice: QLabel | None = notice
        else:
            self.demo_notice = None

        links_title = QLabel("<h3>{}</h3>".format(_("Accès rapides")))
        links_title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(links_title)
        grid = QGridLayout()
        self.links: dict[str, QPushButton] = {}
        for index, spec in enumerate(p for p in visible_pages(ctx.actor) if p.key != "accueil"):
            button = QPushButton(_(spec.title))
            button.setAccessibleName(_("Ouvrir la page {title}").format(title=_(spec.title)))
            button.setMinimumHeight(44)
            button.clicked.connect(
                lambda _checked=False, key=spec.key: self.page_requested.emit(key)
            )
            grid.addWidget(button, index // 3, index % 3)
            self.links[spec.key] = button
        layout.addLayout(grid)
        layout.addStretch(1)

    def refresh(self) -> None:
        today = datetime.now(DISPLAY_TZ).date()
        self.today.setText(_("Nous sommes le {date}.").format(date=format_date(today)))
