"""First start on an empty database: the wizard creates the administrator and the territory."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import Database
from core.models import Agent, Role, TerritoryCommune
from core.territory import get_territory
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
