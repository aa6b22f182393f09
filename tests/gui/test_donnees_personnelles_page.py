"""Page « Données personnelles »: the administrator answers requests and applies retention."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.auth import Actor
from core.db import Database
from core.settings import Settings
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
