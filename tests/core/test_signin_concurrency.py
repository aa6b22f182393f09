"""Wrong passwords tried in parallel lock the account as surely as one after another, and an
administrator can lift the lock without changing the password."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

import main
from core.auth import MAX_FAILED_ATTEMPTS, Actor, authenticate, unlock_agent
from core.db import Database
from core.errors import AccountLockedError, AuthenticationError, PermissionDenied
from core.models import Agent, AuditEntry, Role

PARALLEL = 20


def _guess_in_parallel(db: Database, login: str) -> list[BaseException]:
    """PARALLEL wrong passwords, each on its own connection, released at the same instant."""
    start = threading.Barrier(PARALLEL)
    outcomes: list[BaseException] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        desk = Database(db.url)  # a desk of its own: its own engine and connection
        try:
            start.wait()
            with desk.session() as s:
                authenticate(s, login, f"devinette-{n}")
        except AuthenticationError as exc:
            with lock:
                outcomes.append(exc)
        finally:
            desk.dispose()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_parallel_wrong_passwords_lock_the_account_after_the_allowed_number(
    db: Database, make_agent
) -> None:  # type: ignore[no-untyped-def]
    make_agent((Role.COORDINATEUR, None), login="cible")
    outcomes = _guess_in_parallel(db, "cible")
    assert len(outcomes) == PARALLEL
    checked = [e for e in outcomes if not isinstance(e, AccountLockedError)]
    # Each of these had its password actually compared: only the allowed number may be.
    assert len(checked) == MAX_FAILED_ATTEMPTS - 1
    with db.read_session() as s:
        agent = s.scalars(select(Agent).where(Agent.login == "cible")).one()
        assert agent.locked_until is not None
        failures = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "connexion.echec", AuditEntry.agent_id == agent.id
            )
        ).all()
    assert len(failures) == MAX_FAILED_ATTEMPTS
    with pytest.raises(AccountLockedError), db.session() as s:
        authenticate(s, "cible", "mot-de-passe-solide")


def _lock(db: Database, login: str) -> None:
    for _attempt in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError), db.session() as s:
            authenticate(s, login, "mauvais-mot-de-passe")


def test_an_administrator_unlocks_an_account_and_the_unlock_is_journalled(
    db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    cible = make_agent((Role.ACCUEIL, None), login="cible")
    _lock(db, "cible")
    with db.session() as s:
        unlock_agent(s, admin, cible.agent_id)
    with db.session() as s:
        assert authenticate(s, "cible", "mot-de-passe-solide").login == "cible"
    with db.read_session() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "agent.deverrouillage")
        ).one()
        assert entry.agent_id == admin.agent_id and entry.entity_id == str(cible.agent_id)


def test_only_an_administrator_unlocks_an_account(db: Database, make_agent) -> None:  # type: ignore[no-untyped-def]
    cible = make_agent((Role.ACCUEIL, None), login="cible")
    coordinateur = make_agent((Role.COORDINATEUR, None))
    _lock(db, "cible")
    with pytest.raises(PermissionDenied), db.session() as s:
        unlock_agent(s, coordinateur, cible.agent_id)


def test_agent_unlock_on_the_command_line(
    db: Database,
    admin: Actor,
    make_agent,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_agent((Role.ACCUEIL, None), login="cible")
    _lock(db, "cible")
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MEDIANUM_AGENT", "admin")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    assert main.main(["agent", "unlock", "cible"]) == 0
    assert "déverrouillé" in capsys.readouterr().out
    with db.session() as s:
        assert authenticate(s, "cible", "mot-de-passe-solide").login == "cible"
    assert main.main(["agent", "unlock", "personne"]) == 1
