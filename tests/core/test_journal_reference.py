"""The journal's canonical form and hashes pinned to values computed outside the code under test.

A chain is only evidence if a verifier written by someone else, from the documented form, gets
the same hashes: a change of the canonical form (key order, escaping, separators) must fail here
even though the code would stay consistent with itself.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from core import journal
from core.auth import Actor
from core.db import Database
from core.models import AuditEntry
from tests.core.test_journal import _drop_guards

AT = datetime(2026, 11, 30, 9, 15, 0, 123456, tzinfo=UTC)

# The documented canonical form, written out by hand: keys sorted, no spaces, UTF-8 kept as is.
PLAIN_LINE = (
    '{"action":"pass.opposition","agent_id":7,"at":"2026-11-30T09:15:00.123456+00:00",'
    '"details":{"motif":"volé à l\'arrêt","n":3},"entity_id":"42","entity_type":"pass_chequier",'
    '"prev":"' + "0" * 64 + '","seq":1}'
)
KEY = bytes(range(32))


def _entry(cle_id: str | None = None) -> AuditEntry:
    return AuditEntry(
        seq=1,
        at=AT,
        agent_id=7,
        action="pass.opposition",
        entity_type="pass_chequier",
        entity_id="42",
        details={"n": 3, "motif": "volé à l'arrêt"},
        prev_hash="0" * 64,
        hash="",
        cle_id=cle_id,
    )


def test_an_unkeyed_line_hashes_its_documented_canonical_form() -> None:
    expected = hashlib.sha256(PLAIN_LINE.encode("utf-8")).hexdigest()
    assert journal._entry_hash(_entry()) == expected


def test_a_sealed_line_is_an_hmac_of_its_canonical_form_with_the_key_named() -> None:
    # Keys sorted: "cle" comes after "at" and before "details".
    sealed_line = (
        '{"action":"pass.opposition","agent_id":7,"at":"2026-11-30T09:15:00.123456+00:00",'
        '"cle":"a1b2","details":{"motif":"volé à l\'arrêt","n":3},"entity_id":"42",'
        '"entity_type":"pass_chequier","prev":"' + "0" * 64 + '","seq":1}'
    )
    expected = hmac.new(KEY, sealed_line.encode("utf-8"), hashlib.sha256).hexdigest()
    assert journal._entry_hash(_entry("a1b2"), KEY) == expected
    assert journal._entry_hash(_entry("a1b2"), bytes(32)) != expected


def test_a_row_edited_with_its_own_hash_recomputed_breaks_the_link_to_the_next(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        for n in range(3):
            journal.record(s, admin, "essai.action", "essai", n, {"numero": n})
    with db.session() as s:
        row = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "essai.action", AuditEntry.entity_id == "1"
            )
        ).one()
        assert row.cle_id is None
        row_id = row.id
        row.details = {"numero": 99}
        forged_hash = journal._entry_hash(row)
        s.rollback()
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(
            update(AuditEntry)
            .where(AuditEntry.id == row_id)
            .values(details={"numero": 99}, hash=forged_hash)
        )
    with db.read_session() as s:
        report = journal.verify_journal(s, anchors=[])
    assert not report.ok
    # The forged row itself verifies: only the next row's link to it tells the story.
    assert len(report.problems) == 1
    assert "lien avec l'entrée précédente est rompu" in report.problems[0]


@pytest.fixture
def desk_in_paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The desks run in France: the machine's local time is not UTC."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_line_hashes_its_instant_in_utc_to_the_microsecond_whatever_the_desk_time_zone(
    desk_in_paris: None,
) -> None:
    """10:15:00 in Paris on 30 November is 09:15:00 UTC; a whole second still shows its six
    zeros, and a line without details carries an empty object."""
    line = (
        '{"action":"pass.opposition","agent_id":7,"at":"2026-11-30T09:15:00.000000+00:00",'
        '"details":{},"entity_id":"42","entity_type":"pass_chequier",'
        '"prev":"' + "0" * 64 + '","seq":1}'
    )
    entry = _entry()
    entry.at = datetime(2026, 11, 30, 10, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))
    entry.details = None
    assert journal._entry_hash(entry) == hashlib.sha256(line.encode("utf-8")).hexdigest()


def test_a_line_whose_details_hold_a_date_stores_it_as_text_and_verifies(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        journal.record(s, admin, "essai.action", "essai", 1, {"le": date(2026, 12, 1)})
    with db.read_session() as s:
        line = s.scalars(select(AuditEntry).where(AuditEntry.action == "essai.action")).one()
        assert line.details == {"le": "2026-12-01"}
        assert journal.verify_journal(s, anchors=[]).ok


def test_a_database_is_named_in_the_desk_anchor_file_as_earlier_releases_named_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's anchor file keys each head by the database's name. A release naming them
    otherwise would find no anchor for any database a desk already used, and a journal cut
    short since would go unseen: the names are pinned to the documented form."""
    from sqlalchemy.engine import make_url

    monkeypatch.chdir(tmp_path)
    assert journal.database_identity(make_url("sqlite:///medianum.sqlite3")) == (
        f"sqlite:{(tmp_path / 'medianum.sqlite3').resolve()}"
    )
    assert journal.database_identity(
        make_url("postgresql+psycopg://agent:secret@db.example:5433/medianum")
    ) == ("postgresql://db.example:5433/medianum")
    # A server reached through a socket folder named in the query, and the default port.
    assert journal.database_identity(
        make_url("postgresql+psycopg://agent@/medianum?host=/run/postgresql")
    ) == ("postgresql:///run/postgresql:/medianum")
    # The local server's default socket (no host at all), and a SQLite database in memory,
    # named after the folder the desk runs in.
    assert journal.database_identity(make_url("postgresql+psycopg:///medianum")) == (
        "postgresql://:/medianum"
    )
    assert journal.database_identity(make_url("sqlite://")) == f"sqlite:{tmp_path.resolve()}"
