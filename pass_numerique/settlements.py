"""Monthly settlements: what each referenced structure is owed, validated once, never changed.

A settlement of month M pays every redemption of the structure made before the end of M and not
yet paid — so a batch of offline redemptions imported late is paid the month after, never lost
and never twice (a redemption points to at most one settlement, and the database refuses to
change that pointer once set).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import journal
from core.auth import Actor, Permission, require_anywhere
from core.errors import ConflictError, NotFoundError, ValidationError
from core.i18n import DISPLAY_TZ, _
from core.models import Structure
from pass_numerique.models import (
    Encaissement,
    EtatPass,
    Pass,
    PassStructure,
    Reglement,
    affected_rows,
)


def parse_month(mois: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", mois.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(_("Mois attendu sous la forme AAAA-MM (ex. 2026-03)."), field="mois")
    return int(match.group(1)), int(match.group(2))


def previous_month(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def month_end_utc(mois: str) -> datetime:
    """The first instant after month ``mois`` ends, on the wall clock of the desks."""
    year, month = parse_month(mois)
    year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return datetime(year, month, 1, tzinfo=DISPLAY_TZ).astimezone(UTC)


@dataclass(frozen=True)
class SettlementLine:
    encaissement_id: int
    serial: str
    at: datetime
    valeur_cents: int


@dataclass
class Settlement:
    pass_structure_id: int
    structure: str
    siret: str | None
    iban: str
    titulaire: str
    mois: str
    lines: list[SettlementLine]
    reglement_id: int | None = None
    valide_at: datetime | None = None

    @property
    def nombre(self) -> int:
        return len(self.lines)

    @property
    def montant_cents(self) -> int:
        return sum(line.valeur_cents for line in self.lines)


def _structures(session: Session) -> dict[int, tuple[PassStructure, Structure]]:
    return {
        ref.id: (ref, s)
        for ref, s in session.execute(
            select(PassStructure, Structure).join(
                Structure, Structure.id == PassStructure.structure_id
            )
        )
    }


def preview(
    session: Session, actor: Actor, mois: str, pass_structure_id: int | None = None
) -> list[Settlement]:
    """Unpaid redemptions made before the end of ``mois``, per structure (nothing written)."""
    require_anywhere(actor, Permission.PASS_GERER)
    end = month_end_utc(mois)
    stmt = (
        select(
            Encaissement.id,
            Encaissement.pass_structure_id,
            Pass.serial,
            Encaissement.at,
            Pass.valeur_cents,
        )
        .join(Pass, Pass.id == Encaissement.pass_id)
        .where(Encaissement.reglement_id.is_(None), Encaissement.at < end)
        .order_by(Encaissement.pass_structure_id, Encaissement.at, Encaissement.id)
    )
    if pass_structure_id is not None:
        stmt = stmt.where(Encaissement.pass_structure_id == pass_structure_id)
    refs = _structures(session)
    found: dict[int, Settlement] = {}
    for enc_id, psid, serial, at, valeur in session.execute(stmt):
        if psid not in found:
            ref, s = refs[psid]
            found[psid] = Settlement(psid, s.nom, s.siret, ref.iban, ref.titulaire, mois, [])
        found[psid].lines.append(SettlementLine(enc_id, serial, at, valeur))
    return sorted(found.values(), key=lambda x: x.structure)


def validate(
    session: Session, actor: Actor, mois: str, pass_structure_id: int | None = None
) -> list[Settlement]:
    """Validate the month's settlements: immutable, their passes become « remboursé »."""
    require_anywhere(actor, Permission.PASS_GERER)
    done = []
    for settlement in preview(session, actor, mois, pass_structure_id):
        exists = session.scalar(
            select(Reglement.id).where(
                Reglement.pass_structure_id == settlement.pass_structure_id, Reglement.mois == mois
            )
        )
        if exists is not None:
            raise ConflictError(
                _("Le remboursement de {mois} pour {structure} est déjà validé.").format(
                    mois=mois, structure=settlement.structure
                )
            )
        reglement = Reglement(
            pass_structure_id=settlement.pass_structure_id,
            mois=mois,
            nombre=settlement.nombre,
            montant_cents=settlement.montant_cents,
            valide_par=actor.agent_id,
        )
        session.add(reglement)
        session.flush()
        ids = [line.encaissement_id for line in settlement.lines]
        marked = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marked += affected_rows(
                session.execute(
                    update(Encaissement)
                    .where(Encaissement.id.in_(chunk), Encaissement.reglement_id.is_(None))
                    .values(reglement_id=reglement.id)
                    .execution_options(synchronize_session=False)
                )
            )
            session.execute(
                update(Pass)
                .where(
                    Pass.id.in_(select(Encaissement.pass_id).where(Encaissement.id.in_(chunk))),
                    Pass.etat == EtatPass.ENCAISSE.value,
                )
                .values(etat=EtatPass.REMBOURSE.value)
                .execution_options(synchronize_session=False)
            )
        if marked != len(ids):  # another coordinator validated meanwhile: pay nothing twice
            raise ConflictError(
                _("Ces encaissements viennent d'être réglés par ailleurs ; recommencez.")
            )
        journal.record(
            session,
            actor,
            "pass.reglement.valide",
            "pass_reglement",
            reglement.id,
            {
                "pass_structure_id": settlement.pass_structure_id,
                "mois": mois,
                "nombre": settlement.nombre,
                "montant_cents": settlement.montant_cents,
            },
        )
        settlement.reglement_id = reglement.id
        settlement.valide_at = reglement.valide_at
        done.append(settlement)
    return done


def validated(session: Session, actor: Actor, reglement_id: int) -> Settlement:
    require_anywhere(actor, Permission.PASS_GERER)
    reglement = session.get(Reglement, reglement_id)
    if reglement is None:
        raise NotFoundError(_("Remboursement introuvable."))
    ref, s = _structures(session)[reglement.pass_structure_id]
    lines = [
        SettlementLine(enc_id, serial, at, valeur)
        for enc_id, serial, at, valeur in session.execute(
            select(Encaissement.id, Pass.serial, Encaissement.at, Pass.valeur_cents)
            .join(Pass, Pass.id == Encaissement.pass_id)
            .where(Encaissement.reglement_id == reglement.id)
            .order_by(Encaissement.at, Encaissement.id)
        )
    ]
    return Settlement(
        ref.id,
        s.nom,
        s.siret,
        ref.iban,
        ref.titulaire,
        reglement.mois,
        lines,
        reglement.id,
        reglement.valide_at,
    )


def list_validated(session: Session, actor: Actor) -> list[Reglement]:
    require_anywhere(actor, Permission.PASS_GERER)
    return list(session.scalars(select(Reglement).order_by(Reglement.mois.desc(), Reglement.id)))


def settlement_csv(settlement: Settlement) -> str:
    """One line per pass: serial, redemption date (Europe/Paris), amount in euros."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["structure", "siret", "mois", "serial", "encaisse_le", "montant_euros"])
    for line in settlement.lines:
        writer.writerow(
            [
                settlement.structure,
                settlement.siret or "",
                settlement.mois,
                line.serial,
                line.at.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M"),
                f"{line.valeur_cents // 100},{line.valeur_cents % 100:02d}",
            ]
        )
    return out.getvalue()
