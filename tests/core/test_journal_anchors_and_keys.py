"""What the journal's anchors and keys accept, refuse and say.

An anchor is a head of the chain kept outside the database; a key seals the lines. Each test is
a verdict a person checking the journal relies on: a problem reported (and where its evidence
comes from), or no problem where there is none.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from core import journal, paths
from core.auth import Actor
from core.db import Database
from core.errors import KeyringUnavailableError, ValidationError
from core.journal import GENESIS_HASH, Anchor, verify_journal
from core.models import AuditEntry
from tests.core.test_journal_integrity import _drop_guards, _write_entries


def test_an_anchor_taken_from_an_empty_journal_contradicts_no_later_chain(
    db: Database, admin: Actor
) -> None:
    """(0, genesis) is what a report printed before the first line carries: nothing to check."""
    _write_entries(db, admin, 2)
    with db.read_session() as s:
        head = Anchor(*journal.journal_anchor(s), "remboursement imprimé")
        report = verify_journal(s, [Anchor(0, GENESIS_HASH, "rapport vierge"), head])
    assert report.ok
    assert report.anchors_checked == 2


def test_an_anchor_of_the_first_line_detects_that_line_rewritten(
    db: Database, admin: Actor
) -> None:
    with db.read_session() as s:
        first = s.execute(text("SELECT hash FROM audit_entry WHERE seq = 1")).scalar_one()
    forged = "f" * 64
    assert first != forged
    with db.read_session() as s:
        report = verify_journal(s, [Anchor(1, forged, "relevé papier")])
    assert [p for p in report.problems if "réécrit" in p and "relevé papier" in p]


def test_a_journal_shortened_behind_the_desk_names_the_desk_anchor_file_as_evidence(
    db: Database, admin: Actor
) -> None:
    _write_entries(db, admin, 3)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = (SELECT MAX(seq) FROM audit_entry)"))
    with db.read_session() as s:
        report = verify_journal(s)
        last = s.execute(text("SELECT MAX(seq) FROM audit_entry")).scalar_one()
    anchor_file = str(paths.journal_anchor_file())
    assert [
        p
        for p in report.problems
        if "raccourci" in p
        and anchor_file in p
        and f"la dernière entrée de la base est la n° {last}." in p
    ]


@pytest.mark.parametrize(
    ("cle_id", "secret_hex"),
    [
        ("a1b2c3d4", "ab" * 31),  # a secret one byte short
        ("a1b2c3d4", "ab" * 33),  # a secret one byte too long
        ("a1b2/../x", "ab" * 32),  # a key id that is not a plain name
        ("a1b2c3d4", "zz" * 32),  # a secret that is not hexadecimal
    ],
)
def test_a_journal_key_of_the_wrong_size_or_with_a_strange_id_is_refused_and_not_stored(
    cle_id: str, secret_hex: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        journal.import_journal_key(cle_id, secret_hex)
    # The administrator is told, on the key's field of the form, that the key cannot be read.
    assert str(refused.value) == "Cette clé du journal est illisible."
    assert refused.value.field == "cle"
    with pytest.raises(KeyringUnavailableError):
        journal.journal_key(cle_id)


def test_a_well_formed_journal_key_is_stored_for_this_desk() -> None:
    journal.import_journal_key("a1b2c3d4", "ab" * 32)
    assert journal.journal_key("a1b2c3d4") == bytes.fromhex("ab" * 32)


def test_the_anchor_of_an_empty_journal_stays_true_once_lines_are_written(db: Database) -> None:
    with db.read_session() as s:
        printed = Anchor(*journal.journal_anchor(s), "rapport du premier jour")
    with db.session() as s:
        journal.record(s, None, "essai.action", "essai", 1)
    with db.read_session() as s:
        report = verify_journal(s, [printed])
    assert report.ok, report.problems


# --- the line of the hot paths (a redemption) ----------------------------------------------------


def _line(db: Database, seq: int) -> tuple[object, ...]:
    with db.read_session() as s:
        line = s.scalars(select(AuditEntry).where(AuditEntry.seq == seq)).one()
        return (
            line.agent_id,
            line.action,
            line.entity_type,
            line.entity_id,
            line.details,
            line.hash,
        )


def test_a_redemption_path_line_names_the_agent_and_the_entity_and_verifies(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        seq, digest = journal.record_line(s, admin, "essai.encaisse", "pass", 42, {"serial": "AB"})
    assert _line(db, seq) == (
        admin.agent_id,
        "essai.encaisse",
        "pass",
        "42",
        {"serial": "AB"},
        digest,
    )
    with db.read_session() as s:
        assert verify_journal(s).ok


def test_a_redemption_path_line_placed_by_the_head_its_statement_read_continues_the_chain(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        head = tuple(s.execute(select(*journal.HEAD_COLUMNS)).one())
        seq, _digest = journal.record_line(s, admin, "essai.encaisse", "pass", 1, read_head=head)  # type: ignore[arg-type]
    assert seq == head[0] + 1
    with db.read_session() as s:
        assert verify_journal(s).ok


def test_the_first_line_of_a_journal_placed_by_the_head_its_statement_read_is_number_one(
    db: Database,
) -> None:
    with db.session() as s:
        head = tuple(s.execute(select(*journal.HEAD_COLUMNS)).one())
        assert head == (None, None, None)
        seq, _digest = journal.record_line(s, None, "essai.encaisse", "pass", 1, read_head=head)  # type: ignore[arg-type]
    assert seq == 1
    with db.read_session() as s:
        assert verify_journal(s).ok


def test_the_verification_counts_each_line_it_checked(db: Database) -> None:
    with db.session() as s:
        for n in range(3):
            journal.record(s, None, "essai.action", "essai", n)
    with db.read_session() as s:
        assert verify_journal(s, anchors=[]).count == 3


def test_a_journal_whose_rows_are_stored_out_of_order_is_walked_by_sequence_and_verifies(
    db: Database, admin: Actor
) -> None:
    """A table copied or restored row by row may keep its lines in another physical order: the
    chain is still whole, and the verification must follow the sequence numbers, not the rows."""
    _write_entries(db, admin, 3)
    _drop_guards(db)
    columns = "seq, at, agent_id, action, entity_type, entity_id, details, prev_hash, hash, cle_id"
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE copie AS SELECT {columns} FROM audit_entry WHERE seq = 2"))
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
        conn.execute(text(f"INSERT INTO audit_entry ({columns}) SELECT {columns} FROM copie"))
        conn.execute(text("DROP TABLE copie"))
    with db.read_session() as s:
        report = verify_journal(s)
    assert report.ok, report.problems
