"""Campaigns: who finances, how much per pass, how many per chequebook, for whom and how long."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require_anywhere
from core.errors import NotFoundError, ValidationError
from core.i18n import _
from core.territory import commune
from pass_numerique import journal as journal_pass
from pass_numerique.models import Chequier, PassCampagne

DEFAULT_VALEUR_CENTS = 1000
DEFAULT_PASSES = 10
DEFAULT_GRACE_JOURS = 31
DEFAULT_AGE_MIN = 18


@dataclass
class CampagneData:
    nom: str
    financeur: str
    debut: date
    fin: date
    valeur_cents: int = DEFAULT_VALEUR_CENTS
    passes_par_chequier: int = DEFAULT_PASSES
    grace_jours: int = DEFAULT_GRACE_JOURS
    age_min: int | None = DEFAULT_AGE_MIN
    age_max: int | None = None
    communes: list[str] = field(default_factory=list)  # empty: the territory's
    plafond_chequiers: int = 1
    budget_chequiers: int | None = None  # None: no bound
    budget_cents: int | None = None


def default_period(today: date) -> tuple[date, date]:
    """From today to 31 December of the year (the usual validity of a chequebook)."""
    return today, date(today.year, 12, 31)


def last_valid_day(campagne: PassCampagne) -> date:
    return campagne.fin + timedelta(days=campagne.grace_jours)


def _validated(data: CampagneData) -> CampagneData:
    if not data.nom.strip():
        raise ValidationError(_("Le nom de la campagne est obligatoire."), field="nom")
    if not data.financeur.strip():
        raise ValidationError(_("Le financeur est obligatoire."), field="financeur")
    if data.valeur_cents <= 0:
        raise ValidationError(_("La valeur d'un pass doit être positive."), field="valeur")
    if not 1 <= data.passes_par_chequier <= 50:
        raise ValidationError(_("Un chéquier compte de 1 à 50 pass."), field="passes_par_chequier")
    if data.fin < data.debut:
        raise ValidationError(_("La fin de validité précède le début."), field="fin")
    if not 0 <= data.grace_jours <= 366:
        raise ValidationError(_("Le délai de grâce va de 0 à 366 jours."), field="grace_jours")
    if data.age_min is not None and data.age_max is not None and data.age_max < data.age_min:
        raise ValidationError(_("L'âge maximal est inférieur à l'âge minimal."), field="age_max")
    if data.plafond_chequiers < 1:
        raise ValidationError(
            _("Le plafond est d'au moins un chéquier par personne."), field="plafond"
        )
    _check_budget(data.budget_chequiers, data.budget_cents)
    for code in data.communes:
        commune(code)  # raises a ValidationError for an unknown code
    data.nom = data.nom.strip()
    data.financeur = data.financeur.strip()
    data.communes = list(dict.fromkeys(data.communes))
    return data


def create_campagne(session: Session, actor: Actor, data: CampagneData) -> PassCampagne:
    require_anywhere(actor, Permission.PASS_GERER)
    data = _validated(data)
    campagne = PassCampagne(
        nom=data.nom,
        financeur=data.financeur,
        valeur_cents=data.valeur_cents,
        passes_par_chequier=data.passes_par_chequier,
        debut=data.debut,
        fin=data.fin,
        grace_jours=data.grace_jours,
        age_min=data.age_min,
        age_max=data.age_max,
        communes=data.communes,
        plafond_chequiers=data.plafond_chequiers,
        budget_chequiers=data.budget_chequiers,
        budget_cents=data.budget_cents,
    )
    session.add(campagne)
    session.flush()
    journal_pass.campagne_creee(
        session,
        actor,
        campagne.id,
        valeur_cents=data.valeur_cents,
        passes=data.passes_par_chequier,
        budget_chequiers=data.budget_chequiers,
        budget_cents=data.budget_cents,
    )
    return campagne


def _check_budget(chequiers: int | None, cents: int | None) -> None:
    if chequiers is not None and chequiers < 1:
        raise ValidationError(
            _("Le budget compte au moins un chéquier (ou aucun plafond)."), field="budget"
        )
    if cents is not None and cents < 1:
        raise ValidationError(
            _("Le budget en euros est positif (ou aucun plafond)."), field="budget"
        )


@dataclass(frozen=True)
class Budget:
    """What the financer paid for, what is issued, what is left (None: no bound)."""

    chequiers: int | None
    cents: int | None
    chequiers_emis: int
    cents_emis: int

    @property
    def chequiers_restants(self) -> int | None:
        return None if self.chequiers is None else max(self.chequiers - self.chequiers_emis, 0)

    @property
    def cents_restants(self) -> int | None:
        return None if self.cents is None else max(self.cents - self.cents_emis, 0)

    def allows(self, chequebook_cents: int) -> bool:
        """Whether one more chequebook of this value fits."""
        left_books, left_cents = self.chequiers_restants, self.cents_restants
        return (left_books is None or left_books >= 1) and (
            left_cents is None or left_cents >= chequebook_cents
        )


def chequebook_value(campagne: PassCampagne) -> int:
    return campagne.valeur_cents * campagne.passes_par_chequier


def budget_of(session: Session, campagne: PassCampagne) -> Budget:
    issued = int(
        session.scalar(
            select(func.count()).select_from(Chequier).where(Chequier.campagne_id == campagne.id)
        )
        or 0
    )
    return Budget(
        campagne.budget_chequiers,
        campagne.budget_cents,
        issued,
        issued * chequebook_value(campagne),
    )


def set_budget(
    session: Session,
    actor: Actor,
    campagne_id: int,
    chequiers: int | None,
    cents: int | None,
) -> PassCampagne:
    """Change what the financer paid for; never below what is already issued."""
    require_anywhere(actor, Permission.PASS_GERER)
    _check_budget(chequiers, cents)
    campagne = get_campagne(session, campagne_id)
    session.execute(select(PassCampagne.id).where(PassCampagne.id == campagne.id).with_for_update())
    issued = budget_of(session, campagne)
    if (chequiers is not None and chequiers < issued.chequiers_emis) or (
        cents is not None and cents < issued.cents_emis
    ):
        raise ValidationError(
            _(
                "Le budget ne peut pas être inférieur à ce qui est déjà émis ({n} chéquier(s))."
            ).format(n=issued.chequiers_emis),
            field="budget",
        )
    campagne.budget_chequiers, campagne.budget_cents = chequiers, cents
    journal_pass.campagne_budget(
        session, actor, campagne.id, budget_chequiers=chequiers, budget_cents=cents
    )
    return campagne


def close_campagne(session: Session, actor: Actor, campagne_id: int) -> PassCampagne:
    """No more chequebooks are issued; passes already handed out stay valid."""
    require_anywhere(actor, Permission.PASS_GERER)
    campagne = get_campagne(session, campagne_id)
    campagne.cloturee = True
    journal_pass.campagne_cloturee(session, actor, campagne.id)
    return campagne


def get_campagne(session: Session, campagne_id: int) -> PassCampagne:
    campagne = session.get(PassCampagne, campagne_id)
    if campagne is None:
        raise NotFoundError(_("Campagne introuvable (n° {id}).").format(id=campagne_id))
    return campagne


def list_campagnes(session: Session, *, running_on: date | None = None) -> list[PassCampagne]:
    stmt = select(PassCampagne).order_by(PassCampagne.debut.desc(), PassCampagne.id.desc())
    if running_on is not None:
        stmt = stmt.where(
            PassCampagne.debut <= running_on,
            PassCampagne.fin >= running_on,
            PassCampagne.cloturee.is_(False),
        )
    return list(session.scalars(stmt))
