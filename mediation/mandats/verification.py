"""Verifying a printed mandate from its QR code against the recorded one."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.db import utcnow
from core.errors import ValidationError
from core.i18n import _, format_date
from mediation.mandats.integrite import integrity_code, parse_qr, qr_content
from mediation.mandats.lecture import (
    Statut,
    _statut,
    _structure_of,
    categorie_titre,
    categories_en_vigueur,
)
from mediation.mandats.models import (
    Mandat,
)


@dataclass(frozen=True)
class Verification:
    """``conforme``: the paper matches the record; ``en_vigueur``: and it still authorises."""

    conforme: bool
    message: str
    reference: str
    mandat_id: int | None = None
    statut: Statut | None = None

    @property
    def en_vigueur(self) -> bool:
        return self.conforme and self.statut is Statut.ACTIF


def mandat_qr_content(mandat: Mandat) -> str:
    return qr_content(mandat.reference, mandat.integrity_code)


def verify_mandat(
    session: Session, actor: Actor, text: str, *, now: datetime | None = None
) -> Verification:
    """Check that a printed mandate (its QR content) matches the recorded one, in words that
    lead with what matters at the desk: a revoked or expired mandate says so first.

    An unknown reference and another structure's reference get the same answer, so that a
    QR code tells nobody outside the structure that a mandate exists."""
    structure_id = _structure_of(actor)
    require(actor, Permission.MANDAT_GERER, structure_id)
    read = parse_qr(text)
    if read is None:
        raise ValidationError(
            _("Ce texte n'est pas le code d'un mandat Médianum : scannez le QR code du mandat."),
            field="texte",
        )
    mandat = session.scalar(select(Mandat).where(Mandat.reference == read.reference))
    if mandat is None or not actor.can(Permission.MANDAT_GERER, mandat.structure_id):
        return Verification(
            False,
            _(
                "NON CONFORME : aucun mandat de votre structure ne porte la référence {reference}."
            ).format(reference=read.reference),
            read.reference,
        )
    if not _matches_record(mandat, read.code):
        return Verification(
            False,
            _(
                "NON CONFORME : le document ne correspond pas au mandat {reference} enregistré "
                "(contenu modifié d'un côté ou de l'autre). Ne vous y fiez pas ; réimprimez le "
                "mandat enregistré et faites-le signer à nouveau si besoin."
            ).format(reference=mandat.reference),
            mandat.reference,
            mandat.id,
        )
    state = _statut(mandat, now or utcnow())
    return Verification(True, _verified_message(mandat, state), mandat.reference, mandat.id, state)


def _matches_record(mandat: Mandat, code: str) -> bool:
    if not secrets.compare_digest(mandat.integrity_code, code):
        return False
    # Once the identity is erased the code can no longer be recomputed: the recorded one,
    # kept as the proof, is what the paper is compared with.
    return mandat.mandant_efface_at is not None or integrity_code(mandat) == mandat.integrity_code


def mandant_description(mandat: Mandat) -> str:
    """Who the mandate names, for the agent to compare with the paper."""
    if mandat.mandant_date_naissance is None:
        return _("identité effacée le {date} ({pseudonyme})").format(
            date=format_date(mandat.mandant_efface_at or mandat.fin), pseudonyme=mandat.mandant_nom
        )
    return _("{prenom} {nom}, né(e) le {date} à {lieu}").format(
        prenom=mandat.mandant_prenom,
        nom=mandat.mandant_nom,
        date=format_date(mandat.mandant_date_naissance),
        lieu=mandat.mandant_lieu_naissance,
    )


def _verified_message(mandat: Mandat, state: Statut) -> str:
    values = {"reference": mandat.reference, "mandant": mandant_description(mandat)}
    if state is Statut.REVOQUE:
        assert mandat.revoque_at is not None
        return _(
            "RÉVOQUÉ LE {date} : le mandat {reference} ({mandant}) n'autorise plus aucune "
            "démarche. Le document correspond bien au mandat enregistré."
        ).format(date=format_date(mandat.revoque_at), **values)
    if state is Statut.EXPIRE:
        return _(
            "EXPIRÉ LE {date} : le mandat {reference} ({mandant}) n'autorise plus aucune "
            "démarche. Le document correspond bien au mandat enregistré."
        ).format(date=format_date(mandat.fin), **values)
    en_vigueur = ", ".join(f"« {categorie_titre(k)} »" for k in categories_en_vigueur(mandat))
    return _(
        "Conforme et en vigueur : le document correspond au mandat {reference} enregistré, "
        "donné par {mandant}, valable jusqu'au {fin} pour : {categories}."
    ).format(fin=format_date(mandat.fin), categories=en_vigueur, **values)
