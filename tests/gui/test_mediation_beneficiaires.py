"""Page « Bénéficiaires »: type-ahead search, duplicate warning, the beneficiary's file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTreeWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from core.auth import Actor
from core.db import Database
from core.models import AuditEntry, Role
from core.settings import Settings
from mediation.beneficiaires import BeneficiaireData, create_beneficiaire
from mediation.models import Beneficiaire
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Chequier
from pass_numerique.redemption import redeem
from tests.mandats.conftest import make_desk, pdf_text
from tests.mediation.mediation_stats_data import MakeAgent, deux_structures
from tests.pass_numerique.conftest import TODAY as PASS_DAY
from tests.pass_numerique.conftest import World
from tests.pass_numerique.conftest import world as world  # the fixture, shared
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
    assert "05 46 00 00 01" in page.fiche.identite.text()
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
    written = sorted(p.suffix for p in tmp_path.iterdir() if p.is_file())  # not MEDIANUM_HOME
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


# --- passes and mandates in the file ------------------------------------------------------------


def _pass_world_page(qtbot: QtBot, w: World, actor: Actor) -> BeneficiairesPage:
    return _page(qtbot, w.db, actor)


def _tab_titles(page: BeneficiairesPage) -> list[str]:
    tabs = page.fiche.onglets
    return [tabs.tabText(i) for i in range(tabs.count())]


def _rows(tree: QTreeWidget) -> list[list[str]]:
    return [
        [tree.topLevelItem(r).text(c) for c in range(tree.columnCount())]  # type: ignore[union-attr]
        for r in range(tree.topLevelItemCount())
    ]


def test_the_file_lists_the_persons_chequebooks_with_passes_counted_by_state(
    qtbot: QtBot,
    world: World,
) -> None:
    with world.db.session() as s:
        chequier = issue_chequebook(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, today=PASS_DAY
        )
        qr_texts = [p.qr_text for p in chequebook_print(s, world.accueil, chequier.id).passes]
        assert redeem(s, world.mediateur, qr_texts[0], today=PASS_DAY).accepted
    page = _pass_world_page(qtbot, world, world.accueil)
    page.open_beneficiaire(world.beneficiaire_id)
    assert "Pass numérique (1)" in _tab_titles(page)
    [row] = _rows(page.fiche.chequiers)
    assert row[0] == f"n° {chequier.id}"
    assert row[1] == "Pass numérique 2026"
    assert row[3] == "9 remis, 1 encaissé"
    assert row[4] == "Médiathèque test"
    # A desk agent issues passes but gives no mandate: no mandate button, no mandates tab.
    assert page.fiche.emettre_chequier.isVisible()
    assert not page.fiche.nouveau_mandat.isVisible()
    assert not any(t.startswith("Mandats") for t in _tab_titles(page))


def test_emettre_un_chequier_from_the_file_gives_the_reasons_or_issues_and_prints(
    qtbot: QtBot,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.widgets import messages

    asked: list[str] = []
    monkeypatch.setattr(
        messages, "present", lambda box: asked.append(box.text()) or int(box.StandardButton.Yes)
    )
    not_assessed = world.add_beneficiaire(prenom="Gaël", nom="Morin", diagnostic=False)
    page = _pass_world_page(qtbot, world, world.accueil)
    printed: list[Path] = []
    page.fiche.opener = printed.append

    page.open_beneficiaire(not_assessed)
    dialog = page.fiche.chequebook_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.emettre.picker.text() == f"Gaël Morin — n° {not_assessed}"
    assert "pas encore de diagnostic des besoins" in dialog.emettre.verdict.text()
    assert not dialog.emettre.issue_button.isEnabled()
    dialog.reject()

    page.open_beneficiaire(world.beneficiaire_id)
    dialog = page.fiche.chequebook_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.emettre.verdict.text() == "Éligible au Pass numérique."
    dialog.emettre.issue_button.click()
    assert "plafond" in asked[0]  # confirmed before issuing
    assert len(printed) == 1
    text = " ".join((p.extract_text() or "") for p in PdfReader(printed[0]).pages)
    assert "Odile L." in text
    dialog.reject()  # closing the screen refreshes the file
    [row] = _rows(page.fiche.chequiers)
    assert row[3] == "10 remis"
    with world.db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Chequier)) == 1


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_nouveau_mandat_from_the_file_records_and_prints_a_mandate_for_this_person(
    qtbot: QtBot,
    db: Database,
    make_agent: MakeAgent,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.widgets import messages

    desk = make_desk(db, make_agent)
    infos: list[str] = []
    monkeypatch.setattr(messages, "present", lambda box: infos.append(box.text()) or 0)
    page = _page(qtbot, db, desk.aidant)
    printed: list[Path] = []
    page.fiche.opener = printed.append
    page.open_beneficiaire(desk.beneficiaire_id)
    assert page.fiche.nouveau_mandat.isVisible() and page.fiche.nouveau_mandat.isEnabled()
    assert "Mandats (0)" in _tab_titles(page)
    wizard = page.fiche.new_mandate()
    assert wizard is not None
    assert wizard.person_page is None  # the person is the file's
    wizard.mentions_page.lu.setChecked(True)
    wizard.next()
    wizard.categories_page.boxes["logement"].setChecked(True)
    wizard.categories_page.duree.setCurrentIndex(wizard.categories_page.duree.findData(1))
    wizard.next()
    assert (wizard.identity_page.nom.text(), wizard.identity_page.prenom.text()) == (
        "Lambert",
        "Odile",
    )
    qtbot.keyClicks(wizard.identity_page.lieu, "Rochefort")
    wizard.identity_page.protection.setChecked(True)
    wizard.next()
    wizard.accept()
    assert len(printed) == 1
    content = pdf_text(printed[0].read_bytes())
    assert "Logement" in content and "1 jour" in content
    [row] = _rows(page.fiche.mandats)
    assert row[0] == printed[0].stem  # the reference names the PDF
    assert row[0] in content
    assert (row[1], row[3]) == ("Logement", "Actif — expire bientôt")
    assert "Mandats (1)" in _tab_titles(page)
    assert row[0] in infos[-1]


def test_a_mediator_sees_neither_pass_nor_mandate_actions_in_the_file(
    qtbot: QtBot, db: Database, make_agent: MakeAgent
) -> None:
    desk = make_desk(db, make_agent)
    page = _page(qtbot, db, desk.mediateur)
    page.open_beneficiaire(desk.beneficiaire_id)
    assert not page.fiche.nouveau_mandat.isVisible()
    assert not page.fiche.emettre_chequier.isVisible()
    assert _tab_titles(page) == ["Diagnostics et accompagnements"]


def test_erasing_from_the_file_a_person_with_a_kept_mandate_says_until_when_and_keeps_it(
    qtbot: QtBot, db: Database, make_agent: MakeAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediation.mandats.creation import create_mandat
    from tests.mandats.conftest import IDENTITE
    from ui.widgets import messages

    desk = make_desk(db, make_agent)
    with db.session() as s:
        create_mandat(
            s,
            desk.aidant,
            desk.beneficiaire_id,
            categories=["social"],
            duree_jours=365,
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
        )
    shown: list[str] = []
    monkeypatch.setattr(
        messages, "present", lambda box: shown.append(box.text()) or int(box.StandardButton.Yes)
    )
    page = _page(qtbot, db, desk.aidant)
    page.open_beneficiaire(desk.beneficiaire_id)
    page.fiche.erase()
    assert "irréversible" in shown[0]
    assert "Effacement impossible" in shown[1] and "jusqu'au" in shown[1]
    assert page.fiche.isVisible() and page.fiche.beneficiaire_id == desk.beneficiaire_id
    with db.read_session() as s:
        b = s.get(Beneficiaire, desk.beneficiaire_id)
        assert b is not None and (b.nom, b.efface) == ("Lambert", False)
