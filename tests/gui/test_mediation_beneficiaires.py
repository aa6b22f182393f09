"""Page « Bénéficiaires »: type-ahead search, duplicate warning, the beneficiary's file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from core.auth import Actor
from core.db import Database
from core.models import AuditEntry, Role
from core.settings import Settings
from mediation.beneficiaires import BeneficiaireData, create_beneficiaire
from mediation.models import Beneficiaire
from tests.mediation.mediation_stats_data import MakeAgent, deux_structures
from ui.context import AppContext
from ui.pages.beneficiaires import BeneficiairesPage
from ui.tasks import ImmediateTaskRunner

# The offscreen platform says so when a window or a completer popup is shown; harmless.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    r"This plugin does not support raise\(\)",
    "This plugin does not support grabbing the keyboard",
)


@pytest.fixture
def accueil(db: Database, make_agent: MakeAgent) -> Actor:
    st = deux_structures(db)
    actor = make_agent((Role.ACCUEIL, st.nord), login="accueil-nord")
    with db.session() as s:
        for nom, prenom, tel in (
            ("Lefèvre", "Béatrice", "05 46 00 00 01"),
            ("Martin", "Bernard", None),
            ("Durand", "Benoît", None),
        ):
            create_beneficiaire(
                s, actor, BeneficiaireData(nom=nom, prenom=prenom, telephone=tel,
                                           annee_naissance=1960, commune_insee="17300")
            )  # fmt: skip
    return actor


def _page(qtbot: QtBot, db: Database, actor: Actor) -> BeneficiairesPage:
    page = BeneficiairesPage(AppContext(db, actor, Settings({}), ImmediateTaskRunner()))
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    return page


def _names(page: BeneficiairesPage) -> list[str]:
    model = page.model
    return [str(model.index(r, 1).data()) for r in range(model.rowCount())]


def test_typing_beatrice_without_accent_finds_beatrice(
    qtbot: QtBot, db: Database, accueil: Actor
) -> None:
    page = _page(qtbot, db, accueil)
    assert len(_names(page)) == 3
    qtbot.keyClicks(page.recherche, "beatrice")
    qtbot.waitUntil(lambda: _names(page) == ["Béatrice"], timeout=2000)
    assert page.compte.text() == "1 bénéficiaire"
    # Enter opens the first file
    qtbot.keyClick(page.recherche, Qt.Key.Key_Return)
    assert page.fiche.isVisible()
    assert "Béatrice Lefèvre" in page.fiche.titre.text()


def test_search_waits_for_a_pause_in_typing(qtbot: QtBot, db: Database, accueil: Actor) -> None:
    page = _page(qtbot, db, accueil)
    queries_before = page.model.queries
    qtbot.keyClicks(page.recherche, "ben")
    # no query per keystroke: the debounce timer is still pending
    assert page.model.queries == queries_before
    qtbot.waitUntil(lambda: _names(page) == ["Benoît"], timeout=2000)


def test_list_sorts_in_sql_by_the_clicked_column(
    qtbot: QtBot, db: Database, accueil: Actor
) -> None:
    page = _page(qtbot, db, accueil)
    page.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert _names(page) == ["Béatrice", "Benoît", "Bernard"]
    page.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert _names(page) == ["Bernard", "Benoît", "Béatrice"]


def test_new_beneficiary_form_warns_about_a_probable_duplicate(
    qtbot: QtBot, db: Database, accueil: Actor
) -> None:
    page = _page(qtbot, db, accueil)
    form = page.new_beneficiaire_form()
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClicks(form.nom, "LEFEVRE")
    qtbot.keyClicks(form.prenom, "beatrice")
    form.save()
    assert form.doublon.isVisible()
    assert "Doublon probable" in form.doublon_texte.text()
    assert "Béatrice Lefèvre" in form.doublon_texte.text()
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Beneficiaire)) == 3
    opened: list[int] = []
    form.open_existing.connect(opened.append)
    qtbot.keyClick(form.ouvrir_existant, Qt.Key.Key_Space)
    assert len(opened) == 1


def test_another_person_with_the_same_names_can_still_be_created(
    qtbot: QtBot, db: Database, accueil: Actor
) -> None:
    page = _page(qtbot, db, accueil)
    form = page.new_beneficiaire_form()
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClicks(form.nom, "Lefevre")
    qtbot.keyClicks(form.prenom, "Beatrice")
    form.save()
    qtbot.keyClick(form.creer_quand_meme, Qt.Key.Key_Space)
    assert form.created_id is not None
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Beneficiaire)) == 4


def test_commune_outside_the_territory_is_accepted_and_marked(
    qtbot: QtBot, db: Database, accueil: Actor
) -> None:
    page = _page(qtbot, db, accueil)
    form = page.new_beneficiaire_form()
    qtbot.addWidget(form)
    qtbot.keyClicks(form.nom, "Nouveau")
    qtbot.keyClicks(form.commune.edit, "Paris (75056)")
    assert form.commune.marque.text() == "hors territoire"
    form.consentement.setChecked(True)
    form.save()
    with db.read_session() as s:
        b = s.get(Beneficiaire, form.created_id)
        assert b is not None
        assert b.commune_insee == "75056"
        assert b.consentement_at is not None
        assert b.consentement_agent_id == accueil.agent_id


def test_an_unknown_commune_is_refused_in_french(
    qtbot: QtBot, db: Database, accueil: Actor
) -> None:
    page = _page(qtbot, db, accueil)
    form = page.new_beneficiaire_form()
    qtbot.addWidget(form)
    qtbot.keyClicks(form.nom, "Nouveau")
    qtbot.keyClicks(form.commune.edit, "Atlantide")
    form.save()
    assert "Commune inconnue" in form.erreur.text()
    assert form.created_id is None


def test_the_file_shows_identity_and_timeline(qtbot: QtBot, db: Database, accueil: Actor) -> None:
    page = _page(qtbot, db, accueil)
    with db.read_session() as s:
        bid = s.scalar(select(Beneficiaire.id).where(Beneficiaire.prenom == "Béatrice"))
    assert bid is not None
    page.open_beneficiaire(bid)
    assert "La Rochelle (17300)" in page.fiche.identite.text()
    assert "+33546000001" in page.fiche.identite.text()
    assert page.fiche.historique.topLevelItemCount() == 0


def test_erasing_a_file_asks_first_and_is_journalled(
    qtbot: QtBot, db: Database, accueil: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.widgets import messages

    asked: list[str] = []

    def answer(box: QMessageBox) -> int:
        asked.append(box.text())
        return int(box.StandardButton.Yes)

    monkeypatch.setattr(messages, "present", answer)
    page = _page(qtbot, db, accueil)
    with db.read_session() as s:
        bid = s.scalar(select(Beneficiaire.id).where(Beneficiaire.prenom == "Bernard"))
    assert bid is not None
    page.open_beneficiaire(bid)
    page.fiche.erase()
    assert "irréversible" in asked[0]
    assert "Bernard" not in _names(page)
    with db.read_session() as s:
        assert s.scalar(select(AuditEntry.entity_id).where(
            AuditEntry.action == "beneficiaire.effacement")) == str(bid)  # fmt: skip
    assert datetime.now(UTC)  # the page stays usable


def test_exporting_a_persons_data_writes_a_pdf_and_a_json(
    qtbot: QtBot, db: Database, accueil: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.widgets import messages

    infos: list[str] = []
    monkeypatch.setattr(messages, "present", lambda box: infos.append(box.text()) or 0)
    page = _page(qtbot, db, accueil)
    with db.read_session() as s:
        bid = s.scalar(select(Beneficiaire.id).where(Beneficiaire.prenom == "Béatrice"))
    assert bid is not None
    page.open_beneficiaire(bid)
    page.fiche.export_to(tmp_path)
    written = sorted(p.suffix for p in tmp_path.iterdir())
    assert written == [".json", ".pdf"]
    data = json.loads(next(tmp_path.glob("*.json")).read_text(encoding="utf-8"))
    assert "Béatrice" in json.dumps(data, ensure_ascii=False)
    assert "exportées" in infos[-1]


def test_merge_dialog_previews_before_merging(qtbot: QtBot, db: Database, accueil: Actor) -> None:
    from ui.pages.beneficiaires import MergeDialog

    with db.session() as s:
        other = create_beneficiaire(
            s, accueil, BeneficiaireData(nom="Lefevre", prenom="Beatrice", email="b@exemple.fr"),
            confirm_not_duplicate=True,
        ).id  # fmt: skip
        kept = s.scalar(
            select(Beneficiaire.id).where(
                Beneficiaire.prenom == "Béatrice", Beneficiaire.id != other
            )
        )
    assert kept is not None
    ctx = AppContext(db, accueil, Settings({}), ImmediateTaskRunner())
    dialog = MergeDialog(ctx, kept)
    qtbot.addWidget(dialog)
    assert not dialog.fusionner.isEnabled()
    dialog._preview(other, "Beatrice Lefevre")
    assert "E-mail : b@exemple.fr" in dialog.apercu.text()
    assert dialog.fusionner.isEnabled()
    dialog.merge()
    with db.read_session() as s:
        kept_row = s.get(Beneficiaire, kept)
        assert kept_row is not None and kept_row.email == "b@exemple.fr"
        other_row = s.get(Beneficiaire, other)
        assert other_row is not None and other_row.efface
