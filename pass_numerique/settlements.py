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
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.i18n import DISPLAY_TZ, _, format_datetime
from core.models import Agent, Structure
from core.tableur import ligne_csv
from pass_numerique import journal as journal_pass
from pass_numerique.models import (
    Encaissement,
    EtatPass,
    Pass,
    PassStructure,
    Reglement,
    affected_rows,
)
from pass_numerique.redemption import UNDO_DELAY


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
    bic: str | None = None
    # The journal's head when this statement was read, printed on it: kept on paper by the
    # structure and the financer, it lets `db verify-journal --ancre` detect a shortened chain.
    ancre: tuple[int, str] | None = None

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
            found[psid] = Settlement(
                psid, s.nom, s.siret, ref.iban, ref.titulaire, mois, [], bic=ref.bic
            )
        found[psid].lines.append(SettlementLine(enc_id, serial, at, valeur))
    return _anchored(session, sorted(found.values(), key=lambda x: x.structure))


def _anchored(session: Session, settlements: list[Settlement]) -> list[Settlement]:
    ancre = journal.journal_anchor(session)
    for settlement in settlements:
        settlement.ancre = ancre
    return settlements


def _refuse_open_month(mois: str, now: datetime) -> None:
    if month_end_utc(mois) > now:
        raise ValidationError(
            _(
                "Le mois {mois} n'est pas terminé : seul un mois écoulé peut être validé "
                "(des encaissements peuvent encore s'y ajouter ou être annulés)."
            ).format(mois=mois),
            field="mois",
        )


def _already_validated(session: Session, reglement: Reglement, structure: str) -> ConflictError:
    who = session.scalar(select(Agent.display_name).where(Agent.id == reglement.valide_par)) or "?"
    return ConflictError(
        _(
            "Le remboursement de {mois} pour {structure} est déjà validé par {agent} le {date}."
        ).format(
            mois=reglement.mois,
            structure=structure,
            agent=who,
            date=format_datetime(reglement.valide_at),
        )
    )


def validate(
    session: Session,
    actor: Actor,
    mois: str,
    pass_structure_id: int | None = None,
    *,
    now: datetime | None = None,
) -> list[Settlement]:
    """Validate a past month's settlement of one structure (or of every structure not yet
    validated for that month): immutable, stored with its lines and bank details, its passes
    become « remboursé ». A redemption its desk may still undo is left for the next month."""
    require_anywhere(actor, Permission.PASS_GERER)
    now = now or utcnow()
    _refuse_open_month(mois, now)
    candidates = [s.pass_structure_id for s in preview(session, actor, mois, pass_structure_id)]
    if pass_structure_id is None:
        validated_ids = set(
            session.scalars(select(Reglement.pass_structure_id).where(Reglement.mois == mois))
        )
        candidates = [c for c in candidates if c not in validated_ids]
    elif not candidates:
        existing = session.scalar(
            select(Reglement).where(
                Reglement.pass_structure_id == pass_structure_id, Reglement.mois == mois
            )
        )
        if existing is not None:
            raise _already_validated(session, existing, existing.structure_nom or "")
    return _anchored(
        session,
        [
            done
            for psid in candidates
            if (done := _validate_one(session, actor, mois, psid, now)) is not None
        ],
    )


def _validate_one(
    session: Session, actor: Actor, mois: str, pass_structure_id: int, now: datetime
) -> Settlement | None:
    # The structure's row is the settlement's lock: a second coordinator waits here, then
    # finds the first one's settlement instead of a unique-constraint traceback.
    session.execute(
        select(PassStructure.id).where(PassStructure.id == pass_structure_id).with_for_update()
    )
    found = preview(session, actor, mois, pass_structure_id)
    settlement = found[0] if found else None
    existing = session.scalar(
        select(Reglement).where(
            Reglement.pass_structure_id == pass_structure_id, Reglement.mois == mois
        )
    )
    if existing is not None:
        raise _already_validated(
            session, existing, settlement.structure if settlement else existing.structure_nom or ""
        )
    if settlement is None:
        return None
    # A scan exactly UNDO_DELAY old can still be cancelled at the desk: only older ones are paid.
    settlement.lines = [line for line in settlement.lines if line.at < now - UNDO_DELAY]
    if not settlement.lines:
        return None
    ref = session.get(PassStructure, pass_structure_id)
    assert ref is not None
    reglement = Reglement(
        pass_structure_id=pass_structure_id,
        mois=mois,
        nombre=settlement.nombre,
        montant_cents=settlement.montant_cents,
        valide_par=actor.agent_id,
        valide_at=now,
        structure_nom=settlement.structure,
        siret=settlement.siret,
        iban=ref.iban,
        bic=ref.bic,
        titulaire=ref.titulaire,
        lignes=[
            [line.encaissement_id, line.serial, line.at.isoformat(), line.valeur_cents]
            for line in settlement.lines
        ],
    )
    session.add(reglement)
    session.flush()
    _mark_paid(session, reglement.id, [line.encaissement_id for line in settlement.lines])
    journal_pass.reglement_valide(
        session,
        actor,
        reglement.id,
        pass_structure_id=pass_structure_id,
        mois=mois,
        nombre=settlement.nombre,
        montant_cents=settlement.montant_cents,
    )
    settlement.reglement_id = reglement.id
    settlement.valide_at = reglement.valide_at
    settlement.bic = ref.bic
    return settlement


def _mark_paid(session: Session, reglement_id: int, ids: list[int]) -> None:
    marked = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marked += affected_rows(
            session.execute(
                update(Encaissement)
                .where(Encaissement.id.in_(chunk), Encaissement.reglement_id.is_(None))
                .values(reglement_id=reglement_id)
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


def validated(session: Session, actor: Actor, reglement_id: int) -> Settlement:
    """A validated settlement exactly as it was validated (lines, amounts, bank details)."""
    require_anywhere(actor, Permission.PASS_GERER)
    reglement = session.get(Reglement, reglement_id)
    if reglement is None:
        raise NotFoundError(_("Remboursement introuvable."))
    if reglement.lignes is not None:
        frozen = Settlement(
            reglement.pass_structure_id,
            reglement.structure_nom or "",
            reglement.siret,
            reglement.iban or "",
            reglement.titulaire or "",
            reglement.mois,
            [
                SettlementLine(int(e), str(serial), datetime.fromisoformat(at), int(valeur))
                for e, serial, at, valeur in reglement.lignes
            ],
            reglement.id,
            reglement.valide_at,
            reglement.bic,
        )
        return _anchored(session, [frozen])[0]
    # Validated before settlements were stored whole: rebuilt from its redemptions.
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
    rebuilt = Settlement(
        ref.id,
        s.nom,
        s.siret,
        ref.iban,
        ref.titulaire,
        reglement.mois,
        lines,
        reglement.id,
        reglement.valide_at,
        ref.bic,
    )
    return _anchored(session, [rebuilt])[0]


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
            ligne_csv(
                [
                    settlement.structure,
                    settlement.siret or "",
                    settlement.mois,
                    line.serial,
                    line.at.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M"),
                    f"{line.valeur_cents // 100},{line.valeur_cents % 100:02d}",
                ]
            )
        )
    return out.getvalue()
