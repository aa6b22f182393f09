"""Offline desks: a signed batch of redemptions, exported on a structure's own database and
imported by the coordinator.

The batch is JSON signed with the desk's Ed25519 batch key (private half in that desk's keyring).
The first batch of a structure registers its public key; later batches must carry the same one.
Importing the same batch again changes nothing (its fingerprint is unique). A redemption that
cannot be accepted as is — pass unknown, redeemed elsewhere, in two batches, in opposition before
the offline redemption, expired, structure not referenced — becomes a conflict for a person to
decide; it is never paid twice, since a pass has at most one redemption row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from core import journal, secrets
from core.auth import Actor, Permission, require_anywhere
from core.db import utcnow
from core.errors import ConflictError, KeyringUnavailableError, NotFoundError, ValidationError
from core.i18n import N_, _, to_local
from core.installation import get_setting, is_demo, put_setting
from core.models import Structure
from core.progress import NO_PROGRESS, Progress
from pass_numerique import serials
from pass_numerique.models import (
    ConflitLot,
    Encaissement,
    EtatPass,
    LotEncaissements,
    Pass,
    PassStructure,
    PassStructureCampagne,
    StatutConflit,
)
from pass_numerique.redemption import structure_reference

FORMAT = "medianum-pass-lot"
VERSION = 1
_CHUNK = 900  # below SQLite's bound-parameter limit with room to spare

MOTIFS = {
    "inconnu": N_("Pass inconnu"),
    "double_lot": N_("Pass présent deux fois dans le lot"),
    "deja_encaisse": N_("Pass déjà encaissé ailleurs"),
    "opposition": N_("Opposition antérieure à l'encaissement"),
    "expire": N_("Pass expiré au moment de l'encaissement"),
    "non_reference": N_("Structure non référencée pour la campagne"),
    "non_remis": N_("Pass non remis"),
}


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _batch_key(session: Session, siret: str) -> Ed25519PrivateKey:
    """This desk's batch key for the structure, created on first export."""
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


def export_batch(session: Session, actor: Actor, *, since: datetime | None = None) -> bytes:
    """The actor's structure's desk redemptions (since a date, or all) as a signed batch."""
    ref = structure_reference(session, actor)
    structure = session.get(Structure, ref.structure_id)
    assert structure is not None
    if not structure.siret:
        raise ValidationError(_("La structure n'a pas de SIRET : le lot ne peut pas être signé."))
    stmt = (
        select(Pass.serial, Encaissement.at)
        .join(Pass, Pass.id == Encaissement.pass_id)
        .where(Encaissement.pass_structure_id == ref.id, Encaissement.source == "guichet")
        .order_by(Encaissement.at, Encaissement.id)
    )
    if since is not None:
        stmt = stmt.where(Encaissement.at >= since)
    items = [{"serial": s, "at": at.isoformat()} for s, at in session.execute(stmt)]
    private = _batch_key(session, structure.siret)
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "siret": structure.siret,
        "exporte_at": utcnow().isoformat(),
        "cle_publique": private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
        "encaissements": items,
    }
    signed = dict(payload, signature=private.sign(_canonical(payload)).hex())
    journal.record(
        session, actor, "pass.lot.exporte", "pass_structure", ref.id, {"nombre": len(items)}
    )
    return json.dumps(signed, ensure_ascii=False, indent=1).encode()


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


def _read(data: bytes) -> tuple[dict[str, Any], bytes]:
    invalid = ValidationError(_("Ce fichier n'est pas un lot d'encaissements Médianum lisible."))
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise invalid from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise invalid
    if doc.get("version") != VERSION:
        raise ValidationError(_("Version de lot non prise en charge : mettez Médianum à jour."))
    signature = doc.pop("signature", None)
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(doc["cle_publique"])))
        public.verify(bytes.fromhex(str(signature)), _canonical(doc))
        items = doc["encaissements"]
        if not isinstance(items, list):
            raise TypeError
        for item in items:
            datetime.fromisoformat(item["at"])
            str(item["serial"])
        datetime.fromisoformat(doc["exporte_at"])
    except InvalidSignature:
        raise ValidationError(
            _("La signature du lot ne correspond pas : le fichier a été modifié.")
        ) from None
    except (KeyError, TypeError, ValueError):
        raise invalid from None
    return doc, _canonical(doc)


def import_batch(
    session: Session, actor: Actor, data: bytes, progress: Progress = NO_PROGRESS
) -> ImportReport:
    require_anywhere(actor, Permission.PASS_GERER)
    doc, signed = _read(data)
    empreinte = hashlib.sha256(signed).hexdigest()
    existing = session.scalar(
        select(LotEncaissements.id).where(LotEncaissements.empreinte == empreinte)
    )
    if existing is not None:
        return ImportReport(existing, deja_importe=True, nombre=len(doc["encaissements"]))
    ref = session.scalar(
        select(PassStructure)
        .join(Structure, Structure.id == PassStructure.structure_id)
        .where(Structure.siret == doc["siret"])
    )
    if ref is None:
        raise NotFoundError(
            _("Le lot vient d'une structure non référencée (SIRET {siret}).").format(
                siret=doc["siret"]
            )
        )
    if ref.cle_lot is None:
        ref.cle_lot = doc["cle_publique"]
        journal.record(session, actor, "pass.lot.cle_enregistree", "pass_structure", ref.id)
    elif ref.cle_lot != doc["cle_publique"]:
        raise ValidationError(
            _(
                "Ce lot est signé par un autre poste que celui enregistré pour cette structure : "
                "vérifiez son origine avant de l'importer."
            )
        )
    items = doc["encaissements"]
    lot = LotEncaissements(
        empreinte=empreinte,
        pass_structure_id=ref.id,
        exporte_at=datetime.fromisoformat(doc["exporte_at"]),
        agent_id=actor.agent_id,
        nombre=len(items),
        acceptes=0,
        conflits=0,
    )
    session.add(lot)
    session.flush()
    report = ImportReport(lot.id, nombre=len(items))
    campagnes = set(
        session.scalars(
            select(PassStructureCampagne.campagne_id).where(
                PassStructureCampagne.pass_structure_id == ref.id
            )
        )
    )
    seen: set[str] = set()
    conflicts: list[dict[str, Any]] = []
    for start in range(0, len(items), _CHUNK):
        progress.step(start, len(items), _("Import du lot"))
        _import_chunk(
            session, ref, lot.id, items[start : start + _CHUNK], campagnes, seen, report, conflicts
        )
    if conflicts:
        session.execute(insert(ConflitLot), conflicts)
    lot.acceptes = report.acceptes
    lot.conflits = len(report.conflits)
    journal.record(
        session,
        actor,
        "pass.lot.importe",
        "pass_lot",
        lot.id,
        {
            "pass_structure_id": ref.id,
            "nombre": report.nombre,
            "acceptes": report.acceptes,
            "conflits": len(report.conflits),
        },
    )
    progress.step(len(items), len(items), _("Import du lot"))
    return report


def _import_chunk(
    session: Session,
    ref: PassStructure,
    lot_id: int,
    chunk: list[dict[str, Any]],
    campagnes: set[int],
    seen: set[str],
    report: ImportReport,
    conflicts: list[dict[str, Any]],
) -> None:
    wanted = [serials.normalize(str(item["serial"])) or str(item["serial"])[:20] for item in chunk]
    # Locking the rows (PostgreSQL; SQLite's writer lock already excludes others) makes the
    # read-then-write below atomic against desks redeeming the same passes right now.
    passes = {
        p.serial: p
        for p in session.execute(
            select(
                Pass.id, Pass.serial, Pass.etat, Pass.annule_at, Pass.expire_le, Pass.campagne_id
            )
            .where(Pass.serial.in_(wanted))
            .with_for_update()
        )
    }
    ids = [p.id for p in passes.values()]
    redeemed = {
        pass_id: (psid, at)
        for pass_id, psid, at in session.execute(
            select(Encaissement.pass_id, Encaissement.pass_structure_id, Encaissement.at).where(
                Encaissement.pass_id.in_(ids)
            )
        )
    }
    pending = {
        (pass_id, at)
        for pass_id, at in session.execute(
            select(ConflitLot.pass_id, ConflitLot.encaisse_at)
            .join(LotEncaissements, LotEncaissements.id == ConflitLot.lot_id)
            .where(ConflitLot.pass_id.in_(ids), LotEncaissements.pass_structure_id == ref.id)
        )
    }
    accepted_rows: list[dict[str, Any]] = []
    for serial, item in zip(wanted, chunk, strict=True):
        at = datetime.fromisoformat(item["at"])
        p = passes.get(serial)

        def conflict(
            motif: str, pass_id: int | None = None, serial: str = serial, at: datetime = at
        ) -> None:
            report.conflits.append((serial, motif))
            conflicts.append(
                {
                    "lot_id": lot_id,
                    "pass_id": pass_id,
                    "serial": serial,
                    "motif": motif,
                    "encaisse_at": at,
                    "statut": StatutConflit.A_DECIDER.value,
                }
            )

        if p is None or not serials.is_valid(serial):
            conflict("inconnu")
            continue
        if serial in seen:
            conflict("double_lot", p.id)
            continue
        seen.add(serial)
        if p.id in redeemed:
            psid, when = redeemed[p.id]
            if psid == ref.id and when == at:  # this redemption came in an earlier batch
                report.deja_connus += 1
            else:
                conflict("deja_encaisse", p.id)
            continue
        if (p.id, at) in pending:  # already reported by an earlier batch: one conflict is enough
            report.deja_connus += 1
            continue
        if p.etat == EtatPass.ANNULE.value and p.annule_at is not None and p.annule_at <= at:
            conflict("opposition", p.id)
            continue
        if p.etat == EtatPass.EMIS.value:
            conflict("non_remis", p.id)
            continue
        if to_local(at).date() > p.expire_le:
            conflict("expire", p.id)
            continue
        if p.campagne_id not in campagnes:
            conflict("non_reference", p.id)
            continue
        accepted_rows.append(
            {
                "pass_id": p.id,
                "pass_structure_id": ref.id,
                "agent_id": None,
                "at": at,
                "source": "lot",
                "lot_id": lot_id,
            }
        )
    if accepted_rows:
        # A pass cancelled after its offline redemption was legitimately spent before.
        session.execute(
            update(Pass)
            .where(Pass.id.in_([r["pass_id"] for r in accepted_rows]))
            .values(etat=EtatPass.ENCAISSE.value)
            .execution_options(synchronize_session=False)
        )
        session.execute(insert(Encaissement), accepted_rows)
        report.acceptes += len(accepted_rows)


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
    journal.record(
        session,
        actor,
        "pass.conflit.tranche",
        "pass_conflit",
        c.id,
        {"accepte": accept, "motif": c.motif, "pass_id": c.pass_id},
    )
    return c
