"""Signing in: which passwords are accepted, how long a lock lasts, what is journalled.

Each test is a rule an agent or an administrator can observe at the desk (a refusal, a lock,
a line of the journal); the clock is moved by replacing the one the sign-in reads.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

import core.auth
from core.auth import (
    MAX_FAILED_ATTEMPTS,
    Actor,
    authenticate,
    create_agent,
    create_structure,
    reset_password,
)
from core.db import Database
from core.errors import AccountLockedError, AuthenticationError, ValidationError
from core.installation import DEMO_KEY, put_setting
from core.models import Agent, AuditEntry, Role

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _clock_at(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    monkeypatch.setattr(core.auth, "utcnow", lambda: instant)


def _fail(db: Database, login: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationError), db.session() as s:
            authenticate(s, login, "mauvais-mot-de-passe")


def _stored_hash(db: Database, agent_id: int) -> str:
    with db.read_session() as s:
        stored = s.scalar(select(Agent.password_hash).where(Agent.id == agent_id))
    assert stored is not None
    return stored


# --- password strength -----------------------------------------------------------------------


def test_a_password_of_exactly_eight_characters_is_accepted(db: Database, admin: Actor) -> None:
    with db.session() as s:
        create_agent(s, admin, "huit", "Agent Huit", "k7#pQ2vx", [(Role.ACCUEIL, None)])
    with db.session() as s:
        assert authenticate(s, "huit", "k7#pQ2vx").login == "huit"


def test_a_password_of_seven_characters_is_refused(db: Database, admin: Actor) -> None:
    with pytest.raises(ValidationError, match="au moins 8"), db.session() as s:
        create_agent(s, admin, "sept", "Agent Sept", "k7#pQ2v", [])


@pytest.mark.parametrize("guessable", ["password", "MotDePasse", "12345678", "AZERTYUI"])
def test_a_well_known_password_is_refused_whatever_its_capitals(
    db: Database, admin: Actor, guessable: str
) -> None:
    with pytest.raises(ValidationError, match="trop facile"), db.session() as s:
        create_agent(s, admin, "devinable", "Agent Devinable", guessable, [])


# --- signing in --------------------------------------------------------------------------------


def test_a_login_typed_with_spaces_and_capitals_signs_in(db: Database, admin: Actor) -> None:
    with db.session() as s:
        assert authenticate(s, "  Admin ", "mot-de-passe-solide").agent_id == admin.agent_id


def test_a_sign_in_records_when_the_agent_last_signed_in(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clock_at(monkeypatch, T0)
    with db.session() as s:
        authenticate(s, "admin", "mot-de-passe-solide")
    with db.read_session() as s:
        last = s.scalar(select(Agent.last_login_at).where(Agent.id == admin.agent_id))
    assert last is not None and (last if last.tzinfo else last.replace(tzinfo=UTC)) == T0


def test_an_agent_of_two_structures_works_for_the_one_chosen_at_sign_in_else_the_first_created(
    db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        first = create_structure(s, admin, "Médiathèque").id
        second = create_structure(s, admin, "Espace social").id
    make_agent((Role.MEDIATEUR, second), (Role.MEDIATEUR, first), login="double")
    with db.session() as s:
        assert authenticate(s, "double", "mot-de-passe-solide", second).structure_id == second
    with db.session() as s:
        assert authenticate(s, "double", "mot-de-passe-solide").structure_id == first


def test_a_territory_wide_agent_signs_in_without_a_structure(db: Database, admin: Actor) -> None:
    with db.session() as s:
        assert authenticate(s, "admin", "mot-de-passe-solide").structure_id is None


def test_each_sign_in_is_journalled_with_the_agent_who_signed_in(
    db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    agent = make_agent((Role.ACCUEIL, None))
    with db.session() as s:
        authenticate(s, agent.login, "mot-de-passe-solide")
    with db.read_session() as s:
        lines = s.execute(
            select(AuditEntry.agent_id, AuditEntry.entity_type, AuditEntry.entity_id).where(
                AuditEntry.action == "connexion"
            )
        ).all()
    assert [tuple(line) for line in lines] == [(agent.agent_id, "agent", str(agent.agent_id))]


# --- failures and the lock ---------------------------------------------------------------------


def test_a_successful_sign_in_gives_back_every_attempt_before_the_lock(
    db: Database, make_agent
) -> None:  # type: ignore[no-untyped-def]
    agent = make_agent((Role.ACCUEIL, None))
    _fail(db, agent.login, MAX_FAILED_ATTEMPTS - 1)
    with db.session() as s:
        authenticate(s, agent.login, "mot-de-passe-solide")
    _fail(db, agent.login, MAX_FAILED_ATTEMPTS - 1)
    with db.session() as s:
        assert authenticate(s, agent.login, "mot-de-passe-solide").agent_id == agent.agent_id


def test_the_lock_lasts_fifteen_minutes_then_the_right_password_signs_in_again(
    db: Database, make_agent, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    agent = make_agent((Role.ACCUEIL, None))
    _clock_at(monkeypatch, T0)
    _fail(db, agent.login, MAX_FAILED_ATTEMPTS - 1)
    with pytest.raises(AccountLockedError, match="15 minutes"), db.session() as s:
        authenticate(s, agent.login, "mauvais-mot-de-passe")
    _clock_at(monkeypatch, T0 + timedelta(minutes=15) - timedelta(microseconds=1))
    with pytest.raises(AccountLockedError), db.session() as s:
        authenticate(s, agent.login, "mot-de-passe-solide")
    _clock_at(monkeypatch, T0 + timedelta(minutes=15))
    with db.session() as s:
        assert authenticate(s, agent.login, "mot-de-passe-solide").agent_id == agent.agent_id


def test_after_a_lock_ends_the_agent_gets_every_attempt_back(
    db: Database, make_agent, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    agent = make_agent((Role.ACCUEIL, None))
    _clock_at(monkeypatch, T0)
    _fail(db, agent.login, MAX_FAILED_ATTEMPTS)
    _clock_at(monkeypatch, T0 + timedelta(minutes=16))
    _fail(db, agent.login, MAX_FAILED_ATTEMPTS - 1)
    with db.session() as s:
        assert authenticate(s, agent.login, "mot-de-passe-solide").agent_id == agent.agent_id


def test_each_failed_sign_in_is_journalled_against_the_agent_and_the_last_one_as_a_lock(
    db: Database, make_agent
) -> None:  # type: ignore[no-untyped-def]
    agent = make_agent((Role.ACCUEIL, None))
    _fail(db, agent.login, MAX_FAILED_ATTEMPTS)
    with db.read_session() as s:
        lines = s.execute(
            select(
                AuditEntry.agent_id,
                AuditEntry.entity_type,
                AuditEntry.entity_id,
                AuditEntry.details,
            )
            .where(AuditEntry.action == "connexion.echec")
            .order_by(AuditEntry.seq)
        ).all()
    expected_locks = [False] * (MAX_FAILED_ATTEMPTS - 1) + [True]
    assert [tuple(line) for line in lines] == [
        (agent.agent_id, "agent", str(agent.agent_id), {"verrouillage": lock})
        for lock in expected_locks
    ]


def test_an_unknown_login_and_a_wrong_password_get_the_same_french_answer_and_lock_nobody(
    db: Database, admin: Actor
) -> None:
    """The answer must not tell which logins exist."""
    with pytest.raises(AuthenticationError) as unknown, db.session() as s:
        authenticate(s, "inconnu", "mot-de-passe-solide")
    with pytest.raises(AuthenticationError) as wrong, db.session() as s:
        authenticate(s, "admin", "mauvais-mot-de-passe")
    assert str(unknown.value) == str(wrong.value) == "Identifiant ou mot de passe incorrect."
    with db.read_session() as s:
        failures = s.scalars(
            select(AuditEntry.agent_id).where(AuditEntry.action == "connexion.echec")
        ).all()
    assert failures == [admin.agent_id]


# --- a password checked before the writing transaction ------------------------------------------


def test_a_password_checked_before_the_sign_in_is_not_trusted_once_it_has_been_reset_since(
    db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    """The desk checks the password (argon2, slow) before opening its writing transaction; if an
    administrator resets it in between, the old password must not open the session."""
    agent = make_agent((Role.ACCUEIL, None))
    checked = _stored_hash(db, agent.agent_id)
    with db.session() as s:
        reset_password(s, admin, agent.agent_id, "nouveau-mot-de-passe")
    with pytest.raises(AuthenticationError, match="incorrect"), db.session() as s:
        authenticate(s, agent.login, "mot-de-passe-solide", verified_hash=checked)
    with db.session() as s:
        signed_in = authenticate(
            s, agent.login, "nouveau-mot-de-passe", verified_hash=_stored_hash(db, agent.agent_id)
        )
    assert signed_in.agent_id == agent.agent_id


# --- the demonstration account and the cost of stored hashes ------------------------------------


def test_the_demo_account_cannot_sign_in_once_the_database_is_no_longer_a_demonstration(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        put_setting(s, DEMO_KEY, True)
        create_agent(s, admin, "demo", "Démo", "demo", [(Role.ACCUEIL, None)])
    with db.session() as s:
        put_setting(s, DEMO_KEY, False)
    with pytest.raises(AuthenticationError, match="démonstration"), db.session() as s:
        authenticate(s, "demo", "demo")


def test_a_password_stored_at_another_cost_is_rehashed_at_the_desk_cost_when_the_agent_signs_in(
    db: Database, make_agent
) -> None:  # type: ignore[no-untyped-def]
    agent = make_agent((Role.ACCUEIL, None))
    older = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    with db.engine.begin() as conn:
        conn.execute(
            update(Agent)
            .where(Agent.id == agent.agent_id)
            .values(password_hash=older.hash("mot-de-passe-solide"))
        )
    with db.session() as s:
        authenticate(s, agent.login, "mot-de-passe-solide")
    upgraded = _stored_hash(db, agent.agent_id)
    assert not core.auth._hasher.check_needs_rehash(upgraded)
    with db.session() as s:
        authenticate(s, agent.login, "mot-de-passe-solide")
    # Already at the desk's cost: kept as it is, not hashed again at every sign-in.
    assert _stored_hash(db, agent.agent_id) == upgraded
