"""The append-only audit journal.

Each entry carries the hash of the previous one, so that altering, inserting or removing a row is
detected by ``verify_journal``. Entries are written in the caller's transaction: if the action
fails, its journal line disappears with it. Writers are serialised (an advisory lock on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) so that two desks never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.db import utcnow
from core.i18n import _
from core.models import AuditEntry

if TYPE_CHECKING:
    from core.auth import Actor

GENESIS_HASH = "0" * 64
_PG_JOURNAL_LOCK = 0x4D4A4E4C  # arbitrary constant identifying the journal's advisory lock

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


def _canonical(
    seq: int,
    at: datetime,
    agent_id: int | None,
    action: str,
    entity_type: str | None,
    entity_id: str | None,
    details: Mapping[str, object],
    prev_hash: str,
) -> bytes:
    payload = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "agent_id": agent_id,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "details": details,
        "prev": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(
        _canonical(
            entry.seq,
            entry.at,
            entry.agent_id,
            entry.action,
            entry.entity_type,
            entry.entity_id,
            entry.details or {},
            entry.prev_hash,
        )
    ).hexdigest()


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str | None = None,
    entity_id: object | None = None,
    details: Mapping[str, object] | None = None,
    *,
    agent_id: int | None = None,
) -> AuditEntry:
    """Append one entry. ``details`` must hold codes and identifiers, never personal data."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_JOURNAL_LOCK})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    # JSON round trip: the hash must be computed on exactly what the database gives back.
    clean_details = json.loads(json.dumps(dict(details or {}), ensure_ascii=False, default=str))
    entry = AuditEntry(
        seq=seq,
        at=utcnow(),
        agent_id=actor.agent_id if actor is not None else agent_id,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        details=clean_details,
        prev_hash=prev_hash,
        hash="",
    )
    entry.hash = _entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass
class JournalReport:
    count: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_journal(session: Session) -> JournalReport:
    """Walk the whole chain; report every entry whose content or link does not match."""
    report = JournalReport()
    expected_prev = GENESIS_HASH
    expected_seq = 1
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for entry in rows.yield_per(2000):
        report.count += 1
        if entry.seq != expected_seq:
            report.problems.append(
                _("Entrée n° {seq} : des entrées manquent avant elle (attendu n° {exp}).").format(
                    seq=entry.seq, exp=expected_seq
                )
            )
        if entry.prev_hash != expected_prev:
            report.problems.append(
                _("Entrée n° {seq} : le lien avec l'entrée précédente est rompu.").format(
                    seq=entry.seq
                )
            )
        if _entry_hash(entry) != entry.hash:
            report.problems.append(
                _("Entrée n° {seq} : son contenu a été modifié après écriture.").format(
                    seq=entry.seq
                )
            )
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    return report
