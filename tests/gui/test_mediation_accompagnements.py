"""Page « Accompagnements »: recording an activity with the keyboard alone, ateliers, duplicates."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from core.auth import Actor
from core.db import Database
from core.models import Role
from core.settings import Settings
from mediation.beneficiaires import BeneficiaireData, create_beneficiaire
from mediation.models import (
    Accompagnement,
    AccompagnementMateriel,
    AccompagnementParticipant,
    AccompagnementThematique,
    ParticipantsAnonymes,
)
from tests.mediation.mediation_stats_data import MakeAgent, deux_structures
from ui.context import AppContext
from ui.pages.accompagnements import AccompagnementsPage

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    r"This plugin does not support raise\(\)",
    "This plugin does not support grabbing the keyboard",
)


@pytest.fixture
def mediateur(db: Database, make_agent: MakeAgent) -> tuple[Actor, int]:
    st = deux_structures(db)
    actor = make_agent((Role.MEDIATEUR, st.nord), login="med")
    with db.session() as s:
        b = create_beneficiaire(
            s, actor, BeneficiaireData(nom="Lefèvre", prenom="Béatrice", annee_naissance=1950)
        )
        return actor, b.id


def _page(qtbot: QtBot, db: Database, actor: Actor) -> AccompagnementsPage:
    from ui.tasks import ImmediateTaskRunner

    page = AccompagnementsPage(AppContext(db, actor, Settings({}), ImmediateTaskRunner()))
    qtbot.addWidget(page)
    page.resize(1300, 900)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)  # shortcuts (Ctrl+Entrée) need an active window
    return page


def _space(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Space)


def test_an_individual_accompaniment_is_recorded_with_the_keyboard_only(
    qtbot: QtBot,
    db: Database,
    mediateur: tuple[Actor, int],
) -> None:
    actor, beatrice = mediateur
    page = _page(qtbot, db, actor)
    form = page.form
    qtbot.keyClicks(form.personne, "beatrice")
    qtbot.keyClick(form.personne, Qt.Key.Key_Return)
    assert form.personne_label.text() == f"n° {beatrice}"
    _space(qtbot, form.preset_buttons[30])
    _space(qtbot, form.materiels["Ordinateur"])
    _space(qtbot, form.thematiques["E-mail"])
    box = form.thematiques["Navigation sur internet"]
    box.setFocus()  # where the agent's Tab has led
    _space(qtbot, box)
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "enregistré" in form.message.text(), form.message.text()
    with db.read_session() as s:
        acc = s.scalars(select(Accompagnement)).one()
        assert (acc.type, acc.duree_min, acc.date) == (
            "Accompagnement individuel",
            30,
            date.today(),
        )
        assert acc.lieu_type == "Lieu d'activité"
        assert set(s.scalars(select(AccompagnementThematique.thematique))) == {
            "E-mail", "Navigation sur internet"
        }  # fmt: skip
        assert list(s.scalars(select(AccompagnementMateriel.materiel))) == ["Ordinateur"]
        assert list(s.scalars(select(AccompagnementParticipant.beneficiaire_id))) == [beatrice]
    # the list shows it and the form is ready for the next one
    assert page.model.rowCount() == 1
    assert not form.thematiques["E-mail"].isChecked()


def test_missing_duration_is_refused_and_nothing_is_saved(
    qtbot: QtBot, db: Database, mediateur: tuple[Actor, int]
) -> None:
    actor, _b = mediateur
    page = _page(qtbot, db, actor)
    qtbot.keyClicks(page.form.personne, "lefevre")
    qtbot.keyClick(page.form.personne, Qt.Key.Key_Return)
    box = page.form.thematiques["E-mail"]
    box.setFocus()
    _space(qtbot, box)
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "durée" in page.form.message.text()
    with db.read_session() as s:
        assert s.scalars(select(Accompagnement)).first() is None


def test_sub_themes_appear_only_with_administrative_help_and_remind_an_aidant_of_the_mandate(
    qtbot: QtBot,
    db: Database,
    mediateur: tuple[Actor, int],
    make_agent: MakeAgent,
) -> None:
    actor, beatrice = mediateur
    # The reminder sends the agent to the Mandats page: an aidant of the same structure.
    aidant = make_agent((Role.AIDANT, actor.structure_id), login="aidant")
    form = _page(qtbot, db, aidant).form
    form.set_beneficiaire(beatrice, "Béatrice Lefèvre")
    assert not form.demarches_box.isVisible()
    _space(qtbot, form.thematiques["Aide aux démarches administratives"])
    assert form.demarches_box.isVisible()
    _space(qtbot, form.sous_themes["Logement"])
    assert form.rappel.isVisible()
    assert "mandat" in form.rappel.text()


def test_an_atelier_counts_anonymous_participants(
    qtbot: QtBot, db: Database, mediateur: tuple[Actor, int]
) -> None:
    actor, beatrice = mediateur
    form = _page(qtbot, db, actor).form
    _space(qtbot, form.atelier)
    assert form.atelier_box.isVisible()
    qtbot.keyClicks(form.titre, "Premiers pas sur tablette")
    qtbot.keyClicks(form.ajout_participant, "beatrice")
    qtbot.keyClick(form.ajout_participant, Qt.Key.Key_Return)
    form.anon_nombre.setValue(3)
    form.anon_genre.setCurrentText("Féminin")
    _space(qtbot, form.anon_ajouter)
    _space(qtbot, form.preset_buttons[90])
    _space(qtbot, form.thematiques["Prendre en main du matériel"])
    _space(qtbot, form.materiels["Tablette"])
    assert form.save() is not None, form.message.text()
    with db.read_session() as s:
        acc = s.scalars(select(Accompagnement)).one()
        assert acc.type == "Atelier collectif"
        assert acc.atelier_titre == "Premiers pas sur tablette"
        anon = s.scalars(select(ParticipantsAnonymes)).one()
        assert (anon.genre, anon.nombre) == ("Féminin", 3)
        assert list(s.scalars(select(AccompagnementParticipant.beneficiaire_id))) == [beatrice]


def test_duplicate_copies_the_chosen_activity_but_not_the_person(
    qtbot: QtBot,
    db: Database,
    mediateur: tuple[Actor, int],
) -> None:
    actor, beatrice = mediateur
    page = _page(qtbot, db, actor)
    form = page.form
    form.set_beneficiaire(beatrice, "Béatrice")
    form.duree.setValue(45)
    form.lieu.setCurrentText("À distance")
    form.thematiques["Santé"].setChecked(True)
    assert form.save() is not None
    page.table.setCurrentIndex(page.model.index(0, 0))
    page.duplicate_selected()
    assert form.duree.value() == 45
    assert form.lieu.currentText() == "À distance"
    assert form.thematiques["Santé"].isChecked()
    assert form.personne.text() == ""
