"""Offline desks: a signed batch of redemptions, exported on a structure's own database and
imported by the coordinator.

The batch is JSON signed with the desk's Ed25519 batch key (private half in that desk's keyring).
A batch is paid on no file's word: its key must be one a coordinator registered for the
structure, out of band (the desk shows a short fingerprint, read over the phone or printed, and
the coordinator types it in), and not revoked since; otherwise the whole batch is refused.
Importing the same batch again changes nothing (its fingerprint is unique). A redemption that
cannot be accepted as is — pass unknown, redeemed elsewhere, in two batches, in opposition when
imported, dated outside the time the pass was in the beneficiary's hands (from hand-over to the
export), outside the campaign, structure not referenced — becomes a conflict for a person to
decide; it is never paid twice, since a pass has at most one redemption row.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from operator import itemgetter
from typing import Any, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import (
    Connection,
    DateTime,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause
from sqlalchemy.types import NullType, TypeEngine

from core import secrets
from core.auth import Actor, Permission, require_anywhere
from core.db import utcnow
from core.errors import ConflictError, KeyringUnavailableError, NotFoundError, ValidationError
from core.i18n import DISPLAY_TZ, N_, _
from core.installation import get_setting, is_demo, put_setting
from core.models import Structure
from core.progress import NO_PROGRESS, Progress
from pass_numerique import journal as journal_pass
from pass_numerique import serials
from pass_numerique.models import (
    Chequier,
    CleLot,
    ConflitLot,
    Encaissement,
    EtatPass,
    LotEncaissements,
    Pass,
    PassCampagne,
    PassStructure,
    PassStructureCampagne,
    StatutConflit,
)
from pass_numerique.redemption import structure_reference

FORMAT = "medianum-pass-lot"
VERSION = 1
# Below SQLite's (32,766 since 3.32) and PostgreSQL's (65,535) bound-parameter limits; fewer,
# larger statements cost less to build than many small ones.
_CHUNK = 5000
FINGERPRINT_LENGTH = 20  # base-32 characters: 100 bits, beyond any second-preimage search
# Redemptions happen in this century; anything else is a forged or broken file, not a date.
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_SIRET = re.compile(r"[0-9]{14}", re.ASCII)
_HEX = re.compile(r"[0-9a-f]*", re.ASCII)

MOTIFS = {
    "inconnu": N_("Pass inconnu"),
    "double_lot": N_("Pass présent deux fois dans le lot"),
    "deja_encaisse": N_("Pass déjà encaissé ailleurs"),
    "opposition": N_("Pass en opposition au moment de l'import"),
    "expire": N_("Pass expiré au moment de l'encaissement"),
    "non_reference": N_("Structure non référencée pour la campagne"),
    "non_remis": N_("Pass non remis"),
    "avant_remise": N_("Encaissement daté d'avant la remise du chéquier"),
    "apres_export": N_("Encaissement daté d'après l'export du lot"),
    "hors_campagne": N_("Encaissement daté d'avant le début de la campagne"),
}


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- the desk's key and its fingerprint ---------------------------------------------------------


def fingerprint(public_hex: str) -> str:
    """What a person reads over the phone: the first 100 bits of the key's SHA-256, in
    Crockford's base 32 (the alphabet of the serials, nothing to confuse)."""
    digest = hashlib.sha256(bytes.fromhex(public_hex)).digest()
    number = int.from_bytes(digest[:13], "big") >> 4
    chars = []
    for _i in range(FINGERPRINT_LENGTH):
        chars.append(serials.ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def display_fingerprint(empreinte: str) -> str:
    return "-".join(empreinte[i : i + 4] for i in range(0, len(empreinte), 4))


def _typed_fingerprint(text: str) -> str:
    """A fingerprint as a person types it: case, spaces, dashes and confusable letters ignored."""
    cleaned = re.sub(r"[\s\-_.]", "", text).upper()
    cleaned = "".join({"O": "0", "I": "1", "L": "1"}.get(ch, ch) for ch in cleaned)
    if len(cleaned) != FINGERPRINT_LENGTH or any(ch not in serials.ALPHABET for ch in cleaned):
        raise ValidationError(
            _("Une empreinte compte {n} caractères (ex. 7KQ4-M2XD-9F3A-0B1C-D2E3).").format(
                n=FINGERPRINT_LENGTH
            ),
            field="empreinte",
        )
    return cleaned


def _batch_key(session: Session, siret: str) -> Ed25519PrivateKey:
    """This desk's batch key for the structure, created on first use."""
    name = f"pass-lot-{siret}"
    demo_setting = f"pass_lot_cle_demo_{siret}"
    try:
        raw = secrets.get_secret(name)
        if raw is None:
            raw = Ed25519PrivateKey.generate().private_bytes_raw().hex()
            secrets.set_secret(name, raw)
    except KeyringUnavailableError:
        if not is_demo(session):
            raise
        # Demonstration database only: a fresh demo machine has no keyring.
        raw = get_setting(session, demo_setting)
        if not isinstance(raw, str):
            raw = Ed25519PrivateKey.generate().private_bytes_raw().hex()
            put_setting(session, demo_setting, raw)
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(raw))


def _public_hex(private: Ed25519PrivateKey) -> str:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _desk_siret(session: Session, actor: Actor) -> tuple[PassStructure, str]:
    ref = structure_reference(session, actor)
    structure = session.get(Structure, ref.structure_id)
    assert structure is not None
    if not structure.siret:
        raise ValidationError(_("La structure n'a pas de SIRET : le lot ne peut pas être signé."))
    return ref, structure.siret


def desk_fingerprint(session: Session, actor: Actor) -> str:
    """The fingerprint of this desk's batch key, to give the coordinator (created if need be)."""
    _ref, siret = _desk_siret(session, actor)
    return fingerprint(_public_hex(_batch_key(session, siret)))


# --- registration by the coordinator --------------------------------------------------------------


def register_batch_key(
    session: Session, actor: Actor, pass_structure_id: int, empreinte: str
) -> CleLot:
    """Trust batches signed by the key with this fingerprint; the structure's previous key,
    if any, is revoked (one desk key per structure at a time)."""
    require_anywhere(actor, Permission.PASS_GERER)
    typed = _typed_fingerprint(empreinte)
    if session.get(PassStructure, pass_structure_id) is None:
        raise NotFoundError(_("Structure référencée introuvable."))
    now = utcnow()
    replaced = []
    for old in session.scalars(
        select(CleLot)
        .where(CleLot.pass_structure_id == pass_structure_id, CleLot.statut == "active")
        .with_for_update()
    ):
        old.statut, old.revoque_at, old.revoque_par = "revoquee", now, actor.agent_id
        replaced.append(old.id)
    cle = CleLot(
        pass_structure_id=pass_structure_id,
        empreinte=typed,
        statut="active",
        enregistre_at=now,
        enregistre_par=actor.agent_id,
    )
    session.add(cle)
    session.flush()
    journal_pass.lot_cle_enregistree(
        session,
        actor,
        cle.id,
        pass_structure_id=pass_structure_id,
        empreinte=typed,
        remplace=replaced,
    )
    return cle


def revoke_batch_key(session: Session, actor: Actor, cle_lot_id: int) -> CleLot:
    """From now on, batches signed by this key are refused whole (a lost or stolen desk)."""
    require_anywhere(actor, Permission.PASS_GERER)
    cle = session.get(CleLot, cle_lot_id)
    if cle is None:
        raise NotFoundError(_("Clé de lot introuvable."))
    if cle.statut != "active":
        raise ConflictError(_("Cette clé de lot est déjà révoquée."))
    cle.statut, cle.revoque_at, cle.revoque_par = "revoquee", utcnow(), actor.agent_id
    journal_pass.lot_cle_revoquee(
        session, actor, cle.id, pass_structure_id=cle.pass_structure_id, empreinte=cle.empreinte
    )
    return cle


def batch_keys(
    session: Session, actor: Actor, pass_structure_id: int | None = None
) -> list[CleLot]:
    require_anywhere(actor, Permission.PASS_GERER)
    stmt = select(CleLot).order_by(CleLot.pass_structure_id, CleLot.id)
    if pass_structure_id is not None:
        stmt = stmt.where(CleLot.pass_structure_id == pass_structure_id)
    return list(session.scalars(stmt))


# --- export on the offline desk -------------------------------------------------------------------


def export_batch(session: Session, actor: Actor, *, since: datetime | None = None) -> bytes:
    """The actor's structure's desk redemptions (since a date, or all) as a signed batch."""
    ref, siret = _desk_siret(session, actor)
    stmt = (
        select(Pass.serial, Encaissement.at)
        .join(Pass, Pass.id == Encaissement.pass_id)
        .where(Encaissement.pass_structure_id == ref.id, Encaissement.source == "guichet")
        .order_by(Encaissement.at, Encaissement.id)
    )
    if since is not None:
        stmt = stmt.where(Encaissement.at >= since)
    items = [{"serial": s, "at": at.isoformat()} for s, at in session.execute(stmt)]
    private = _batch_key(session, siret)
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "siret": siret,
        "exporte_at": utcnow().isoformat(),
        "cle_publique": _public_hex(private),
        "encaissements": items,
    }
    signed = dict(payload, signature=private.sign(_canonical(payload)).hex())
    journal_pass.lot_exporte(session, actor, ref.id, nombre=len(items))
    return json.dumps(signed, ensure_ascii=False, indent=1).encode()


# --- import by the coordinator --------------------------------------------------------------------


@dataclass
class ImportReport:
    lot_id: int | None
    deja_importe: bool = False
    nombre: int = 0
    acceptes: int = 0
    deja_connus: int = 0
    conflits: list[tuple[str, str]] = field(default_factory=list)  # (serial, motif code)

    def as_json(self) -> dict[str, object]:
        return {
            "lot_id": self.lot_id,
            "deja_importe": self.deja_importe,
            "nombre": self.nombre,
            "acceptes": self.acceptes,
            "deja_connus": self.deja_connus,
            "conflits": [{"serial": s, "motif": m} for s, m in self.conflits],
        }


@dataclass(frozen=True)
class _Lines:
    """The batch's lines as columns, in the file's order."""

    serials: list[str]  # as written
    ats: list[datetime]  # aware, UTC
    # Each instant as SQLite stores a UTCDateTime (UTC wall time, microseconds always written,
    # ``_TEXT_LENGTH`` characters from 2000 to 2099): what the import compares and stores there
    # without a conversion.
    texts: list[str]

    def __len__(self) -> int:
        return len(self.serials)

    def __getitem__(self, window: slice) -> _Lines:
        return _Lines(self.serials[window], self.ats[window], self.texts[window])


@dataclass(frozen=True)
class _Batch:
    siret: str
    exporte_at: datetime
    cle_publique: str
    lines: _Lines
    signed: bytes


def _unreadable() -> ValidationError:
    return ValidationError(_("Ce fichier n'est pas un lot d'encaissements Médianum lisible."))


def _instant(value: object, where: Callable[[], str]) -> datetime:
    """An aware instant of this century, or a French refusal naming the faulty line."""
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError
        at = datetime.fromisoformat(value)
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError
        at = at.astimezone(UTC)
        if not _EARLIEST <= at < _LATEST:
            raise ValueError
    except (ValueError, OverflowError):
        raise ValidationError(
            _(
                "Lot refusé : date illisible ({where}). Une date porte son décalage horaire "
                "(ex. 2026-03-12T10:00:00+01:00) et tombe entre 2000 et 2099."
            ).format(where=where())
        ) from None
    return at


def _line_label(n: int) -> str:
    return _("ligne {n}").format(n=n)


# The spelling every desk exports (``datetime.isoformat`` of a UTC instant): its UTC wall time
# is read off the text, without ``isoformat`` (2 µs a line) to store it on SQLite.
_TEXT_LENGTH = len("2026-03-14 09:30:05.250000")
_UTC_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00", re.ASCII
)


def _lines(items: object) -> _Lines:
    if not isinstance(items, list):
        raise _unreadable()
    return _lines_at_once(items) or _lines_one_by_one(items)


def _lines_at_once(items: list[Any]) -> _Lines | None:
    """The lines of a batch written as every desk writes it (each line a ``serial`` and an
    ``at`` in the desks' UTC spelling), checked by whole columns, without a Python step per
    line; None at the least doubt, and ``_lines_one_by_one`` then reads them and names the
    faulty line."""
    if not items:
        return _Lines([], [], [])
    if set(map(type, items)) != {dict} or set(map(len, items)) != {2}:
        return None
    try:
        written = list(map(itemgetter("serial"), items))
        spelled = list(map(itemgetter("at"), items))
    except KeyError:
        return None
    if set(map(type, written)) != {str} or max(map(len, written)) > 40:
        return None
    if set(map(type, spelled)) != {str} or not all(map(_UTC_TEXT.fullmatch, spelled)):
        return None
    # The spelling starts with the year's four digits: this century by text comparison.
    if min(spelled) < "2000" or max(spelled) >= "2100":
        return None
    try:
        ats = list(map(datetime.fromisoformat, spelled))  # a month 13, a day 32: one by one
    except ValueError:
        return None
    # "2026-03-14T09:30:05.250000+00:00" -> "2026-03-14 09:30:05.250000": one "T" and one
    # "+00:00" in each (the pattern above), no line break anywhere.
    texts = "\n".join(spelled).replace("T", " ").replace("+00:00", "").split("\n")
    return _Lines(written, ats, texts)


def _lines_one_by_one(items: list[Any]) -> _Lines:
    serials_: list[str] = []
    ats: list[datetime] = []
    texts: list[str] = []
    fromisoformat, utc_text = datetime.fromisoformat, _UTC_TEXT.fullmatch
    earliest, latest = _EARLIEST, _LATEST
    for n, item in enumerate(items, 1):
        if not (type(item) is dict and len(item) == 2 and "serial" in item and "at" in item):
            raise ValidationError(_("Lot refusé : la ligne {n} est mal formée.").format(n=n))
        serial, value = item["serial"], item["at"]
        if type(serial) is not str or len(serial) > 40:
            raise ValidationError(
                _("Lot refusé : le numéro de pass de la ligne {n} est illisible.").format(n=n)
            )
        # The line that is right (all of them but a forged one) is checked inline, without
        # building its error label; any doubt goes to ``_instant``, which says what is wrong.
        at: datetime | None = None
        if type(value) is str and utc_text(value):  # UTC by its spelling: no conversion
            try:
                at = fromisoformat(value)
            except ValueError:  # a month 13, a day 32: ``_instant`` says so
                at = None
            if at is not None and earliest <= at < latest:
                serials_.append(serial)
                ats.append(at)
                texts.append(value[:10] + " " + value[11:26])
                continue
            at = None
        elif type(value) is str and len(value) <= 40:
            try:
                at = fromisoformat(value)
                if at.tzinfo is None or at.utcoffset() is None:
                    at = None
                else:
                    at = at.astimezone(UTC)
                    if not earliest <= at < latest:
                        at = None
            except (ValueError, OverflowError):
                at = None
        if at is None:
            at = _instant(value, partial(_line_label, n))
        serials_.append(serial)
        ats.append(at)
        texts.append(at.replace(tzinfo=None).isoformat(" ", "microseconds"))
    return _Lines(serials_, ats, texts)


def _read(data: bytes) -> _Batch:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _unreadable() from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _unreadable()
    if doc.get("version") != VERSION:
        raise ValidationError(_("Version de lot non prise en charge : mettez Médianum à jour."))
    signature = doc.pop("signature", None)
    public = doc.get("cle_publique")
    if not (
        isinstance(signature, str)
        and len(signature) == 128
        and _HEX.fullmatch(signature)
        and isinstance(public, str)
        and len(public) == 64
        and _HEX.fullmatch(public)
    ):
        raise _unreadable()
    siret = doc.get("siret")
    if not isinstance(siret, str) or not _SIRET.fullmatch(siret):
        raise ValidationError(_("Lot refusé : le SIRET de la structure est illisible."))
    signed = _canonical(doc)
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(
            bytes.fromhex(signature), signed
        )
    except (InvalidSignature, ValueError):
        raise ValidationError(
            _("La signature du lot ne correspond pas : le fichier a été modifié.")
        ) from None
    exporte_at = _instant(doc.get("exporte_at"), lambda: _("date d'export"))
    return _Batch(siret, exporte_at, public, _lines(doc.get("encaissements")), signed)


def _trusted_structure(session: Session, batch: _Batch) -> PassStructure:
    """The structure the batch names, if its key is one a coordinator registered for it."""
    ref = session.scalar(
        select(PassStructure)
        .join(Structure, Structure.id == PassStructure.structure_id)
        .where(Structure.siret == batch.siret)
    )
    if ref is None:
        raise NotFoundError(
            _("Le lot vient d'une structure non référencée (SIRET {siret}).").format(
                siret=batch.siret
            )
        )
    empreinte = fingerprint(batch.cle_publique)
    statut = session.scalar(
        select(CleLot.statut).where(
            CleLot.pass_structure_id == ref.id, CleLot.empreinte == empreinte
        )
    )
    if statut is None:
        raise ValidationError(
            _(
                "Lot refusé : sa clé (empreinte {empreinte}) n'a pas été enregistrée pour cette "
                "structure. Demandez au poste hors ligne l'empreinte de sa clé et enregistrez-la "
                "après avoir vérifié son origine."
            ).format(empreinte=display_fingerprint(empreinte))
        )
    if statut != "active":
        raise ValidationError(
            _(
                "Lot refusé : sa clé (empreinte {empreinte}) a été révoquée pour cette structure."
            ).format(empreinte=display_fingerprint(empreinte))
        )
    return ref


def import_batch(
    session: Session,
    actor: Actor,
    data: bytes,
    progress: Progress = NO_PROGRESS,
    *,
    now: datetime | None = None,
) -> ImportReport:
    require_anywhere(actor, Permission.PASS_GERER)
    batch = _read(data)
    ref = _trusted_structure(session, batch)
    empreinte = hashlib.sha256(batch.signed).hexdigest()
    existing = session.scalar(
        select(LotEncaissements.id).where(LotEncaissements.empreinte == empreinte)
    )
    if existing is not None:
        return ImportReport(existing, deja_importe=True, nombre=len(batch.lines))
    lot = LotEncaissements(
        empreinte=empreinte,
        pass_structure_id=ref.id,
        exporte_at=batch.exporte_at,
        agent_id=actor.agent_id,
        nombre=len(batch.lines),
        acceptes=0,
        conflits=0,
    )
    session.add(lot)
    session.flush()
    report = ImportReport(lot.id, nombre=len(batch.lines))
    # The structure's campaigns, and the first instant of each (its first day, desks' clock).
    starts = {
        campagne_id: _day_start(debut)
        for campagne_id, debut in session.execute(
            select(PassCampagne.id, PassCampagne.debut)
            .join(PassStructureCampagne, PassStructureCampagne.campagne_id == PassCampagne.id)
            .where(PassStructureCampagne.pass_structure_id == ref.id)
        )
    }
    context = _Context(
        ref.id, lot.id, set(starts), min(batch.exporte_at, now or utcnow()), starts=starts
    )
    items = batch.lines
    for start in range(0, len(items), _CHUNK):
        progress.step(start, len(items), _("Import du lot"))
        _import_chunk(session, context, items[start : start + _CHUNK], report)
    if context.conflicts:
        session.connection().execute(insert(cast(Table, ConflitLot.__table__)), context.conflicts)
    lot.acceptes = report.acceptes
    lot.conflits = len(report.conflits)
    journal_pass.lot_importe(
        session,
        actor,
        lot.id,
        pass_structure_id=ref.id,
        nombre=report.nombre,
        acceptes=report.acceptes,
        conflits=len(report.conflits),
    )
    progress.step(len(items), len(items), _("Import du lot"))
    return report


@dataclass
class _Context:
    """What every chunk of one import shares."""

    pass_structure_id: int
    lot_id: int
    campagnes: set[int]
    latest: datetime  # min(export time, now): nothing redeemed offline can be later
    seen: set[str] = field(default_factory=set)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    # Campaign id -> first instant of its first day, on the desks' wall clock.
    starts: dict[int, datetime] = field(default_factory=dict)
    ends: dict[object, datetime] = field(default_factory=dict)  # expire_le as stored
    _days: dict[object, date] = field(default_factory=dict)
    _instants: dict[object, datetime] = field(default_factory=dict)

    def day(self, stored: object) -> date:
        """A date column as the driver gave it (ISO text on SQLite, a date on PostgreSQL)."""
        found = self._days.get(stored)
        if found is None:
            found = self._days[stored] = (
                date.fromisoformat(stored) if isinstance(stored, str) else cast(date, stored)
            )
        return found

    def instant(self, stored: object) -> datetime:
        """A UTCDateTime column as the driver gave it (UTC text without offset on SQLite, an
        aware datetime on PostgreSQL), as ``UTCDateTime`` reads it."""
        found = self._instants.get(stored)
        if found is None:
            value = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
            assert isinstance(value, datetime)
            found = self._instants[stored] = (
                value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
            )
        return found


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), DISPLAY_TZ).astimezone(UTC)


# Plain strings: an enum member's ``.value`` costs a descriptor call, 100,000 times a batch.
_ANNULE, _EMIS = EtatPass.ANNULE.value, EtatPass.EMIS.value


def _verdict(ctx: _Context, p: Any, at: datetime) -> str | None:
    """Why an offline redemption of a pass nobody else redeemed cannot be paid as is; ``p`` is
    a driver row (id, serial, etat, expire_le, campagne_id, remis_at, debut)."""
    etat = p[2]
    if etat == _ANNULE:
        return "opposition"
    if etat == _EMIS or p[5] is None:
        return "non_remis"
    if at < ctx.instant(p[5]):
        return "avant_remise"
    if at > ctx.latest:
        return "apres_export"
    campagne_id = p[4]
    start = ctx.starts.get(campagne_id)
    if start is None:
        start = ctx.starts[campagne_id] = _day_start(ctx.day(p[6]))
    if at < start:
        return "hors_campagne"
    end = ctx.ends.get(p[3])
    if end is None:
        end = ctx.ends[p[3]] = _day_start(ctx.day(p[3]) + timedelta(days=1))
    if at >= end:
        return "expire"
    if campagne_id not in ctx.campagnes:
        return "non_reference"
    return None


# _DIALECT_NOTE: the branches for PostgreSQL are chosen as "not SQLite", the only other engine
# the application runs on: a slip in the engine's name then sends SQLite down PostgreSQL's
# branch, which fails on SQLite, where every test runs, instead of going unseen there.


def _listed(session: Session, values: list[Any], item: TypeEngine[Any]) -> Select[Any]:
    """``values`` as a one-column subquery bound as ONE parameter (a JSON text on SQLite, an
    array on PostgreSQL): an IN list of thousands of parameters costs more to build than to
    run."""
    if session.get_bind().dialect.name != "sqlite":  # PostgreSQL (see _DIALECT_NOTE)
        table = (
            func.unnest(bindparam(None, values, type_=ARRAY(item)))
            .table_valued("value")
            .render_derived()
        )
    else:
        table = func.json_each(bindparam(None, json.dumps(values))).table_valued("value")
    return select(table.c.value)


# No conversion on the way out: ``_Context.day``/``instant`` convert each distinct value once.
_AS_STORED = NullType()

_ENCAISSEMENT = cast(Table, Encaissement.__table__)
_REDEMPTION_COLUMNS = (
    _ENCAISSEMENT.c.pass_id,
    _ENCAISSEMENT.c.pass_structure_id,
    _ENCAISSEMENT.c.agent_id,
    _ENCAISSEMENT.c.at,
    _ENCAISSEMENT.c.source,
    _ENCAISSEMENT.c.lot_id,
)
# Every UTC offset on Earth lies between -12:00 and +14:00: a pass valid until a day D is
# valid at least until D 10:00 UTC, whatever the desks' time zone (the exact end is checked
# line by line for the few redemptions of the last day after that).
_LAST_DAY_SURELY_VALID_UNTIL = "10:00:00.000000"


def _insert_redemptions(
    conn: Connection, ctx: _Context, ids: list[int], ats: list[datetime], texts: list[str]
) -> None:
    """One INSERT … SELECT for the accepted lines, their rows bound as one parameter (JSON text
    on SQLite, two arrays on PostgreSQL): binding 5,000 rows of six values one by one cost more
    than the checks. ``at`` is stored as SQLAlchemy stores a UTCDateTime (on SQLite, UTC text
    without offset, microseconds always written)."""
    fixed = (
        literal(ctx.pass_structure_id, Integer()),
        null(),
        literal("lot", String()),
        literal(ctx.lot_id, Integer()),
    )
    if conn.dialect.name != "sqlite":  # PostgreSQL (see _DIALECT_NOTE)
        table = (
            func.unnest(
                bindparam(None, ids, type_=ARRAY(Integer())),
                bindparam(None, ats, type_=ARRAY(DateTime(timezone=True))),
            )
            .table_valued("pass_id", "at")
            .render_derived()
        )
        source = select(table.c.pass_id, fixed[0], fixed[1], table.c.at, fixed[2], fixed[3])
    else:
        stored = json.dumps(list(zip(ids, texts, strict=True)))
        table = func.json_each(bindparam(None, stored)).table_valued("value")
        source = select(
            func.json_extract(table.c.value, "$[0]"),
            fixed[0],
            fixed[1],
            func.json_extract(table.c.value, "$[1]"),
            fixed[2],
            fixed[3],
        )
    conn.execute(insert(_ENCAISSEMENT).from_select(_REDEMPTION_COLUMNS, source))


def _mark_redeemed(conn: Connection, ids: Select[Any]) -> None:
    conn.execute(
        update(Pass)
        .where(
            Pass.id.in_(ids),
            # Not indexable on purpose: SQLite would otherwise walk the (etat, expire_le)
            # index over every pass « remis » instead of fetching these ids.
            func.coalesce(Pass.etat, "") == EtatPass.REMIS.value,
        )
        .values(etat=EtatPass.ENCAISSE.value)
        .execution_options(synchronize_session=False)
    )


def _accept_at_once(session: Session, conn: Connection, ctx: _Context, lines: _Lines) -> int:
    """Accept, in ONE statement, every line that is plainly right: a pass « remis » nobody
    redeemed, of one of the structure's campaigns, with no earlier conflict of the structure,
    dated from its hand-over to min(export, now), from the campaign's first instant, and before
    its last valid day's 10:00 UTC. The database checks them all (a Python step per line cost
    more than the SQL); each condition is the same as, or stricter than, ``_verdict``'s and
    ``_import_chunk``'s, so what it leaves (any doubt) goes to them and gets its exact answer.
    ``lines`` hold no serial twice and none seen earlier. Returns how many were accepted."""
    if not ctx.campagnes or not len(lines):
        return 0
    source: FromClause
    if conn.dialect.name != "sqlite":  # PostgreSQL (see _DIALECT_NOTE)
        source = (
            func.unnest(
                bindparam(None, lines.serials, type_=ARRAY(String())),
                bindparam(None, lines.ats, type_=ARRAY(DateTime(timezone=True))),
            )
            .table_valued("serial", "at")
            .render_derived()
        )
        at = source.c.at

        def instant(value: datetime) -> Any:
            return literal(value, DateTime(timezone=True))

        handed_over: Any = Chequier.remis_at
        last_valid: Any = func.timezone(
            "UTC", Pass.expire_le + literal_column(f"TIME '{_LAST_DAY_SURELY_VALID_UNTIL}'")
        )
        stored_as_expected: Any = true()
    else:
        # One JSON array of texts, each a line's instant (26 characters) then its serial: the
        # cheapest to write and to read back. Materialized once, each line's two values are
        # cut once, not once per comparison. Instants are compared as the fixed-width UTC text
        # SQLite stores.
        each = func.json_each(
            bindparam(None, json.dumps(list(map(str.__add__, lines.texts, lines.serials))))
        ).table_valued("value")
        source = (
            select(
                func.substr(each.c.value, _TEXT_LENGTH + 1).label("serial"),
                func.substr(each.c.value, 1, _TEXT_LENGTH).label("at"),
            )
            .cte("ligne")
            .prefix_with("MATERIALIZED")
        )
        at = source.c.at

        def instant(value: datetime) -> Any:
            return literal(value.replace(tzinfo=None).isoformat(" ", "microseconds"), String())

        handed_over = type_coerce(Chequier.remis_at, String())
        last_valid = type_coerce(Pass.expire_le, String()) + f" {_LAST_DAY_SURELY_VALID_UNTIL}"
        # Text compares as time only in the stored spelling: anything else (a row written by
        # hand) is left to the exact checks.
        stored_as_expected = and_(
            func.length(handed_over) == _TEXT_LENGTH,
            func.length(type_coerce(Pass.expire_le, String())) == 10,
        )
    campaign_start = case(
        {campagne_id: instant(ctx.starts[campagne_id]) for campagne_id in ctx.campagnes},
        value=Pass.campagne_id,
        else_=null(),
    )
    earlier_conflicts = (
        select(ConflitLot.pass_id)
        .join(LotEncaissements, LotEncaissements.id == ConflitLot.lot_id)
        .where(
            LotEncaissements.pass_structure_id == ctx.pass_structure_id,
            ConflitLot.pass_id.is_not(None),
        )
    )
    accepted = (
        select(
            Pass.id,
            literal(ctx.pass_structure_id, Integer()),
            null(),
            at,
            literal("lot", String()),
            literal(ctx.lot_id, Integer()),
        )
        .select_from(source)
        .join(Pass, Pass.serial == source.c.serial)
        .join(Chequier, Chequier.id == Pass.chequier_id)
        .where(
            # Not indexable on purpose (see ``_mark_redeemed``): the lines lead, by serial.
            func.coalesce(Pass.etat, "") == EtatPass.REMIS.value,
            stored_as_expected,
            at >= handed_over,
            at <= instant(ctx.latest),
            at >= campaign_start,
            at < last_valid,
            ~exists().where(Encaissement.pass_id == Pass.id),
            Pass.id.not_in(earlier_conflicts),
        )
        # The pass rows stay locked until commit (PostgreSQL; SQLite's writer lock already
        # excludes others): a desk redeeming one of them now waits, then finds it « encaissé ».
        .with_for_update(of=Pass)
    )
    # Its rows are this batch's above this id: they are counted, and the passes they redeem
    # marked, without sending ids back and forth (the driver's row count is not kept for an
    # INSERT that starts with WITH).
    before = conn.scalar(select(func.coalesce(func.max(_ENCAISSEMENT.c.id), 0)))
    conn.execute(insert(_ENCAISSEMENT).from_select(_REDEMPTION_COLUMNS, accepted))
    ours = (_ENCAISSEMENT.c.id > before, _ENCAISSEMENT.c.lot_id == ctx.lot_id)
    inserted = int(conn.scalar(select(func.count()).where(*ours)) or 0)
    if inserted:
        _mark_redeemed(conn, select(_ENCAISSEMENT.c.pass_id).where(*ours))
    return inserted


def _import_chunk(session: Session, ctx: _Context, chunk: _Lines, report: ImportReport) -> None:
    if serials.all_canonical(chunk.serials):
        wanted = chunk.serials
    else:
        normalize = serials.normalize
        wanted = [
            serial if serials.is_canonical(serial) else (normalize(serial) or serial[:20])
            for serial in chunk.serials
        ]
    conn = session.connection()  # Core rows: 100,000 of them need no ORM loading
    seen = ctx.seen
    if len(set(wanted)) == len(wanted) and seen.isdisjoint(wanted):
        candidates = _Lines(wanted, chunk.ats, chunk.texts)
    else:  # a serial twice: only its first line may be accepted at once
        first: dict[str, int] = {}
        keep = [
            i
            for i, serial in enumerate(wanted)
            if serial not in seen and first.setdefault(serial, i) == i
        ]
        candidates = _Lines(
            [wanted[i] for i in keep], [chunk.ats[i] for i in keep], [chunk.texts[i] for i in keep]
        )
    accepted = _accept_at_once(session, conn, ctx, candidates)
    report.acceptes += accepted
    if accepted == len(wanted):  # every line plainly right: all passes known, now seen
        seen.update(wanted)
        return
    _check_one_by_one(session, conn, ctx, chunk, wanted, report)


def _check_one_by_one(
    session: Session,
    conn: Connection,
    ctx: _Context,
    chunk: _Lines,
    wanted: list[str],
    report: ImportReport,
) -> None:
    """Every line of the chunk that ``_accept_at_once`` left gets its exact answer: accepted,
    already known, or a conflict with its reason. A line it accepted is recognised by its
    redemption, which belongs to this import's batch."""
    # Locking the rows (PostgreSQL; SQLite's writer lock already excludes others) makes the
    # read-then-write below atomic against desks redeeming the same passes right now.
    # Plain driver rows, no Row objects: (id, serial, etat, expire_le, campagne_id, remis_at,
    # debut, redemption's structure, redemption's instant, redemption's batch), converted by
    # ``_verdict`` once per distinct value (ten passes share a hand-over, thousands a campaign).
    with conn.execute(
        select(
            Pass.id,
            Pass.serial,
            Pass.etat,
            type_coerce(Pass.expire_le, _AS_STORED),
            Pass.campagne_id,
            type_coerce(Chequier.remis_at, _AS_STORED),
            type_coerce(PassCampagne.debut, _AS_STORED),
            Encaissement.pass_structure_id,
            type_coerce(Encaissement.at, _AS_STORED),
            Encaissement.lot_id,
        )
        .join(Chequier, Chequier.id == Pass.chequier_id)
        .join(PassCampagne, PassCampagne.id == Pass.campagne_id)
        .outerjoin(Encaissement, Encaissement.pass_id == Pass.id)
        .where(Pass.serial.in_(_listed(session, wanted, String())))
        .with_for_update(of=Pass)
    ) as result:
        rows = result.cursor.fetchall()  # the driver's tuples, as they come
    passes: dict[str, Any] = {row[1]: row for row in rows}
    ids = [row[0] for row in rows]
    # A pass redeemed already came with its redemption (outer join): (structure, instant as
    # stored, batch), converted only for those few.
    redeemed = {row[0]: (row[7], ctx.instant(row[8]), row[9]) for row in rows if row[7] is not None}
    pending = {
        (pass_id, at)
        for pass_id, at in conn.execute(
            select(ConflitLot.pass_id, ConflitLot.encaisse_at)
            .join(LotEncaissements, LotEncaissements.id == ConflitLot.lot_id)
            .where(
                ConflitLot.pass_id.in_(_listed(session, ids, Integer())),
                LotEncaissements.pass_structure_id == ctx.pass_structure_id,
            )
        )
    }
    keep: list[int] = []
    accepted_ids: list[int] = []
    seen = ctx.seen
    for i, (serial, at) in enumerate(zip(wanted, chunk.ats, strict=True)):
        p = passes.get(serial)
        if p is None:  # a stored serial is valid: unknown is the only answer needed
            _conflict(ctx, report, serial, "inconnu", None, at)
            continue
        pass_id = p[0]
        if serial in seen:
            _conflict(ctx, report, serial, "double_lot", pass_id, at)
            continue
        seen.add(serial)
        if pass_id in redeemed:
            psid, when, lot_id = redeemed[pass_id]
            if lot_id == ctx.lot_id:  # accepted a moment ago, at once, and counted
                continue
            if psid == ctx.pass_structure_id and when == at:  # came in an earlier batch
                report.deja_connus += 1
            else:
                _conflict(ctx, report, serial, "deja_encaisse", pass_id, at)
            continue
        if pending and (pass_id, at) in pending:  # already reported by an earlier batch
            report.deja_connus += 1
            continue
        motif = _verdict(ctx, p, at)
        if motif is not None:
            _conflict(ctx, report, serial, motif, pass_id, at)
            continue
        keep.append(i)
        accepted_ids.append(pass_id)
    if accepted_ids:
        _mark_redeemed(conn, _listed(session, accepted_ids, Integer()))
        _insert_redemptions(
            conn,
            ctx,
            accepted_ids,
            [chunk.ats[i] for i in keep],
            [chunk.texts[i] for i in keep],
        )
        report.acceptes += len(accepted_ids)


def _conflict(
    ctx: _Context,
    report: ImportReport,
    serial: str,
    motif: str,
    pass_id: int | None,
    at: datetime,
) -> None:
    report.conflits.append((serial, motif))
    ctx.conflicts.append(
        {
            "lot_id": ctx.lot_id,
            "pass_id": pass_id,
            "serial": serial,
            "motif": motif,
            "encaisse_at": at,
            "statut": StatutConflit.A_DECIDER.value,
        }
    )


@dataclass(frozen=True)
class ConflictRow:
    id: int
    lot_id: int
    serial: str
    motif: str
    encaisse_at: datetime
    statut: str


def list_conflicts(
    session: Session, actor: Actor, *, pending_only: bool = True
) -> list[ConflictRow]:
    require_anywhere(actor, Permission.PASS_GERER)
    stmt = select(ConflitLot).order_by(ConflitLot.id)
    if pending_only:
        stmt = stmt.where(ConflitLot.statut == StatutConflit.A_DECIDER.value)
    return [
        ConflictRow(c.id, c.lot_id, c.serial, c.motif, c.encaisse_at, c.statut)
        for c in session.scalars(stmt)
    ]


def decide_conflict(
    session: Session, actor: Actor, conflit_id: int, accept: bool, note: str = ""
) -> ConflitLot:
    """Reject (nothing is paid for it), or accept: the offline redemption replaces any other
    one not yet paid. A redemption already in a validated settlement is never replaced."""
    require_anywhere(actor, Permission.PASS_GERER)
    c = session.get(ConflitLot, conflit_id)
    if c is None:
        raise NotFoundError(_("Conflit introuvable."))
    if c.statut != StatutConflit.A_DECIDER.value:
        raise ConflictError(_("Ce conflit a déjà été tranché."))
    if accept:
        if c.pass_id is None:
            raise ValidationError(_("Un pass inconnu ne peut pas être accepté."))
        lot = session.get(LotEncaissements, c.lot_id)
        assert lot is not None
        current = session.scalar(select(Encaissement).where(Encaissement.pass_id == c.pass_id))
        if current is not None:
            if current.reglement_id is not None:
                raise ConflictError(
                    _(
                        "Ce pass a déjà été remboursé : l'encaissement hors ligne ne peut "
                        "pas l'être."
                    )
                )
            session.execute(delete(Encaissement).where(Encaissement.id == current.id))
        session.execute(
            update(Pass)
            .where(Pass.id == c.pass_id)
            .values(etat=EtatPass.ENCAISSE.value)
            .execution_options(synchronize_session=False)
        )
        session.add(
            Encaissement(
                pass_id=c.pass_id,
                pass_structure_id=lot.pass_structure_id,
                agent_id=None,
                at=c.encaisse_at,
                source="lot",
                lot_id=lot.id,
            )
        )
    c.statut = (StatutConflit.ACCEPTE if accept else StatutConflit.REJETE).value
    c.decide_par = actor.agent_id
    c.decide_at = utcnow()
    c.note = note or None
    session.flush()
    journal_pass.conflit_tranche(
        session, actor, c.id, accepte=accept, motif=c.motif, pass_id=c.pass_id
    )
    return c
