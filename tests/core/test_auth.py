from __future__ import annotations

import pytest
from sqlalchemy import select

from core.auth import (
    MAX_FAILED_ATTEMPTS,
    Actor,
    Permission,
    authenticate,
    create_agent,
    create_structure,
    deactivate_agent,
    reset_password,
    set_agent_grants,
    unlock_agent,
)
from core.db import Database
from core.errors import (
    AccountLockedError,
    AuthenticationError,
    PermissionDenied,
    ValidationError,
)
from core.installation import DEMO_KEY, put_setting
from core.models import Agent, AuditEntry, Role


def test_right_password_logs_in_and_is_journalled(db: Database, admin: Actor) -> None:
    with db.session() as s:
        actor = authenticate(s, "ADMIN", "mot-de-passe-solide")
    assert actor.agent_id == admin.agent_id
    with db.read_session() as s:
        actions = s.scalars(select(AuditEntry.action)).all()
    assert "connexion" in actions


def test_password_is_not_stored_in_clear(db: Database, admin: Actor) -> None:
    with db.read_session() as s:
        stored = s.scalar(select(Agent.password_hash).where(Agent.id == admin.agent_id))
    assert stored is not None
    assert "mot-de-passe-solide" not in stored
    assert stored.startswith("$argon2")


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_the_desk_stores_a_password_as_argon2id_at_owasp_cost_or_more(
    db: Database, admin: Actor, production_password_hasher: object
) -> None:
    """The tests hash cheaply (tests/conftest.py); the desk must not. OWASP's floor for argon2id
    is 19 MiB of memory and 2 passes (Password Storage Cheat Sheet)."""
    with db.session() as s:
        agent = create_agent(s, admin, "cout", "Agent Coût", "mot-de-passe-solide", [])
        stored = agent.password_hash
    variant, version, params, _salt, _digest = stored.lstrip("$").split("$")
    cost = dict(part.split("=") for part in params.split(","))
    assert variant == "argon2id" and version == "v=19"
    assert int(cost["m"]) >= 19 * 1024
    assert int(cost["t"]) >= 2
    with db.session() as s:
        assert authenticate(s, "cout", "mot-de-passe-solide").login == "cout"


def test_wrong_password_is_refused_with_a_french_message(db: Database, admin: Actor) -> None:
    with pytest.raises(AuthenticationError, match="incorrect"), db.session() as s:
        authenticate(s, "admin", "mauvais")


def test_account_locks_after_repeated_failures_even_with_the_right_password(
    db: Database, admin: Actor
) -> None:
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AuthenticationError), db.session() as s:
            authenticate(s, "admin", "mauvais")
    with pytest.raises(AccountLockedError), db.session() as s:
        authenticate(s, "admin", "mauvais")
    with pytest.raises(AccountLockedError, match="verrouillé"), db.session() as s:
        authenticate(s, "admin", "mot-de-passe-solide")


def test_reset_password_unlocks(db: Database, admin: Actor, make_agent) -> None:  # type: ignore[no-untyped-def]
    agent = make_agent((Role.ACCUEIL, None))
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError), db.session() as s:
            authenticate(s, agent.login, "mauvais")
    with db.session() as s:
        reset_password(s, admin, agent.agent_id, "nouveau-mot-de-passe")
    with db.session() as s:
        assert authenticate(s, agent.login, "nouveau-mot-de-passe").agent_id == agent.agent_id


def test_deactivated_agent_cannot_log_in_and_is_kept(
    db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    agent = make_agent((Role.ACCUEIL, None))
    with db.session() as s:
        deactivate_agent(s, admin, agent.agent_id)
    with pytest.raises(AuthenticationError), db.session() as s:
        authenticate(s, agent.login, "mot-de-passe-solide")
    with db.read_session() as s:
        assert s.get(Agent, agent.agent_id) is not None


def test_agent_without_admin_role_cannot_create_agents(db: Database, make_agent) -> None:  # type: ignore[no-untyped-def]
    accueil = make_agent((Role.ACCUEIL, None))
    with pytest.raises(PermissionDenied), db.session() as s:
        create_agent(s, accueil, "intrus", "Intrus", "mot-de-passe-solide", [])


def test_agent_without_admin_role_cannot_deactivate_or_grant(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    coord = make_agent((Role.COORDINATEUR, None))
    with pytest.raises(PermissionDenied), db.session() as s:
        deactivate_agent(s, coord, admin.agent_id)
    with pytest.raises(PermissionDenied), db.session() as s:
        set_agent_grants(s, coord, coord.agent_id, [(Role.ADMINISTRATEUR, None)])


def test_roles_apply_only_in_their_structure(db: Database, admin: Actor, make_agent) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        a = create_structure(s, admin, "Médiathèque A").id
        b = create_structure(s, admin, "Association B").id
    agent = make_agent((Role.MEDIATEUR, a))
    assert agent.can(Permission.PASS_ENCAISSER, a)
    assert not agent.can(Permission.PASS_ENCAISSER, b)
    assert not agent.can(Permission.MANDAT_GERER, a)


def test_demo_agent_is_refused_on_a_real_database(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError, match="démonstration"), db.session() as s:
        create_agent(s, admin, "demo", "Démo", "demo", [])


def test_demo_agent_is_accepted_on_a_demonstration_database(db: Database, admin: Actor) -> None:
    with db.session() as s:
        put_setting(s, DEMO_KEY, True)
        create_agent(s, admin, "demo", "Démo", "demo", [(Role.ACCUEIL, None)])
    with db.session() as s:
        assert authenticate(s, "demo", "demo").login == "demo"


def test_weak_password_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError, match="au moins"), db.session() as s:
        create_agent(s, admin, "court", "Court", "abc", [])


def test_invalid_siret_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError, match="SIRET"), db.session() as s:
        create_structure(s, admin, "X", siret="12345678901234")


def _journal_lines(db: Database, action: str) -> list[tuple[int | None, str | None, str | None]]:
    with db.read_session() as s:
        return [
            (e.agent_id, e.entity_type, e.entity_id)
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == action))
        ]


def test_a_password_reset_is_journalled_with_the_administrator_who_did_it_and_the_agent_concerned(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_agent((Role.ACCUEIL, None))
    with db.session() as s:
        reset_password(s, admin, agent.agent_id, "nouveau-mot-de-passe")
    assert _journal_lines(db, "agent.mot_de_passe") == [
        (admin.agent_id, "agent", str(agent.agent_id))
    ]


def test_a_deactivation_is_journalled_with_the_administrator_who_did_it_and_the_agent_concerned(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_agent((Role.ACCUEIL, None))
    with db.session() as s:
        deactivate_agent(s, admin, agent.agent_id)
    assert _journal_lines(db, "agent.desactivation") == [
        (admin.agent_id, "agent", str(agent.agent_id))
    ]


def test_an_unlock_is_journalled_against_the_agent_concerned(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_agent((Role.ACCUEIL, None))
    with db.session() as s:
        unlock_agent(s, admin, agent.agent_id)
    assert _journal_lines(db, "agent.deverrouillage") == [
        (admin.agent_id, "agent", str(agent.agent_id))
    ]


def test_after_a_password_reset_the_agent_gets_every_attempt_back_before_the_lock(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_agent((Role.ACCUEIL, None))
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AuthenticationError), db.session() as s:
            authenticate(s, agent.login, "mauvais")
    with db.session() as s:
        reset_password(s, admin, agent.agent_id, "nouveau-mot-de-passe")
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AuthenticationError, match="incorrect"), db.session() as s:
            authenticate(s, agent.login, "mauvais")
    with db.session() as s:
        assert authenticate(s, agent.login, "nouveau-mot-de-passe").agent_id == agent.agent_id


def test_an_agent_whose_password_an_administrator_reset_must_choose_a_new_one(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    """The administrator knows the password they typed: the agent replaces it at next sign-in.
    An administrator resetting their own password chose it for themselves."""
    agent = make_agent((Role.ACCUEIL, None))
    with db.session() as s:
        reset_password(s, admin, agent.agent_id, "nouveau-mot-de-passe")
        reset_password(s, admin, admin.agent_id, "autre-mot-de-passe-solide")
    with db.read_session() as s:
        assert s.get(Agent, agent.agent_id).must_change_password is True  # type: ignore[union-attr]
        assert s.get(Agent, admin.agent_id).must_change_password is False  # type: ignore[union-attr]


def test_a_password_reset_follows_the_strength_rule_of_the_installation(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    """A real desk refuses a guessable password; a demonstration database takes « demo »."""
    agent = make_agent((Role.ACCUEIL, None))
    with pytest.raises(ValidationError, match="trop facile"), db.session() as s:
        reset_password(s, admin, agent.agent_id, "password")
    with db.session() as s:
        put_setting(s, DEMO_KEY, True)
    with db.session() as s:
        reset_password(s, admin, agent.agent_id, "demo")
    with db.session() as s:
        assert authenticate(s, agent.login, "demo").agent_id == agent.agent_id


def test_after_an_unlock_the_agent_gets_every_attempt_back_before_the_lock(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_agent((Role.ACCUEIL, None))
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AuthenticationError), db.session() as s:
            authenticate(s, agent.login, "mauvais")
    with db.session() as s:
        unlock_agent(s, admin, agent.agent_id)
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(AuthenticationError, match="incorrect"), db.session() as s:
            authenticate(s, agent.login, "mauvais")
    with db.session() as s:
        assert authenticate(s, agent.login, "mot-de-passe-solide").agent_id == agent.agent_id


def test_an_administrator_is_told_exactly_what_is_missing_or_unknown(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        with pytest.raises(ValidationError) as no_name:
            create_agent(s, admin, "camille.roux", "   ", "phrase-de-passe-longue", [])
        with pytest.raises(ValidationError) as no_structure_name:
            create_structure(s, admin, "  ")
        with pytest.raises(ValidationError) as unknown:
            create_agent(
                s,
                admin,
                "camille.roux",
                "Camille Roux",
                "phrase-de-passe-longue",
                [(Role.AIDANT, 987654)],
            )
    assert (str(no_name.value), no_name.value.field) == (
        "Le nom affiché est obligatoire.",
        "display_name",
    )
    assert (str(no_structure_name.value), no_structure_name.value.field) == (
        "Le nom de la structure est obligatoire.",
        "nom",
    )
    assert (str(unknown.value), unknown.value.field) == ("Structure inconnue.", "structure")
