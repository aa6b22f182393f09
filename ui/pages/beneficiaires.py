"""Bénéficiaires: find a person as you type, register one, open and act on their file.

The file also shows the person's Pass numérique chequebooks (to agents who issue them) and the
mandates given to the current structure (to its aidants), with « Nouveau mandat » and
« Émettre un chéquier » opening the guided screens of those domains for this person.

The list is a paging model (``ui.models.beneficiaires_model``): typing filters in SQL after a
150 ms pause, sorting is SQL, and only the visible pages of rows are loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission
from core.errors import MedianumError, NotFoundError
from core.i18n import N_, _, format_date, format_datetime
from core.models import TerritoryCommune
from core.progress import Progress
from core.territory import cog
from core.validation import format_phone
from mediation import referentiel as ref
from mediation.accompagnements import TimelineEntry, timeline
from mediation.beneficiaires import (
    BeneficiaireData,
    DuplicateCandidate,
    MergePreview,
    ProbableDuplicateError,
    commune_hors_territoire,
    create_beneficiaire,
    data_from,
    get_beneficiaire,
    merge_beneficiaires,
    merge_preview,
    update_beneficiaire,
)
from mediation.diagnostics import DiagnosticData, record_diagnostic
from mediation.droits import (
    erase_beneficiaire,
    export_personal_data,
    files_deleted_message,
    files_notice,
)
from mediation.mandats.lecture import STATUT_TITRES, MandatRow, categorie_titre, mandats_of_person
from pass_numerique.dossier import ChequebookSummary, chequebooks_of
from ui.context import AppContext
from ui.models.beneficiaires_model import BeneficiairesModel
from ui.models.mediation_paging import Work
from ui.pages.mandats.wizard import MandatRequest, NouveauMandatWizard
from ui.widgets.fit import (
    emphasize,
    fit_to_screen,
    scale_rows,
    scroll_dialog_body,
    without_tab_trap,
)
from ui.widgets.mediation_accompagnement_form import AccompagnementForm
from ui.widgets.mediation_beneficiaire_picker import BeneficiairePicker
from ui.widgets.mediation_commune_field import CommuneField
from ui.widgets.messages import confirm, show_error, show_info
from ui.widgets.operations import ReadOp
from ui.widgets.pass_emettre import EmettreWidget
from ui.widgets.progress import run_with_progress

DEBOUNCE_MS = 150


def territory_names(ctx: AppContext) -> dict[str, str]:
    with ctx.db.read_session() as session:
        return dict(
            session.execute(select(TerritoryCommune.code_insee, TerritoryCommune.nom)).all()
        )


# --- the form -------------------------------------------------------------------------------------


class BeneficiaireForm(QDialog):
    """« Nouveau bénéficiaire » (or edit): warns about a probable duplicate before creating."""

    open_existing = Signal(int)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, beneficiaire_id: int | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.beneficiaire_id = beneficiaire_id
        self.created_id: int | None = None
        self.setWindowTitle(
            _("Nouveau bénéficiaire") if beneficiaire_id is None else _("Modifier le dossier")
        )
        self.setAccessibleName(self.windowTitle())
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.anonyme = QCheckBox(_("Personne &anonyme (ni nom ni coordonnées)"), self)
        form.addRow("", self.anonyme)
        self.nom = QLineEdit(self)
        self.prenom = QLineEdit(self)
        self.annee = QLineEdit(self)
        self.annee.setInputMask("0000;_")
        self.annee.setMaximumWidth(80)
        self.genre = QComboBox(self)
        self.genre.addItems(list(ref.GENRES))
        self.genre.setCurrentText(ref.GENRE_NON_COMMUNIQUE)
        self.statut = QComboBox(self)
        self.statut.addItems(list(ref.STATUTS))
        self.statut.setCurrentText(ref.STATUT_NON_COMMUNIQUE)
        self.tranche = QComboBox(self)
        self.tranche.addItem("—")
        self.tranche.addItems(list(ref.TRANCHES_AGE))
        self.commune = CommuneField(territory_names(ctx), self)
        self.telephone = QLineEdit(self)
        self.email = QLineEdit(self)
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(60)
        self.consentement = QCheckBox(
            _("La personne &consent au traitement de ses données (date et agent enregistrés)"),
            self,
        )
        for label, widget in (
            (_("&Nom"), self.nom),
            (_("&Prénom"), self.prenom),
            (_("&Année de naissance"), self.annee),
            (_("Tranche d'âge déclarée"), self.tranche),
            (_("&Genre"), self.genre),
            (_("&Statut"), self.statut),
            (_("Co&mmune"), self.commune),
            (_("&Téléphone"), self.telephone),
            (_("&E-mail"), self.email),
            (_("Notes"), self.notes),
        ):
            title = QLabel(label, self)
            title.setBuddy(widget)
            widget.setAccessibleName(label.replace("&", ""))
            form.addRow(title, widget)
        form.addRow("", self.consentement)
        self.anonyme.toggled.connect(self._anonymous_changed)
        self._form_order = [self.anonyme, self.nom, self.prenom, self.annee, self.tranche]
        self._form_order += [self.genre, self.statut, self.commune, self.telephone, self.email]
        self._form_order += [self.notes, self.consentement]

        # The duplicate warning: inline, so that it can be read and answered by keyboard.
        self.doublon = QFrame(self)
        self.doublon.setFrameShape(QFrame.Shape.StyledPanel)
        self.doublon.setObjectName("doublon")
        self.doublon.setStyleSheet("#doublon { background:#fff4ce; border:1px solid #e0b400; }")
        self.doublon.setAccessibleName(_("Doublon probable"))
        box = QVBoxLayout(self.doublon)
        self.doublon_texte = QLabel(self.doublon)
        self.doublon_texte.setWordWrap(True)
        box.addWidget(self.doublon_texte)
        row = QHBoxLayout()
        self.ouvrir_existant = QPushButton(_("&Ouvrir le dossier existant"), self.doublon)
        self.ouvrir_existant.clicked.connect(self._open_existing)
        self.creer_quand_meme = QPushButton(_("C'est une autre personne : &créer"), self.doublon)
        self.creer_quand_meme.clicked.connect(lambda: self.save(confirm_not_duplicate=True))
        row.addWidget(self.ouvrir_existant)
        row.addWidget(self.creer_quand_meme)
        box.addLayout(row)
        self.doublon.hide()
        layout.addWidget(self.doublon)
        self.candidates: list[DuplicateCandidate] = []

        self.erreur = QLabel(self)
        self.erreur.setWordWrap(True)
        self.erreur.setStyleSheet("color:#a00000; font-weight:bold;")
        layout.addWidget(self.erreur)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Enregistrer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Tab goes down the form as it reads, not in the order the fields were created.
        chain = [*self._form_order, self.ouvrir_existant, self.creer_quand_meme, buttons]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        scroll_dialog_body(self)
        if beneficiaire_id is not None:
            self._load(beneficiaire_id)
        fit_to_screen(self)

    def _anonymous_changed(self, anonymous: bool) -> None:
        for widget in (self.nom, self.prenom, self.telephone, self.email):
            widget.setEnabled(not anonymous)
            if anonymous:
                widget.clear()

    def _load(self, beneficiaire_id: int) -> None:
        with self.ctx.db.read_session() as session:
            data = data_from(get_beneficiaire(session, self.ctx.actor, beneficiaire_id))
        self.anonyme.setChecked(data.anonyme)
        self.nom.setText(data.nom or "")
        self.prenom.setText(data.prenom or "")
        self.annee.setText(str(data.annee_naissance or ""))
        self.genre.setCurrentText(data.genre)
        self.statut.setCurrentText(data.statut)
        if data.tranche_age_declaree:
            self.tranche.setCurrentText(data.tranche_age_declaree)
        self.commune.set_code(data.commune_insee)
        self.telephone.setText(format_phone(data.telephone))
        self.email.setText(data.email or "")
        self.notes.setPlainText(data.notes or "")
        self.consentement.setChecked(data.consentement)

    def data(self) -> BeneficiaireData:
        annee = self.annee.text().strip()
        return BeneficiaireData(
            anonyme=self.anonyme.isChecked(),
            nom=self.nom.text() or None,
            prenom=self.prenom.text() or None,
            annee_naissance=int(annee) if annee else None,
            genre=self.genre.currentText(),
            statut=self.statut.currentText(),
            tranche_age_declaree=self.tranche.currentText()
            if self.tranche.currentIndex() > 0
            else None,
            commune_insee=self.commune.code_insee(),
            telephone=self.telephone.text() or None,
            email=self.email.text() or None,
            notes=self.notes.toPlainText() or None,
            consentement=self.consentement.isChecked(),
        )

    def save(self, confirm_not_duplicate: bool = False) -> None:
        self.erreur.clear()
        try:
            data = self.data()
            with self.ctx.db.session() as session:
                if self.beneficiaire_id is None:
                    b = create_beneficiaire(
                        session,
                        self.ctx.actor,
                        data,
                        confirm_not_duplicate=confirm_not_duplicate,
                    )
                else:
                    b = update_beneficiaire(session, self.ctx.actor, self.beneficiaire_id, data)
                saved_id = b.id
        except ProbableDuplicateError as exc:
            self._show_duplicates(exc)
            return
        except MedianumError as exc:
            self.erreur.setText(str(exc))
            return
        self.created_id = saved_id
        self.accept()

    def _show_duplicates(self, exc: ProbableDuplicateError) -> None:
        self.candidates = exc.candidates
        lines = [
            "• "
            + " ".join(p for p in (c.prenom, c.nom) if p)
            + (f" ({c.annee_naissance})" if c.annee_naissance else "")
            + f" — n° {c.id}"
            for c in exc.candidates
        ]
        self.doublon_texte.setText(
            _("Doublon probable : une personne très proche existe déjà.") + "\n" + "\n".join(lines)
        )
        self.doublon.show()
        self.ouvrir_existant.setFocus()

    def _open_existing(self) -> None:
        if self.candidates:
            self.open_existing.emit(self.candidates[0].id)
        self.reject()


# --- needs assessment -----------------------------------------------------------------------------


class DiagnosticDialog(QDialog):
    def __init__(self, ctx: AppContext, beneficiaire_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.beneficiaire_id = ctx, beneficiaire_id
        self.setWindowTitle(_("Nouveau diagnostic"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.date = QDateEdit(QDate.currentDate(), self)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setMaximumDate(QDate.currentDate())
        self.date.setAccessibleName(_("Date du diagnostic"))
        form.addRow(_("Date"), self.date)
        self.equipement = self._checks(_("Équipement"), ref.DIAGNOSTIC_EQUIPEMENTS, 3, layout)
        self.connexion = QCheckBox(_("Connexion internet à domicile"), self)
        self.aide = QCheckBox(_("Quelqu'un de l'entourage peut aider"), self)
        layout.addWidget(self.connexion)
        self.usages = self._checks(_("Usages"), ref.DIAGNOSTIC_USAGES, 3, layout)
        self.thematiques = self._checks(
            _("Thématiques où une aide est nécessaire"), ref.THEMATIQUES, 3, layout
        )
        layout.addWidget(self.aide)
        bottom = QFormLayout()
        self.autonomie = QComboBox(self)
        self.autonomie.addItem("—")
        self.autonomie.addItems(list(ref.AUTONOMIES))
        self.autonomie.setAccessibleName(_("Autonomie"))
        bottom.addRow(_("Autonomie"), self.autonomie)
        self.score = QSpinBox(self)
        self.score.setRange(-1, ref.ABC_DIAG_MAX_SCORE)
        self.score.setSpecialValueText(_("non passé"))
        self.score.setValue(-1)
        self.score.setAccessibleName(_("Résultat ABC Diag"))
        bottom.addRow(_("Résultat Pix « ABC Diag » (%)"), self.score)
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(60)
        self.notes.setAccessibleName(_("Notes"))
        bottom.addRow(_("Notes"), self.notes)
        layout.addLayout(bottom)
        self.erreur = QLabel(self)
        self.erreur.setStyleSheet("color:#a00000;")
        layout.addWidget(self.erreur)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Enregistrer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Annuler"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        scroll_dialog_body(self)
        fit_to_screen(self)

    def _checks(
        self, title: str, labels: tuple[str, ...], columns: int, layout: QVBoxLayout
    ) -> dict[str, QCheckBox]:
        box = QGroupBox(title, self)
        grid = QGridLayout(box)
        checks = {}
        for i, label in enumerate(labels):
            check = QCheckBox(label, box)
            checks[label] = check
            grid.addWidget(check, i // columns, i % columns)
        layout.addWidget(box)
        return checks

    def save(self) -> None:
        data = DiagnosticData(
            date=self.date.date().toPython(),  # type: ignore[arg-type]
            equipement=[k for k, c in self.equipement.items() if c.isChecked()],
            connexion_domicile=self.connexion.isChecked(),
            usages=[k for k, c in self.usages.items() if c.isChecked()],
            thematiques=[k for k, c in self.thematiques.items() if c.isChecked()],
            autonomie=self.autonomie.currentText() if self.autonomie.currentIndex() else None,
            aide_entourage=self.aide.isChecked(),
            abc_diag_score=self.score.value() if self.score.value() >= 0 else None,
            notes=self.notes.toPlainText() or None,
        )
        try:
            with self.ctx.db.session() as session:
                record_diagnostic(session, self.ctx.actor, self.beneficiaire_id, data)
        except MedianumError as exc:
            self.erreur.setText(str(exc))
            return
        self.accept()


# --- merge ----------------------------------------------------------------------------------------


class MergeDialog(QDialog):
    """« Fusionner avec… »: pick the other file, read the preview, confirm."""

    def __init__(self, ctx: AppContext, kept_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.kept_id = ctx, kept_id
        self.other_id: int | None = None
        self.setWindowTitle(_("Fusionner deux dossiers"))
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                _(
                    "Le dossier ouvert est conservé : ses valeurs l'emportent, ses champs vides "
                    "sont complétés par l'autre dossier, qui est ensuite effacé."
                ),
                self,
            )
        )
        self.picker = BeneficiairePicker(ctx.db, ctx.actor, self)
        self.picker.setAccessibleName(_("Dossier à fusionner dans celui-ci"))
        self.picker.chosen.connect(self._preview)
        layout.addWidget(self.picker)
        self.apercu = QLabel(self)
        self.apercu.setWordWrap(True)
        self.apercu.setAccessibleName(_("Aperçu de la fusion"))
        self.apercu.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        layout.addWidget(self.apercu)
        buttons = QDialogButtonBox(self)
        self.fusionner = buttons.addButton(_("Fusionner"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(_("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        self.fusionner.setEnabled(False)
        buttons.accepted.connect(self.merge)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        scroll_dialog_body(self)
        fit_to_screen(self)

    def _preview(self, other_id: int, _label: str) -> None:
        try:
            with self.ctx.db.read_session() as session:
                preview = merge_preview(session, self.ctx.actor, self.kept_id, other_id)
        except MedianumError as exc:
            self.apercu.setText(str(exc))
            self.fusionner.setEnabled(False)
            return
        self.other_id = other_id
        self.apercu.setText(describe_merge(preview))
        self.fusionner.setEnabled(True)

    def merge(self) -> None:
        if self.other_id is None:
            return
        try:
            with self.ctx.db.session() as session:
                merge_beneficiaires(session, self.ctx.actor, self.kept_id, self.other_id)
        except MedianumError as exc:
            show_error(self, exc)
            return
        self.accept()


FIELD_TITLES = {
    "nom": N_("Nom"),
    "prenom": N_("Prénom"),
    "annee_naissance": N_("Année de naissance"),
    "date_naissance": N_("Date de naissance"),
    "tranche_age_declaree": N_("Tranche d'âge déclarée"),
    "genre": N_("Genre"),
    "statut": N_("Statut"),
    "commune_insee": N_("Commune (code INSEE)"),
    "telephone": N_("Téléphone"),
    "email": N_("E-mail"),
    "notes": N_("Notes"),
    "consentement_at": N_("Consentement"),
    "consentement_agent_id": N_("Agent ayant recueilli le consentement"),
}


def _field(name: str) -> str:
    return _(FIELD_TITLES[name]) if name in FIELD_TITLES else name


def describe_merge(preview: MergePreview) -> str:
    lines = [_("Champs complétés :")]
    lines += [f"  • {_field(c.field)} : {c.result}" for c in preview.changes] or [_("  aucun")]
    if preview.conflicts:
        lines.append(_("Valeurs différentes (celle du dossier conservé l'emporte) :"))
        lines += [
            f"  • {_field(c.field)} : {c.kept_value} ≠ {c.other_value}" for c in preview.conflicts
        ]
    lines.append(
        _("{a} accompagnement(s) et {d} diagnostic(s) rejoignent le dossier conservé.").format(
            a=preview.accompagnements_moved, d=preview.diagnostics_moved
        )
    )
    return "\n".join(lines)


# --- the file -------------------------------------------------------------------------------------


class ChequierDialog(QDialog):
    """« Émettre un chéquier » for one person: the desk's issuing screen (campaign, eligibility
    with every reason, issue and print, reprint), the person already chosen."""

    def __init__(
        self, ctx: AppContext, beneficiaire_id: int, libelle: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Émettre un chéquier — {who}").format(who=libelle))
        self.setAccessibleName(_("Émettre un chéquier"))
        layout = QVBoxLayout(self)
        self.emettre = EmettreWidget(ctx, self)
        picker = self.emettre.picker
        picker.blockSignals(True)  # the person is given: no search, no completion
        picker.setText(libelle)
        picker.blockSignals(False)
        picker.setReadOnly(True)
        layout.addWidget(self.emettre)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setText(_("Fermer"))
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        scroll_dialog_body(self)
        fit_to_screen(self)
        self.emettre.choose(beneficiaire_id, libelle)
        self.emettre.campagne.setFocus()


def open_file(path: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


@dataclass(frozen=True)
class FileContents:
    """What the beneficiary's file shows, read in one read session."""

    beneficiaire_id: int
    anonyme: bool
    libelle: str
    identite: str
    entries: list[TimelineEntry]
    books: list[ChequebookSummary]
    mandats: list[MandatRow]


def read_file(
    session: Session, actor: Actor, beneficiaire_id: int, can_pass: bool, can_mandats: bool
) -> FileContents:
    b = get_beneficiaire(session, actor, beneficiaire_id)
    entries = timeline(session, actor, beneficiaire_id)
    hors = commune_hors_territoire(session, b.commune_insee)
    books = chequebooks_of(session, actor, b.id) if can_pass else []
    mandats = mandats_of_person(session, actor, b.id) if can_mandats else []
    nom = " ".join(p for p in (b.prenom, b.nom) if p) or _("Personne anonyme")
    commune = cog().get(b.commune_insee) if b.commune_insee else None
    lines = [
        _("Année de naissance : {v}").format(v=b.annee_naissance or _("non communiquée")),
        _("Tranche d'âge : {v}").format(
            v=ref.tranche_age(b.annee_naissance, b.tranche_age_declaree)
        ),
        _("Genre : {v} — Statut : {s}").format(v=b.genre, s=b.statut),
        _("Commune : {v}").format(
            v=(f"{commune.nom} ({b.commune_insee})" if commune else _("non communiquée"))
            + (_(" — hors territoire") if hors else "")
        ),
        _("Téléphone : {v}").format(v=format_phone(b.telephone) or "—"),
        _("E-mail : {v}").format(v=b.email or "—"),
        _("Consentement : {v}").format(
            v=_("donné le {date}").format(date=format_datetime(b.consentement_at))
            if b.consentement_at
            else _("non recueilli")
        ),
    ]
    if b.notes:
        lines.append(_("Notes : {v}").format(v=b.notes))
    return FileContents(
        b.id, b.anonyme, f"{nom} — n° {b.id}", "\n".join(lines), entries, books, mandats
    )


class BeneficiaireFile(QWidget):
    """The beneficiary's file: identity, contact, commune, consent, needs, timeline, actions."""

    changed = Signal()
    closed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.beneficiaire_id: int | None = None
        self._wanted: int | None = None
        self.libelle = ""
        self.anonyme = False
        self.setAccessibleName(_("Dossier du bénéficiaire"))
        layout = QVBoxLayout(self)
        self.titre = QLabel(self)
        emphasize(self.titre, 1.6)
        layout.addWidget(self.titre)
        self.identite = QLabel(self)
        self.identite.setWordWrap(True)
        self.identite.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.identite.setAccessibleName(_("Identité et contact"))
        layout.addWidget(self.identite)
        actions = QGridLayout()
        self.modifier = QPushButton(_("&Modifier"), self)
        self.nouveau_diagnostic = QPushButton(_("Nouveau &diagnostic"), self)
        self.nouvel_accompagnement = QPushButton(_("Nouvel a&ccompagnement"), self)
        self.exporter = QPushButton(_("E&xporter ses données"), self)
        self.fusionner = QPushButton(_("&Fusionner avec…"), self)
        self.effacer = QPushButton(_("Effa&cer"), self)
        self.nouveau_mandat = QPushButton(_("Nouveau manda&t"), self)
        self.emettre_chequier = QPushButton(_("Émettre un chéq&uier"), self)
        # Mandates are the current structure's aidants' business, chequebooks its desk's.
        self.can_mandats = ctx.actor.can(Permission.MANDAT_GERER)
        self.can_pass = ctx.actor.can(Permission.PASS_EMETTRE)
        buttons = [
            self.modifier,
            self.nouveau_diagnostic,
            self.nouvel_accompagnement,
            self.exporter,
            self.fusionner,
            self.effacer,
        ]
        if self.can_mandats:
            buttons.append(self.nouveau_mandat)
        else:
            self.nouveau_mandat.hide()
        if self.can_pass:
            buttons.append(self.emettre_chequier)
        else:
            self.emettre_chequier.hide()
        for i, button in enumerate(buttons):
            button.setAccessibleName(button.text().replace("&", ""))
            actions.addWidget(button, i // 3, i % 3)
        layout.addLayout(actions)
        self.modifier.clicked.connect(self.edit)
        self.nouveau_diagnostic.clicked.connect(self.new_diagnostic)
        self.nouvel_accompagnement.clicked.connect(self.new_accompagnement)
        self.exporter.clicked.connect(self.export_data)
        self.fusionner.clicked.connect(self.merge)
        self.effacer.clicked.connect(self.erase)
        self.nouveau_mandat.clicked.connect(self.new_mandate)
        self.emettre_chequier.clicked.connect(self.issue_chequebook)
        self.opener = open_file  # replaced by tests
        self.last_pdf: Path | None = None
        self.wizard: NouveauMandatWizard | None = None
        self.historique = QTreeWidget(self)
        self.historique.setHeaderLabels([_("Date"), _("Activité"), _("Durée"), _("Thématiques")])
        self.historique.setRootIsDecorated(False)
        self.historique.setAccessibleName(_("Diagnostics et accompagnements"))
        self.chequiers = QTreeWidget(self)
        self.chequiers.setHeaderLabels(
            [_("Chéquier"), _("Campagne"), _("Émis le"), _("Pass"), _("Structure")]
        )
        self.chequiers.setRootIsDecorated(False)
        self.chequiers.setAccessibleName(_("Chéquiers Pass numérique"))
        self.mandats = QTreeWidget(self)
        self.mandats.setHeaderLabels([_("Référence"), _("Catégories"), _("Fin"), _("Statut")])
        self.mandats.setRootIsDecorated(False)
        self.mandats.setAccessibleName(_("Mandats"))
        self.onglets = QTabWidget(self)
        self.onglets.setAccessibleName(_("Activités, pass et mandats"))
        self.onglets.addTab(self.historique, _("Diagnostics et accompagnements"))
        # A list the agent may not see is never shown: outside the tabs it would sit, parented to
        # the file, over the person's name.
        for allowed, tree, title in (
            (self.can_pass, self.chequiers, _("Pass numérique")),
            (self.can_mandats, self.mandats, _("Mandats")),
        ):
            if allowed:
                self.onglets.addTab(tree, title)
            else:
                tree.hide()
        layout.addWidget(self.onglets, 1)
        can_write = ctx.actor.can_anywhere(Permission.DOSSIER_ECRIRE)
        for button in (self.modifier, self.nouveau_diagnostic, self.nouvel_accompagnement):
            button.setEnabled(can_write)
        rights = ctx.actor.can_anywhere(Permission.DROITS_PERSONNES)
        self.exporter.setEnabled(rights)
        self.effacer.setEnabled(rights)
        self.fusionner.setEnabled(can_write)

    def show_beneficiaire(
        self,
        beneficiaire_id: int,
        then: Callable[[], None] | None = None,
        failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Read the file off the GUI thread (five queries), then show it and call ``then``."""
        actor, can_pass, can_mandats = self.ctx.actor, self.can_pass, self.can_mandats
        self._wanted = beneficiaire_id

        def read(session: Session, _progress: Progress) -> FileContents:
            return read_file(session, actor, beneficiaire_id, can_pass, can_mandats)

        def show(contents: FileContents) -> None:
            if contents.beneficiaire_id != self._wanted:
                return  # another file was asked for meanwhile: this one is stale
            self._show_contents(contents)
            if then is not None:
                then()

        operation = ReadOp(self, self.ctx, read, show)
        if failure is not None:
            operation.failure(failure)
        operation.run_in_background()

    def _show_contents(self, contents: FileContents) -> None:
        self.anonyme = contents.anonyme
        self.beneficiaire_id = contents.beneficiaire_id
        self.libelle = contents.libelle
        self.titre.setText(self.libelle)
        self.identite.setText(contents.identite)
        entries, books, mandats = contents.entries, contents.books, contents.mandats
        self.historique.clear()
        for e in entries:
            QTreeWidgetItem(
                self.historique,
                [
                    format_date(e.date, "short"),
                    _("Diagnostic") if e.kind == "diagnostic" else e.type,
                    _("{n} min").format(n=e.duree_min) if e.duree_min else "",
                    ", ".join(e.thematiques),
                ],
            )
        for column in range(3):
            self.historique.resizeColumnToContents(column)
        self._show_chequebooks(books)
        self._show_mandats(mandats)
        # A mandate is given by a named person only (the domain refuses it for anonymous files).
        self.nouveau_mandat.setEnabled(not self.anonyme)
        self.nouveau_mandat.setToolTip(
            _("Un mandat se donne par une personne nommée.") if self.anonyme else ""
        )

    def _show_chequebooks(self, books: list[ChequebookSummary]) -> None:
        self.chequiers.clear()
        for book in books:
            etats = book.etats_texte() or "—"
            if book.opposition_at is not None:
                etats += _(" — en opposition")
            QTreeWidgetItem(
                self.chequiers,
                [
                    _("n° {id}").format(id=book.id),
                    book.campagne,
                    format_date(book.emis_at, "short"),
                    etats,
                    book.structure,
                ],
            )
        for column in range(4):
            self.chequiers.resizeColumnToContents(column)
        index = self.onglets.indexOf(self.chequiers)
        if index >= 0:
            self.onglets.setTabText(index, _("Pass numérique ({n})").format(n=len(books)))

    def _show_mandats(self, mandats: list[MandatRow]) -> None:
        self.mandats.clear()
        for m in mandats:
            statut = _(STATUT_TITRES[m.statut])
            if m.expire_bientot:
                statut += _(" — expire bientôt")
            QTreeWidgetItem(
                self.mandats,
                [
                    m.reference,
                    ", ".join(categorie_titre(c) for c in m.categories) or "—",
                    format_date(m.fin, "short"),
                    statut,
                ],
            )
        for column in range(3):
            self.mandats.resizeColumnToContents(column)
        index = self.onglets.indexOf(self.mandats)
        if index >= 0:
            self.onglets.setTabText(index, _("Mandats ({n})").format(n=len(mandats)))

    def _refresh(self) -> None:
        if self.beneficiaire_id is not None:
            self.show_beneficiaire(self.beneficiaire_id)
        self.changed.emit()

    def edit(self) -> None:
        if self.beneficiaire_id is None:
            return
        dialog = BeneficiaireForm(self.ctx, self, self.beneficiaire_id)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._refresh()

    def new_diagnostic(self) -> None:
        if self.beneficiaire_id is None:
            return
        if DiagnosticDialog(self.ctx, self.beneficiaire_id, self).exec():
            self._refresh()

    def accompagnement_dialog(self) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle(_("Nouvel accompagnement"))
        layout = QVBoxLayout(dialog)
        form = AccompagnementForm(self.ctx, dialog)
        if self.beneficiaire_id is not None:
            form.set_beneficiaire(self.beneficiaire_id, self.libelle)
        form.saved.connect(lambda _id: dialog.accept())
        layout.addWidget(form)
        fit_to_screen(dialog)
        return dialog

    def new_accompagnement(self) -> None:
        if self.accompagnement_dialog().exec():
            self._refresh()

    def export_data(self) -> None:
        if self.beneficiaire_id is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, _("Dossier où écrire les données (PDF et JSON)")
        )
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path) -> None:
        beneficiaire_id = self.beneficiaire_id
        if beneficiaire_id is None:
            return
        target = folder / f"donnees-beneficiaire-{beneficiaire_id}-{date.today():%Y%m%d}"

        def work(_progress: Any) -> list[Path]:
            with self.ctx.db.session() as session:
                return export_personal_data(session, self.ctx.actor, beneficiaire_id, target)

        def done(paths: list[Path]) -> None:
            show_info(
                self,
                _("Données de la personne exportées (PDF lisible et JSON)."),
                "\n".join(str(p) for p in paths),
            )

        run_with_progress(self, self.ctx.tasks, work, _("Export des données de la personne…"), done)

    def merge(self) -> None:
        if (
            self.beneficiaire_id is not None
            and MergeDialog(self.ctx, self.beneficiaire_id, self).exec()
        ):
            self._refresh()

    def new_mandate(self) -> NouveauMandatWizard | None:
        """The guided screen of the mandates, for this person (non-blocking); the mandate is
        recorded and printed when it is accepted."""
        if self.beneficiaire_id is None:
            return None
        wizard = NouveauMandatWizard(self.ctx, self.beneficiaire_id, self)
        wizard.accepted.connect(lambda: self._record_mandate(wizard))
        self.wizard = wizard
        wizard.open()
        return wizard

    def _record_mandate(self, wizard: NouveauMandatWizard) -> None:
        request = wizard.request()
        if request is None:
            return

        def work(progress: Progress) -> tuple[Path, str]:
            return self._create_and_print(request, progress)

        def done(result: tuple[Path, str]) -> None:
            path, reference = result
            self.last_pdf = path
            self.opener(path)
            self._refresh()
            show_info(
                self,
                _(
                    "Mandat {reference} enregistré. Faites signer les deux exemplaires ; le PDF "
                    "est dans {path}."
                ).format(reference=reference, path=path),
            )

        run_with_progress(
            self, self.ctx.tasks, work, _("Enregistrement et impression du mandat…"), done
        )

    def _create_and_print(self, request: MandatRequest, progress: Progress) -> tuple[Path, str]:
        from ui.pages.mandats.actions import create_and_print_mandat

        return create_and_print_mandat(self.ctx, request, progress)

    def chequebook_dialog(self) -> ChequierDialog | None:
        if self.beneficiaire_id is None:
            return None
        dialog = ChequierDialog(self.ctx, self.beneficiaire_id, self.libelle, self)
        dialog.emettre.opener = self.opener
        dialog.finished.connect(lambda _r: self._refresh())
        return dialog

    def issue_chequebook(self) -> None:
        dialog = self.chequebook_dialog()
        if dialog is not None:
            dialog.exec()

    def erase(self) -> None:
        if self.beneficiaire_id is None:
            return
        if not confirm(
            self,
            _(
                "Effacer définitivement les données personnelles de {who} ? Ses activités restent "
                "dans les statistiques, de façon anonyme. Cette action est irréversible."
            ).format(who=self.libelle)
            + "\n\n"
            + files_notice(),
            yes_label=_("Effacer"),
        ):
            return
        try:
            with self.ctx.db.session() as session:
                files = erase_beneficiaire(session, self.ctx.actor, self.beneficiaire_id)
        except MedianumError as exc:
            show_error(self, exc)
            return
        if files:
            show_info(self, files_deleted_message(files))
        self.beneficiaire_id = None
        self.changed.emit()
        self.closed.emit()


# --- the page -------------------------------------------------------------------------------------


class BeneficiairesPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Bénéficiaires"))
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.recherche = QLineEdit(self)
        self.recherche.setPlaceholderText(
            _("Rechercher un nom ou un prénom (accents et majuscules ignorés)…")
        )
        self.recherche.setAccessibleName(_("Rechercher un bénéficiaire"))
        self.recherche.setClearButtonEnabled(True)
        label = QLabel(_("&Rechercher"), self)
        label.setBuddy(self.recherche)
        top.addWidget(label)
        top.addWidget(self.recherche, 1)
        self.compte = QLabel(self)
        self.compte.setAccessibleName(_("Nombre de bénéficiaires trouvés"))
        top.addWidget(self.compte)
        self.nouveau = QPushButton(_("&Nouveau bénéficiaire"), self)
        self.nouveau.setShortcut(QKeySequence("Ctrl+N"))
        self.nouveau.setEnabled(ctx.actor.can_anywhere(Permission.DOSSIER_ECRIRE))
        self.nouveau.clicked.connect(self.new_beneficiaire)
        top.addWidget(self.nouveau)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.model = BeneficiairesModel(ctx.db, ctx.actor, self)
        # Before sorting is enabled: that sorts, so reloads, and nothing is read on the GUI thread.
        self.model.reader = self._read
        self._open_first_when_loaded = False
        self.table = QTableView(splitter)
        self.table.setModel(self.model)
        self.table.setAccessibleName(_("Liste des bénéficiaires"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        scale_rows(self.table)
        without_tab_trap(self.table)
        self.table.activated.connect(self._open_index)
        # Widths from the header texts: sizing to contents would read thousands of rows.
        metrics = self.table.fontMetrics()
        for column in range(self.model.columnCount()):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            width = max(metrics.horizontalAdvance(title), metrics.averageCharWidth() * 9)
            self.table.setColumnWidth(column, width + 36)
        for column in (0, 3):  # names and communes: about twenty letters, at any text size
            self.table.setColumnWidth(column, metrics.averageCharWidth() * 20 + 16)
        self.fiche = BeneficiaireFile(ctx, splitter)
        self.fiche.hide()
        self.fiche.changed.connect(self.model.reload)
        self.fiche.closed.connect(self.fiche.hide)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.apply_search)
        self.recherche.textChanged.connect(lambda _t: self._timer.start())
        self.recherche.returnPressed.connect(self._open_first)
        QShortcut(QKeySequence("Ctrl+F"), self, self.recherche.setFocus)
        self.model.modelReset.connect(self._update_count)
        self.compte.setText(_("Chargement…"))
        self.model.reload()

    def _read(self, work: Work, done: Callable[[Any], None]) -> None:
        ReadOp(self, self.ctx, work, done).run_in_background()

    def refresh(self) -> None:
        """Shown again after a write: the list, and the file open beside it (its timeline may
        have a new accompaniment), are read again."""
        self.model.reload()
        shown = self.fiche.beneficiaire_id
        if shown is not None and not self.fiche.isHidden():
            self.fiche.show_beneficiaire(shown, failure=self._file_gone)

    def _file_gone(self, exc: BaseException) -> None:
        if isinstance(exc, NotFoundError):
            self.fiche.hide()  # erased or merged meanwhile: nothing left to show
        else:
            show_error(self, exc)

    def apply_search(self) -> None:
        self._timer.stop()
        self.model.set_texte(self.recherche.text())

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.compte.setText(
            _("{n} bénéficiaire").format(n=n) if n == 1 else _("{n} bénéficiaires").format(n=n)
        )
        if self._open_first_when_loaded:
            self._open_first_when_loaded = False
            self._open_first_row()

    def _open_first(self) -> None:
        self.apply_search()
        if self.model.loading:  # the search is still being read: open its first row once read
            self._open_first_when_loaded = True
        else:
            self._open_first_row()

    def _open_first_row(self) -> None:
        if self.model.rowCount():
            self.table.selectRow(0)
            self.table.setFocus()
            self.open_row(0)

    def _open_index(self, index: QModelIndex) -> None:
        self.open_row(index.row())

    def open_row(self, row: int) -> None:
        found = self.model.row_at(row)
        if found is not None:
            self.open_beneficiaire(found.id)

    def open_beneficiaire(self, beneficiaire_id: int) -> None:
        self.fiche.show_beneficiaire(beneficiaire_id, then=self.fiche.show)

    def new_beneficiaire_form(self) -> BeneficiaireForm:
        form = BeneficiaireForm(self.ctx, self)
        form.open_existing.connect(self.open_beneficiaire)
        return form

    def new_beneficiaire(self) -> None:
        form = self.new_beneficiaire_form()
        if form.exec() == QDialog.DialogCode.Accepted and form.created_id is not None:
            self.model.reload()
            self.open_beneficiaire(form.created_id)
