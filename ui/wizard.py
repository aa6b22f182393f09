"""First start on an empty database: the first administrator and the territory.

One short form, one transaction: either both are created or nothing is. The territory defaults
to the preset shipped in ``resources/territoires/`` (the CA de La Rochelle and its 28 communes),
whose communes are listed so the person sees what they accept.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import func, select

from core.auth import Actor, create_agent
from core.db import Database
from core.errors import MedianumError, ValidationError
from core.i18n import _, format_number
from core.journal_cle import no_keyring_notice, seal_new_installation
from core.models import Agent, Role
from core.territory import TerritoryPreset, configure_territory, get_territory, presets
from ui.login import sign_in
from ui.widgets import show_warning


def _labelled(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


class FirstRunWizard(QDialog):
    """Creates what is missing of (first administrator, territory), then signs the admin in."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self.journal_key: str | None = None
        with db.read_session() as session:
            self.needs_admin = session.scalar(select(func.count()).select_from(Agent)) == 0
            self.needs_territory = get_territory(session) is None
        self.presets: list[TerritoryPreset] = presets() if self.needs_territory else []

        self.setWindowTitle(_("Médianum — premier démarrage"))
        self.setAccessibleName(_("Premier démarrage"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "Bienvenue dans Médianum. Avant de commencer, créez le premier administrateur "
                "et indiquez le territoire servi par cette installation."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.display_name = QLineEdit()
        self.display_name.setAccessibleName(_("Nom affiché"))
        self.login = QLineEdit("admin")
        self.login.setAccessibleName(_("Identifiant"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Mot de passe"))
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again.setAccessibleName(_("Mot de passe (confirmation)"))
        if self.needs_admin:
            box = QGroupBox(_("Premier administrateur"))
            form = QFormLayout(box)
            form.addRow(_labelled(_("&Nom affiché :"), self.display_name), self.display_name)
            form.addRow(_labelled(_("&Identifiant :"), self.login), self.login)
            form.addRow(_labelled(_("&Mot de passe :"), self.password), self.password)
            form.addRow(
                _labelled(_("Mot de passe (&confirmation) :"), self.password_again),
                self.password_again,
            )
            layout.addWidget(box)

        self.territory_name = QLineEdit()
        self.territory_name.setAccessibleName(_("Nom du territoire"))
        self.preset_combo = QComboBox()
        self.preset_combo.setAccessibleName(_("Territoire prédéfini"))
        self.communes = QListWidget()
        self.communes.setAccessibleName(_("Communes du territoire"))
        self.communes_count = QLabel()
        if self.needs_territory:
            box = QGroupBox(_("Territoire"))
            form = QFormLayout(box)
            for preset in self.presets:
                self.preset_combo.addItem(preset.nom, preset.siren)
            self.preset_combo.currentIndexChanged.connect(self._show_preset)
            form.addRow(
                _labelled(_("Territoire &prédéfini :"), self.preset_combo), self.preset_combo
            )
            form.addRow(
                _labelled(_("Nom du &territoire :"), self.territory_name), self.territory_name
            )
            form.addRow(self.communes_count)
            form.addRow(self.communes)
            layout.addWidget(box)
            self._show_preset(0)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #a40000;")
        self.error_label.hide()
        layout.addWidget(self.error_label)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(_("C&réer et commencer"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.display_name if self.needs_admin else self.territory_name).setFocus()

    def _preset(self) -> TerritoryPreset | None:
        index = self.preset_combo.currentIndex()
        return self.presets[index] if 0 <= index < len(self.presets) else None

    def _show_preset(self, _index: int) -> None:
        preset = self._preset()
        self.communes.clear()
        if preset is None:
            self.communes_count.setText(_("Aucun territoire prédéfini n'est disponible."))
            return
        self.territory_name.setText(preset.nom)
        for commune in preset.communes:
            self.communes.addItem(f"{commune.nom} ({commune.code_insee})")
        self.communes_count.setText(
            _("{n} communes :").format(n=format_number(len(preset.communes)))
        )

    def submit(self) -> None:
        try:
            self._create()
        except MedianumError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.accept()

    def _create(self) -> None:
        login = self.login.text().strip().lower()
        password = self.password.text()
        if self.needs_admin and password != self.password_again.text():
            self.password_again.clear()
            raise ValidationError(
                _("Les deux mots de passe ne sont pas identiques."), field="password"
            )
        preset = self._preset()
        if self.needs_territory and preset is None:
            raise ValidationError(_("Aucun territoire prédéfini dans les ressources."))
        with self.db.session() as session:
            if self.needs_admin:
                # A new installation: its journal's first line is the key that seals it.
                self.journal_key = seal_new_installation(session)
            if self.needs_territory and preset is not None:
                configure_territory(
                    session,
                    None,
                    self.territory_name.text(),
                    preset.siren,
                    [c.code_insee for c in preset.communes],
                )
            if self.needs_admin:
                create_agent(
                    session,
                    None,
                    login,
                    self.display_name.text(),
                    password,
                    [(Role.ADMINISTRATEUR, None)],
                )
        if self.needs_admin and self.journal_key is None:
            show_warning(self, no_keyring_notice())
        if self.needs_admin:
            # The administrator has just typed the password: asking it again would be noise.
            self.actor, _choices = sign_in(self.db, login, password)
