"""Can this person receive a chequebook of this campaign? If not, every reason, in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.i18n import _, format_date
from core.models import TerritoryCommune
from mediation.models import Beneficiaire, Diagnostic
from pass_numerique.campagnes import budget_of, chequebook_value
from pass_numerique.models import Chequier, PassCampagne


@dataclass(frozen=True)
class Reason:
    code: str  # age, age_inconnu, territoire, diagnostic, plafond, campagne_close, budget
    message: str


@dataclass
class Eligibility:
    reasons: list[Reason] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def summary(self) -> str:
        if self.eligible:
            return _("Éligible au Pass numérique.")
        return _("Non éligible : ") + " ; ".join(r.message for r in self.reasons)


def age_on(b: Beneficiaire, day: date) -> int | None:
    """Age in full years; from the birth year alone, the age reached during that year."""
    if b.date_naissance is not None:
        born = b.date_naissance
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if b.annee_naissance is not None:
        return day.year - b.annee_naissance
    return None


def eligible_communes(session: Session, campagne: PassCampagne) -> set[str]:
    if campagne.communes:
        return set(campagne.communes)
    return set(session.scalars(select(TerritoryCommune.code_insee)))


def check_eligibility(
    session: Session, b: Beneficiaire, campagne: PassCampagne, today: date
) -> Eligibility:
    result = Eligibility()
    add = result.reasons.append
    if campagne.cloturee or today > campagne.fin:
        add(Reason("campagne_close", _("la campagne est close")))
    elif today < campagne.debut:
        add(
            Reason(
                "campagne_close",
                _("la campagne ouvre le {date}").format(date=format_date(campagne.debut, "short")),
            )
        )
    age = age_on(b, today)
    if age is None and (campagne.age_min is not None or campagne.age_max is not None):
        add(Reason("age_inconnu", _("année de naissance inconnue")))
    elif age is not None and campagne.age_min is not None and age < campagne.age_min:
        add(
            Reason(
                "age",
                _("moins de {n} ans ({age} ans)").format(n=campagne.age_min, age=age),
            )
        )
    elif age is not None and campagne.age_max is not None and age > campagne.age_max:
        add(Reason("age", _("plus de {n} ans ({age} ans)").format(n=campagne.age_max, age=age)))
    if b.commune_insee is None:
        add(Reason("territoire", _("commune de résidence inconnue")))
    elif b.commune_insee not in eligible_communes(session, campagne):
        add(Reason("territoire", _("réside hors du territoire de la campagne")))
    has_diagnostic = session.scalar(
        select(Diagnostic.id).where(Diagnostic.beneficiaire_id == b.id).limit(1)
    )
    if has_diagnostic is None:
        add(Reason("diagnostic", _("pas encore de diagnostic des besoins")))
    already = session.scalar(
        select(func.count())
        .select_from(Chequier)
        .where(Chequier.beneficiaire_id == b.id, Chequier.campagne_id == campagne.id)
    )
    if (already or 0) >= campagne.plafond_chequiers:
        add(
            Reason(
                "plafond",
                _("plafond atteint ({n} chéquier(s) déjà reçu(s))").format(n=already),
            )
        )
    bounded = campagne.budget_chequiers is not None or campagne.budget_cents is not None
    if bounded and not budget_of(session, campagne).allows(chequebook_value(campagne)):
        add(Reason("budget", _("le budget de la campagne est épuisé")))
    return result
