from __future__ import annotations

import pytest
from sqlalchemy import select

from core.auth import Actor
from core.db import Database
from core.errors import PermissionDenied, ValidationError
from core.models import AuditEntry
from lieux.edition import enregistrer_lieu

VALUES = {
    "id": "main-1",
    "pivot": "99910000150005",
    "nom": "Espace numérique du Port",
    "commune": "La Rochelle",
    "code_postal": "17000",
    "adresse": "1 quai Duperré",
    "telephone": "05 46 12 34 56",
    "services": "Aide aux démarches administratives",
    "horaires": "Mo-Fr 09:00-12:00; PH off",
}


def test_a_coordinator_creates_then_edits_a_place_and_the_journal_names_the_fields(
    db: Database, coordinateur: Actor
) -> None:
    with db.session() as s:
        lieu = enregistrer_lieu(s, coordinateur, VALUES)
        lieu_id = lieu.id
        assert lieu.telephone == "+33546123456"
    with db.session() as s:
        lieu = enregistrer_lieu(s, coordinateur, {**VALUES, "nom": "Espace du Port"}, lieu_id)
        assert lieu.nom == "Espace du Port"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "lieux.modifier")).one()
        assert entry.details == {"champs": ["nom"]}


def test_a_value_outside_the_schema_list_is_refused_with_the_field_title(
    db: Database, coordinateur: Actor
) -> None:
    with db.session() as s, pytest.raises(ValidationError, match="Services") as caught:
        enregistrer_lieu(s, coordinateur, {**VALUES, "services": "Cours de cuisine"})
    assert caught.value.field == "services"


def test_a_desk_agent_may_not_edit_places(db: Database, accueil: Actor) -> None:
    with db.session() as s, pytest.raises(PermissionDenied):
        enregistrer_lieu(s, accueil, VALUES)
