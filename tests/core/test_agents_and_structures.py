"""Creating agents and structures: who may, what is refused, what is stored and journalled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.auth import Actor, authenticate, create_agent, create_structure, reset_password
from core.db import Database
from core.errors import ConflictError, PermissionDenied, ValidationError
from core.models import Agent, AuditEntry, Role, Structure

# Valid SIRET numbers (Luhn key worked out by hand), not those of real organisations.
SIRET_A = "12345678901237"
SIRET_B = "98765432109875"


def _creation_lines(db: Database, action: str) -> list[tuple[object, ...]]:
    with db.read_session() as s:
        rows = s.execute(
            select(
                AuditEntry.agent_id,
                AuditEntry.entity_type,
                AuditEntry.entity_id,
                AuditEntry.details,
            )
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.seq)
        ).all()
    return [tuple(row) for row in rows]


# --- passwords ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court", "Le mot de passe doit compter au moins 8 caractères."),
        ("Password", "Ce mot de passe est trop facile à deviner."),
    ],
)
def test_a_refused_password_says_why_in_french_and_points_at_the_password_field(
    db: Database, admin: Actor, make_agent, password: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    agent = make_agent((Role.ACCUEIL, None))
    with pytest.raises(ValidationError) as refused, db.session() as s:
        reset_password(s, admin, agent.agent_id, password)
    assert (str(refused.value), refused.value.field) == (message, "password")


# --- agents --------------------------------------------------------------------------------------


def test_once_an_agent_exists_nobody_signed_in_can_create_another(
    db: Database, admin: Actor
) -> None:
    with pytest.raises(PermissionDenied), db.session() as s:
        create_agent(s, None, "intrus", "Intrus", "mot-de-passe-solide", [])
    with db.read_session() as s:
        assert s.scalar(select(Agent.id).where(Agent.login == "intrus")) is None


def test_a_login_is_stored_in_lower_case_and_signs_in_as_typed(db: Database, admin: Actor) -> None:
    with db.session() as s:
        create_agent(s, admin, " Camille.Durand ", "Camille", "mot-de-passe-solide", [])
    with db.read_session() as s:
        assert s.scalar(select(Agent.login).where(Agent.display_name == "Camille")) == (
            "camille.durand"
        )
    with db.session() as s:
        assert authenticate(s, "Camille.Durand", "mot-de-passe-solide").login == "camille.durand"


@pytest.mark.parametrize("login", ["élodie", "a", "jean dupont", "-tiret"])
def test_a_login_outside_the_allowed_characters_is_refused(
    db: Database, admin: Actor, login: str
) -> None:
    with pytest.raises(ValidationError) as refused, db.session() as s:
        create_agent(s, admin, login, "Agent", "mot-de-passe-solide", [])
    assert refused.value.field == "login"


def test_an_agent_without_a_display_name_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError) as refused, db.session() as s:
        create_agent(s, admin, "sansnom", "   ", "mot-de-passe-solide", [])
    assert refused.value.field == "display_name"


def test_a_login_already_taken_whatever_its_capitals_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ConflictError, match="déjà pris"), db.session() as s:
        create_agent(s, admin, "ADMIN", "Autre Admin", "mot-de-passe-solide", [])


def test_a_role_in_an_unknown_structure_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError) as refused, db.session() as s:
        create_agent(s, admin, "perdu", "Perdu", "mot-de-passe-solide", [(Role.MEDIATEUR, 9999)])
    assert refused.value.field == "structure"


def test_a_role_given_twice_is_held_once(db: Database, admin: Actor) -> None:
    with db.session() as s:
        agent = create_agent(
            s,
            admin,
            "double",
            "Double",
            "mot-de-passe-solide",
            [(Role.ACCUEIL, None), (Role.ACCUEIL, None)],
        )
        assert [(r.role, r.structure_id) for r in agent.roles] == [(Role.ACCUEIL, None)]


def test_the_first_administrator_signs_its_own_creation_and_later_agents_are_signed_by_theirs(
    db: Database, admin: Actor
) -> None:
    """The journal lists each new agent's grants in one order whatever order they were given
    in: by role, territory-wide before each structure, structures by number."""
    with db.session() as s:
        first = create_structure(s, admin, "Médiathèque").id
        second = create_structure(s, admin, "Espace social").id
        agent = create_agent(
            s,
            admin,
            "polyvalent",
            "Polyvalent",
            "mot-de-passe-solide",
            [
                (Role.MEDIATEUR, second),
                (Role.ACCUEIL, None),
                (Role.MEDIATEUR, first),
                (Role.MEDIATEUR, None),
            ],
        ).id
    assert _creation_lines(db, "agent.creation") == [
        (admin.agent_id, "agent", str(admin.agent_id), {"roles": [["administrateur", None]]}),
        (
            admin.agent_id,
            "agent",
            str(agent),
            {
                "roles": [
                    ["accueil", None],
                    ["mediateur", None],
                    ["mediateur", first],
                    ["mediateur", second],
                ]
            },
        ),
    ]


# --- structures ----------------------------------------------------------------------------------


def test_a_coordinator_creates_a_structure_and_a_reception_agent_cannot(
    db: Database, make_agent
) -> None:  # type: ignore[no-untyped-def]
    coordinateur = make_agent((Role.COORDINATEUR, None))
    accueil = make_agent((Role.ACCUEIL, None))
    with db.session() as s:
        create_structure(s, coordinateur, "Maison France Services")
    with pytest.raises(PermissionDenied), db.session() as s:
        create_structure(s, accueil, "Structure pirate")
    with db.read_session() as s:
        assert s.scalars(select(Structure.nom).order_by(Structure.nom)).all() == [
            "Maison France Services"
        ]


def test_an_administrator_who_is_not_coordinator_creates_a_structure(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        assert create_structure(s, admin, "Centre social").nom == "Centre social"


def test_a_structure_without_a_name_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError) as refused, db.session() as s:
        create_structure(s, admin, "  ")
    assert refused.value.field == "nom"


def test_a_structure_keeps_its_siret_address_and_commune_as_given_without_spaces(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        create_structure(
            s,
            admin,
            " Médiathèque ",
            siret="123 456 789 01237",
            adresse=" 1 rue de la Gare ",
            code_postal=" 35000 ",
            commune_insee="35238",
        )
    with db.read_session() as s:
        stored = s.scalars(select(Structure)).one()
        assert (
            stored.nom,
            stored.siret,
            stored.adresse,
            stored.code_postal,
            stored.commune_insee,
        ) == ("Médiathèque", SIRET_A, "1 rue de la Gare", "35000", "35238")


def test_a_structure_created_without_address_has_an_empty_one(db: Database, admin: Actor) -> None:
    with db.session() as s:
        create_structure(s, admin, "Tiers-lieu")
    with db.read_session() as s:
        stored = s.scalars(select(Structure)).one()
        assert (stored.siret, stored.adresse, stored.code_postal) == (None, "", "")


def test_two_structures_without_siret_coexist_but_two_with_the_same_siret_do_not(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        create_structure(s, admin, "Sans SIRET 1")
        create_structure(s, admin, "Sans SIRET 2", siret="")
        create_structure(s, admin, "Avec SIRET", siret=SIRET_A)
        create_structure(s, admin, "Autre SIRET", siret=SIRET_B)
    with pytest.raises(ConflictError, match="SIRET"), db.session() as s:
        create_structure(s, admin, "Doublon", siret=SIRET_A)


def test_a_structure_creation_is_journalled_with_who_created_it(db: Database, admin: Actor) -> None:
    with db.session() as s:
        structure = create_structure(s, admin, "Médiathèque").id
    assert _creation_lines(db, "structure.creation") == [
        (admin.agent_id, "structure", str(structure), {})
    ]
