"""The financer's report (PDF and XLSX) and the view of what expires soon."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from core import journal
from core.auth import Actor, Permission, require_anywhere
from core.errors import PermissionDenied, ValidationError
from core.i18n import _, format_date, format_money
from core.models import TerritoryCommune
from core.tableur import cellules_en_texte
from core.territory import commune as cog_commune
from mediation.models import Beneficiaire, Diagnostic
from pass_numerique.campagnes import Budget, budget_of
from pass_numerique.models import Chequier, EtatPass, Pass, PassCampagne
from pass_numerique.pdf import ancre_line, table_pdf

_SPENT = (EtatPass.ENCAISSE.value, EtatPass.REMBOURSE.value)
_USABLE = (EtatPass.EMIS.value, EtatPass.REMIS.value)


@dataclass
class Breakdown:
    chequiers: int = 0
    passes_encaisses: int = 0
    montant_encaisse_cents: int = 0


@dataclass
class FinancerReport:
    campagne: str
    au: date
    chequiers_emis: int = 0
    chequiers_remis: int = 0
    chequiers_entames: int = 0
    passes_emis: int = 0
    passes_encaisses: int = 0
    passes_rembourses: int = 0
    passes_expires: int = 0
    passes_annules: int = 0
    passes_en_cours: int = 0
    valeur_emise_cents: int = 0
    valeur_encaissee_cents: int = 0
    valeur_remboursee_cents: int = 0
    valeur_expiree_cents: int = 0  # unused at expiry: credited back to the financer
    valeur_annulee_cents: int = 0
    par_commune: dict[str, Breakdown] = field(default_factory=dict)
    par_thematique: dict[str, Breakdown] = field(default_factory=dict)
    budget: Budget | None = None  # one campaign's report only
    ancre: tuple[int, str] | None = None  # the journal's head, printed: see settlements.Settlement

    def budget_rows(self) -> list[tuple[str, str]]:
        if self.budget is None:
            return []
        b, unbounded = self.budget, _("sans plafond")
        return [
            (_("Budget (chéquiers)"), unbounded if b.chequiers is None else str(b.chequiers)),
            (
                _("Chéquiers restant au budget"),
                unbounded if b.chequiers_restants is None else str(b.chequiers_restants),
            ),
            (_("Budget (montant)"), unbounded if b.cents is None else format_money(b.cents)),
            (
                _("Budget restant"),
                unbounded if b.cents_restants is None else format_money(b.cents_restants),
            ),
        ]

    def summary_rows(self) -> list[tuple[str, str]]:
        return [
            (_("Chéquiers émis"), str(self.chequiers_emis)),
            (_("Chéquiers remis"), str(self.chequiers_remis)),
            (_("Chéquiers entamés (au moins un pass encaissé)"), str(self.chequiers_entames)),
            (_("Pass émis"), str(self.passes_emis)),
            (_("Pass encaissés (dont remboursés)"), str(self.passes_encaisses)),
            (_("Pass remboursés"), str(self.passes_rembourses)),
            (_("Pass expirés sans usage"), str(self.passes_expires)),
            (_("Pass annulés (opposition)"), str(self.passes_annules)),
            (_("Pass encore utilisables"), str(self.passes_en_cours)),
            (_("Valeur émise"), format_money(self.valeur_emise_cents)),
            (_("Valeur encaissée"), format_money(self.valeur_encaissee_cents)),
            (_("Valeur remboursée"), format_money(self.valeur_remboursee_cents)),
            (_("Valeur inutilisée à l'expiration"), format_money(self.valeur_expiree_cents)),
            (_("Valeur annulée"), format_money(self.valeur_annulee_cents)),
            *self.budget_rows(),
        ]


def _commune_name(code: str | None, names: dict[str, str]) -> str:
    if code is None:
        return _("Commune inconnue")
    if code in names:
        return names[code]
    try:
        return cog_commune(code).nom
    except ValidationError:  # an old code absent from the reference: show the code itself
        return code


def financer_report(
    session: Session, actor: Actor, campagne_id: int | None = None, today: date | None = None
) -> FinancerReport:
    require_anywhere(actor, Permission.PASS_GERER)
    day = today or date.today()
    campagne = session.get(PassCampagne, campagne_id) if campagne_id is not None else None
    report = FinancerReport(campagne.nom if campagne else _("Toutes les campagnes"), day)
    report.budget = budget_of(session, campagne) if campagne is not None else None
    pass_filter = [Pass.campagne_id == campagne_id] if campagne_id is not None else []
    expired = (Pass.etat.in_(_USABLE)) & (Pass.expire_le < day)
    usable = (Pass.etat.in_(_USABLE)) & (Pass.expire_le >= day)

    def total(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    def value(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, Pass.valeur_cents), else_=0)), 0)

    row = session.execute(
        select(
            func.count(),
            total(Pass.etat.in_(_SPENT)),
            total(Pass.etat == EtatPass.REMBOURSE.value),
            total(expired),
            total(Pass.etat == EtatPass.ANNULE.value),
            total(usable),
            func.coalesce(func.sum(Pass.valeur_cents), 0),
            value(Pass.etat.in_(_SPENT)),
            value(Pass.etat == EtatPass.REMBOURSE.value),
            value(expired),
            value(Pass.etat == EtatPass.ANNULE.value),
        ).where(*pass_filter)
    ).one()
    (
        report.passes_emis,
        report.passes_encaisses,
        report.passes_rembourses,
        report.passes_expires,
        report.passes_annules,
        report.passes_en_cours,
        report.valeur_emise_cents,
        report.valeur_encaissee_cents,
        report.valeur_remboursee_cents,
        report.valeur_expiree_cents,
        report.valeur_annulee_cents,
    ) = (int(v) for v in row)
    chequier_filter = [Chequier.campagne_id == campagne_id] if campagne_id is not None else []
    spent_per_chequier = (
        select(
            Pass.chequier_id.label("cid"),
            func.count().label("n"),
            func.sum(Pass.valeur_cents).label("v"),
        )
        .where(Pass.etat.in_(_SPENT), *pass_filter)
        .group_by(Pass.chequier_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Chequier.id,
            Chequier.beneficiaire_id,
            Chequier.remis_at,
            Beneficiaire.commune_insee,
            func.coalesce(spent_per_chequier.c.n, 0),
            func.coalesce(spent_per_chequier.c.v, 0),
        )
        .join(Beneficiaire, Beneficiaire.id == Chequier.beneficiaire_id)
        .outerjoin(spent_per_chequier, spent_per_chequier.c.cid == Chequier.id)
        .where(*chequier_filter)
    ).all()
    names = dict(session.execute(select(TerritoryCommune.code_insee, TerritoryCommune.nom)).all())
    themes: dict[int, set[str]] = defaultdict(set)
    ids = [r[1] for r in rows]
    for start in range(0, len(ids), 900):
        for bid, thematiques in session.execute(
            select(Diagnostic.beneficiaire_id, Diagnostic.thematiques).where(
                Diagnostic.beneficiaire_id.in_(ids[start : start + 900])
            )
        ):
            themes[bid].update(thematiques or [])
    for _cid, bid, remis_at, code, spent, spent_value in rows:
        report.chequiers_emis += 1
        report.chequiers_remis += remis_at is not None
        report.chequiers_entames += spent > 0
        keys = [_commune_name(code, names)]
        for breakdown, labels in (
            (report.par_commune, keys),
            (report.par_thematique, sorted(themes.get(bid) or {_("Sans thématique")})),
        ):
            for label in labels:
                b = breakdown.setdefault(label, Breakdown())
                b.chequiers += 1
                b.passes_encaisses += int(spent)
                b.montant_encaisse_cents += int(spent_value)
    report.par_commune = dict(sorted(report.par_commune.items()))
    report.par_thematique = dict(sorted(report.par_thematique.items()))
    report.ancre = journal.journal_anchor(session)
    return report


def _breakdown_rows(data: dict[str, Breakdown]) -> list[list[str]]:
    return [
        [label, str(b.chequiers), str(b.passes_encaisses), format_money(b.montant_encaisse_cents)]
        for label, b in data.items()
    ]


def report_pdf(report: FinancerReport) -> bytes:
    rows: list[list[str]] = [[label, value, "", ""] for label, value in report.summary_rows()]
    rows.append(["", "", "", ""])
    rows.append(
        [_("PAR COMMUNE DU BÉNÉFICIAIRE"), _("Chéquiers"), _("Pass encaissés"), _("Montant")]
    )
    rows += _breakdown_rows(report.par_commune)
    rows.append(["", "", "", ""])
    rows.append([_("PAR THÉMATIQUE DE BESOIN"), _("Chéquiers"), _("Pass encaissés"), _("Montant")])
    rows += _breakdown_rows(report.par_thematique)
    return table_pdf(
        _("Rapport au financeur — Pass numérique"),
        [
            _("Campagne : {nom}").format(nom=report.campagne),
            _("Situation au {date}").format(date=format_date(report.au)),
        ],
        [(_("Indicateur"), 0.55), (_("Valeur"), 0.15), ("", 0.15), ("", 0.15)],
        rows,
        [ancre_line(report.ancre)] if report.ancre else [],
    )


def report_xlsx(report: FinancerReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Synthèse")
    sheet.append([_("Campagne"), report.campagne])
    sheet.append([_("Situation au"), report.au])
    if report.ancre:
        sheet.append([_("Ancre du journal"), f"{report.ancre[0]}:{report.ancre[1]}"])
    sheet.append([])
    numbers = [
        (_("Chéquiers émis"), report.chequiers_emis),
        (_("Chéquiers remis"), report.chequiers_remis),
        (_("Chéquiers entamés"), report.chequiers_entames),
        (_("Pass émis"), report.passes_emis),
        (_("Pass encaissés"), report.passes_encaisses),
        (_("Pass remboursés"), report.passes_rembourses),
        (_("Pass expirés sans usage"), report.passes_expires),
        (_("Pass annulés"), report.passes_annules),
        (_("Pass encore utilisables"), report.passes_en_cours),
    ]
    for label, n in numbers:
        sheet.append([label, n])
    for label, cents in (
        (_("Valeur émise (€)"), report.valeur_emise_cents),
        (_("Valeur encaissée (€)"), report.valeur_encaissee_cents),
        (_("Valeur remboursée (€)"), report.valeur_remboursee_cents),
        (_("Valeur inutilisée à l'expiration (€)"), report.valeur_expiree_cents),
        (_("Valeur annulée (€)"), report.valeur_annulee_cents),
    ):
        sheet.append([label, cents / 100])
        sheet.cell(sheet.max_row, 2).number_format = "#,##0.00"
    for label, shown in report.budget_rows():
        sheet.append([label, shown])
    sheet.column_dimensions["A"].width = 45
    for title, data in (
        (_("Par commune"), report.par_commune),
        (_("Par thématique"), report.par_thematique),
    ):
        ws = book.create_sheet(title)
        ws.append([title, _("Chéquiers"), _("Pass encaissés"), _("Montant encaissé (€)")])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for label, b in data.items():
            ws.append([label, b.chequiers, b.passes_encaisses, b.montant_encaisse_cents / 100])
        ws.column_dimensions["A"].width = 50
    cellules_en_texte(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class ExpiringChequebook:
    chequier_id: int
    beneficiaire_id: int
    campagne: str
    expire_le: date
    restants: int
    valeur_restante_cents: int


def expiring(
    session: Session, actor: Actor, today: date | None = None, days: int = 30
) -> list[ExpiringChequebook]:
    """Chequebooks with passes still usable whose last day falls within ``days`` days: every
    structure's for the coordinator, otherwise those the agent's own structures issued (who the
    beneficiaries of other desks are is none of this desk's business)."""
    if not (
        actor.can_anywhere(Permission.PASS_GERER) or actor.can_anywhere(Permission.PASS_EMETTRE)
    ):
        raise PermissionDenied(_("Vous n'avez pas le droit de consulter les pass."))
    day = today or date.today()
    scope = []
    if not actor.can_anywhere(Permission.PASS_GERER):
        desks = actor.structures_with(Permission.PASS_EMETTRE)
        if actor.structure_id is not None:
            desks = frozenset({actor.structure_id}) & (desks or frozenset({actor.structure_id}))
        if desks is not None:
            scope.append(Chequier.structure_id.in_(desks))
    rows = session.execute(
        select(
            Pass.chequier_id,
            Chequier.beneficiaire_id,
            PassCampagne.nom,
            Pass.expire_le,
            func.count(),
            func.sum(Pass.valeur_cents),
        )
        .join(Chequier, Chequier.id == Pass.chequier_id)
        .join(PassCampagne, PassCampagne.id == Pass.campagne_id)
        .where(
            Pass.etat == EtatPass.REMIS.value,
            Pass.expire_le >= day,
            Pass.expire_le <= day + timedelta(days=days),
            *scope,
        )
        .group_by(Pass.chequier_id, Chequier.beneficiaire_id, PassCampagne.nom, Pass.expire_le)
        .order_by(Pass.expire_le, Pass.chequier_id)
    ).all()
    return [ExpiringChequebook(c, b, n, e, int(k), int(v)) for c, b, n, e, k, v in rows]


def count_by_state(session: Session) -> Counter[str]:
    return Counter(dict(session.execute(select(Pass.etat, func.count()).group_by(Pass.etat)).all()))
