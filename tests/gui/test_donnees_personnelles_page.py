"""Page « Données personnelles »: the administrator answers requests and applies retention."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from core.auth import Actor
from core.db import Database
from core.models import AuditEntry, Role
from core.settings import Settings
from mediation.mandats.creation import MandantIdentity, create_mandat
from mediation.mandats.models import Mandat
from mediation.models import Beneficiaire
from tests.mediation.dossier_data import Desks, add_person, make_desks
from ui.context import AppContext
from ui.pages import visible_pages
from ui.pages.donnees_personnelles import DonneesPersonnellesPage
from ui.tasks import ImmediateTaskRunner
from ui.widgets import messages


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Questions asked; every confirmation is answered « Oui »."""
    asked: list[str] = []

    def yes(box) -> int:  # type: ignore[no-untyped-def]
        asked.append(box.text())
        return int(box.StandardButton.Yes)

    monkeypatch.setattr(messages, "present", yes)
    return asked


def _page(qtbot, db: Database, actor: Actor) -> DonneesPersonnellesPage:  # type: ignore[no-untyped-def]
    page = DonneesPersonnellesPage(AppContext(db, actor, Settings({}), ImmediateTaskRunner()))
    qtbot.addWidget(page)
    return page


def _idle_since(db: Database, bid: int, when: datetime) -> None:
    with db.session() as s:
        b = s.get(Beneficiaire, bid)
        assert b is not None
        b.derniere_activite_at = when


def test_the_administrator_has_the_page_and_erases_on_request(
    qtbot, db: Database, desks: Desks, admin: Actor, answers: list[str]
) -> None:  # type: ignore[no-untyped-def]
    assert "donnees_personnelles" in [p.key for p in visible_pages(admin)]
    bid = add_person(db, desks.accueil_nord, nom="Lefèvre")
    page = _page(qtbot, db, admin)
    page.dossier.setValue(bid)
    page.export_button.click()
    assert "exportées" in page.message.text()
    exported = [Path(p) for p in page.message.text().split(": ", 1)[1].split(", ")]
    assert exported and all(p.exists() for p in exported)
    page.erase_button.click()
    assert answers and "irréversible" in answers[-1]
    # The export just written names the person: it goes with the erasure, which says so; the
    # confirmation said that copies made elsewhere are beyond reach.
    assert "hors de portée" in answers[-1]
    assert f"Personne effacée n° {bid}" in page.message.text()
    assert "Fichiers supprimés des exports" in page.message.text()
    assert all(p.name in page.message.text() and not p.exists() for p in exported)
    with db.session() as s:
        assert s.get(Beneficiaire, bid).efface is True  # type: ignore[union-attr]


def test_the_retention_listing_then_erases_after_confirmation(
    qtbot, db: Database, desks: Desks, admin: Actor, answers: list[str]
) -> None:  # type: ignore[no-untyped-def]
    idle = add_person(db, desks.accueil_nord, nom="Ancien")
    add_person(db, desks.accueil_sud, nom="Récent")
    _idle_since(db, idle, datetime(2020, 1, 1, tzinfo=UTC))
    page = _page(qtbot, db, admin)
    assert not page.purge_button.isEnabled()
    page.list_button.click()
    assert page.table.rowCount() == 1 and page.table.item(0, 0).text() == str(idle)
    assert page.summary.text().startswith("1 dossier(s)")
    page.purge_button.click()
    assert "irréversible" in answers[-1]
    assert "1 dossier(s) effacé(s)" in page.message.text()
    assert page.table.rowCount() == 0
    with db.session() as s:
        assert s.get(Beneficiaire, idle).efface is True  # type: ignore[union-attr]


def test_a_refusal_is_shown_in_words(
    qtbot, db: Database, desks: Desks, admin: Actor, answers: list[str]
) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, db, admin)
    page.dossier.setValue(987_654)
    page.erase_button.click()
    assert "introuvable" in page.message.text()


# --- mandates past their keeping period -----------------------------------------------------------


def _mandate_ended_in_2019(db: Database, aidant: Actor, bid: int) -> int:
    """A mandate of the person, ended in 2019: past its six years today, whatever the day."""
    with db.session() as s:
        mandat = create_mandat(
            s,
            aidant,
            bid,
            categories=["social"],
            duree_jours=31,
            identite=MandantIdentity("Lefèvre", "Béatrice", date(1950, 3, 14), "Rochefort"),
            mentions_lues=True,
            hors_mesure_protection=True,
            now=datetime(2026, 1, 10, 9, tzinfo=UTC),
        )
        mandat.debut = datetime(2019, 1, 2, 9, tzinfo=UTC)
        mandat.fin = datetime(2019, 2, 2, 9, tzinfo=UTC)
        return mandat.id


def _mandate_exists(db: Database, mandat_id: int) -> bool:
    with db.session() as s:
        return s.get(Mandat, mandat_id) is not None


def test_the_retention_purge_includes_the_ended_mandates_after_one_confirmation(
    qtbot, db: Database, desks: Desks, admin: Actor, make_agent, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    aidant = make_agent((Role.AIDANT, desks.nord))
    active = add_person(db, desks.accueil_nord, nom="Lefèvre")  # her file stays active
    mandat_id = _mandate_ended_in_2019(db, aidant, active)
    replies = [int(QMessageBox.StandardButton.No), int(QMessageBox.StandardButton.Yes)]
    asked: list[str] = []

    def reply(box) -> int:  # type: ignore[no-untyped-def]
        asked.append(box.text())
        return replies.pop(0)

    monkeypatch.setattr(messages, "present", reply)
    page = _page(qtbot, db, admin)
    page.list_button.click()
    assert page.table.rowCount() == 0  # no idle file...
    assert "1 mandat(s) terminé(s) (expiré(s) ou révoqué(s)) depuis 6 ans ou plus." in (
        page.summary.text()
    )
    assert page.purge_button.isEnabled()  # ...but a mandate to erase
    # « Non »: nothing is erased.
    page.purge_button.click()
    assert asked == [
        "Effacer le contenu des 1 mandat(s) dont la durée de conservation est écoulée ? "
        "C'est irréversible."
    ]
    assert _mandate_exists(db, mandat_id)
    with db.session() as s:
        assert s.scalar(select(func.count()).where(AuditEntry.action == "mandat.purge")) == 0
    # « Effacer »: the mandate goes, the page says how many, and the listing is redone.
    page.purge_button.click()
    assert len(asked) == 2
    assert page.message.text() == "0 dossier(s) effacé(s). 1 mandat(s) effacé(s)."
    assert not _mandate_exists(db, mandat_id)
    assert "0 mandat(s) terminé(s)" in page.summary.text()
    assert not page.purge_button.isEnabled()
    with db.session() as s:
        person = s.get(Beneficiaire, active)
        assert person is not None and not person.efface and person.nom == "Lefèvre"


def test_one_confirmation_names_both_the_files_and_the_mandates_it_erases(
    qtbot, db: Database, desks: Desks, admin: Actor, make_agent, answers: list[str]
) -> None:  # type: ignore[no-untyped-def]
    aidant = make_agent((Role.AIDANT, desks.nord))
    idle = add_person(db, desks.accueil_nord, nom="Ancien")
    _idle_since(db, idle, datetime(2020, 1, 1, tzinfo=UTC))
    mandat_id = _mandate_ended_in_2019(db, aidant, add_person(db, desks.accueil_nord))
    page = _page(qtbot, db, admin)
    page.list_button.click()
    page.purge_button.click()
    assert len(answers) == 1
    assert answers[0].startswith(
        "Effacer les 1 dossier(s) listé(s) et le contenu des 1 mandat(s) dont la durée"
    )
    assert "hors de portée" in answers[0]  # a file's erasure deletes the files naming the person
    assert page.message.text() == "1 dossier(s) effacé(s). 1 mandat(s) effacé(s)."
    assert not _mandate_exists(db, mandat_id)
    with db.session() as s:
        assert s.get(Beneficiaire, idle).efface is True  # type: ignore[union-attr]
