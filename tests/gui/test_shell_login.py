"""Login screen: agent and password; wrong password or locked account said in French."""

from __future__ import annotations

from sqlalchemy import select

from core.auth import MAX_FAILED_ATTEMPTS, Actor, create_structure
from core.db import Database
from core.models import Agent, AuditEntry, Role
from ui.login import LoginDialog


def test_wrong_password_then_right_password_signs_the_agent_in(
    qtbot, db: Database, admin: Actor
) -> None:
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.login_edit.setText("admin")
    dialog.password_edit.setText("pas-le-bon")
    dialog.submit()

    assert dialog.error_label.text() == "Identifiant ou mot de passe incorrect."
    assert dialog.actor is None
    assert dialog.login_edit.text() == "admin"  # what was typed stays
    assert dialog.password_edit.text() == ""

    dialog.password_edit.setText("mot-de-passe-solide")
    dialog.submit()

    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.agent_id == admin.agent_id
    with db.read_session() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert actions[-2:] == ["connexion.echec", "connexion"]


def test_too_many_wrong_passwords_lock_the_account_with_a_french_message(
    qtbot, db: Database, admin: Actor
) -> None:
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.login_edit.setText("admin")
    for _attempt in range(MAX_FAILED_ATTEMPTS):
        dialog.password_edit.setText("pas-le-bon")
        dialog.submit()
    assert "verrouillé pendant 15 minutes" in dialog.error_label.text()

    dialog.password_edit.setText("mot-de-passe-solide")
    dialog.submit()
    assert "Ce compte est verrouillé" in dialog.error_label.text()
    assert dialog.actor is None
    with db.read_session() as s:
        agent = s.scalar(select(Agent).where(Agent.login == "admin"))
        assert agent is not None and agent.locked_until is not None


def test_agent_of_two_structures_chooses_the_structure_it_works_for(
    qtbot, db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        nord = create_structure(s, admin, "Médiathèque Nord").id
        sud = create_structure(s, admin, "Médiathèque Sud").id
    make_agent((Role.ACCUEIL, nord), (Role.ACCUEIL, sud), login="camille")

    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.login_edit.setText("camille")
    dialog.password_edit.setText("mot-de-passe-solide")
    dialog.submit()

    assert dialog.actor is None  # not yet: the structure is asked first
    assert not dialog.structures.isHidden()
    combo = dialog.structures.combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Médiathèque Nord",
        "Médiathèque Sud",
    ]
    combo.setCurrentIndex(1)
    dialog.submit()

    assert dialog.actor is not None and dialog.actor.structure_id == sud


def test_agent_of_one_structure_is_not_asked_to_choose(
    qtbot, db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        nord = create_structure(s, admin, "Médiathèque Nord").id
    make_agent((Role.ACCUEIL, nord), login="camille")
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.login_edit.setText("camille")
    dialog.password_edit.setText("mot-de-passe-solide")
    dialog.submit()
    assert dialog.actor is not None and dialog.actor.structure_id == nord


def test_agent_whose_password_was_reset_chooses_its_own_before_going_on(
    qtbot, db: Database, admin: Actor, make_agent, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from core.auth import reset_password
    from ui.login import ChangePasswordDialog

    alix = make_agent((Role.COORDINATEUR, None), login="alix")
    with db.session() as s:
        reset_password(s, admin, alix.agent_id, "provisoire-123")

    def choose_own(dialog: ChangePasswordDialog) -> int:
        dialog.password.setText("le-mien-rien-qu-a-moi")
        dialog.password_again.setText("le-mien-rien-qu-a-moi")
        dialog.submit()
        return dialog.result()

    monkeypatch.setattr(ChangePasswordDialog, "exec", choose_own)
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.login_edit.setText("alix")
    dialog.password_edit.setText("provisoire-123")
    dialog.submit()

    assert dialog.actor is not None and dialog.actor.login == "alix"
    with db.session() as s:
        agent = s.scalar(select(Agent).where(Agent.login == "alix"))
        assert agent is not None and agent.must_change_password is False
    second = LoginDialog(db)
    qtbot.addWidget(second)
    second.login_edit.setText("alix")
    second.password_edit.setText("le-mien-rien-qu-a-moi")
    second.submit()
    assert second.actor is not None


def test_agent_who_declines_to_choose_a_password_stays_on_the_login_screen(
    qtbot, db: Database, admin: Actor, make_agent, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from core.auth import reset_password
    from ui.login import ChangePasswordDialog

    alix = make_agent((Role.COORDINATEUR, None), login="alix")
    with db.session() as s:
        reset_password(s, admin, alix.agent_id, "provisoire-123")
    monkeypatch.setattr(ChangePasswordDialog, "exec", lambda _self: 0)
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.login_edit.setText("alix")
    dialog.password_edit.setText("provisoire-123")
    dialog.submit()
    assert dialog.actor is None
    assert dialog.error_label.text() == "Choisissez un nouveau mot de passe pour continuer."
