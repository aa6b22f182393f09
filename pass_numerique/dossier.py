"""What a beneficiary's file shows of the Pass numérique: their chequebooks, with how many of
their passes are in each state, the campaign and the issuing desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.i18n import N_, _
from core.models import Structure
from mediation.beneficiaires import get_beneficiaire
from pass_numerique.models import Chequier, EtatPass, Pass, PassCampagne

# N_-marked: translated when shown; in the order of a pass's life; (one, several).
ETAT_TITRES: dict[EtatPass, tuple[str, str]] = {
    EtatPass.EMIS: (N_("émis"), N_("émis")),
    EtatPass.REMIS: (N_("remis"), N_("remis")),
    EtatPass.ENCAISSE: (N_("encaissé"), N_("encaissés")),
    EtatPass.REMBOURSE: (N_("remboursé"), N_("remboursés")),
    EtatPass.ANNULE: (N_("annulé"), N_("annulés")),
}


@dataclass(frozen=True)
class ChequebookSummary:
    id: int
    campagne: str
    structure: str  # the issuing desk
    emis_at: datetime
    opposition_at: datetime | None
    valeur_cents: int  # total face value of the chequebook
    etats: dict[EtatPass, int]  # passes per state, states with none left out

    @property
    def passes(self) -> int:
        return sum(self.etats.values())

    def etats_texte(self) -> str:
        """« 3 remis, 1 encaissé, 2 annulés » in the order of a pass's life."""
        return ", ".join(
            f"{self.etats[etat]} {_(one if self.etats[etat] == 1 else several)}"
            for etat, (one, several) in ETAT_TITRES.items()
            if etat in self.etats
        )


def chequebooks_of(session: Session, actor: Actor, beneficiaire_id: int) -> list[ChequebookSummary]:
    """The person's chequebooks, newest first, whichever desk issued them (the cap counts them
    all). Desk agents who issue passes see them, for a file they may see."""
    require(actor, Permission.PASS_EMETTRE)
    get_beneficiaire(session, actor, beneficiaire_id)
    books = session.execute(
        select(
            Chequier.id,
            PassCampagne.nom,
            Structure.nom,
            Chequier.emis_at,
            Chequier.opposition_at,
        )
        .join(PassCampagne, PassCampagne.id == Chequier.campagne_id)
        .join(Structure, Structure.id == Chequier.structure_id)
        .where(Chequier.beneficiaire_id == beneficiaire_id)
        .order_by(Chequier.emis_at.desc(), Chequier.id.desc())
    ).all()
    etats: dict[int, dict[EtatPass, int]] = {}
    valeurs: dict[int, int] = {}
    if books:
        counts = session.execute(
            select(Pass.chequier_id, Pass.etat, func.count(), func.sum(Pass.valeur_cents))
            .where(Pass.chequier_id.in_([b[0] for b in books]))
            .group_by(Pass.chequier_id, Pass.etat)
        )
        for chequier_id, etat, n, valeur in counts:
            etats.setdefault(chequier_id, {})[EtatPass(etat)] = int(n)
            valeurs[chequier_id] = valeurs.get(chequier_id, 0) + int(valeur or 0)
    return [
        ChequebookSummary(
            id=cid,
            campagne=campagne,
            structure=structure,
            emis_at=emis_at,
            opposition_at=opposition_at,
            valeur_cents=valeurs.get(cid, 0),
            etats=etats.get(cid, {}),
        )
        for cid, campagne, structure, emis_at, opposition_at in books
    ]
