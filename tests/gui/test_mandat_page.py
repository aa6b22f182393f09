"""Page « Mandats »: an aidant records, prints, revokes and verifies mandates with the keyboard."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWizard

from core.db import Database, utcnow
from core.settings import Settings
from mediation.mandats.creation import create_mandat
from mediation.mandats.lecture import Filtre, get_mandat, list_mandats
from mediation.mandats.revocation import revoke_mandat
from mediation.mandats.verification import mandat_qr_content
from tests.mandats.conftest import IDENTITE, Desk, make_desk, pdf_text
from ui.context import AppContext
from ui.pages.mandats.dialogs import RevokeDialog
from ui.pages.mandats.page import MandatsPage
from ui.tasks import ImmediateTaskRunner


@pytest.fixture
def desk(db: Database, make_agent) -> Desk:  # type: ignore[no-untyped-def]
    return make_desk(db, make_agent)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """PDFs the page asked the system to open (no viewer is launched in tests)."""
    paths: list[Path] = []

    def fake_open(url: QUrl) -> bool:
        paths.append(Path(url.toLocalFile()))
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(fake_open))
    return paths


def _page(qtbot, db: Database, desk: Desk, actor=None) -> MandatsPage:  # type: ignore[no-untyped-def]
    ctx = AppContext(db, actor or desk.aidant, Settings({}), ImmediateTaskRunner())
    page = MandatsPage(ctx)
    qtbot.addWidget(page)
    return page


def _mandat(db: Database, desk: Desk, categories: list[str], **kw: object) -> int:
    with db.session() as s:
        return create_mandat(
            s,
            desk.aidant,
            desk.beneficiaire_id,
            categories=categories,
            duree_jours=kw.pop("duree_jours", 365),  # type: ignore[arg-type]
            identite=IDENTITE,
            mentions_lues=True,
            hors_mesure_protection=True,
            **kw,  # type: ignore[arg-type]
        ).id


def _select_filter(page: MandatsPage, filtre: Filtre) -> None:
    page.filtre.setCurrentIndex(page.filtre.findData(filtre))


def test_filters_show_active_expiring_and_revoked_mandates(qtbot, db: Database, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    _mandat(db, desk, ["papiers"])
    _mandat(db, desk, ["famille"], duree_jours=31, now=utcnow() - timedelta(days=20))
    revoked = _mandat(db, desk, ["justice"])
    with db.session() as s:
        revoke_mandat(s, desk.aidant, revoked)
    page = _page(qtbot, db, desk)
    assert page.model.rowCount() == 3
    _select_filter(page, Filtre.EXPIRANT)
    assert page.model.rowCount() == 1
    assert page.model.data(page.model.index(0, 5)) == "Expire bientôt"
    _select_filter(page, Filtre.REVOQUES)
    assert page.model.rowCount() == 1
    assert page.model.data(page.model.index(0, 5)) == "Révoqué"
    _select_filter(page, Filtre.ACTIFS)
    assert page.model.rowCount() == 2
    assert page.count.text() == "2 mandat(s)"


def test_person_search_narrows_the_list_as_one_types(qtbot, db: Database, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    _mandat(db, desk, ["papiers"])
    page = _page(qtbot, db, desk)
    qtbot.keyClicks(page.search, "zzz")
    qtbot.waitUntil(lambda: page.count.text() == "0 mandat(s)")
    assert page.model.rowCount() == 0
    page.search.clear()
    qtbot.keyClicks(page.search, "lamb")
    qtbot.waitUntil(lambda: page.count.text() == "1 mandat(s)")
    assert page.model.data(page.model.index(0, 1)) == "Odile Lambert"


# The offscreen platform cannot resize, raise or grab a shown window: its limits, not ours.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_guided_new_mandate_requires_the_ticks_then_records_and_prints(
    qtbot, db: Database, desk: Desk, opened: list[Path]
) -> None:  # type: ignore[no-untyped-def]
    older = _mandat(db, desk, ["social", "papiers"])
    page = _page(qtbot, db, desk)
    wizard = page.new_mandate(desk.beneficiaire_id)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert "vous pouvez y mettre fin à tout moment" in wizard.mentions_page.text.toPlainText()
    assert not next_button.isEnabled()  # the mentions were not read yet
    wizard.mentions_page.lu.setChecked(True)
    assert next_button.isEnabled()
    wizard.next()
    assert not next_button.isEnabled()  # no category chosen
    wizard.categories_page.boxes["social"].setChecked(True)
    wizard.categories_page.boxes["logement"].setChecked(True)
    wizard.categories_page.duree.setCurrentIndex(wizard.categories_page.duree.findData(182))
    wizard.categories_page.actions_edit.insertPlainText("Création d'une adresse e-mail")
    wizard.next()
    identity = wizard.identity_page
    assert (identity.nom.text(), identity.prenom.text()) == ("Lambert", "Odile")
    assert identity.naissance.text() == "14/03/1948"
    assert not next_button.isEnabled()  # birthplace and declaration missing
    qtbot.keyClicks(identity.lieu, "Rochefort")
    identity.protection.setChecked(True)
    assert next_button.isEnabled()
    wizard.next()
    with db.session() as s:
        older_reference = get_mandat(s, desk.aidant, older).reference
    warning = wizard.summary_page.warning.text()
    assert older_reference in warning and "Social - Santé" in warning
    assert "Papiers" not in warning
    wizard.accept()
    assert len(opened) == 1
    content = pdf_text(opened[0].read_bytes())
    assert "6 mois" in content and "Création d'une adresse e-mail" in content
    with db.session() as s:
        rows = list_mandats(s, desk.aidant, Filtre.ACTIFS)
        older_row = next(r for r in rows if r.id == older)
    assert len(rows) == 2
    assert older_row.categories == ("papiers",)  # « social » moved to the new mandate
    assert page.selected_row() is not None and page.selected_row().categories == (  # type: ignore[union-attr]
        "social",
        "logement",
    )


def test_revoking_one_category_after_confirmation_prints_the_attestation(
    qtbot, db: Database, desk: Desk, opened: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    mandat_id = _mandat(db, desk, ["papiers", "justice"])
    page = _page(qtbot, db, desk)
    page.table.selectRow(0)
    assert page.revoke_button.isEnabled()

    def choose_justice(dialog: RevokeDialog) -> int:
        dialog.one.setChecked(True)
        dialog.categorie.setCurrentIndex(dialog.categorie.findData("justice"))
        return RevokeDialog.DialogCode.Accepted.value

    asked: list[str] = []

    def confirm(_parent, _title, text, *_args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(RevokeDialog, "exec", choose_justice)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(confirm))
    page.revoke_selected()
    assert asked and "Justice" in asked[0] and "définitive" in asked[0]
    assert "Attestation de révocation de mandat" in pdf_text(opened[-1].read_bytes())
    with db.session() as s:
        mandat = get_mandat(s, desk.aidant, mandat_id)
        assert {c.categorie: c.revoquee_at is not None for c in mandat.categories} == {
            "papiers": False,
            "justice": True,
        }


def test_declining_the_confirmation_revokes_nothing(
    qtbot, db: Database, desk: Desk, opened: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    mandat_id = _mandat(db, desk, ["papiers"])
    page = _page(qtbot, db, desk)
    page.table.selectRow(0)
    monkeypatch.setattr(RevokeDialog, "exec", lambda _d: RevokeDialog.DialogCode.Accepted.value)
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *_a: QMessageBox.StandardButton.No)
    )
    page.revoke_selected()
    assert opened == []
    with db.session() as s:
        assert get_mandat(s, desk.aidant, mandat_id).revoque_at is None


def test_scanned_qr_content_is_said_conforming_or_not_in_words(
    qtbot, db: Database, desk: Desk
) -> None:  # type: ignore[no-untyped-def]
    mandat_id = _mandat(db, desk, ["logement"])
    with db.session() as s:
        qr = mandat_qr_content(get_mandat(s, desk.aidant, mandat_id))
    page = _page(qtbot, db, desk)
    qtbot.keyClicks(page.verify_input, qr)
    qtbot.keyClick(page.verify_input, "\r")
    assert page.verify_result.text().startswith("Conforme")
    page.verify_input.clear()
    qtbot.keyClicks(page.verify_input, qr[:-4] + "0000")
    page.verify()
    assert "NON CONFORME" in page.verify_result.text()
    page.verify_input.setText("bonjour")
    page.verify()
    assert "pas le code d'un mandat" in page.verify_result.text()


def test_a_mediateur_sees_why_the_page_is_unavailable(qtbot, db: Database, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, db, desk, desk.mediateur)
    assert "pas aidant habilité" in page.notice.text()
    assert not page.new_button.isEnabled()
    assert page.model.rowCount() == 0


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_new_mandate_without_a_chosen_person_asks_for_one_first(
    qtbot, db: Database, desk: Desk
) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, db, desk)
    wizard = page.new_mandate()
    assert wizard.person_page is not None
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    qtbot.keyClicks(wizard.person_page.picker, "Lamb")
    qtbot.waitUntil(lambda: bool(wizard.person_page.picker.choices()))
    choices = wizard.person_page.picker.choices()
    assert len(choices) == 1 and "Odile Lambert" in choices[0]
    wizard.person_page.picker.choose(choices[0])
    assert next_button.isEnabled()
    wizard.next()
    assert wizard.currentPage() is wizard.mentions_page


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_a_recorded_mandate_is_selected_once_the_list_has_loaded_in_the_background(
    qtbot, db: Database, desk: Desk, opened: list[Path]
) -> None:  # type: ignore[no-untyped-def]
    from ui.tasks import TaskRunner

    runner = TaskRunner()
    page = MandatsPage(AppContext(db, desk.aidant, Settings({}), runner))
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.handle is None or page.progress.isHidden(), timeout=20_000)
    _select_filter(page, Filtre.REVOQUES)  # a filter the new mandate would not show
    wizard = page.new_mandate(desk.beneficiaire_id)
    wizard.mentions_page.lu.setChecked(True)
    wizard.next()
    wizard.categories_page.boxes["social"].setChecked(True)
    wizard.next()
    qtbot.keyClicks(wizard.identity_page.lieu, "Rochefort")
    wizard.identity_page.protection.setChecked(True)
    wizard.next()
    wizard.accept()
    qtbot.waitUntil(lambda: page.selected_row() is not None, timeout=30_000)
    assert page.selected_row().categories == ("social",)  # type: ignore[union-attr]
    assert page.print_button.isEnabled() and page.revoke_button.isEnabled()
    assert page.renew_button.isEnabled()
    runner.wait()


def test_printing_with_the_translation_keeps_the_french_pdf(
    qtbot, db: Database, desk: Desk, opened: list[Path]
) -> None:  # type: ignore[no-untyped-def]
    _mandat(db, desk, ["social"])
    page = _page(qtbot, db, desk)
    page.table.selectRow(0)
    page.print_selected()
    page.translation.setChecked(True)
    page.print_selected()
    french, both = opened
    assert french != both
    assert "Translation" not in pdf_text(french.read_bytes())
    assert "Translation" in pdf_text(both.read_bytes())


def test_a_revoked_mandate_verifies_in_red_leading_with_revoked(
    qtbot, db: Database, desk: Desk
) -> None:  # type: ignore[no-untyped-def]
    mandat_id = _mandat(db, desk, ["logement"])
    with db.session() as s:
        qr = mandat_qr_content(get_mandat(s, desk.aidant, mandat_id))
        revoke_mandat(s, desk.aidant, mandat_id)
    page = _page(qtbot, db, desk)
    page.verify_input.setText(qr)
    page.verify()
    assert page.verify_result.text().startswith("RÉVOQUÉ LE ")
    assert "#8a1c1c" in page.verify_result.styleSheet()
