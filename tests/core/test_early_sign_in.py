"""The automatic sign-in's password check started before the desk loads its libraries.

It only ever answers for the hash it read and the password it was given, and stands aside (no
check at all) whenever the desk may not be on its own SQLite file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core import migrate, paths
from core.auth import create_agent
from core.db import Database
from core.early_sign_in import start_from_environment
from core.models import Agent, Role

PASSWORD = "mot-de-passe-solide"


@pytest.fixture
def desk_database(medianum_home: Path) -> Iterator[str]:
    """The desk's own SQLite file (not the test database), with one agent; its stored hash."""
    db = Database(f"sqlite:///{paths.database_file()}")
    try:
        migrate.upgrade(db, backup=False)
        with db.session() as s:
            create_agent(
                s, None, "camille", "Camille (test)", PASSWORD, [(Role.ADMINISTRATEUR, None)]
            )
        with db.read_session() as s:
            stored = s.scalar(select(Agent.password_hash).where(Agent.login == "camille"))
    finally:
        db.dispose()
    assert stored
    yield stored


def _signing_in(monkeypatch: pytest.MonkeyPatch, login: str, password: str) -> None:
    monkeypatch.setenv("MEDIANUM_AGENT", login)
    monkeypatch.setenv("MEDIANUM_PASSWORD", password)


def test_the_right_password_is_found_right_for_the_hash_it_was_checked_against(
    desk_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signing_in(monkeypatch, " Camille ", PASSWORD)  # as typed: case and spaces do not count
    check = start_from_environment()
    assert check is not None
    assert check.matches(desk_database, PASSWORD) is True


def test_a_wrong_password_is_found_wrong(
    desk_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signing_in(monkeypatch, "Camille", "pas-le-bon-mot")
    check = start_from_environment()
    assert check is not None
    assert check.matches(desk_database, "pas-le-bon-mot") is False


def test_the_answer_is_withheld_for_another_hash_or_another_password(
    desk_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signing_in(monkeypatch, "Camille", PASSWORD)
    check = start_from_environment()
    assert check is not None
    # The password was changed between the early read and the sign-in: the hash differs.
    other_hash = desk_database.replace(desk_database[-8:], "AAAAAAAA")
    assert check.matches(other_hash, PASSWORD) is None
    assert check.matches(desk_database, PASSWORD + "!") is None


def test_no_early_check_for_an_unknown_agent_or_without_both_variables(
    desk_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signing_in(monkeypatch, "personne", PASSWORD)
    assert start_from_environment() is None
    monkeypatch.delenv("MEDIANUM_PASSWORD")
    monkeypatch.setenv("MEDIANUM_AGENT", "Camille")
    assert start_from_environment() is None


def test_no_early_check_when_the_desk_may_use_a_shared_database(
    desk_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signing_in(monkeypatch, "Camille", PASSWORD)
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", "postgresql+psycopg://medianum@serveur/medianum")
    assert start_from_environment() is None
    monkeypatch.delenv("MEDIANUM_DATABASE_URL")
    settings = paths.settings_file()
    settings.write_text(
        json.dumps({"version": 1, "values": {"database_url": "postgresql://serveur/base"}}),
        encoding="utf-8",
    )
    assert start_from_environment() is None
    settings.write_text("{ pas du json", encoding="utf-8")  # the usual path will say so
    assert start_from_environment() is None
    settings.write_text(json.dumps({"version": 1, "values": {}}), encoding="utf-8")
    assert start_from_environment() is not None  # its own SQLite file again


def test_a_desk_without_its_database_gets_no_check_and_no_empty_file(
    medianum_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signing_in(monkeypatch, "Camille", PASSWORD)
    assert start_from_environment() is None
    assert not paths.database_file().exists()  # the first-run wizard will create it


def test_a_damaged_database_file_means_no_early_check(
    medianum_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.database_file().write_bytes(b"not a database, " * 64)
    _signing_in(monkeypatch, "Camille", PASSWORD)
    assert start_from_environment() is None
