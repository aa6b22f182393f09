"""The append-only audit journal.

Each entry carries the hash of the previous one, so that altering, inserting or removing a row is
detected by ``verify_journal``. Entries are written in the caller's transaction: if the action
fails, its journal line disappears with it. Writers are serialised (an advisory lock on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) so that two desks never fork the chain.

A chain alone does not stop someone holding the database file from deleting its last lines or
recomputing it. Two things kept outside the database do: the journal key (HMAC, in the keyring,
so lines cannot be forged without it) and anchors (a head's sequence and hash, kept by each desk,
beside each backup and printed on settlements) that a shortened or rewritten chain contradicts.
docs/journal.md states what each protection covers and what it does not.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import os
import re
import secrets as pysecrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.orm import Session

from core import paths, secrets
from core.db import utcnow
from core.errors import KeyringUnavailableError, MedianumError, ValidationError
from core.i18n import _
from core.models import AuditEntry
from core.permissions import Actor, Permission, require

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
KEY_BYTES = 32
_PG_JOURNAL_LOCK = 0x4D4A4E4C  # arbitrary constant identifying the journal's advisory lock


class ActionJournal(StrEnum):
    """The journal's own lines: its key leaving a desk, and its rotation."""

    CLE_EXPORT = "journal.cle.export"
    CLE_ROTATION = "journal.cle.rotation"


JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


def _canonical_form(
    seq: int,
    at: datetime,
    agent_id: int | None,
    action: str,
    entity_type: str | None,
    entity_id: str | None,
    details: Mapping[str, object] | None,
    prev_hash: str,
    cle_id: str | None,
) -> bytes:
    payload: dict[str, object] = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "agent_id": agent_id,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "details": details or {},
        "prev": prev_hash,
    }
    if cle_id is not None:
        # Lines written before the journal had a key keep their original payload.
        payload["cle"] = cle_id
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _canonical(entry: AuditEntry) -> bytes:
    return _canonical_form(
        entry.seq,
        entry.at,
        entry.agent_id,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.details,
        entry.prev_hash,
        entry.cle_id,
    )


def _seal(canonical: bytes, cle_id: str | None, key: bytes | None = None) -> str:
    """Plain SHA-256 for an unkeyed line; HMAC-SHA-256 with the journal key for a sealed one."""
    if cle_id is None:
        return hashlib.sha256(canonical).hexdigest()
    if key is None:
        key = journal_key(cle_id)
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def _entry_hash(entry: AuditEntry, key: bytes | None = None) -> str:
    """Plain SHA-256 for an unkeyed line; HMAC-SHA-256 with the journal key for a sealed one."""
    return _seal(_canonical(entry), entry.cle_id, key)


# --- the journal key -------------------------------------------------------------------------


def _key_secret_name(cle_id: str) -> str:
    return f"journal-cle-{cle_id}"


def journal_key(cle_id: str) -> bytes:
    """The secret of key ``cle_id`` from this desk's keyring; a French error when absent."""
    raw = secrets.get_secret(_key_secret_name(cle_id))
    if raw is None:
        raise KeyringUnavailableError(
            _(
                "La clé du journal {kid} n'est pas dans le trousseau de ce poste : le journal "
                "ne peut être ni écrit ni vérifié ici. Importez-la depuis le poste qui l'a créée "
                "(« db journal-cle importer »)."
            ).format(kid=cle_id)
        )
    return bytes.fromhex(raw)


def import_journal_key(cle_id: str, secret_hex: str) -> None:
    """Store a key exported from another desk (several desks share one PostgreSQL journal)."""
    try:
        if len(bytes.fromhex(secret_hex)) != KEY_BYTES or not cle_id.isalnum():
            raise ValueError(cle_id)
    except ValueError:
        raise ValidationError(_("Cette clé du journal est illisible."), field="cle") from None
    secrets.set_secret(_key_secret_name(cle_id), secret_hex)


def export_journal_key(session: Session, actor: Actor) -> tuple[str, str]:
    """The current key (id, secret) for another desk's keyring; journalled, administrators only."""
    require(actor, Permission.ADMINISTRER)
    head = _head(session)
    if head is None or head[2] is None:
        raise ValidationError(_("Le journal n'a pas encore de clé."))
    secret_hex = journal_key(head[2]).hex()
    record(session, actor, ActionJournal.CLE_EXPORT, "journal", head[2], {"cle": head[2]})
    return head[2], secret_hex


def rotate_journal_key(session: Session, actor: Actor) -> str:
    """Seal every later line with a new key kept in this desk's keyring; returns its id.

    The rotation is itself the first line sealed by the new key, so the chain states when and by
    whom its key changed. Older keys stay in the keyring: the lines they sealed still verify.
    """
    require(actor, Permission.ADMINISTRER)
    head = _head(session)
    cle_id = pysecrets.token_hex(8)
    secrets.set_secret(_key_secret_name(cle_id), pysecrets.token_hex(KEY_BYTES))
    previous = head[2] if head is not None else None
    record(
        session,
        actor,
        ActionJournal.CLE_ROTATION,
        "journal",
        cle_id,
        {"cle": cle_id, "precedente": previous},
        _cle_id=cle_id,
    )
    return cle_id


def _head(session: Session) -> tuple[int, str, str | None] | None:
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash, AuditEntry.cle_id)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


def journal_anchor(session: Session) -> tuple[int, str]:
    """The head of the chain (sequence, hash), to print on settlements and reports.

    Kept outside the database, it lets ``verify_journal`` detect a chain shortened or rewritten
    since: (0, GENESIS_HASH) for an empty journal.
    """
    head = _head(session)
    return (head[0], head[1]) if head is not None else (0, GENESIS_HASH)


# Built once: every use case writes a line, and building a statement costs more than running it.
# Executed on the session's connection, they bypass the ORM layer.
_HEAD = (
    select(AuditEntry.seq, AuditEntry.hash, AuditEntry.cle_id)
    .order_by(AuditEntry.seq.desc())
    .limit(1)
)
_APPEND = insert(AuditEntry)

# The head as three columns a caller adds to its own SELECT (see ``record_line``); None, None,
# None for an empty journal.
_LAST = select(func.max(AuditEntry.seq)).scalar_subquery()
HEAD_COLUMNS = (
    _LAST.label("journal_seq"),
    select(AuditEntry.hash).where(AuditEntry.seq == _LAST).scalar_subquery().label("journal_hash"),
    select(AuditEntry.cle_id).where(AuditEntry.seq == _LAST).scalar_subquery().label("journal_cle"),
)
HeadRead = tuple[int | None, str | None, str | None]
_PG_LOCK = text("SELECT pg_advisory_xact_lock(:k)")


def _plain_details(details: Mapping[str, object] | None) -> dict[str, object]:
    """``details`` as the database gives them back (the hash is computed on exactly that)."""
    if details is None:
        return {}
    if all(type(k) is str and type(v) in _JSON_EXACT for k, v in details.items()):
        return dict(details)  # a JSON round trip would give back the same values
    return json.loads(json.dumps(dict(details), ensure_ascii=False, default=str))  # type: ignore[no-any-return]


_JSON_EXACT = frozenset({str, int, type(None)})


def _write_line(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str | None,
    entity_id: object | None,
    details: Mapping[str, object] | None,
    agent_id: int | None,
    cle_id_override: str | None,
    read_head: HeadRead | None = None,
) -> tuple[object, dict[str, object]]:
    """Insert one line; its primary key and the values stored."""
    # What the caller added before must reach the database first (an agent created in this
    # transaction, named by the line), as the ORM flush of the line used to do.
    session.flush()
    conn = session.connection()
    head: Sequence[object] | None
    if read_head is not None and conn.dialect.name == "sqlite":
        head = read_head if read_head[0] is not None else None
    else:
        # Named as "not SQLite" (not "PostgreSQL"), the only other engine: a slip in the name
        # then shows on SQLite, where every test runs.
        if conn.dialect.name != "sqlite":
            conn.execute(_PG_LOCK, {"k": _PG_JOURNAL_LOCK})
        head = conn.execute(_HEAD).first()
    seq, prev_hash, cle_id = (
        (int(str(head[0])) + 1, str(head[1]), None if head[2] is None else str(head[2]))
        if head
        else (1, GENESIS_HASH, None)
    )
    if cle_id_override is not None:
        cle_id = cle_id_override
    clean_details = _plain_details(details)
    at = utcnow()
    line_agent = actor.agent_id if actor is not None else agent_id
    line_entity = None if entity_id is None else str(entity_id)
    digest = _seal(
        _canonical_form(
            seq, at, line_agent, action, entity_type, line_entity, clean_details, prev_hash, cle_id
        ),
        cle_id,
    )
    values: dict[str, object] = {
        "seq": seq,
        "at": at,
        "agent_id": line_agent,
        "action": action,
        "entity_type": entity_type,
        "entity_id": line_entity,
        "details": clean_details,
        "prev_hash": prev_hash,
        "hash": digest,
        "cle_id": cle_id,
    }
    inserted = conn.execute(_APPEND, values).inserted_primary_key
    session.info[_PENDING_HEAD] = (seq, digest)
    return (inserted[0] if inserted else None), values


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str | None = None,
    entity_id: object | None = None,
    details: Mapping[str, object] | None = None,
    *,
    agent_id: int | None = None,
    _cle_id: str | None = None,
) -> AuditEntry:
    """Append one entry. ``details`` must hold codes and identifiers, never personal data.

    Once the journal has a key, every line is sealed with the key of the line before it (or,
    for a rotation, the new key): a desk without that key refuses to write rather than append
    a line the verification would rightly call forged.

    The line is written by one Core INSERT of precomputed values (no unit of work); the entry
    returned is a detached copy of what was stored.
    """
    line_id, values = _write_line(
        session, actor, action, entity_type, entity_id, details, agent_id, _cle_id
    )
    return AuditEntry(id=line_id, **values)


def record_line(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str | None = None,
    entity_id: object | None = None,
    details: Mapping[str, object] | None = None,
    *,
    read_head: HeadRead | None = None,
) -> tuple[int, str]:
    """``record`` for the hot paths (a desk redeems all day): the same line, written the same
    way, but only its (sequence, hash) comes back, without building an ORM object.

    ``read_head``: the ``HEAD_COLUMNS`` the caller read in its own statement of this writing
    transaction, which saves a round trip on SQLite, where the writer lock is held from
    ``BEGIN IMMEDIATE`` on (a head read before would be refused by the unique sequence, never
    fork the chain). PostgreSQL ignores it: there the head is read after the journal's lock."""
    _line_id, values = _write_line(
        session, actor, action, entity_type, entity_id, details, None, None, read_head
    )
    return int(str(values["seq"])), str(values["hash"])


# --- the anchor kept outside the database ------------------------------------------------------

_PENDING_HEAD = "medianum_journal_head"


_ANCHOR_TEXT = re.compile(r"([0-9]+):([0-9a-fA-F]{64})", re.ASCII)


@dataclass(frozen=True)
class Anchor:
    """A point of the chain known from outside the database: entry ``seq`` had hash ``hash``."""

    seq: int
    hash: str
    source: str = ""

    def as_text(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, value: str, source: str = "") -> Anchor:
        # A fingerprint is 64 hexadecimal digits: a typing slip (O for 0) is refused here, not
        # reported later as a rewritten journal.
        found = _ANCHOR_TEXT.fullmatch(value.strip())
        if found is None:
            raise ValidationError(
                _("Ancre du journal illisible : attendu « numéro:empreinte »."), field="ancre"
            )
        return cls(int(found[1]), found[2].lower(), source)


def database_identity(url: URL) -> str:
    """Which database an anchor belongs to: a desk may switch between several."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_identity(url.database or "", str(Path.cwd()))
    host = url.host or str(url.query.get("host", ""))
    return f"{url.get_backend_name()}://{host}:{url.port or ''}/{url.database}"


@functools.lru_cache(maxsize=16)
def _sqlite_identity(database: str, cwd: str) -> str:
    # Resolved once per file (and folder, for a relative path): every commit that writes the
    # journal names its database.
    return "sqlite:" + str((Path(cwd) / database).resolve())


# The path of the anchor file by MEDIANUM_HOME: working it out checks the data directory on disk,
# which every commit would pay; a file gone since (a test, a new folder) is looked up again.
_anchor_paths: dict[str | None, Path] = {}


def _anchor_file() -> Path:
    home = os.environ.get("MEDIANUM_HOME")
    found = _anchor_paths.get(home)
    if found is None:
        found = _anchor_paths[home] = paths.journal_anchor_file()
    return found


# The desk's anchor file is one JSON object (database identity → head) followed by one JSON line
# per head written since, appended: renaming a file over another costs ext4 a flush of its data
# (half a millisecond, more than the redemption it records), an append costs a few microseconds.
# Readers keep the highest head of each database; the lines are folded into the object once the
# file grows past ANCHOR_FOLD_BYTES, and at each forced save (a restore going back).
ANCHOR_FOLD_BYTES = 64 * 1024


def _anchor_seq(entry: object) -> int:
    try:
        return int(str(entry["seq"])) if isinstance(entry, dict) else -1
    except (KeyError, ValueError):
        return -1


def _read_anchor_file(path: Path) -> dict[str, dict[str, object]]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError:
        log.warning("journal anchor file %s unreadable", path.name)
        return {}
    text = raw.lstrip()  # a blank line left before the object by a hand that edited it
    try:
        payload, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        log.warning("journal anchor file %s unreadable", path.name)
        return {}
    if not isinstance(payload, dict):
        return {}
    for line in text[end:].splitlines():
        try:
            head = json.loads(line)
            key, seq, hash_ = str(head["db"]), int(head["seq"]), str(head["hash"])
        except (ValueError, TypeError, KeyError):
            continue  # a line torn by a crash: the lines before and after it still count
        if len(hash_) == 64 and seq > _anchor_seq(payload.get(key)):
            payload[key] = {"seq": seq, "hash": hash_, "le": head.get("le")}
    return payload


_ANCHOR_FILE_LOCK = threading.Lock()


def _write_json_atomically(path: Path, payload: object) -> None:
    # A temporary name of its own per process and thread: two desks' sessions of one process
    # (or a command beside the window) that commit at once must not rename each other's file.
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def desk_anchor(url: URL) -> Anchor | None:
    """The last head this desk saw written to the database at ``url``."""
    path = paths.journal_anchor_file()
    entry = _read_anchor_file(path).get(database_identity(url))
    if not isinstance(entry, dict):
        return None
    try:
        return Anchor(int(str(entry["seq"])), str(entry["hash"]), str(path))
    except (KeyError, ValueError):
        return None


def save_desk_anchor(url: URL, seq: int, hash_: str, *, force: bool = False) -> None:
    """Remember a head; only forward unless ``force`` (a restore legitimately goes back)."""
    key = database_identity(url)
    le = utcnow().isoformat(timespec="seconds")
    if force:
        # Back to a restored head on purpose: this database's entry is replaced, the file
        # rewritten whole (its lines folded, their higher heads of this database with them).
        path = paths.journal_anchor_file()
        with _ANCHOR_FILE_LOCK:
            anchors = _read_anchor_file(path)
            anchors[key] = {"seq": seq, "hash": hash_, "le": le}
            _write_json_atomically(path, anchors)
        return
    path = _anchor_file()
    line = json.dumps({"db": key, "seq": seq, "hash": hash_, "le": le}, ensure_ascii=False)
    # Newline first too: a line torn by a crash ends there, not in this one.
    data = ("\n" + line + "\n").encode()
    # The append holds the lock the fold holds: a head appended to the old file while another
    # thread folds it (read, then rename the folded copy over it) would be lost with that file,
    # and the desk's anchor would move back. Readers keep the highest head of each database,
    # so a head appended after a higher one never moves the anchor back.
    with _ANCHOR_FILE_LOCK:
        try:
            size = _append_to_anchor_file(path, data)
        except FileNotFoundError:  # the data folder has gone (a new one): made again
            size = _append_to_anchor_file(paths.journal_anchor_file(), data)
        if size > ANCHOR_FOLD_BYTES:
            _write_json_atomically(path, _read_anchor_file(path))


def _append_to_anchor_file(path: Path, data: bytes) -> int:
    """Append ``data``, the file's object first if the file is new; the size it then has."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        if os.fstat(fd).st_size == 0:
            os.write(fd, b"{}")  # a new (or emptied by a crash) file: its object, then lines
        os.write(fd, data)
        # A few microseconds beside the commit's milliseconds (measured).
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def anchor_beside(file: Path) -> Path:
    return file.with_name(file.name + ".ancre.json")


def write_anchor_beside(file: Path, anchor: tuple[int, str]) -> Path:
    """Write the head of a backup's journal next to it, for the restore to check it against."""
    target = anchor_beside(file)
    _write_json_atomically(target, {"seq": anchor[0], "hash": anchor[1]})
    return target


def read_anchor_beside(file: Path) -> Anchor | None:
    payload = _read_anchor_file(anchor_beside(file))
    try:
        return Anchor(int(str(payload["seq"])), str(payload["hash"]), str(anchor_beside(file)))
    except (KeyError, ValueError):
        return None


def _session_url(session: Session) -> URL:
    bind = session.get_bind()
    return bind.engine.url if isinstance(bind, Connection) else bind.url


@event.listens_for(Session, "after_commit")
def _remember_committed_head(session: Session) -> None:
    head = session.info.pop(_PENDING_HEAD, None)
    if head is None:
        return
    try:
        save_desk_anchor(_session_url(session), head[0], head[1])
    except (OSError, MedianumError):
        # The write is committed; a missing anchor only weakens a later check, so say it.
        log.warning("journal anchor not saved", exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_head(session: Session, _previous: object) -> None:
    session.info.pop(_PENDING_HEAD, None)


# --- verification --------------------------------------------------------------------------------


@dataclass
class JournalReport:
    count: int = 0
    problems: list[str] = field(default_factory=list)
    keyed: bool = False
    anchors_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class _KeyCache:
    def __init__(self) -> None:
        self._keys: dict[str, bytes | None] = {}

    def get(self, cle_id: str) -> bytes | None:
        if cle_id not in self._keys:
            try:
                self._keys[cle_id] = journal_key(cle_id)
            except KeyringUnavailableError:
                self._keys[cle_id] = None
        return self._keys[cle_id]


def _check_entry(
    entry: AuditEntry,
    expected_seq: int,
    expected_prev: str,
    keyed_since: int | None,
    keys: _KeyCache,
) -> list[str]:
    problems = []
    if entry.seq != expected_seq:
        problems.append(
            _("Entrée n° {seq} : des entrées manquent avant elle (attendu n° {exp}).").format(
                seq=entry.seq, exp=expected_seq
            )
        )
    if entry.prev_hash != expected_prev:
        problems.append(
            _("Entrée n° {seq} : le lien avec l'entrée précédente est rompu.").format(seq=entry.seq)
        )
    if entry.cle_id is None:
        if keyed_since is not None:
            problems.append(
                _(
                    "Entrée n° {seq} : écrite sans la clé du journal, scellé depuis l'entrée "
                    "n° {since} (ajout par quelqu'un qui ne détient pas la clé)."
                ).format(seq=entry.seq, since=keyed_since)
            )
        elif _entry_hash(entry) != entry.hash:
            problems.append(
                _("Entrée n° {seq} : son contenu a été modifié après écriture.").format(
                    seq=entry.seq
                )
            )
        return problems
    key = keys.get(entry.cle_id)
    if key is None:
        problems.append(
            _(
                "Entrée n° {seq} : scellée par la clé {kid}, absente du trousseau de ce poste "
                "(clé inconnue, ou à importer depuis le poste qui l'a créée)."
            ).format(seq=entry.seq, kid=entry.cle_id)
        )
    elif not hmac.compare_digest(_entry_hash(entry, key), entry.hash):
        problems.append(
            _("Entrée n° {seq} : son contenu a été modifié après écriture.").format(seq=entry.seq)
        )
    return problems


def _check_anchor(anchor: Anchor, seen: dict[int, str], count_last: int) -> str | None:
    if anchor.seq == 0:
        return None
    found = seen.get(anchor.seq)
    if found is None:
        return _(
            "Le journal a été raccourci : l'ancre {source} atteste l'entrée n° {seq}, la "
            "dernière entrée de la base est la n° {last}."
        ).format(source=anchor.source or "", seq=anchor.seq, last=count_last)
    if found != anchor.hash:
        return _(
            "Le journal a été réécrit : l'entrée n° {seq} ne porte plus l'empreinte attestée "
            "par l'ancre {source}."
        ).format(seq=anchor.seq, source=anchor.source or "")
    return None


def verify_journal(session: Session, anchors: Sequence[Anchor] | None = None) -> JournalReport:
    """Walk the whole chain; report every entry whose content or link does not match, and every
    anchor (default: this desk's) that the chain no longer reaches or contradicts."""
    if anchors is None:
        own = desk_anchor(_session_url(session))
        anchors = [own] if own is not None else []
    wanted = {a.seq for a in anchors}
    seen: dict[int, str] = {}
    report = JournalReport()
    expected_prev, expected_seq = GENESIS_HASH, 1
    keyed_since: int | None = None
    keys = _KeyCache()
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for entry in rows.yield_per(2000):
        report.count += 1
        report.problems += _check_entry(entry, expected_seq, expected_prev, keyed_since, keys)
        if entry.cle_id is not None and keyed_since is None:
            keyed_since = entry.seq
        if entry.seq in wanted:
            seen[entry.seq] = entry.hash
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    report.keyed = keyed_since is not None
    for anchor in anchors:
        problem = _check_anchor(anchor, seen, expected_seq - 1)
        report.anchors_checked += 1
        if problem is not None:
            report.problems.append(problem)
    return report
