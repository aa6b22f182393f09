"""« Nouveau mandat »: a guided screen in the order the law asks for.

1. (only when no person was chosen beforehand) the beneficiary;
2. the mentions to read aloud, and a tick that they were read;
3. the categories (the structure's allowed ones), specific actions, duration;
4. the identity as printed (prefilled from the file) and the no-protection-measure declaration;
5. a summary that says which older authorisations the new mandate will revoke.

The wizard only collects; the page records and prints when it is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from core import validation
from core.db import utcnow
from core.errors import MedianumError, ValidationError
from core.i18n import _, format_date, to_local
from core.models import Structure
from mediation.mandats import templates as mandat_templates
from mediation.mandats.creation import (
    MandantIdentity,
    Replacement,
    allowed_categories,
    identity_draft,
    preview_replacements,
)
from mediation.mandats.lecture import categorie_titre, duree_titre
from mediation.mandats.models import CATEGORIES, DUREES_JOURS
from ui.context import AppContext


@dataclass(frozen=True)
class MandatRequest:
    beneficiaire_id: int
    categories: list[str]
    duree_jours: int
    actions: str
    identite: MandantIdentity
    mentions_lues: bool
    hors_mesure_protection: bool


def parse_french_date(text: str) -> date | None:
    try:
        return validation.parse_french_date(text, field="date_naissance")
    except ValidationError:
        return None


class _PersonPage(QWizardPage):
    def __init__(self, wizard: NouveauMandatWizard) -> None:
        super().__init__()
        from ui.widgets.mediation_beneficiaire_picker import BeneficiairePicker

        self.w = wizard
        self.setTitle(_("La personne qui donne mandat"))
        self.setSubTitle(_("Cherchez le bénéficiaire par son nom ; son dossier doit exister."))
        self.picker = BeneficiairePicker(wizard.ctx.db, wizard.ctx.actor, self)
        self.picker.chosen.connect(self._chosen)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)

    def _chosen(self, beneficiaire_id: int, _label: str) -> None:
        self.w.beneficiaire_id = beneficiaire_id
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.w.beneficiaire_id is not None


class _MentionsPage(QWizardPage):
    def __init__(self, wizard: NouveauMandatWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Mentions à lire à la personne"))
        self.setSubTitle(
            _("Lisez ce texte à voix haute à la personne, puis cochez la case pour continuer.")
        )
        self.text = QTextBrowser(self)
        self.text.setAccessibleName(_("Mentions à lire à voix haute"))
        self.lu = QCheckBox(_("J'ai lu ces mentions à la personne et elle les a comprises"), self)
        self.lu.setAccessibleName(_("Mentions lues à la personne"))
        self.lu.toggled.connect(lambda _c: self.completeChanged.emit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.lu)

    def initializePage(self) -> None:
        version = mandat_templates.current_version(to_local(utcnow()).date())
        lecture = mandat_templates.load(version).lines("lecture")
        paragraphs = [p.format(mandataire=self.w.structure_nom) for p in lecture]
        self.text.setPlainText("\n\n".join(paragraphs))

    def isComplete(self) -> bool:
        return self.lu.isChecked()


class _CategoriesPage(QWizardPage):
    def __init__(self, wizard: NouveauMandatWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Démarches autorisées"))
        self.setSubTitle(
            _("Cochez seulement les catégories de démarches que la personne vous confie.")
        )
        grid = QGridLayout()
        self.boxes: dict[str, QCheckBox] = {}
        for i, categorie in enumerate(CATEGORIES):
            box = QCheckBox(categorie.titre, self)
            box.setAccessibleName(categorie.titre)
            box.setAccessibleDescription(categorie.couvre)
            box.setToolTip(categorie.couvre)
            box.toggled.connect(lambda _c: self.completeChanged.emit())
            covers = QLabel(categorie.couvre, self)
            covers.setStyleSheet("color: #555;")
            covers.setBuddy(box)
            grid.addWidget(box, i, 0)
            grid.addWidget(covers, i, 1)
            self.boxes[categorie.key] = box
        self.limited = QLabel(self)
        self.limited.setWordWrap(True)
        self.actions_edit = QPlainTextEdit(self)
        self.actions_edit.setPlaceholderText(_("Par exemple : création d'une adresse e-mail"))
        self.actions_edit.setAccessibleName(_("Actions spécifiques"))
        self.actions_edit.setTabChangesFocus(True)
        self.actions_edit.setMaximumHeight(70)
        self.duree = QComboBox(self)
        self.duree.setAccessibleName(_("Durée du mandat"))
        for jours in DUREES_JOURS:
            self.duree.addItem(duree_titre(jours), jours)
        self.duree.setCurrentIndex(DUREES_JOURS.index(365))
        form = QFormLayout()
        form.addRow(_("Actions spécifiques (facultatif) :"), self.actions_edit)
        form.addRow(_("Durée :"), self.duree)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.limited)
        layout.addLayout(form)

    def initializePage(self) -> None:
        allowed = set(self.w.allowed)
        for key, box in self.boxes.items():
            box.setEnabled(key in allowed)
            if key not in allowed:
                box.setChecked(False)
        if len(allowed) < len(self.boxes):
            self.limited.setText(
                _("Votre structure est habilitée pour certaines catégories seulement.")
            )

    def selected(self) -> list[str]:
        return [k for k, box in self.boxes.items() if box.isChecked() and box.isEnabled()]

    def isComplete(self) -> bool:
        return bool(self.selected())


class _IdentityPage(QWizardPage):
    def __init__(self, wizard: NouveauMandatWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Identité du mandant"))
        self.setSubTitle(_("Telle qu'elle figurera sur le mandat : vérifiez-la avec la personne."))
        self.nom = QLineEdit(self)
        self.nom.setAccessibleName(_("Nom du mandant"))
        self.prenom = QLineEdit(self)
        self.prenom.setAccessibleName(_("Prénom du mandant"))
        self.naissance = QLineEdit(self)
        self.naissance.setPlaceholderText(_("JJ/MM/AAAA"))
        self.naissance.setAccessibleName(_("Date de naissance du mandant"))
        self.lieu = QLineEdit(self)
        self.lieu.setAccessibleName(_("Lieu de naissance du mandant"))
        self.protection = QCheckBox(
            _(
                "La personne déclare n'être sous aucune mesure de protection juridique "
                "(tutelle, curatelle, sauvegarde de justice)"
            ),
            self,
        )
        self.protection.setAccessibleName(_("Aucune mesure de protection"))
        self.hint = QLabel(self)
        self.hint.setStyleSheet("color: #8a1c1c;")
        for field in (self.nom, self.prenom, self.naissance, self.lieu):
            field.textChanged.connect(lambda _t: self.completeChanged.emit())
        self.protection.toggled.connect(lambda _c: self.completeChanged.emit())
        form = QFormLayout(self)
        form.addRow(_("&Nom :"), self.nom)
        form.addRow(_("&Prénom :"), self.prenom)
        form.addRow(_("Date de &naissance :"), self.naissance)
        form.addRow(_("&Lieu de naissance :"), self.lieu)
        form.addRow(self.protection)
        form.addRow(self.hint)

    def initializePage(self) -> None:
        if self.w.beneficiaire_id is None:
            return
        try:
            with self.w.ctx.db.read_session() as session:
                draft = identity_draft(session, self.w.ctx.actor, self.w.beneficiaire_id)
        except MedianumError as exc:
            self.hint.setText(str(exc))
            return
        self.nom.setText(draft.nom)
        self.prenom.setText(draft.prenom)
        if draft.date_naissance:
            self.naissance.setText(draft.date_naissance.strftime("%d/%m/%Y"))
        self.lieu.setText(draft.lieu_naissance)

    def identity(self) -> MandantIdentity | None:
        birth = parse_french_date(self.naissance.text())
        if birth is None:
            return None
        return MandantIdentity(self.nom.text(), self.prenom.text(), birth, self.lieu.text())

    def isComplete(self) -> bool:
        filled = all(f.text().strip() for f in (self.nom, self.prenom, self.lieu))
        valid_date = False
        if self.naissance.text():
            try:
                validation.parse_french_date(self.naissance.text(), field="date_naissance")
            except ValidationError as exc:
                self.hint.setText(_("Date de naissance : {problem}").format(problem=exc))
            else:
                valid_date = True
                self.hint.setText("")
        return filled and valid_date and self.protection.isChecked()


class _SummaryPage(QWizardPage):
    def __init__(self, wizard: NouveauMandatWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Vérifier puis enregistrer"))
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.warning = QLabel(self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #8a1c1c; font-weight: bold;")
        self.warning.setAccessibleName(_("Autorisations remplacées"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.warning)
        layout.addStretch()
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Enregistrer et imprimer"))

    def initializePage(self) -> None:
        request = self.w.request()
        if request is None:
            return
        identite = request.identite
        self.summary.setText(
            _("Mandant : {prenom} {nom}, né(e) le {naissance} à {lieu}.").format(
                prenom=identite.prenom,
                nom=identite.nom,
                naissance=format_date(identite.date_naissance),
                lieu=identite.lieu_naissance,
            )
            + "\n"
            + _("Mandataire : {structure}.").format(structure=self.w.structure_nom)
            + "\n"
            + _("Mandat de {duree} pour : {categories}.").format(
                duree=duree_titre(request.duree_jours),
                categories=", ".join(f"« {categorie_titre(k)} »" for k in request.categories),
            )
        )
        with self.w.ctx.db.read_session() as session:
            replaced = preview_replacements(
                session, self.w.ctx.actor, request.beneficiaire_id, request.categories
            )
        self.w.replacements = replaced
        self.warning.setText(replacement_warning(replaced))

    def isComplete(self) -> bool:
        return self.w.request() is not None


def replacement_warning(replaced: list[Replacement]) -> str:
    if not replaced:
        return ""
    lines = [
        _("Le mandat {reference} (jusqu'au {fin}) : « {categorie} »").format(
            reference=r.reference, fin=format_date(r.fin), categorie=categorie_titre(r.categorie)
        )
        for r in replaced
    ]
    return (
        _(
            "Attention : ce nouveau mandat révoquera les autorisations plus anciennes qu'il "
            "remplace pour cette personne :"
        )
        + "\n• "
        + "\n• ".join(lines)
    )


class NouveauMandatWizard(QWizard):
    def __init__(
        self, ctx: AppContext, beneficiaire_id: int | None = None, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.beneficiaire_id = beneficiaire_id
        self.replacements: list[Replacement] = []
        self.setWindowTitle(_("Nouveau mandat"))
        self.setAccessibleName(_("Nouveau mandat"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setButtonText(QWizard.WizardButton.NextButton, _("&Suivant >"))
        self.setButtonText(QWizard.WizardButton.BackButton, _("< &Précédent"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("Annuler"))
        structure_id = ctx.actor.structure_id
        with ctx.db.read_session() as session:
            structure = session.get(Structure, structure_id) if structure_id else None
            self.structure_nom = structure.nom if structure else ""
            self.allowed = allowed_categories(session, structure_id) if structure_id else ()
        self.person_page = _PersonPage(self) if beneficiaire_id is None else None
        self.mentions_page = _MentionsPage(self)
        self.categories_page = _CategoriesPage(self)
        self.identity_page = _IdentityPage(self)
        self.summary_page = _SummaryPage(self)
        for page in (
            self.person_page,
            self.mentions_page,
            self.categories_page,
            self.identity_page,
            self.summary_page,
        ):
            if page is not None:
                self.addPage(page)
        self.resize(760, 600)

    def request(self) -> MandatRequest | None:
        identity = self.identity_page.identity()
        if self.beneficiaire_id is None or identity is None:
            return None
        return MandatRequest(
            beneficiaire_id=self.beneficiaire_id,
            categories=self.categories_page.selected(),
            duree_jours=int(self.categories_page.duree.currentData()),
            actions=self.categories_page.actions_edit.toPlainText(),
            identite=identity,
            mentions_lues=self.mentions_page.lu.isChecked(),
            hors_mesure_protection=self.identity_page.protection.isChecked(),
        )
