"""Page « Pass numériques »: issuing at the desk, redeeming with a scanner, settling."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.auth import Actor
from core.settings import Settings
from pass_numerique.campagnes import CampagneData, create_campagne
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.pdf import chequebook_pdf
from pass_numerique.structures import set_campagnes
from tests.conftest import france_today
from tests.pass_numerique.conftest import World
from tests.pass_numerique.conftest import world as world  # the fixture, shared
from ui.context import AppContext
from ui.pages.pass_numerique import PassPage
from ui.tasks import ImmediateTaskRunner
from ui.widgets import messages

# Showing a window on the offscreen platform: a harmless notice, not a defect of the page.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(autouse=True)
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes shown; every question is answered « Oui »; a crash dialog fails the test."""
    shown: list[str] = []

    def present(box: QMessageBox) -> int:
        if box.icon() == QMessageBox.Icon.Critical:
            raise AssertionError(box.detailedText() or box.text())
        shown.append(box.text())
        return int(QMessageBox.StandardButton.Yes)

    monkeypatch.setattr(messages, "present", present)
    return shown


@pytest.fixture
def current(world: World) -> int:
    """A campaign running today, the association referenced for it."""
    today = france_today()
    with world.db.session() as s:
        campagne = create_campagne(
            s,
            world.coordinateur,
            CampagneData(
                nom="Campagne en cours",
                financeur="Financeur test",
                debut=today - timedelta(days=30),
                fin=today + timedelta(days=60),
            ),
        )
        set_campagnes(
            s, world.coordinateur, world.ref_association, [world.campagne_id, campagne.id]
        )
        return campagne.id


def _page(qtbot, world: World, actor: Actor) -> PassPage:  # type: ignore[no-untyped-def]
    page = PassPage(AppContext(world.db, actor, Settings({}), ImmediateTaskRunner()))
    qtbot.addWidget(page)
    page.resize(900, 700)
    return page


def _tabs(page: PassPage) -> list[str]:
    return [page.tabs.tabText(i).replace("&", "") for i in range(page.tabs.count())]


def _issued(world: World, campagne_id: int) -> list[str]:
    with world.db.session() as s:
        chequier = issue_chequebook(s, world.accueil, world.beneficiaire_id, campagne_id)
        return [p.qr_text for p in chequebook_print(s, world.accueil, chequier.id).passes]


def test_each_role_sees_its_own_tabs(qtbot, world: World) -> None:  # type: ignore[no-untyped-def]
    assert _tabs(_page(qtbot, world, world.mediateur)) == ["Encaisser"]
    assert _tabs(_page(qtbot, world, world.accueil)) == ["Émettre", "Opposition", "Expirations"]
    assert _tabs(_page(qtbot, world, world.coordinateur)) == [
        "Campagnes et structures",
        "Remboursements",
        "Clés des lots",
        "Rapport financeur",
        "Expirations",
    ]


def test_a_scanner_typing_then_enter_gets_a_green_then_a_red_answer_and_an_undo(
    qtbot, world: World, current: int, answers: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    scans = _issued(world, current)
    page = _page(qtbot, world, world.mediateur)
    widget = page.encaisser
    assert widget is not None
    page.show()
    qtbot.waitUntil(lambda: widget.field.hasFocus())
    qtbot.keyClicks(widget.field, scans[0])
    qtbot.keyClick(widget.field, Qt.Key.Key_Return)
    assert widget.answer.text() == "Pass accepté — 10,00\xa0€"
    assert "#1e7b34" in widget.answer.styleSheet()
    assert widget.field.text() == "" and widget.field.hasFocus()
    qtbot.keyClicks(widget.field, scans[0])
    qtbot.keyClick(widget.field, Qt.Key.Key_Return)
    assert widget.answer.text().startswith("Déjà encaissé le ")
    assert "#b3261e" in widget.answer.styleSheet()
    assert widget.table.rowCount() == 1
    page.grab().save(str(tmp_path / "encaisser.png"))
    widget.table.selectRow(0)
    assert widget.undo_button.isEnabled()
    widget.undo_button.click()
    assert widget.table.rowCount() == 0
    assert answers and "Annuler l'encaissement" in answers[-1]


def test_a_qr_code_in_a_picture_is_read_and_redeemed(
    qtbot, world: World, current: int, answers: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with world.db.session() as s:
        chequier = issue_chequebook(s, world.accueil, world.beneficiaire_id, current)
        book = chequebook_print(s, world.accueil, chequier.id)
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(chequebook_pdf(book))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "2", "-l", "2", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    picture = next(tmp_path.glob("p-*.png"))
    page = _page(qtbot, world, world.mediateur)
    assert page.encaisser is not None
    page.encaisser.ask_image_path = lambda: picture
    page.encaisser.image_button.click()
    assert page.encaisser.answer.text() == "Pass accepté — 10,00\xa0€"


def test_the_desk_sees_eligibility_then_issues_and_prints_a_chequebook(
    qtbot, world: World, current: int, answers: list[str]
) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, world, world.accueil)
    widget = page.emettre
    assert widget is not None
    widget.campagne.setCurrentIndex(widget.campagne.findData(current))
    opened: list[Path] = []
    widget.opener = opened.append
    widget.picker.setText("lamb")
    widget.picker.search_now()
    widget.picker.choose(widget.picker.choices()[0])
    assert widget.verdict.text() == "Éligible au Pass numérique."
    assert widget.issue_button.isEnabled()
    widget.issue_button.click()
    assert len(opened) == 1 and opened[0].read_bytes().startswith(b"%PDF")
    # The news is the chequebook and where its PDF is; the cap reached is told quietly.
    [chequier_id] = [widget.books.item(0).data(256)]
    assert widget.verdict.text() == f"Chéquier n° {chequier_id} émis — PDF : {opened[0]}"
    assert "#1e7b34" in widget.verdict.styleSheet()
    assert "Non éligible" not in widget.verdict.text()
    assert not widget.issue_button.isEnabled()
    assert widget.books.count() == 1


def test_the_coordinator_validates_the_months_settlement_after_confirming(
    qtbot, world: World, current: int, answers: list[str]
) -> None:  # type: ignore[no-untyped-def]
    from pass_numerique.redemption import redeem

    scans = _issued(world, current)
    last_month = france_today().replace(day=1) - timedelta(days=1)
    with world.db.session() as s:
        at = datetime.combine(last_month.replace(day=15), time(10), UTC)
        assert redeem(s, world.mediateur, scans[0], at=at).accepted
    page = _page(qtbot, world, world.coordinateur)
    widget = page.remboursements
    assert widget is not None
    widget.mois.setText(last_month.strftime("%Y-%m"))
    widget.preview()
    assert widget.table.item(0, 3).text() == "à valider"
    # Per structure: the coordinator picks the association and validates its statement only.
    widget.structure.setCurrentIndex(widget.structure.findData(world.ref_association))
    widget.validate()
    assert "définitifs" in answers[-1] and "Association test" in answers[-1]
    assert widget.table.item(0, 3).text() == "validé"
    assert widget.table.item(0, 2).text() == "10,00\xa0€"
    # The current month is not over: validating it is refused in words.
    widget.mois.setText(france_today().strftime("%Y-%m"))
    widget.validate()
    assert "pas terminé" in answers[-1]


def test_the_coordinator_registers_the_fingerprint_a_desk_reads_and_can_revoke_it(
    qtbot, world: World, answers: list[str]
) -> None:  # type: ignore[no-untyped-def]
    desk_page = _page(qtbot, world, world.mediateur)
    desk = desk_page.encaisser
    assert desk is not None
    desk.fingerprint_button.click()
    read_aloud = answers[-1].split(" : ")[1].split("\n")[0]
    assert len(read_aloud) == 24  # five groups of four, joined by dashes
    page = _page(qtbot, world, world.coordinateur)
    widget = page.cles_lot
    assert widget is not None
    widget.structure.setCurrentIndex(widget.structure.findData(world.ref_association))
    widget.empreinte.setText(read_aloud.lower())
    widget.register_button.click()
    assert widget.table.rowCount() == 1
    assert [widget.table.item(0, c).text() for c in (1, 2, 3)] == [
        "Association test",
        read_aloud,
        "active",
    ]
    widget.table.selectRow(0)
    widget.revoke_button.click()
    assert widget.table.item(0, 3).text() == "révoquée"


def test_the_issuing_desk_lifts_an_opposition_with_a_reason(
    qtbot, world: World, current: int, answers: list[str]
) -> None:  # type: ignore[no-untyped-def]
    scans = _issued(world, current)
    page = _page(qtbot, world, world.accueil)
    widget = page.opposition
    assert widget is not None
    widget.serial.setText(scans[0].split(":")[2])
    widget.book_button.click()
    assert widget.result.text() == "Opposition enregistrée : 10 pass bloqués."
    widget.lift_button.click()  # no reason given
    assert "pourquoi" in answers[-1]
    widget.motif.setText("Chéquier retrouvé par la bénéficiaire")
    widget.lift_button.click()
    assert widget.result.text() == "Opposition levée : 10 pass de nouveau utilisables."


def test_the_coordinator_sees_and_sets_the_campaign_budget(
    qtbot, world: World, current: int, answers: list[str]
) -> None:  # type: ignore[no-untyped-def]
    _issued(world, current)
    page = _page(qtbot, world, world.coordinateur)
    widget = page.campagnes
    assert widget is not None
    row = widget.campagne_ids.index(current)
    assert widget.campagnes.item(row, 5).text() == "sans plafond"
    widget.campagnes.selectRow(row)
    widget.budget_chequiers.setValue(5)
    widget.budget_euros.setValue(300)
    widget.budget_button.click()
    row = widget.campagne_ids.index(current)
    assert widget.campagnes.item(row, 5).text() == "4 chéquier(s) ; 200,00\xa0€"
    rapport = page.rapport
    assert rapport is not None
    rapport.campagne.setCurrentIndex(rapport.campagne.findData(current))
    shown = {
        rapport.summary.item(i, 0).text(): rapport.summary.item(i, 1).text()
        for i in range(rapport.summary.rowCount())
    }
    assert shown["Budget restant"] == "200,00\xa0€"


def test_the_coordinator_sees_which_key_signs_each_campaign(
    qtbot, world: World, current: int
) -> None:  # type: ignore[no-untyped-def]
    kid = _issued(world, current)[0].split(":")[1]
    page = _page(qtbot, world, world.coordinateur)
    widget = page.campagnes
    assert widget is not None
    column = 6
    assert widget.campagnes.horizontalHeaderItem(column).text() == "Clé de signature"
    assert widget.campagnes.item(widget.campagne_ids.index(current), column).text() == kid
    untouched = widget.campagne_ids.index(world.campagne_id)
    assert widget.campagnes.item(untouched, column).text() == "au premier chéquier"
