"""The login screen: agent and password, then the structure when the agent works in several.

A wrong password or a locked account is said in French under the fields; what was typed in the
login field stays, the password field is emptied and focused again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.auth import Actor, authenticate, change_own_password, checked_hash
from core.db import Database
from core.errors import MedianumError, ValidationError
from core.i18n import N_, _
from core.models import Agent, Structure


def sign_in(db: Database, login: str, password: str) -> tuple[Actor, list[tuple[int, str]]]:
    """Authenticate; return the actor and the structures it may choose between (id, name)."""
    # argon2 before the writing transaction: on SQLite that transaction holds the whole
    # database's writer lock, which other desks' writes would otherwise queue behind.
    with db.read_session() as session:
        verified = checked_hash(session, login, password)
    with db.session() as session:
        actor = authenticate(session, login, password, verified_hash=verified)
        found = [session.get(Structure, sid) for sid in actor.structure_ids]
        choices = sorted(((s.id, s.nom) for s in found if s is not None), key=lambda c: c[1])
    return actor, choices


def must_change_password(db: Database, actor: Actor) -> bool:
    with db.read_session() as session:
        agent = session.get(Agent, actor.agent_id)
        return agent is not None and agent.must_change_password


class ChangePasswordDialog(QDialog):
    """After an administrator reset it, the agent chooses its own password before going on."""

    def __init__(
        self, db: Database, actor: Actor, old_password: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db, self.actor, self.old_password = db, actor, old_password
        self.setWindowTitle(_("Choisir un nouveau mot de passe"))
        self.setAccessibleName(_("Choisir un nouveau mot de passe"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "Votre mot de passe a été réinitialisé par un administrateur : choisissez-en "
                "un nouveau, que vous seul connaîtrez."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.password = QLineEdit()
        self.password_again = QLineEdit()
        for edit, name, text in (
            (self.password, _("Nouveau mot de passe"), _("&Nouveau mot de passe :")),
            (self.password_again, _("Confirmation"), _("&Confirmation :")),
        ):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setAccessibleName(name)
            label = QLabel(text)
            label.setBuddy(edit)
            form.addRow(label, edit)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #a40000;")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def submit(self) -> None:
        try:
            if self.password.text() != self.password_again.text():
                self.password_again.clear()
                raise ValidationError(_("Les deux mots de passe ne sont pas identiques."))
            with self.db.session() as session:
                change_own_password(session, self.actor, self.old_password, self.password.text())
        except MedianumError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.accept()


def ensure_own_password(db: Database, actor: Actor, password: str, parent: QWidget) -> bool:
    """After an administrator reset, the agent chooses its own password before going on.

    True when the agent may go on (nothing to change, or the new password was saved); False
    when it declined, and then it must not get in with the provisional password.
    """
    if not must_change_password(db, actor):
        return True
    change = ChangePasswordDialog(db, actor, password, parent)
    return change.exec() == QDialog.DialogCode.Accepted


REFUSED_PROVISIONAL = N_("Choisissez un nouveau mot de passe pour continuer.")


class StructureChooser(QWidget):
    """A combo of the structures an agent works in; hidden when there is nothing to choose."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.setAccessibleName(_("Structure"))
        label = QLabel(_("&Structure :"))
        label.setBuddy(self.combo)
        layout.addRow(label, self.combo)

    def offer(self, choices: list[tuple[int, str]], current: int | None) -> None:
        self.combo.clear()
        for sid, nom in choices:
            self.combo.addItem(nom, sid)
        index = self.combo.findData(current)
        self.combo.setCurrentIndex(max(index, 0))
        self.setVisible(len(choices) > 1)

    def chosen(self) -> int | None:
        data = self.combo.currentData()
        return int(data) if data is not None else None


class CredentialsForm(QWidget):
    """Identifier, password, structure choice and error line: the login dialog and the lock
    screen ask for the same things the same way."""

    def __init__(self, login: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.login_edit = QLineEdit(login)
        self.login_edit.setAccessibleName(_("Identifiant"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(_("Mot de passe"))
        login_label = QLabel(_("&Identifiant :"))
        login_label.setBuddy(self.login_edit)
        password_label = QLabel(_("&Mot de passe :"))
        password_label.setBuddy(self.password_edit)
        form.addRow(login_label, self.login_edit)
        form.addRow(password_label, self.password_edit)
        layout.addLayout(form)
        self.structures = StructureChooser()
        self.structures.hide()
        layout.addWidget(self.structures)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #a40000;")
        self.error_label.setAccessibleName(_("Message"))
        self.error_label.hide()
        layout.addWidget(self.error_label)


class LoginDialog(QDialog):
    def __init__(
        self,
        db: Database,
        parent: QWidget | None = None,
        *,
        login: str = "",
        demo: bool = False,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self._pending: Actor | None = None
        self.setWindowTitle(_("Médianum — connexion"))
        self.setAccessibleName(_("Connexion"))
        self.setMinimumWidth(420)

        layout = QVBoxLayout(self)
        intro = QLabel(_("Identifiez-vous pour ouvrir Médianum."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if demo:
            notice = QLabel(
                _(
                    "Base de démonstration : données fictives. Agent « demo », "
                    "mot de passe « demo »."
                )
            )
            notice.setWordWrap(True)
            layout.addWidget(notice)

        credentials = CredentialsForm(login)
        layout.addWidget(credentials)
        self.login_edit = credentials.login_edit
        self.password_edit = credentials.password_edit
        self.structures = credentials.structures
        self.error_label = credentials.error_label

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(_("Se &connecter"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.password_edit if login else self.login_edit).setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        if self._pending is not None:
            # Second step: the agent chose the structure it works for now.
            self.actor = self._pending.with_structure(self.structures.chosen())
            self.accept()
            return
        login = self.login_edit.text().strip()
        if not login:
            self._say(_("Indiquez votre identifiant."))
            self.login_edit.setFocus()
            return
        try:
            actor, choices = sign_in(self.db, login, self.password_edit.text())
        except MedianumError as exc:
            self.password_edit.clear()
            self.password_edit.setFocus()
            self._say(str(exc))
            return
        self.error_label.hide()
        if not ensure_own_password(self.db, actor, self.password_edit.text(), self):
            self.password_edit.clear()
            self._say(_(REFUSED_PROVISIONAL))
            return
        if len(choices) > 1:
            self._pending = actor
            self.login_edit.setEnabled(False)
            self.password_edit.setEnabled(False)
            self.structures.offer(choices, actor.structure_id)
            self.structures.combo.setFocus()
            return
        self.actor = actor
        self.accept()

    def _say(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
