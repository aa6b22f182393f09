"""Administration page: agents are created, given roles, deactivated (never deleted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.auth import Actor, authenticate, create_structure
from core.backup import check_sqlite_file
from core.db import Database
from core.errors import AuthenticationError
from core.models import Agent, AuditEntry, Role, Structure
from tests.gui.shell_support import Boxes, context
from tests.gui.shell_support import boxes as boxes
from ui.pages.administration import (
    AdministrationPage,
    GrantsDialog,
    NewAgentDialog,
    PasswordDialog,
    StructureDialog,
)


def _page(qtbot, db: Database, actor: Actor) -> AdministrationPage:  # type: ignore[no-untyped-def]
    page = AdministrationPage(context(db, actor))
    qtbot.addWidget(page)
    return page


def _logins(page: AdministrationPage) -> list[str]:
    return [page.table.item(r, 0).text() for r in range(page.table.rowCount())]


def test_administrator_creates_an_agent_with_a_role_in_a_structure(
    qtbot, db: Database, admin: Actor
) -> None:
    with db.session() as s:
        mediatheque = create_structure(s, admin, "Médiathèque centrale").id
    page = _page(qtbot, db, admin)
    assert _logins(page) == ["admin"]

    dialog = NewAgentDialog(page.ctx, page.directory.structures, page)
    qtbot.addWidget(dialog)
    dialog.login.setText("camille")
    dialog.display_name.setText("Camille Durand")
    dialog.password.setText("mot-de-passe-solide")
    dialog.password_again.setText("mot-de-passe-solide")
    dialog.grants.role.setCurrentIndex(dialog.grants.role.findData(Role.ACCUEIL.value))
    dialog.grants.structure.setCurrentIndex(dialog.grants.structure.findData(mediatheque))
    dialog.grants._add_current()
    dialog._submit()
    assert dialog.result() == NewAgentDialog.DialogCode.Accepted
    page.refresh()

    assert sorted(_logins(page)) == ["admin", "camille"]
    row = _logins(page).index("camille")
    assert page.table.item(row, 2).text() == "Agent d'accueil — Médiathèque centrale"
    with db.session() as s:
        actor = authenticate(s, "camille", "mot-de-passe-solide")
    assert actor.grants == frozenset({(Role.ACCUEIL, mediatheque)})


def test_new_agent_with_two_different_passwords_is_refused_and_the_form_kept(
    qtbot, db: Database, admin: Actor
) -> None:
    page = _page(qtbot, db, admin)
    dialog = NewAgentDialog(page.ctx, {}, page)
    qtbot.addWidget(dialog)
    dialog.login.setText("camille")
    dialog.display_name.setText("Camille Durand")
    dialog.password.setText("mot-de-passe-solide")
    dialog.password_again.setText("mot-de-passe-autre")
    dialog.grants.add((Role.MEDIATEUR, None))
    dialog._submit()
    assert dialog.error_label.text() == "Les deux mots de passe ne sont pas identiques."
    assert dialog.login.text() == "camille"
    with db.read_session() as s:
        assert s.scalar(select(Agent).where(Agent.login == "camille")) is None


def test_deactivation_asks_for_confirmation_then_blocks_login_but_keeps_the_agent(
    qtbot, db: Database, admin: Actor, make_agent, boxes: Boxes
) -> None:  # type: ignore[no-untyped-def]
    make_agent((Role.COORDINATEUR, None), login="alix")
    page = _page(qtbot, db, admin)
    page.select_agent(next(a.id for a in page.directory.agents if a.login == "alix"))

    boxes.answer = boxes.answer.No
    page.toggle_active()
    assert "Désactiver le compte de Agent Test (alix) ?" in boxes.texts()[0]
    with db.read_session() as s:
        assert s.scalar(select(Agent.active).where(Agent.login == "alix")) is True

    boxes.answer = boxes.answer.Yes
    page.toggle_active()
    row = _logins(page).index("alix")
    assert page.table.item(row, 3).text() == "Désactivé"
    assert page.active_button.text() == "&Réactiver"
    with db.session() as s, pytest.raises(AuthenticationError):
        authenticate(s, "alix", "mot-de-passe-solide")
    with db.read_session() as s:
        assert s.scalar(select(Agent).where(Agent.login == "alix")) is not None
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None and last.action == "agent.desactivation"

    page.toggle_active()
    with db.session() as s:
        assert authenticate(s, "alix", "mot-de-passe-solide").login == "alix"


def test_administrator_cannot_deactivate_itself_and_is_told_why(
    qtbot, db: Database, admin: Actor, boxes: Boxes
) -> None:
    page = _page(qtbot, db, admin)
    page.select_agent(admin.agent_id)
    page.toggle_active()
    assert boxes.texts()[-1] == "Vous ne pouvez pas désactiver votre propre compte."


def test_roles_change_and_password_reset_go_through_the_use_cases(
    qtbot, db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    make_agent((Role.COORDINATEUR, None), login="alix")
    page = _page(qtbot, db, admin)
    alix = next(a for a in page.directory.agents if a.login == "alix")

    grants = GrantsDialog(page.ctx, alix, page.directory.structures, page)
    qtbot.addWidget(grants)
    grants.grants.set_grants([(Role.MEDIATEUR, None)])
    grants._submit()
    assert grants.result() == GrantsDialog.DialogCode.Accepted

    password = PasswordDialog(page.ctx, alix, page)
    qtbot.addWidget(password)
    password.password.setText("nouveau-mot-de-passe")
    password.password_again.setText("nouveau-mot-de-passe")
    password._submit()
    assert password.result() == PasswordDialog.DialogCode.Accepted

    with db.session() as s:
        actor = authenticate(s, "alix", "nouveau-mot-de-passe")
    assert actor.grants == frozenset({(Role.MEDIATEUR, None)})


def test_administrator_creates_a_structure(qtbot, db: Database, admin: Actor) -> None:
    page = _page(qtbot, db, admin)
    dialog = StructureDialog(page.ctx, page)
    qtbot.addWidget(dialog)
    dialog._submit()
    assert dialog.error_label.text() == "Le nom de la structure est obligatoire."
    dialog.nom.setText("France Services Mireuil")
    dialog.commune.setText("17300")
    dialog._submit()
    assert dialog.result() == StructureDialog.DialogCode.Accepted
    with db.read_session() as s:
        created = s.scalar(select(Structure).where(Structure.nom == "France Services Mireuil"))
        assert created is not None and created.commune_insee == "17300"


def test_journal_check_reports_an_intact_journal_then_a_tampered_row(
    qtbot, db: Database, admin: Actor, boxes: Boxes
) -> None:
    page = _page(qtbot, db, admin)
    page.check_journal()
    assert boxes.texts()[-1].startswith("Journal intact : ")

    with db.engine.begin() as conn:  # someone with the database file drops the guards first
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_append_only ON audit_entry")
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(action="falsifie"))
    page.check_journal()
    assert boxes.texts()[-1].startswith("Le journal a été altéré : 1 anomalie(s)")
    assert "Entrée n° 1 : son contenu a été modifié après écriture." in boxes.texts()[-1]


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_backup_writes_a_sound_copy_of_the_database_in_the_chosen_folder(
    qtbot, db: Database, admin: Actor, boxes: Boxes, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, db, admin)
    folder = tmp_path / "cle-usb"
    folder.mkdir()
    monkeypatch.setattr(page, "choose_backup_folder", lambda: folder)
    page.backup()
    copies = list(folder.glob("medianum-manuelle-*.sqlite3"))
    assert len(copies) == 1
    check_sqlite_file(copies[0])
    assert str(copies[0]) in boxes.texts()[-1]


def test_a_non_administrator_is_refused_by_the_use_case_not_only_by_the_rail(
    qtbot, db: Database, admin: Actor, make_agent, boxes: Boxes
) -> None:  # type: ignore[no-untyped-def]
    coordinateur = make_agent((Role.COORDINATEUR, None), login="alix")
    page = _page(qtbot, db, coordinateur)
    assert page.table.rowCount() == 0
    assert boxes.texts() == ["Vous n'avez pas le droit de faire cela (administrer)."]


def test_a_locked_account_is_unlocked_from_the_page_and_the_unlock_journalled(
    qtbot, db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    from core.auth import MAX_FAILED_ATTEMPTS

    make_agent((Role.COORDINATEUR, None), login="alix")
    for _attempt in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError), db.session() as s:
            authenticate(s, "alix", "mauvais-mot-de-passe")
    page = _page(qtbot, db, admin)
    page.select_agent(next(a.id for a in page.directory.agents if a.login == "alix"))
    assert page.table.item(_logins(page).index("alix"), 3).text() == "Verrouillé (trop d'essais)"
    assert page.unlock_button.isEnabled()
    page.unlock()
    qtbot.waitUntil(lambda: not page.unlock_button.isEnabled())
    with db.session() as s:
        assert authenticate(s, "alix", "mot-de-passe-solide").login == "alix"
    with db.read_session() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert "agent.deverrouillage" in actions


def test_an_unsealed_installation_is_offered_the_sealing_and_the_key_exported_to_a_file(
    qtbot, db: Database, admin: Actor, boxes: Boxes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from core.journal_cle import EtatCle, key_state

    page = _page(qtbot, db, admin)
    qtbot.waitUntil(lambda: page.journal_key_label.text() != "")
    assert "n'est pas scellé" in page.journal_key_label.text()
    assert not page.seal_button.isHidden() and page.export_key_button.isHidden()

    page.seal_journal()
    qtbot.waitUntil(lambda: page.seal_button.isHidden())
    assert any(text.startswith("Journal scellé par la clé") for text in boxes.texts())
    assert "est scellé par la clé" in page.journal_key_label.text()
    with db.read_session() as s:
        state = key_state(s)
    assert state.etat is EtatCle.SCELLE

    target = tmp_path / "cle-journal.txt"
    monkeypatch.setattr(page, "choose_key_export_file", lambda: target)
    page.export_journal_key()
    qtbot.waitUntil(target.exists)
    assert target.read_text(encoding="ascii").startswith(f"{state.cle_id}:")
