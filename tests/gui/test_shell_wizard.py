"""First start on an empty database: the wizard creates the administrator and the territory."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import Database
from core.models import Agent, Role, TerritoryCommune
from core.territory import get_territory
from tests.gui.shell_support import Boxes
from tests.gui.shell_support import boxes as boxes
from ui.wizard import FirstRunWizard


def test_wizard_creates_the_first_administrator_and_the_la_rochelle_territory(
    qtbot, db: Database
) -> None:
    wizard = FirstRunWizard(db)
    qtbot.addWidget(wizard)
    assert wizard.territory_name.text() == "Communauté d'agglomération de La Rochelle"
    assert wizard.communes.count() == 28
    shown = [wizard.communes.item(i).text() for i in range(wizard.communes.count())]
    assert "Aytré (17028)" in shown

    wizard.display_name.setText("Dominique Martin")
    wizard.login.setText("dmartin")
    wizard.password.setText("un-mot-de-passe-long")
    wizard.password_again.setText("un-mot-de-passe-long")
    wizard.submit()

    assert wizard.result() == FirstRunWizard.DialogCode.Accepted
    assert wizard.actor is not None and wizard.actor.login == "dmartin"
    with db.read_session() as s:
        agent = s.scalar(select(Agent).where(Agent.login == "dmartin"))
        assert agent is not None
        assert [(r.role, r.structure_id) for r in agent.roles] == [(Role.ADMINISTRATEUR, None)]
        territory = get_territory(s)
        assert territory is not None
        assert territory.nom == "Communauté d'agglomération de La Rochelle"
        assert territory.siren == "241700434"
        assert s.scalar(select(func.count()).select_from(TerritoryCommune)) == 28


def test_wizard_refuses_two_different_passwords_and_creates_nothing(qtbot, db: Database) -> None:
    wizard = FirstRunWizard(db)
    qtbot.addWidget(wizard)
    wizard.display_name.setText("Dominique Martin")
    wizard.password.setText("un-mot-de-passe-long")
    wizard.password_again.setText("un-autre-mot-de-passe")
    wizard.submit()

    assert wizard.error_label.text() == "Les deux mots de passe ne sont pas identiques."
    assert wizard.display_name.text() == "Dominique Martin"
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Agent)) == 0
        assert get_territory(s) is None


def test_wizard_refuses_a_short_password_and_keeps_the_territory_unconfigured(
    qtbot, db: Database
) -> None:
    wizard = FirstRunWizard(db)
    qtbot.addWidget(wizard)
    wizard.display_name.setText("Dominique Martin")
    wizard.password.setText("court")
    wizard.password_again.setText("court")
    wizard.submit()

    assert "au moins 8 caractères" in wizard.error_label.text()
    with db.read_session() as s:
        assert get_territory(s) is None


def _fill(wizard: FirstRunWizard) -> None:
    wizard.display_name.setText("Dominique Martin")
    wizard.login.setText("dmartin")
    wizard.password.setText("un-mot-de-passe-long")
    wizard.password_again.setText("un-mot-de-passe-long")


def test_the_wizard_seals_the_new_journal_with_its_first_line(qtbot, db: Database) -> None:
    from core.journal import verify_journal
    from core.models import AuditEntry

    wizard = FirstRunWizard(db)
    qtbot.addWidget(wizard)
    _fill(wizard)
    wizard.submit()
    assert wizard.result() == FirstRunWizard.DialogCode.Accepted
    assert wizard.journal_key is not None
    with db.read_session() as s:
        first = s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).first()
        keys = set(s.scalars(select(AuditEntry.cle_id)).all())
        report = verify_journal(s)
    assert first == "journal.cle.rotation"
    assert keys == {wizard.journal_key}  # the territory, the admin, the sign-in: all sealed
    assert report.ok and report.keyed


def test_without_a_keyring_the_wizard_installs_unsealed_and_says_so(
    qtbot, db: Database, boxes: Boxes
) -> None:
    import keyring
    from keyring.backends import fail

    from core.models import AuditEntry

    keyring.set_keyring(fail.Keyring())  # the autouse fixture puts the memory keyring back
    wizard = FirstRunWizard(db)
    qtbot.addWidget(wizard)
    _fill(wizard)
    wizard.submit()
    assert wizard.result() == FirstRunWizard.DialogCode.Accepted
    assert wizard.journal_key is None
    assert any("Aucun trousseau de clés" in text for text in boxes.texts())
    with db.read_session() as s:
        assert set(s.scalars(select(AuditEntry.cle_id)).all()) == {None}
