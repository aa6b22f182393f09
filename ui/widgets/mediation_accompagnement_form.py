"""The accompaniment form, built to be filled in under a minute with the keyboard alone.

Tab order follows the paper form; mnemonics (Alt+letter) jump to the main fields; duration
presets are buttons reached with Tab and pressed with Space; Ctrl+Entrée records. Sub-themes of
« Aide aux démarches administratives » appear only when that thématique is ticked, and the
mandate reminder (from the mandates domain, when installed) is shown for a named person.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.auth import Permission
from core.errors import MedianumError, ValidationError
from core.i18n import _
from mediation import referentiel as ref
from mediation.accompagnements import (
    AccompagnementData,
    AnonymousCount,
    duplicate_data,
    last_recorded_by,
    record_accompagnement,
)
from ui.context import AppContext
from ui.widgets.fit import compact_combo, scrolling
from ui.widgets.mediation_beneficiaire_picker import BeneficiairePicker

MandateReminder = Callable[..., str | None]


def _mandate_reminder() -> MandateReminder | None:
    """``mediation.mandats.lecture.mandate_reminder`` when the mandates domain is installed."""
    if importlib.util.find_spec("mediation.mandats") is None:
        return None
    module = importlib.import_module("mediation.mandats.lecture")
    found: MandateReminder | None = getattr(module, "mandate_reminder", None)
    return found


def _grid_of_checkboxes(
    labels: tuple[str, ...], columns: int, parent: QWidget
) -> tuple[QGridLayout, dict[str, QCheckBox]]:
    grid = QGridLayout()
    boxes: dict[str, QCheckBox] = {}
    for i, label in enumerate(labels):
        box = QCheckBox(label, parent)
        box.setAccessibleName(label)
        boxes[label] = box
        grid.addWidget(box, i // columns, i % columns)
    return grid, boxes


class AccompagnementForm(QWidget):
    saved = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(_("Saisie d'un accompagnement"))
        self._participants: dict[int, str] = {}
        self._beneficiaire: tuple[int, str] | None = None
        # The reminder sends the agent to the Mandats page: only for those who may open it.
        self._reminder: MandateReminder | None = None
        if ctx.actor.can(Permission.MANDAT_GERER):
            # Importing the mandates domain takes about 0.1 s: not on the GUI thread.
            ctx.tasks.run(lambda _progress: _mandate_reminder(), on_done=self._set_reminder)
        self._error_field: str | None = None

        # The fields scroll; the message and the buttons below them stay in view.
        self.body = QWidget(self)
        outer = QVBoxLayout(self.body)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        outer.addLayout(form)

        # Type
        self.individuel = QRadioButton(_("&Individuel"), self)
        self.atelier = QRadioButton(_("A&telier collectif"), self)
        self.individuel.setAccessibleName(ref.TYPE_INDIVIDUEL)
        self.atelier.setAccessibleName(ref.TYPE_COLLECTIF)
        self.individuel.setChecked(True)
        types = QHBoxLayout()
        types.addWidget(self.individuel)
        types.addWidget(self.atelier)
        types.addStretch(1)
        form.addRow(_("Type"), types)

        # Date
        self.date = QDateEdit(QDate.currentDate(), self)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setCalendarPopup(True)
        self.date.setMaximumDate(QDate.currentDate())
        self.date.setAccessibleName(_("Date"))
        label = QLabel(_("&Date"), self)
        label.setBuddy(self.date)
        form.addRow(label, self.date)

        # Duration: presets and free value
        durees = QHBoxLayout()
        self.presets = QButtonGroup(self)
        self.preset_buttons: dict[int, QPushButton] = {}
        for minutes in ref.DUREES_PRESETS:
            button = QPushButton(_("{n} min").format(n=minutes), self)
            button.setCheckable(True)
            button.setAccessibleName(_("Durée {n} minutes").format(n=minutes))
            button.setAutoDefault(False)
            self.presets.addButton(button, minutes)
            self.preset_buttons[minutes] = button
            durees.addWidget(button)
        self.duree = QSpinBox(self)
        self.duree.setRange(0, 12 * 60)
        self.duree.setSuffix(" min")
        self.duree.setAccessibleName(_("Durée en minutes"))
        self.duree.setSpecialValueText("—")
        durees.addWidget(self.duree)
        self.presets.idClicked.connect(self.duree.setValue)
        self.duree.valueChanged.connect(self._sync_presets)
        label = QLabel(_("D&urée"), self)
        label.setBuddy(self.preset_buttons[ref.DUREES_PRESETS[0]])
        form.addRow(label, durees)

        # Place
        self.lieu = QComboBox(self)
        self.lieu.addItems(list(ref.LIEUX))
        self.lieu.setAccessibleName(_("Canal d'accompagnement"))
        self.lieu_nom = QLineEdit(self)
        self.lieu_nom.setPlaceholderText(_("nom du lieu (facultatif)"))
        self.lieu_nom.setAccessibleName(_("Nom du lieu"))
        lieux = QHBoxLayout()
        lieux.addWidget(self.lieu)
        lieux.addWidget(self.lieu_nom, 1)
        label = QLabel(_("&Lieu"), self)
        label.setBuddy(self.lieu)
        form.addRow(label, lieux)

        # Who: one named person (individual) or a group (atelier)
        self.personne = BeneficiairePicker(ctx.db, ctx.actor, self)
        self.personne.chosen.connect(self._on_person)
        self.personne_label = QLabel(self)
        person_row = QHBoxLayout()
        person_row.addWidget(self.personne, 1)
        person_row.addWidget(self.personne_label)
        self.personne_titre = QLabel(_("&Bénéficiaire"), self)
        self.personne_titre.setBuddy(self.personne)
        form.addRow(self.personne_titre, person_row)

        self.atelier_box = QGroupBox(_("Atelier"), self)
        atelier_form = QFormLayout(self.atelier_box)
        self.titre = QLineEdit(self.atelier_box)
        self.titre.setAccessibleName(_("Titre de l'atelier"))
        atelier_form.addRow(_("Titre"), self.titre)
        self.niveau = QComboBox(self.atelier_box)
        self.niveau.addItems(list(ref.NIVEAUX_ATELIER))
        self.niveau.setAccessibleName(_("Niveau de l'atelier"))
        atelier_form.addRow(_("Niveau"), self.niveau)
        self.ajout_participant = BeneficiairePicker(ctx.db, ctx.actor, self.atelier_box)
        self.ajout_participant.setAccessibleName(_("Ajouter un participant nommé"))
        self.ajout_participant.chosen.connect(self._add_participant)
        atelier_form.addRow(_("Ajouter un participant"), self.ajout_participant)
        self.liste_participants = QListWidget(self.atelier_box)
        self.liste_participants.setAccessibleName(_("Participants nommés (Suppr pour retirer)"))
        self.liste_participants.setMaximumHeight(80)
        # The context is set apart: PySide ignores ``context=`` beside a callable, and the two
        # lists' Suppr then collided window-wide (neither worked).
        QShortcut(
            QKeySequence(Qt.Key.Key_Delete),
            self.liste_participants,
            context=Qt.ShortcutContext.WidgetShortcut,
        ).activated.connect(self._remove_participant)
        atelier_form.addRow(_("Participants nommés"), self.liste_participants)
        anon = QHBoxLayout()
        self.anon_genre = QComboBox(self.atelier_box)
        self.anon_genre.addItems(list(ref.GENRES))
        self.anon_genre.setAccessibleName(_("Genre des participants anonymes"))
        self.anon_tranche = QComboBox(self.atelier_box)
        self.anon_tranche.addItems(list(ref.TRANCHES_AGE))
        self.anon_tranche.setAccessibleName(_("Tranche d'âge des participants anonymes"))
        self.anon_statut = QComboBox(self.atelier_box)
        self.anon_statut.addItems(list(ref.STATUTS))
        self.anon_statut.setAccessibleName(_("Statut des participants anonymes"))
        # Nothing is presumed about people nobody asked: « Non communiqué » until told otherwise.
        self.anon_genre.setCurrentText(ref.GENRE_NON_COMMUNIQUE)
        self.anon_tranche.setCurrentText(ref.TRANCHE_NON_COMMUNIQUEE)
        self.anon_statut.setCurrentText(ref.STATUT_NON_COMMUNIQUE)
        self.anon_nombre = QSpinBox(self.atelier_box)
        self.anon_nombre.setRange(1, 500)
        self.anon_nombre.setAccessibleName(_("Nombre de participants anonymes"))
        self.anon_ajouter = QPushButton(_("Ajouter"), self.atelier_box)
        self.anon_ajouter.setAutoDefault(False)
        self.anon_ajouter.clicked.connect(self._add_anonymous)
        for w in (self.anon_genre, self.anon_tranche, self.anon_statut, self.anon_nombre):
            anon.addWidget(w)
        anon.addWidget(self.anon_ajouter)
        atelier_form.addRow(_("Anonymes"), anon)
        self.liste_anonymes = QListWidget(self.atelier_box)
        self.liste_anonymes.setAccessibleName(_("Participants anonymes (Suppr pour retirer)"))
        self.liste_anonymes.setMaximumHeight(70)
        QShortcut(
            QKeySequence(Qt.Key.Key_Delete),
            self.liste_anonymes,
            context=Qt.ShortcutContext.WidgetShortcut,
        ).activated.connect(lambda: self._remove_current(self.liste_anonymes))
        atelier_form.addRow("", self.liste_anonymes)
        outer.addWidget(self.atelier_box)

        # Matériel
        materiel_box = QGroupBox(_("Matériel utilisé"), self)
        grid, self.materiels = _grid_of_checkboxes(ref.MATERIELS, 3, materiel_box)
        materiel_box.setLayout(grid)
        outer.addWidget(materiel_box)

        # Thématiques and administrative sub-themes
        themes_box = QGroupBox(_("Thématiques (au moins une)"), self)
        grid, self.thematiques = _grid_of_checkboxes(ref.THEMATIQUES, 2, themes_box)
        themes_box.setLayout(grid)
        outer.addWidget(themes_box)
        self.demarches_box = QGroupBox(_("Démarches administratives"), self)
        sub_layout = QVBoxLayout(self.demarches_box)
        grid, self.sous_themes = _grid_of_checkboxes(
            ref.SOUS_THEMES_ADMINISTRATIFS, 2, self.demarches_box
        )
        sub_layout.addLayout(grid)
        self.demarche_nom = QLineEdit(self.demarches_box)
        self.demarche_nom.setPlaceholderText(_("Nom de la démarche (facultatif)"))
        self.demarche_nom.setAccessibleName(_("Nom de la démarche"))
        sub_layout.addWidget(self.demarche_nom)
        outer.addWidget(self.demarches_box)
        self.thematiques[ref.THEMATIQUE_DEMARCHES].toggled.connect(self._update_visibility)
        for box in self.thematiques.values():
            box.toggled.connect(self._clear_fixed_error)
        for box in self.sous_themes.values():
            box.toggled.connect(self._update_reminder)

        # Autonomy and orientation
        bottom = QFormLayout()
        outer.addLayout(bottom)
        self.autonomie = QComboBox(self)
        self.autonomie.addItem("—")
        self.autonomie.addItems(list(ref.AUTONOMIES))
        self.autonomie.setAccessibleName(_("Niveau d'autonomie"))
        self.autonomie_label = QLabel(_("Aut&onomie"), self)
        self.autonomie_label.setBuddy(self.autonomie)
        bottom.addRow(self.autonomie_label, self.autonomie)
        self.oriente = QCheckBox(_("Bénéficiaire &réorienté"), self)
        self.orientation = QComboBox(self)
        self.orientation.addItems(list(ref.ORIENTATIONS))
        self.orientation.setAccessibleName(_("Structure de redirection"))
        self.orientation.setEnabled(False)
        compact_combo(self.orientation)
        self.oriente.toggled.connect(self.orientation.setEnabled)
        orient = QHBoxLayout()
        orient.addWidget(self.oriente)
        orient.addWidget(self.orientation, 1)
        bottom.addRow(_("Orientation"), orient)
        self.notes = QPlainTextEdit(self)
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(50)
        self.notes.setAccessibleName(_("Notes"))
        bottom.addRow(_("Notes"), self.notes)

        self.rappel = QLabel(self)
        self.rappel.setWordWrap(True)
        self.rappel.setAccessibleName(_("Rappel sur les mandats"))
        self.rappel.setStyleSheet("background:#fff4ce; padding:6px; border:1px solid #e0b400;")
        self.rappel.hide()
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(_("Message"))
        outer.addStretch(1)
        frame = QVBoxLayout(self)
        frame.setContentsMargins(0, 0, 0, 0)
        self.fields = scrolling(self.body, sideways=False)
        frame.addWidget(self.fields, 1)
        frame.addWidget(self.rappel)
        frame.addWidget(self.message)

        buttons = QHBoxLayout()
        self.dupliquer = QPushButton(_("Dupliquer la &précédente"), self)
        self.dupliquer.setToolTip(_("Reprendre les valeurs de votre dernier accompagnement"))
        self.dupliquer.clicked.connect(self.duplicate_last)
        self.enregistrer = QPushButton(_("&Enregistrer (Ctrl+Entrée)"), self)
        self.enregistrer.setDefault(True)
        self.enregistrer.clicked.connect(self.save)
        buttons.addWidget(self.dupliquer)
        buttons.addStretch(1)
        buttons.addWidget(self.enregistrer)
        frame.addLayout(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)

        self.individuel.toggled.connect(self._update_visibility)
        self._update_visibility()

    # --- state --------------------------------------------------------------------------------

    def _sync_presets(self, value: int) -> None:
        button = self.preset_buttons.get(value)
        if button is not None:
            button.setChecked(True)
        else:
            self.presets.setExclusive(False)
            for b in self.preset_buttons.values():
                b.setChecked(False)
            self.presets.setExclusive(True)

    def _update_visibility(self) -> None:
        individual = self.individuel.isChecked()
        self.atelier_box.setVisible(not individual)
        self.personne.setVisible(individual)
        self.personne_label.setVisible(individual)
        self.personne_titre.setVisible(individual)
        self.autonomie.setVisible(individual)
        self.autonomie_label.setVisible(individual)
        self.demarches_box.setVisible(self.thematiques[ref.THEMATIQUE_DEMARCHES].isChecked())
        self._update_reminder()

    def _on_person(self, beneficiaire_id: int, label: str) -> None:
        self._beneficiaire = (beneficiaire_id, label)
        self.personne_label.setText(_("n° {id}").format(id=beneficiaire_id))
        self._update_reminder()

    def set_beneficiaire(self, beneficiaire_id: int, label: str) -> None:
        """Preset the person (the form was opened from their file)."""
        self.individuel.setChecked(True)
        self.personne.setText(label)
        self._on_person(beneficiaire_id, label)

    def _add_participant(self, beneficiaire_id: int, label: str) -> None:
        if beneficiaire_id not in self._participants:
            self._participants[beneficiaire_id] = label
            item = QListWidgetItem(label, self.liste_participants)
            item.setData(Qt.ItemDataRole.UserRole, beneficiaire_id)
        self.ajout_participant.clear()
        self._update_reminder()

    def _remove_participant(self) -> None:
        item = self.liste_participants.currentItem()
        if item is not None:
            self._participants.pop(int(item.data(Qt.ItemDataRole.UserRole)), None)
            self._remove_current(self.liste_participants)

    @staticmethod
    def _remove_current(widget: QListWidget) -> None:
        row = widget.currentRow()
        if row >= 0:
            widget.takeItem(row)

    def _add_anonymous(self) -> None:
        count = AnonymousCount(
            self.anon_genre.currentText(),
            self.anon_tranche.currentText(),
            self.anon_statut.currentText(),
            self.anon_nombre.value(),
        )
        item = QListWidgetItem(
            f"{count.nombre} × {count.genre}, {count.tranche_age}, {count.statut}",
            self.liste_anonymes,
        )
        item.setData(Qt.ItemDataRole.UserRole, count)
        self.anon_nombre.setValue(1)

    def _named_ids(self) -> list[int]:
        if self.individuel.isChecked():
            return [self._beneficiaire[0]] if self._beneficiaire else []
        return list(self._participants)

    def _set_reminder(self, reminder: MandateReminder | None) -> None:
        self._reminder = reminder

    def _update_reminder(self) -> None:
        text: str | None = None
        ids = self._named_ids()
        sous_themes = [k for k, box in self.sous_themes.items() if box.isChecked()]
        if (
            self._reminder is not None
            and ids
            and self.thematiques[ref.THEMATIQUE_DEMARCHES].isChecked()
        ):
            with self.ctx.db.read_session() as session:
                texts = [self._reminder(session, self.ctx.actor, i, sous_themes) for i in ids]
            text = "\n".join(t for t in dict.fromkeys(texts) if t) or None
        self.rappel.setText(text or "")
        self.rappel.setVisible(bool(text))

    # --- data ---------------------------------------------------------------------------------

    def data(self) -> AccompagnementData:
        individual = self.individuel.isChecked()
        anonymes = [
            self.liste_anonymes.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.liste_anonymes.count())
        ]
        demarches = self.thematiques[ref.THEMATIQUE_DEMARCHES].isChecked()
        return AccompagnementData(
            type=ref.TYPE_INDIVIDUEL if individual else ref.TYPE_COLLECTIF,
            date=self.date.date().toPython(),  # type: ignore[arg-type]
            duree_min=self.duree.value(),
            lieu_type=self.lieu.currentText(),
            lieu_nom=self.lieu_nom.text() or None,
            thematiques=[k for k, box in self.thematiques.items() if box.isChecked()],
            materiel=[k for k, box in self.materiels.items() if box.isChecked()],
            beneficiaire_ids=self._named_ids(),
            anonymes=[] if individual else anonymes,
            sous_themes_admin=[k for k, b in self.sous_themes.items() if b.isChecked()]
            if demarches
            else [],
            demarche_nom=(self.demarche_nom.text() or None) if demarches else None,
            autonomie=self.autonomie.currentText()
            if individual and self.autonomie.currentIndex() > 0
            else None,
            oriente=self.oriente.isChecked(),
            orientation=self.orientation.currentText() if self.oriente.isChecked() else None,
            atelier_titre=None if individual else (self.titre.text() or None),
            atelier_niveau=None if individual else self.niveau.currentText(),
            notes=self.notes.toPlainText() or None,
        )

    def load(self, data: AccompagnementData) -> None:
        """Fill the form (duplicate of a previous activity); the person is not copied."""
        (self.individuel if data.type == ref.TYPE_INDIVIDUEL else self.atelier).setChecked(True)
        self.date.setDate(QDate(data.date.year, data.date.month, data.date.day))
        self.duree.setValue(data.duree_min)
        self.lieu.setCurrentText(data.lieu_type)
        self.lieu_nom.setText(data.lieu_nom or "")
        for key, box in self.thematiques.items():
            box.setChecked(key in data.thematiques)
        for key, box in self.materiels.items():
            box.setChecked(key in data.materiel)
        for key, box in self.sous_themes.items():
            box.setChecked(key in data.sous_themes_admin)
        self.demarche_nom.setText(data.demarche_nom or "")
        self.autonomie.setCurrentIndex(
            ref.AUTONOMIES.index(data.autonomie) + 1 if data.autonomie in ref.AUTONOMIES else 0
        )
        self.oriente.setChecked(data.oriente)
        if data.orientation:
            self.orientation.setCurrentText(data.orientation)
        self.titre.setText(data.atelier_titre or "")
        if data.atelier_niveau:
            self.niveau.setCurrentText(data.atelier_niveau)
        self.liste_anonymes.clear()
        for count in data.anonymes:
            item = QListWidgetItem(
                f"{count.nombre} × {count.genre}, {count.tranche_age}, {count.statut}",
                self.liste_anonymes,
            )
            item.setData(Qt.ItemDataRole.UserRole, count)
        self.notes.setPlainText(data.notes or "")
        self._update_visibility()

    def reset(self) -> None:
        """Ready for the next one: same type and date, everything else cleared."""
        self.duree.setValue(0)
        self.lieu.setCurrentIndex(0)
        self.lieu_nom.clear()
        for boxes in (self.thematiques, self.materiels, self.sous_themes):
            for box in boxes.values():
                box.setChecked(False)
        self.demarche_nom.clear()
        self.autonomie.setCurrentIndex(0)
        self.oriente.setChecked(False)
        self.titre.clear()
        self.personne.clear()
        self.personne_label.clear()
        self._beneficiaire = None
        self._participants.clear()
        self.liste_participants.clear()
        self.liste_anonymes.clear()
        self.notes.clear()
        self._update_visibility()

    # --- actions ------------------------------------------------------------------------------

    def show_error(self, message: str, field: str | None = None) -> None:
        self._error_field = field
        self.message.setStyleSheet("color:#a00000; font-weight:bold;")
        self.message.setText(message)

    def _clear_fixed_error(self) -> None:
        """Once a thématique is ticked, « Choisissez au moins une thématique » no longer holds."""
        fixed = any(box.isChecked() for box in self.thematiques.values())
        if self._error_field == "thematiques" and fixed:
            self._error_field = None
            self.message.setStyleSheet("")
            self.message.clear()

    def save(self) -> int | None:
        try:
            data = self.data()
            if data.duree_min <= 0:
                raise ValidationError(_("Indiquez la durée."), field="duree_min")
            with self.ctx.db.session() as session:
                acc = record_accompagnement(session, self.ctx.actor, data)
                new_id = acc.id
        except MedianumError as exc:
            self.show_error(str(exc), getattr(exc, "field", None))
            self._focus_field(getattr(exc, "field", None))
            return None
        self._error_field = None
        self.message.setStyleSheet("color:#005a00;")
        self.message.setText(_("Accompagnement enregistré (n° {id}).").format(id=new_id))
        self.reset()
        self.saved.emit(new_id)
        self.preset_buttons[ref.DUREES_PRESETS[0]].setFocus()
        return new_id

    def _focus_field(self, name: str | None) -> None:
        widgets: dict[str, QWidget] = {
            "date": self.date,
            "duree_min": self.duree,
            "lieu_type": self.lieu,
            "thematiques": next(iter(self.thematiques.values())),
            "beneficiaire_ids": self.personne,
            "atelier_titre": self.titre,
        }
        widget = widgets.get(name or "")
        if widget is not None:
            widget.setFocus()

    def duplicate(self, accompagnement_id: int) -> None:
        try:
            with self.ctx.db.read_session() as session:
                data = duplicate_data(session, self.ctx.actor, accompagnement_id, on=date.today())
        except MedianumError as exc:
            self.show_error(str(exc))
            return
        self.load(data)
        self.message.setStyleSheet("")
        self.message.setText(_("Valeurs reprises : choisissez la personne et enregistrez."))

    def duplicate_last(self) -> None:
        with self.ctx.db.read_session() as session:
            last = last_recorded_by(session, self.ctx.actor)
            last_id = last.id if last is not None else None
        if last_id is None:
            self.show_error(_("Vous n'avez encore enregistré aucun accompagnement."))
            return
        self.duplicate(last_id)
