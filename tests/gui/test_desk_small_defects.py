"""Small defects seen at the desk, each shown by the demonstration database's agents."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QTreeWidget, QWidget
from sqlalchemy import select

from core.auth import Actor, Permission, actor_for
from core.db import Database
from core.models import Agent
from core.settings import Settings
from mediation import referentiel as ref
from mediation.beneficiaires import BeneficiaireData, create_beneficiaire
from tests.gui.demo_support import demo_db, demo_template, font_scale  # noqa: F401
from tests.gui.shell_support import context
from ui.pages.accompagnements import AccompagnementsPage
from ui.pages.beneficiaires import BeneficiaireForm, BeneficiairesPage
from ui.widgets.mediation_accompagnement_form import AccompagnementForm

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")


def agent(db: Database, login: str) -> Actor:
    with db.read_session() as session:
        found = session.scalars(select(Agent).where(Agent.login == login)).one()
        return actor_for(session, found)


def new_person(db: Database, actor: Actor, **fields: object) -> int:
    data = BeneficiaireData(nom="Testeur", prenom="Ange", consentement=True, **fields)  # type: ignore[arg-type]
    with db.session() as session:
        return create_beneficiaire(session, actor, data, confirm_not_duplicate=True).id


# --- the beneficiary's file --------------------------------------------------------------------


def test_the_file_shows_no_stray_list_over_the_name_of_the_person_to_a_mediator(
    qtbot,
    demo_db: Database,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    mediateur = agent(demo_db, "mediateur")
    assert not mediateur.can(Permission.PASS_EMETTRE)
    assert not mediateur.can(Permission.MANDAT_GERER)
    page = BeneficiairesPage(context(demo_db, mediateur))
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.open_beneficiaire(new_person(demo_db, mediateur))
    QApplication.processEvents()
    fiche = page.fiche
    title = fiche.titre.geometry()
    over_the_name = [
        tree
        for tree in fiche.findChildren(QTreeWidget)
        if tree.isVisible() and tree.parentWidget() is fiche and tree.geometry().intersects(title)
    ]
    assert over_the_name == []
    assert not fiche.chequiers.isVisible()
    assert not fiche.mandats.isVisible()


def test_the_file_shows_the_phone_number_as_the_desk_writes_it(
    qtbot,
    demo_db: Database,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    mediateur = agent(demo_db, "mediateur")
    person = new_person(demo_db, mediateur, telephone="0612345678")
    page = BeneficiairesPage(context(demo_db, mediateur))
    qtbot.addWidget(page)
    page.open_beneficiaire(person)
    assert "Téléphone : 06 12 34 56 78" in page.fiche.identite.text()
    assert "+33" not in page.fiche.identite.text()
    form = BeneficiaireForm(context(demo_db, mediateur), page, person)
    qtbot.addWidget(form)
    assert form.telephone.text() == "06 12 34 56 78"
    assert form.data().telephone == "06 12 34 56 78"  # stored as E.164 by the use case


def test_tab_goes_down_the_new_beneficiary_form_in_reading_order(
    qtbot,
    demo_db: Database,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    accueil = agent(demo_db, "accueil")
    form = BeneficiaireForm(context(demo_db, accueil))
    qtbot.addWidget(form)
    form.show()
    expected = [
        form.anonyme,
        form.nom,
        form.prenom,
        form.annee,
        form.tranche,
        form.genre,
        form.statut,
        form.commune.edit,
        form.telephone,
        form.email,
        form.notes,
        form.consentement,
    ]
    seen: list[QWidget] = []
    widget: QWidget = form.anonyme
    for _step in range(200):
        if widget in expected and widget not in seen:
            seen.append(widget)
        widget = widget.nextInFocusChain()
        if widget is form.anonyme:
            break
    assert seen == expected


@pytest.mark.parametrize("page_class", [BeneficiairesPage, AccompagnementsPage])
def test_tab_leaves_the_list_instead_of_walking_its_cells(
    qtbot,
    demo_db: Database,  # noqa: F811
    page_class: type[QWidget],
) -> None:  # type: ignore[no-untyped-def]
    page = page_class(context(demo_db, agent(demo_db, "mediateur")))  # type: ignore[call-arg]
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    table = page.table  # type: ignore[attr-defined]
    assert table.model().rowCount() > 1
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    QTest.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not table


# --- the accompaniment form --------------------------------------------------------------------


def test_anonymous_workshop_participants_are_non_communique_until_told_otherwise(
    qtbot,
    demo_db: Database,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    form = AccompagnementForm(context(demo_db, agent(demo_db, "mediateur")))
    qtbot.addWidget(form)
    form.atelier.setChecked(True)
    form.anon_nombre.setValue(4)
    form.anon_ajouter.click()
    count = form.liste_anonymes.item(0).data(Qt.ItemDataRole.UserRole)
    assert (count.genre, count.tranche_age, count.statut, count.nombre) == (
        "Non communiqué",
        "Non communiqué",
        "Non communiqué ou hétérogène",
        4,
    )


def test_the_missing_thematique_message_goes_once_a_thematique_is_ticked(
    qtbot,
    demo_db: Database,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    form = AccompagnementForm(context(demo_db, agent(demo_db, "mediateur")))
    qtbot.addWidget(form)
    form.atelier.setChecked(True)
    form.titre.setText("Atelier courriel")
    form.duree.setValue(60)
    assert form.save() is None
    assert form.message.text() == "Choisissez au moins une thématique."
    assert "#a00000" in form.message.styleSheet()
    form.thematiques["E-mail"].setChecked(True)
    assert form.message.text() == ""
    assert "#a00000" not in form.message.styleSheet()


def test_the_message_of_another_field_stays_when_a_thematique_is_ticked(
    qtbot,
    demo_db: Database,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    form = AccompagnementForm(context(demo_db, agent(demo_db, "mediateur")))
    qtbot.addWidget(form)
    assert form.save() is None
    assert form.message.text() == "Indiquez la durée."
    form.thematiques["E-mail"].setChecked(True)
    assert form.message.text() == "Indiquez la durée."


def _reminder_shown(qtbot, db: Database, login: str, person: int) -> bool:  # type: ignore[no-untyped-def]
    form = AccompagnementForm(context(db, agent(db, login)))
    qtbot.addWidget(form)
    form.set_beneficiaire(person, "Ange Testeur")
    form.thematiques[ref.THEMATIQUE_DEMARCHES].setChecked(True)
    form.sous_themes[ref.SOUS_THEMES_ADMINISTRATIFS[0]].setChecked(True)
    return not form.rappel.isHidden() and bool(form.rappel.text())


def test_the_mandate_reminder_is_shown_only_to_agents_who_may_manage_mandates(
    qtbot,
    demo_db: Database,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    person = new_person(demo_db, agent(demo_db, "aidant"))
    assert agent(demo_db, "aidant").can(Permission.MANDAT_GERER)
    assert _reminder_shown(qtbot, demo_db, "aidant", person)
    assert not agent(demo_db, "mediateur").can(Permission.MANDAT_GERER)
    assert not _reminder_shown(qtbot, demo_db, "mediateur", person)


# --- empty lists, the mandate wizard's dates, settings, places ---------------------------------


def test_an_empty_list_of_expirations_says_there_is_nothing_to_expire(
    qtbot,
    db: Database,
    admin: Actor,
    make_agent,
) -> None:  # type: ignore[no-untyped-def]
    from core.models import Role
    from ui.widgets.pass_gestion import ExpirationsWidget

    coordinateur = make_agent((Role.COORDINATEUR, None))
    widget = ExpirationsWidget(context(db, coordinateur))
    qtbot.addWidget(widget)
    widget.show()
    assert widget.table.rowCount() == 0
    assert widget.empty.isVisible()
    assert "Aucun chéquier" in widget.empty.text()
    assert "Aucun chéquier" in widget.table.accessibleDescription()


def test_an_empty_list_of_mandates_and_of_nearest_places_says_so(
    qtbot,
    demo_db: Database,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    from ui.pages.lieux import LieuxPage
    from ui.pages.mandats.page import MandatsPage

    mandats = MandatsPage(context(demo_db, agent(demo_db, "aidant")))
    qtbot.addWidget(mandats)
    mandats.show()
    assert mandats.model.rowCount() > 0
    assert not mandats.empty.isVisible()
    mandats.search.setText("personne-qui-n-existe-pas")
    mandats.refresh()
    assert mandats.model.rowCount() == 0
    assert mandats.empty.isVisible()
    assert mandats.empty.text().startswith("Aucun mandat")

    lieux = LieuxPage(context(demo_db, agent(demo_db, "coordinateur")))
    qtbot.addWidget(lieux)
    lieux.show()
    lieux.tabs.setCurrentIndex(2)
    assert lieux.results.rowCount() == 0
    assert lieux.results_empty.isVisible()
    assert "Rechercher" in lieux.results_empty.text()


def test_the_mandate_wizard_calls_the_31st_of_february_impossible(
    qtbot,
    demo_db: Database,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    from ui.pages.mandats.wizard import NouveauMandatWizard

    aidant = agent(demo_db, "aidant")
    wizard = NouveauMandatWizard(context(demo_db, aidant), new_person(demo_db, aidant))
    qtbot.addWidget(wizard)
    page = wizard.identity_page
    page.naissance.setText("31/02/1960")
    assert not page.isComplete()
    assert "date impossible" in page.hint.text()
    assert "format" not in page.hint.text()


def test_the_settings_notes_are_never_cut_off(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    font_scale: int,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    from ui.settings_dialog import SettingsDialog

    monkeypatch.setenv("MEDIANUM_DATABASE_URL", "postgresql+psycopg://agent@serveur/medianum")
    dialog = SettingsDialog(Settings({}))
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    notes = [label for label in dialog.findChildren(QLabel) if label.wordWrap() and label.text()]
    assert any("MEDIANUM_DATABASE_URL" in label.text() for label in notes)
    for label in notes:
        assert label.height() >= label.heightForWidth(label.width()), label.text()


def test_a_new_place_gets_its_identifier_without_the_agent_typing_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.widgets.lieu_form import LieuFormDialog

    first, second = LieuFormDialog({}), LieuFormDialog({})
    qtbot.addWidget(first)
    qtbot.addWidget(second)
    field = first.widgets["id"]
    assert isinstance(field, QLineEdit)
    assert field.isReadOnly()
    assert uuid.UUID(first.values()["id"]).version == 4
    assert first.values()["id"] != second.values()["id"]
    edited = LieuFormDialog({"id": "mediatheque-centrale"})
    qtbot.addWidget(edited)
    assert edited.values()["id"] == "mediatheque-centrale"
