"""Demonstration data of the Pass numérique: a running campaign, referenced structures, eligible
beneficiaries, chequebooks issued and partly redeemed, one opposition and one validated
settlement — all through the real use cases, so that the journal tells the same story.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.demo import DemoContext
from core.i18n import DISPLAY_TZ
from mediation.models import Beneficiaire, Diagnostic
from pass_numerique import opposition, settlements
from pass_numerique.campagnes import CampagneData, create_campagne
from pass_numerique.eligibility import check_eligibility
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Chequier
from pass_numerique.redemption import redeem
from pass_numerique.structures import ReferencementData, reference_structure

# Synthetic bank details: valid ISO 13616 keys, no real account.
DEMO_IBANS = {
    "association": "FR7630006000011234567890189",
    "cyberbase": "FR1420041010050500013M02606",
}
DEFAULT_CHEQUIERS = 12


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), DISPLAY_TZ).astimezone(UTC)


def populate(session: Session, demo: DemoContext) -> dict[str, int]:
    today = date.today()
    coordinateur = demo.actors["coordinateur"]
    campagne = create_campagne(
        session,
        coordinateur,
        CampagneData(
            nom=f"Pass numérique {today.year} (démo)",
            financeur="Communauté d'agglomération (démo)",
            debut=today - timedelta(days=150),
            fin=date(today.year, 12, 31),
        ),
    )
    referenced = 0
    for key, services in (
        ("association", ["Accompagnement individuel", "Atelier collectif"]),
        ("cyberbase", ["Atelier collectif"]),
    ):
        structure = demo.structures[key]
        reference_structure(
            session,
            coordinateur,
            ReferencementData(
                siret=structure.siret or "",
                iban=DEMO_IBANS[key],
                titulaire=structure.nom,
                actif_du=campagne.debut,
                services=services,
                campagnes=[campagne.id],
            ),
        )
        referenced += 1

    wanted = (demo.sizes.passes // campagne.passes_par_chequier) if demo.sizes.passes else None
    wanted = DEFAULT_CHEQUIERS if wanted is None else wanted
    candidates = session.scalars(
        select(Beneficiaire)
        .where(
            Beneficiaire.anonyme.is_(False),
            Beneficiaire.efface.is_(False),
            Beneficiaire.id.in_(select(Diagnostic.beneficiaire_id)),
        )
        .order_by(Beneficiaire.id)
        .limit(max(wanted * 6, 50))
    ).all()
    eligible = [b for b in candidates if check_eligibility(session, b, campagne, today).eligible]
    chosen = eligible[:wanted]

    month_start = today.replace(day=1)
    last_month = (month_start - timedelta(days=1)).replace(day=1)
    issue_day = max(campagne.debut, last_month - timedelta(days=10))
    accueil = demo.actors["demo"]
    mediateur = demo.actors["mediateur"]
    scans_per_book: list[list[str]] = []
    chequier_ids: list[int] = []
    for b in chosen:
        desk = accueil.with_structure(b.structure_id)
        chequier = issue_chequebook(session, desk, b.id, campagne.id, today=today)
        issued_at = _at(issue_day, 10)
        session.execute(
            update(Chequier)
            .where(Chequier.id == chequier.id)
            .values(emis_at=issued_at, remis_at=issued_at)
        )
        book = chequebook_print(session, desk, chequier.id, today=today)
        scans_per_book.append([p.qr_text for p in book.passes])
        chequier_ids.append(chequier.id)

    redeemed = 0
    rng = demo.rng
    for i, scans in enumerate(scans_per_book):
        used = rng.randint(0, min(6, len(scans)))
        for j, scanned in enumerate(scans[:used]):
            # Most in the previous month (settled below), the rest this month (still owed).
            day = last_month + timedelta(days=(i + j) % 27) if j < used - 1 else today
            at = _at(day, 9 + j % 8) if day < today else utcnow() - timedelta(minutes=90 + j)
            if redeem(session, mediateur, scanned, today=day, at=at).accepted:
                redeemed += 1
    opposed = 0
    if chequier_ids:
        opposed = opposition.oppose_chequebook(session, accueil, chequier_ids[-1])
    validated = settlements.validate(session, coordinateur, last_month.strftime("%Y-%m"))
    return {
        "pass_campagnes": 1,
        "pass_structures_referencees": referenced,
        "pass_chequiers": len(chequier_ids),
        "pass_encaisses": redeemed,
        "pass_en_opposition": opposed,
        "pass_remboursements_valides": len(validated),
    }
