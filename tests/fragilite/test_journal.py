from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import Actor
from core.db import Database
from core.errors import PermissionDenied
from core.installation import put_setting
from core.journal import verify_journal
from core.models import AuditEntry, Role
from fragilite.calcul import (
    Resultat,
    calculer,
    journaliser_calcul,
    methode_configuree,
    territoire_configure,
)
from tests.fragilite.enquetes import enquete, repondant


def _result(session: Session) -> Resultat:
    territory = territoire_configure(session)
    rows = [repondant(i, code="17300") for i in range(12)]
    return calculer(enquete(rows, territory), territory)


def test_a_computation_is_journalled_with_fingerprints_and_no_answers(
    db: Database, make_agent: Callable[..., Actor]
) -> None:
    coordinator = make_agent((Role.COORDINATEUR, None))
    with db.session() as s:
        result = _result(s)
        journaliser_calcul(s, coordinator, result)
    with db.read_session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "fragilite.calcul")).one()
        assert entry.details["enquete_sha256"] == "0" * 64
        assert entry.details["repondants"] == 12
        assert entry.details["methodologie"] == "1.2"
        assert "R1" not in str(entry.details)
        assert verify_journal(s).ok


def test_a_desk_agent_may_not_journal_a_computation(
    db: Database, make_agent: Callable[..., Actor]
) -> None:
    desk = make_agent((Role.ACCUEIL, None))
    with db.session() as s, pytest.raises(PermissionDenied):
        journaliser_calcul(s, desk, _result(s))


def test_the_installation_sets_the_minimum_number_of_respondents(
    db: Database, territory: None
) -> None:
    with db.session() as s:
        assert methode_configuree(s).minimum_repondants == 5
        put_setting(s, "fragilite_min_repondants", 15)
    with db.session() as s:
        methode = methode_configuree(s)
        rows = [repondant(i, code="17300") for i in range(12)]
        result = calculer(
            enquete(rows, territoire_configure(s)), territoire_configure(s), methode=methode
        )
        table = result.table().set_index("code_insee")
        assert table.loc["17300", "statut"] == "masque"
