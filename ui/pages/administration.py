"""Administration: agents (create, roles and structures, password, deactivate), structures,
the journal check and a backup of the database. Every change goes through ``core.auth``, which
checks the permission and writes the journal; agents are never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import auth
from core.backup import backup_sqlite, timestamped_name
from core.db import utcnow
from core.errors import MedianumError, ValidationError
from core.i18n import N_, _, format_datetime, format_number
from core.journal import JournalReport, verify_journal
from core.journal_cle import (
    EtatCle,
    EtatJournal,
    export_key_file,
    import_key_file,
    key_state,
    seal_from_now_on,
)
from core.models import Role
from core.progress import Progress
from ui.context import AppContext
from ui.widgets import confirm, run_with_progress, show_error, show_info, show_warning
from ui.widgets.fit import without_tab_trap

Grant = tuple[Role, int | None]


@dataclass(frozen=True)
class AgentRow:
    id: int
    login: str
    display_name: str
    active: bool
    locked: bool
    last_login_at: datetime | None
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class Directory:
    agents: list[AgentRow]
    structures: dict[int, str]
    journal_key: EtatJournal | None = None


def _labelled(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def _password_pair() -> tuple[QLineEdit, QLineEdit]:
    first, second = QLineEdit(), QLineEdit()
    for edit, name in ((first, _("Mot de passe")), (second, _("Mot de passe (confirmation)"))):
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setAccessibleName(name)
    return first, second


def _same_passwords(first: QLineEdit, second: QLineEdit) -> str:
    if first.text() != second.text():
        second.clear()
        raise ValidationError(_("Les deux mots de passe ne sont pas identiques."), field="password")
    return first.text()


def grant_text(grant: Grant, structures: dict[int, str]) -> str:
    role, sid = grant
    where = _("toutes les structures") if sid is None else structures.get(sid, str(sid))
    return f"{auth.role_title(role)} — {where}"


class GrantsEditor(QWidget):
    """Roles held by an agent, each in one structure or in all of them."""

    def __init__(self, structures: dict[int, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.structures = structures
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setAccessibleName(_("Rôles attribués"))
        self.list.setMinimumHeight(110)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.role = QComboBox()
        self.role.setAccessibleName(_("Rôle"))
        for role in Role:
            self.role.addItem(auth.role_title(role), role.value)
        self.structure = QComboBox()
        self.structure.setAccessibleName(_("Structure du rôle"))
        self.structure.addItem(_("Toutes les structures"), None)
        for sid, nom in sorted(structures.items(), key=lambda s: s[1]):
            self.structure.addItem(nom, sid)
        add = QPushButton(_("A&jouter le rôle"))
        add.clicked.connect(self._add_current)
        remove = QPushButton(_("&Retirer le rôle"))
        remove.clicked.connect(self._remove_selected)
        row.addWidget(self.role, 1)
        row.addWidget(self.structure, 2)
        row.addWidget(add)
        row.addWidget(remove)
        layout.addLayout(row)

    def set_grants(self, grants: list[Grant]) -> None:
        self.list.clear()
        for grant in grants:
            self.add(grant)

    def add(self, grant: Grant) -> None:
        if grant in self.grants():
            return
        item = QListWidgetItem(grant_text(grant, self.structures))
        item.setData(Qt.ItemDataRole.UserRole, (grant[0].value, grant[1]))
        self.list.addItem(item)

    def _add_current(self) -> None:
        data = self.structure.currentData()
        self.add((Role(self.role.currentData()), int(data) if data is not None else None))

    def _remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def grants(self) -> list[Grant]:
        result: list[Grant] = []
        for i in range(self.list.count()):
            role, sid = self.list.item(i).data(Qt.ItemDataRole.UserRole)
            result.append((Role(role), sid))
        return result


class _FormDialog(QDialog):
    """A dialog whose « OK » runs ``apply``; a refusal is said under the fields, nothing lost."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.body = QVBoxLayout(self)
        self.form = QFormLayout()
        self.body.addLayout(self.form)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #a40000;")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.body.addWidget(self.error_label)
        self.body.addWidget(self.buttons)

    def apply(self) -> None:
        raise NotImplementedError

    def _submit(self) -> None:
        try:
            self.apply()
        except MedianumError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.accept()


class NewAgentDialog(_FormDialog):
    def __init__(
        self, ctx: AppContext, structures: dict[int, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(_("Nouvel agent"), parent)
        self.ctx = ctx
        self.login = QLineEdit()
        self.login.setAccessibleName(_("Identifiant"))
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName(_("Nom affiché"))
        self.password, self.password_again = _password_pair()
        self.grants = GrantsEditor(structures)
        self.form.addRow(_labelled(_("&Identifiant :"), self.login), self.login)
        self.form.addRow(_labelled(_("&Nom affiché :"), self.display_name), self.display_name)
        self.form.addRow(_labelled(_("&Mot de passe :"), self.password), self.password)
        self.form.addRow(
            _labelled(_("Mot de passe (&confirmation) :"), self.password_again),
            self.password_again,
        )
        self.form.addRow(_labelled(_("Rôl&es :"), self.grants.list), self.grants)
        self.finish_layout()

    def apply(self) -> None:
        password = _same_passwords(self.password, self.password_again)
        if not self.grants.grants():
            raise ValidationError(_("Donnez au moins un rôle à l'agent."), field="roles")
        with self.ctx.db.session() as session:
            auth.create_agent(
                session,
                self.ctx.actor,
                self.login.text(),
                self.display_name.text(),
                password,
                self.grants.grants(),
            )


class GrantsDialog(_FormDialog):
    def __init__(
        self,
        ctx: AppContext,
        agent: AgentRow,
        structures: dict[int, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_("Rôles et structures de {name}").format(name=agent.display_name), parent)
        self.ctx, self.agent = ctx, agent
        self.grants = GrantsEditor(structures)
        self.grants.set_grants(list(agent.grants))
        self.form.addRow(_labelled(_("Rôl&es :"), self.grants.list), self.grants)
        self.finish_layout()

    def apply(self) -> None:
        if not self.grants.grants():
            raise ValidationError(
                _("Un agent garde au moins un rôle ; pour lui retirer l'accès, désactivez-le."),
                field="roles",
            )
        with self.ctx.db.session() as session:
            auth.set_agent_grants(session, self.ctx.actor, self.agent.id, self.grants.grants())


class PasswordDialog(_FormDialog):
    def __init__(self, ctx: AppContext, agent: AgentRow, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Nouveau mot de passe pour {name}").format(name=agent.display_name), parent
        )
        self.ctx, self.agent = ctx, agent
        self.password, self.password_again = _password_pair()
        note = QLabel(
            _(
                "L'agent devra le changer à sa prochaine connexion. Un compte verrouillé après "
                "trop d'essais est aussi déverrouillé."
            )
        )
        note.setWordWrap(True)
        self.body.insertWidget(0, note)
        self.form.addRow(_labelled(_("&Mot de passe :"), self.password), self.password)
        self.form.addRow(
            _labelled(_("Mot de passe (&confirmation) :"), self.password_again),
            self.password_again,
        )
        self.finish_layout()

    def apply(self) -> None:
        password = _same_passwords(self.password, self.password_again)
        with self.ctx.db.session() as session:
            auth.reset_password(session, self.ctx.actor, self.agent.id, password)


class StructureDialog(_FormDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(_("Nouvelle structure"), parent)
        self.ctx = ctx
        self.nom = QLineEdit()
        self.nom.setAccessibleName(_("Nom de la structure"))
        self.siret = QLineEdit()
        self.siret.setAccessibleName(_("SIRET (facultatif)"))
        self.adresse = QLineEdit()
        self.adresse.setAccessibleName(_("Adresse"))
        self.code_postal = QLineEdit()
        self.code_postal.setAccessibleName(_("Code postal"))
        self.code_postal.setMaxLength(5)
        self.commune = QLineEdit()
        self.commune.setAccessibleName(_("Code INSEE de la commune (facultatif)"))
        self.commune.setMaxLength(5)
        for text, widget in (
            (_("&Nom :"), self.nom),
            (_("&SIRET (facultatif) :"), self.siret),
            (_("&Adresse :"), self.adresse),
            (_("Code &postal :"), self.code_postal),
            (_("Code &INSEE de la commune :"), self.commune),
        ):
            self.form.addRow(_labelled(text, widget), widget)
        self.finish_layout()

    def apply(self) -> None:
        commune = self.commune.text().strip() or None
        if commune is not None:
            from core.territory import commune as find_commune

            find_commune(commune)
        with self.ctx.db.session() as session:
            auth.create_structure(
                session,
                self.ctx.actor,
                self.nom.text(),
                siret=self.siret.text().strip() or None,
                adresse=self.adresse.text(),
                code_postal=self.code_postal.text(),
                commune_insee=commune,
            )


class AdministrationPage(QWidget):
    COLUMNS = (N_("Identifiant"), N_("Nom"), N_("Rôles"), N_("État"), N_("Dernière connexion"))

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.directory = Directory([], {})
        self.setAccessibleName(_("Administration"))
        layout = QVBoxLayout(self)
        heading = QLabel("<h2>{}</h2>".format(_("Administration")))
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(heading)

        agents_box = QGroupBox(_("Agents"))
        agents_layout = QVBoxLayout(agents_box)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName(_("Liste des agents"))
        without_tab_trap(self.table)
        self.table.setHorizontalHeaderLabels([_(c) for c in self.COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        agents_layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.new_agent_button = QPushButton(_("&Nouvel agent…"))
        self.new_agent_button.clicked.connect(self.new_agent)
        self.grants_button = QPushButton(_("&Rôles et structures…"))
        self.grants_button.clicked.connect(self.edit_grants)
        self.password_button = QPushButton(_("Nouveau &mot de passe…"))
        self.password_button.clicked.connect(self.reset_password)
        self.active_button = QPushButton(_("&Désactiver"))
        self.active_button.clicked.connect(self.toggle_active)
        self.unlock_button = QPushButton(_("Déverrouill&er"))
        self.unlock_button.setToolTip(_("Lever le verrouillage après trop d'essais"))
        self.unlock_button.clicked.connect(self.unlock)
        for button in (
            self.new_agent_button,
            self.grants_button,
            self.password_button,
            self.active_button,
            self.unlock_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        agents_layout.addLayout(buttons)
        layout.addWidget(agents_box, 1)

        tools_box = QGroupBox(_("Installation"))
        tools = QHBoxLayout(tools_box)
        self.structure_button = QPushButton(_("Nouvelle s&tructure…"))
        self.structure_button.clicked.connect(self.new_structure)
        self.journal_button = QPushButton(_("&Vérifier le journal"))
        self.journal_button.clicked.connect(self.check_journal)
        self.backup_button = QPushButton(_("&Sauvegarder la base…"))
        self.backup_button.clicked.connect(self.backup)
        for button in (self.structure_button, self.journal_button, self.backup_button):
            tools.addWidget(button)
        tools.addStretch(1)
        layout.addWidget(tools_box)

        # The journal's key: sealed from the first start; an older installation is offered the
        # sealing, a desk of a shared database imports the key, an administrator exports it.
        key_box = QGroupBox(_("Clé du journal"))
        key_layout = QVBoxLayout(key_box)
        self.journal_key_label = QLabel()
        self.journal_key_label.setWordWrap(True)
        key_layout.addWidget(self.journal_key_label)
        key_buttons = QHBoxLayout()
        self.seal_button = QPushButton(_("Sceller &le journal"))
        self.seal_button.clicked.connect(self.seal_journal)
        self.export_key_button = QPushButton(_("E&xporter la clé du journal…"))
        self.export_key_button.clicked.connect(self.export_journal_key)
        self.import_key_button = QPushButton(_("&Importer la clé du journal…"))
        self.import_key_button.clicked.connect(self.import_journal_key)
        for button in (self.seal_button, self.export_key_button, self.import_key_button):
            key_buttons.addWidget(button)
            button.hide()
        key_buttons.addStretch(1)
        key_layout.addLayout(key_buttons)
        layout.addWidget(key_box)
        self.refresh()

    # --- list ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ctx.tasks.run(self._load, on_done=self._show, on_error=lambda e: show_error(self, e))

    def _load(self, _progress: Progress) -> Directory:
        with self.ctx.db.read_session() as session:
            now = utcnow()
            agents = [
                AgentRow(
                    a.id,
                    a.login,
                    a.display_name,
                    a.active,
                    a.locked_until is not None and a.locked_until > now,
                    a.last_login_at,
                    tuple((r.role, r.structure_id) for r in a.roles),
                )
                for a in auth.list_agents(session, self.ctx.actor)
            ]
            structures = {s.id: s.nom for s in auth.list_structures(session)}
            journal_key = key_state(session)
        return Directory(agents, structures, journal_key)

    def _show(self, directory: Directory) -> None:
        selected = self.selected_agent()
        self.directory = directory
        self.table.setRowCount(len(directory.agents))
        for row, agent in enumerate(directory.agents):
            if not agent.active:
                state = _("Désactivé")
            elif agent.locked:
                state = _("Verrouillé (trop d'essais)")
            else:
                state = _("Actif")
            cells = (
                agent.login,
                agent.display_name,
                " ; ".join(grant_text(g, directory.structures) for g in agent.grants),
                state,
                format_datetime(agent.last_login_at) if agent.last_login_at else _("jamais"),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, agent.id)
                if not agent.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        if selected is not None:
            self.select_agent(selected.id)
        self._update_buttons()
        if directory.journal_key is not None:
            self._show_journal_key(directory.journal_key)

    def _show_journal_key(self, state: EtatJournal) -> None:
        if state.etat is EtatCle.SCELLE:
            text = _(
                "Le journal est scellé par la clé {kid}, gardée dans le trousseau de ce poste. "
                "Exportez-la pour chaque poste qui partage cette base."
            ).format(kid=state.cle_id)
        else:
            text = state.message() or ""
        self.journal_key_label.setText(text)
        self.seal_button.setVisible(state.etat is EtatCle.NON_SCELLE)
        self.export_key_button.setVisible(state.etat is EtatCle.SCELLE)
        self.import_key_button.setVisible(state.etat is not EtatCle.SCELLE)

    def selected_agent(self) -> AgentRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        index = rows[0].row()
        return self.directory.agents[index] if index < len(self.directory.agents) else None

    def select_agent(self, agent_id: int) -> None:
        for row, agent in enumerate(self.directory.agents):
            if agent.id == agent_id:
                self.table.selectRow(row)
                return

    def _update_buttons(self) -> None:
        agent = self.selected_agent()
        for button in (self.grants_button, self.password_button, self.active_button):
            button.setEnabled(agent is not None)
        self.unlock_button.setEnabled(agent is not None and agent.locked)
        if agent is not None and not agent.active:
            self.active_button.setText(_("&Réactiver"))
        else:
            self.active_button.setText(_("&Désactiver"))

    # --- actions -------------------------------------------------------------------------------

    def _dialog_then_refresh(self, dialog: QDialog) -> None:
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def new_agent(self) -> None:
        self._dialog_then_refresh(NewAgentDialog(self.ctx, self.directory.structures, self))

    def edit_grants(self) -> None:
        agent = self.selected_agent()
        if agent is not None:
            self._dialog_then_refresh(
                GrantsDialog(self.ctx, agent, self.directory.structures, self)
            )

    def reset_password(self) -> None:
        agent = self.selected_agent()
        if agent is not None:
            self._dialog_then_refresh(PasswordDialog(self.ctx, agent, self))

    def toggle_active(self) -> None:
        agent = self.selected_agent()
        if agent is None:
            return
        if agent.active:
            question = _(
                "Désactiver le compte de {name} ({login}) ? Il ne pourra plus se connecter. "
                "Rien n'est effacé : le journal garde ses actions et le compte peut être "
                "réactivé."
            ).format(name=agent.display_name, login=agent.login)
            if not confirm(self, question, yes_label=_("Désactiver")):
                return
            change = auth.deactivate_agent
        else:
            question = _("Réactiver le compte de {name} ({login}) ?").format(
                name=agent.display_name, login=agent.login
            )
            if not confirm(self, question, yes_label=_("Réactiver")):
                return
            change = auth.reactivate_agent

        def work(_progress: Progress) -> None:
            with self.ctx.db.session() as session:
                change(session, self.ctx.actor, agent.id)

        self.ctx.tasks.run(
            work, on_done=lambda _r: self.refresh(), on_error=lambda e: show_error(self, e)
        )

    def unlock(self) -> None:
        agent = self.selected_agent()
        if agent is None or not agent.locked:
            return

        def work(_progress: Progress) -> None:
            with self.ctx.db.session() as session:
                auth.unlock_agent(session, self.ctx.actor, agent.id)

        self.ctx.tasks.run(
            work, on_done=lambda _r: self.refresh(), on_error=lambda e: show_error(self, e)
        )

    def seal_journal(self) -> None:
        question = _(
            "Sceller le journal à partir de maintenant ? Une clé secrète est créée dans le "
            "trousseau de ce poste ; chaque poste qui partage la base devra l'importer."
        )
        if not confirm(self, question, yes_label=_("Sceller")):
            return

        def work(_progress: Progress) -> str:
            with self.ctx.db.session() as session:
                return seal_from_now_on(session, self.ctx.actor)

        def done(kid: str) -> None:
            show_info(self, _("Journal scellé par la clé {kid}.").format(kid=kid))
            self.refresh()

        self.ctx.tasks.run(work, on_done=done, on_error=lambda e: show_error(self, e))

    def choose_key_export_file(self) -> Path | None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Fichier où écrire la clé du journal"), str(Path.home() / "cle-journal.txt")
        )
        return Path(name) if name else None

    def choose_key_import_file(self) -> Path | None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Fichier de la clé du journal"), str(Path.home())
        )
        return Path(name) if name else None

    def export_journal_key(self) -> None:
        target = self.choose_key_export_file()
        if target is None:
            return

        def work(_progress: Progress) -> str:
            with self.ctx.db.session() as session:
                return export_key_file(session, self.ctx.actor, target)

        self.ctx.tasks.run(
            work,
            on_done=lambda kid: show_info(
                self,
                _(
                    "Clé du journal {kid} écrite dans {path} : portez ce fichier sur chaque "
                    "poste de la base partagée, importez-le, puis détruisez-le."
                ).format(kid=kid, path=target),
            ),
            on_error=lambda e: show_error(self, e),
        )

    def import_journal_key(self) -> None:
        source = self.choose_key_import_file()
        if source is None:
            return
        try:
            kid = import_key_file(source)
        except MedianumError as exc:
            show_error(self, exc)
            return
        show_info(self, _("Clé du journal {kid} importée.").format(kid=kid))
        self.refresh()

    def new_structure(self) -> None:
        self._dialog_then_refresh(StructureDialog(self.ctx, self))

    def check_journal(self) -> None:
        def work(_progress: Progress) -> JournalReport:
            with self.ctx.db.read_session() as session:
                return verify_journal(session)

        run_with_progress(
            self,
            self.ctx.tasks,
            work,
            _("Vérification du journal…"),
            on_done=self._show_journal_report,
        )

    def _show_journal_report(self, report: JournalReport) -> None:
        count = format_number(report.count)
        if report.ok:
            show_info(
                self,
                _("Journal intact : {n} entrées vérifiées, aucune modification détectée.").format(
                    n=count
                ),
            )
            return
        show_warning(
            self,
            _(
                "Le journal a été altéré : {p} anomalie(s) sur {n} entrées. Conservez une "
                "sauvegarde de la base et prévenez le responsable de la sécurité.\n\n{details}"
            ).format(
                p=format_number(len(report.problems)),
                n=count,
                details="\n".join(report.problems[:20]),
            ),
        )

    def choose_backup_folder(self) -> Path | None:
        folder = QFileDialog.getExistingDirectory(
            self, _("Dossier où enregistrer la sauvegarde"), str(Path.home())
        )
        return Path(folder) if folder else None

    def backup(self) -> None:
        db = self.ctx.db
        if not db.is_sqlite or not db.url.database:
            show_info(
                self,
                _(
                    "La base est partagée sur un serveur PostgreSQL : sa sauvegarde se fait sur "
                    "le serveur, avec pg_dump (par exemple « pg_dump -Fc -f medianum.dump "
                    "{name} »)."
                ).format(name=db.url.database or ""),
            )
            return
        folder = self.choose_backup_folder()
        if folder is None:
            return
        source = Path(db.url.database)
        target = folder / timestamped_name("manuelle")

        def work(_progress: Progress) -> Path:
            return backup_sqlite(source, target)

        run_with_progress(
            self,
            self.ctx.tasks,
            work,
            _("Sauvegarde de la base…"),
            on_done=lambda path: show_info(
                self, _("Base sauvegardée dans le fichier :\n{path}").format(path=path)
            ),
        )
