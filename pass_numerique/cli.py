"""``main.py pass …``: campaigns, structures, issuing, verifying and redeeming, oppositions,
offline batches, settlements, the financer report and the signing keys.

Exit status 1 when a scan is refused, so that scripts can rely on it.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from core import fichiers_nominatifs
from core.auth import Actor
from core.cli import CliContext, FrenchParser
from core.errors import ValidationError
from core.i18n import _, format_date, format_money
from pass_numerique.models import Chequier


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("date attendue sous la forme AAAA-MM-JJ")) from None


def _euros(text: str) -> int:
    match = re.fullmatch(r"(\d+)(?:[.,](\d{1,2}))?", text.strip().replace("€", "").strip())
    if match is None:
        raise argparse.ArgumentTypeError(_("montant attendu en euros, ex. 10 ou 10,50"))
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def _write(path: str, data: bytes) -> Path:
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise ValidationError(
            _("Impossible d'écrire {path} : {error}").format(path=target, error=exc.strerror)
        ) from exc
    return target


def _actor_at_siret(ctx: CliContext, session: Session, siret: str) -> Actor:
    """The agent, acting for the structure with this SIRET (redeeming is per structure)."""
    from pass_numerique.structures import structure_by_siret

    return ctx.actor(session, structure_by_siret(session, siret).id)


# --- campaigns and structures -------------------------------------------------------------------


def _campagne_create(ctx: CliContext) -> int:
    from pass_numerique.campagnes import CampagneData, create_campagne, default_period

    a = ctx.args
    debut, fin = default_period(date.today())
    data = CampagneData(
        nom=a.nom,
        financeur=a.financeur,
        debut=a.debut or debut,
        fin=a.fin or fin,
        valeur_cents=a.valeur,
        passes_par_chequier=a.passes,
        grace_jours=a.grace,
        age_min=a.age_min,
        age_max=a.age_max,
        communes=a.commune,
        plafond_chequiers=a.plafond,
        budget_chequiers=a.budget_chequiers,
        budget_cents=a.budget,
    )
    with ctx.session() as session:
        campagne = create_campagne(session, ctx.actor(session), data)
        cid = campagne.id
    ctx.emit({"id": cid}, _("Campagne créée : n° {id}").format(id=cid))
    return 0


def _campagne_list(ctx: CliContext) -> int:
    from pass_numerique.campagnes import last_valid_day, list_campagnes
    from pass_numerique.keys import campaign_keys

    with ctx.session() as session:
        ctx.actor(session)
        kids = campaign_keys(session)
        rows = [
            {
                "id": c.id,
                "nom": c.nom,
                "financeur": c.financeur,
                "valeur_cents": c.valeur_cents,
                "passes_par_chequier": c.passes_par_chequier,
                "debut": c.debut.isoformat(),
                "fin": c.fin.isoformat(),
                "dernier_jour": last_valid_day(c).isoformat(),
                "cloturee": c.cloturee,
                "cle": kids.get(c.id),
            }
            for c in list_campagnes(session)
        ]
    ctx.emit(
        rows,
        "\n".join(
            f"{r['id']:>4}  {r['nom']} — {r['passes_par_chequier']} × "
            f"{format_money(int(str(r['valeur_cents'])))}, {r['debut']} → {r['fin']}"
            + (_(" (close)") if r["cloturee"] else "")
            + "  "
            + (
                _("clé {kid}").format(kid=r["cle"])
                if r["cle"]
                else _("clé créée au premier chéquier")
            )
            for r in rows
        )
        or _("Aucune campagne."),
    )
    return 0


def _campagne_budget(ctx: CliContext) -> int:
    from pass_numerique.campagnes import budget_of, set_budget

    with ctx.session() as session:
        campagne = set_budget(
            session, ctx.actor(session), ctx.args.id, ctx.args.chequiers, ctx.args.montant
        )
        b = budget_of(session, campagne)
    ctx.emit(
        {
            "id": ctx.args.id,
            "budget_chequiers": b.chequiers,
            "budget_cents": b.cents,
            "chequiers_restants": b.chequiers_restants,
            "cents_restants": b.cents_restants,
        },
        _("Budget enregistré : reste {n} chéquier(s), {montant}.").format(
            n="∞" if b.chequiers_restants is None else b.chequiers_restants,
            montant="∞" if b.cents_restants is None else format_money(b.cents_restants),
        ),
    )
    return 0


def _structure_add(ctx: CliContext) -> int:
    from pass_numerique.structures import ReferencementData, reference_structure

    a = ctx.args
    data = ReferencementData(
        siret=a.siret,
        iban=a.iban,
        titulaire=a.titulaire,
        actif_du=a.du or date.today(),
        actif_au=a.au,
        services=a.service,
        campagnes=a.campagne,
        bic=a.bic,
        lieu_id=a.lieu,
        nom=a.nom or "",
        adresse=a.adresse or "",
        code_postal=a.code_postal or "",
    )
    with ctx.session() as session:
        ref = reference_structure(session, ctx.actor(session), data)
        rid = ref.id
    ctx.emit({"id": rid}, _("Structure référencée : n° {id}").format(id=rid))
    return 0


def _structure_list(ctx: CliContext) -> int:
    from pass_numerique.structures import list_referenced

    with ctx.session() as session:
        ctx.actor(session)
        rows = list_referenced(session, campagne_id=ctx.args.campagne)
    data = [
        {
            "id": r.id,
            "nom": r.nom,
            "siret": r.siret,
            "services": r.services,
            "actif_du": r.actif_du.isoformat(),
            "actif_au": r.actif_au.isoformat() if r.actif_au else None,
            "campagnes": r.campagnes,
        }
        for r in rows
    ]
    ctx.emit(
        data,
        "\n".join(f"{r.id:>4}  {r.siret}  {r.nom}" for r in rows)
        or _("Aucune structure référencée."),
    )
    return 0


# --- issuing, verifying, redeeming ---------------------------------------------------------------


def _eligibilite(ctx: CliContext) -> int:
    from pass_numerique.issuance import eligibility_for

    with ctx.session() as session:
        verdict = eligibility_for(
            session, ctx.actor(session), ctx.args.beneficiaire, ctx.args.campagne, date.today()
        )
    ctx.emit(
        {"eligible": verdict.eligible, "raisons": [r.code for r in verdict.reasons]},
        verdict.summary(),
    )
    return 0 if verdict.eligible else 1


def _issue(ctx: CliContext) -> int:
    from pass_numerique.issuance import chequebook_print, issue_chequebook
    from pass_numerique.pdf import chequebook_pdf

    with ctx.session() as session:
        actor = ctx.actor(session)
        chequier = issue_chequebook(session, actor, ctx.args.beneficiaire, ctx.args.campagne)
        book = chequebook_print(session, actor, chequier.id)
        # Written inside the unit of work: no chequebook is recorded without its printout.
        target = _write(ctx.args.out, chequebook_pdf(book))
        fichiers_nominatifs.record(target, [chequier.beneficiaire_id])
    ctx.emit(
        {
            "chequier_id": book.chequier_id,
            "serials": [p.serial for p in book.passes],
            "pdf": str(target),
        },
        _("Chéquier n° {id} émis ({n} pass) : {path}").format(
            id=book.chequier_id, n=len(book.passes), path=target
        ),
    )
    return 0


def _reprint(ctx: CliContext) -> int:
    from pass_numerique.issuance import chequebook_print
    from pass_numerique.pdf import chequebook_pdf

    with ctx.session() as session:
        book = chequebook_print(
            session, ctx.actor(session), ctx.args.chequier, serials_only=ctx.args.serial or None
        )
        target = _write(ctx.args.out, chequebook_pdf(book))
        holder = session.get(Chequier, ctx.args.chequier)
        if holder is not None:
            fichiers_nominatifs.record(target, [holder.beneficiaire_id])
    ctx.emit(
        {"chequier_id": book.chequier_id, "serials": [p.serial for p in book.passes]},
        _("Réimpression : {path}").format(path=target),
    )
    return 0


def _verify(ctx: CliContext) -> int:
    from pass_numerique.redemption import verify_scan

    with ctx.session() as session:
        result = verify_scan(session, ctx.actor(session), ctx.args.texte)
    ctx.emit(result.as_json(), result.message)
    return 0 if result.accepted else 1


def _redeem(ctx: CliContext) -> int:
    from pass_numerique.redemption import redeem

    with ctx.session() as session:
        result = redeem(session, _actor_at_siret(ctx, session, ctx.args.structure), ctx.args.texte)
    ctx.emit(result.as_json(), result.message)
    return 0 if result.accepted else 1


def _undo(ctx: CliContext) -> int:
    from pass_numerique.redemption import undo_redemption

    with ctx.session() as session:
        undo_redemption(
            session, _actor_at_siret(ctx, session, ctx.args.structure), ctx.args.encaissement
        )
    ctx.emit({"annule": ctx.args.encaissement}, _("Encaissement annulé."))
    return 0


def _lever_opposition(ctx: CliContext) -> int:
    from pass_numerique.opposition import lift_opposition

    with ctx.session() as session:
        n = lift_opposition(session, ctx.actor(session), ctx.args.chequier, ctx.args.motif)
    ctx.emit(
        {"chequier_id": ctx.args.chequier, "passes_retablis": n},
        _("Opposition levée : {n} pass de nouveau utilisables.").format(n=n),
    )
    return 0


def _opposition(ctx: CliContext) -> int:
    from pass_numerique.opposition import oppose_chequebook, oppose_pass

    with ctx.session() as session:
        actor = ctx.actor(session)
        if ctx.args.chequier is not None:
            n = oppose_chequebook(session, actor, ctx.args.chequier)
            data = {"chequier_id": ctx.args.chequier, "passes_annules": n}
            message = _("Opposition enregistrée : {n} pass bloqués.").format(n=n)
        else:
            p = oppose_pass(session, actor, ctx.args.serial)
            data = {"serial": p.serial, "passes_annules": 1}
            message = _("Opposition enregistrée sur le pass.")
    ctx.emit(data, message)
    return 0


# --- batches, settlements, report, keys -----------------------------------------------------------


def _batch_export(ctx: CliContext) -> int:
    from datetime import UTC, datetime, time

    from pass_numerique.batches import export_batch

    since = datetime.combine(ctx.args.depuis, time(), UTC) if ctx.args.depuis else None
    with ctx.session() as session:
        data = export_batch(session, _actor_at_siret(ctx, session, ctx.args.structure), since=since)
        target = _write(ctx.args.out, data)
    ctx.emit({"fichier": str(target)}, _("Lot exporté : {path}").format(path=target))
    return 0


def _cle_lot(ctx: CliContext) -> int:
    from pass_numerique import batches
    from pass_numerique.structures import structure_by_siret

    a = ctx.args
    with ctx.session() as session:
        if a.action == "empreinte":
            if not a.structure:
                raise ValidationError(_("Indiquez le SIRET de la structure (--structure)."))
            shown = batches.desk_fingerprint(session, _actor_at_siret(ctx, session, a.structure))
            ctx.emit(
                {"empreinte": shown},
                _("Empreinte de la clé de lot de ce poste : {e}").format(
                    e=batches.display_fingerprint(shown)
                ),
            )
            return 0
        actor = ctx.actor(session)
        if a.action == "enregistrer":
            if not (a.structure and a.empreinte):
                raise ValidationError(_("Indiquez --structure SIRET et --empreinte."))
            ref_id = _pass_structure_id(session, structure_by_siret(session, a.structure).id)
            batches.register_batch_key(session, actor, ref_id, a.empreinte)
        elif a.action == "revoquer":
            if a.id is None:
                raise ValidationError(_("Indiquez la clé de lot à révoquer (--id)."))
            batches.revoke_batch_key(session, actor, a.id)
        rows = [
            {
                "id": k.id,
                "pass_structure_id": k.pass_structure_id,
                "empreinte": batches.display_fingerprint(k.empreinte),
                "statut": k.statut,
            }
            for k in batches.batch_keys(session, actor)
        ]
    ctx.emit(
        rows,
        "\n".join(
            f"{r['id']:>4}  {r['pass_structure_id']:>4}  {r['empreinte']}  {r['statut']}"
            for r in rows
        )
        or _("Aucune clé de lot enregistrée."),
    )
    return 0


def _pass_structure_id(session: Session, structure_id: int) -> int:
    from sqlalchemy import select

    from pass_numerique.models import PassStructure

    ref_id = session.scalar(
        select(PassStructure.id).where(PassStructure.structure_id == structure_id)
    )
    if ref_id is None:
        raise ValidationError(_("Cette structure n'est pas référencée pour le Pass numérique."))
    return ref_id


def _batch_import(ctx: CliContext) -> int:
    from pass_numerique.batches import MOTIFS, import_batch

    try:
        data = Path(ctx.args.fichier).read_bytes()
    except OSError as exc:
        raise ValidationError(
            _("Lecture impossible de {path} : {error}").format(
                path=ctx.args.fichier, error=exc.strerror
            )
        ) from exc
    with ctx.session() as session:
        report = import_batch(session, ctx.actor(session), data)
    if report.deja_importe:
        text = _("Ce lot a déjà été importé : rien n'a changé.")
    else:
        text = _(
            "{ok} encaissement(s) acceptés, {c} conflit(s) à trancher, {k} déjà connus."
        ).format(ok=report.acceptes, c=len(report.conflits), k=report.deja_connus)
        text += "".join(f"\n  {s} : {_(MOTIFS[m])}" for s, m in report.conflits)
    ctx.emit(report.as_json(), text)
    return 0


def _conflicts(ctx: CliContext) -> int:
    from pass_numerique.batches import MOTIFS, decide_conflict, list_conflicts

    with ctx.session() as session:
        actor = ctx.actor(session)
        if ctx.args.id is not None:
            if ctx.args.accepter == ctx.args.rejeter:
                raise ValidationError(_("Précisez --accepter ou --rejeter."))
            decide_conflict(session, actor, ctx.args.id, ctx.args.accepter, ctx.args.note or "")
            ctx.emit({"id": ctx.args.id, "accepte": ctx.args.accepter}, _("Conflit tranché."))
            return 0
        rows = list_conflicts(session, actor)
    ctx.emit(
        [
            {"id": c.id, "lot": c.lot_id, "serial": c.serial, "motif": c.motif, "at": c.encaisse_at}
            for c in rows
        ],
        "\n".join(
            f"{c.id:>5}  {c.serial}  {_(MOTIFS.get(c.motif, c.motif))}  "
            f"{format_date(c.encaisse_at, 'short')}"
            for c in rows
        )
        or _("Aucun conflit à trancher."),
    )
    return 0


def _settle(ctx: CliContext) -> int:
    from pass_numerique import settlements
    from pass_numerique.pdf import settlement_pdf
    from pass_numerique.structures import structure_by_siret

    mois = ctx.args.mois or settlements.previous_month(date.today())
    with ctx.session() as session:
        actor = ctx.actor(session)
        ref_id = None
        if ctx.args.structure:
            ref_id = _pass_structure_id(session, structure_by_siret(session, ctx.args.structure).id)
        if ctx.args.valider:
            result = settlements.validate(session, actor, mois, ref_id)
        else:
            result = settlements.preview(session, actor, mois, ref_id)
        written = []
        if ctx.args.dossier:
            for s in result:
                stem = f"remboursement-{mois}-{s.siret or s.pass_structure_id}"
                written.append(str(_write(f"{ctx.args.dossier}/{stem}.pdf", settlement_pdf(s))))
                written.append(
                    str(
                        _write(
                            f"{ctx.args.dossier}/{stem}.csv",
                            settlements.settlement_csv(s).encode("utf-8-sig"),
                        )
                    )
                )
    data = {
        "mois": mois,
        "valide": bool(ctx.args.valider),
        "structures": [
            {
                "pass_structure_id": s.pass_structure_id,
                "structure": s.structure,
                "nombre": s.nombre,
                "montant_cents": s.montant_cents,
                "reglement_id": s.reglement_id,
            }
            for s in result
        ],
        "fichiers": written,
    }
    lines = [
        f"{s.structure} : {s.nombre} pass, {format_money(s.montant_cents)}"
        + (_(" — validé (n° {id})").format(id=s.reglement_id) if s.reglement_id else "")
        for s in result
    ]
    ctx.emit(data, "\n".join(lines) or _("Rien à rembourser pour {mois}.").format(mois=mois))
    return 0


def _rapport(ctx: CliContext) -> int:
    from pass_numerique.reporting import financer_report, report_pdf, report_xlsx

    out = ctx.args.out
    if not out.lower().endswith((".pdf", ".xlsx")):
        raise ValidationError(_("Le rapport s'écrit en .pdf ou en .xlsx."), field="out")
    with ctx.session() as session:
        report = financer_report(session, ctx.actor(session), ctx.args.campagne)
    data = report_pdf(report) if out.lower().endswith(".pdf") else report_xlsx(report)
    target = _write(out, data)
    ctx.emit({"fichier": str(target)}, _("Rapport écrit : {path}").format(path=target))
    return 0


def _expirations(ctx: CliContext) -> int:
    from pass_numerique.reporting import expiring

    with ctx.session() as session:
        rows = expiring(session, ctx.actor(session), days=ctx.args.jours)
    ctx.emit(
        [
            {
                "chequier_id": r.chequier_id,
                "beneficiaire_id": r.beneficiaire_id,
                "expire_le": r.expire_le.isoformat(),
                "restants": r.restants,
                "valeur_restante_cents": r.valeur_restante_cents,
            }
            for r in rows
        ],
        "\n".join(
            _("Chéquier {id} : {n} pass ({v}) jusqu'au {d}").format(
                id=r.chequier_id,
                n=r.restants,
                v=format_money(r.valeur_restante_cents),
                d=format_date(r.expire_le, "short"),
            )
            for r in rows
        )
        or _("Rien n'expire dans les {n} jours.").format(n=ctx.args.jours),
    )
    return 0


def _cles(ctx: CliContext) -> int:
    from pass_numerique import keys

    with ctx.session() as session:
        actor = ctx.actor(session)
        if ctx.args.action == "rotate":
            if ctx.args.campagne is None:
                raise ValidationError(_("Indiquez la campagne dont la clé change (--campagne)."))
            keys.rotate_key(session, actor, ctx.args.campagne)
        elif ctx.args.action == "revoke":
            if not ctx.args.kid:
                raise ValidationError(_("Indiquez la clé à révoquer."))
            keys.revoke_key(session, actor, ctx.args.kid)
        rows = [
            {
                "kid": k.kid,
                "statut": k.statut,
                "demo": k.demo_prive is not None,
                "campagne_id": k.campagne_id,
            }
            for k in keys.list_keys(session)
        ]
    ctx.emit(
        rows,
        "\n".join(
            f"{r['kid']}  {r['statut']}  "
            + (
                _("campagne {id}").format(id=r["campagne_id"])
                if r["campagne_id"] is not None
                else _("antérieure aux clés par campagne")
            )
            for r in rows
        )
        or _("Aucune clé."),
    )
    return 0


def register(sub: argparse._SubParsersAction[FrenchParser]) -> None:
    root = sub.add_parser("pass", help=_("Pass numérique : campagnes, chéquiers, encaissements"))
    cmd = root.add_subparsers(dest="pass_command", required=True, metavar="COMMANDE")

    camp = cmd.add_parser("campagne", help=_("campagnes"))
    camps = camp.add_subparsers(dest="campagne_command", required=True, metavar="ACTION")
    p = camps.add_parser("create", help=_("créer une campagne"))
    p.add_argument("--nom", required=True)
    p.add_argument("--financeur", required=True)
    p.add_argument("--valeur", type=_euros, default=1000, help=_("valeur d'un pass en euros"))
    p.add_argument("--passes", type=int, default=10, help=_("pass par chéquier"))
    p.add_argument("--debut", type=_day)
    p.add_argument("--fin", type=_day, help=_("fin de validité (défaut : 31 décembre)"))
    p.add_argument("--grace", type=int, default=31, help=_("délai de grâce en jours"))
    p.add_argument("--age-min", type=int, default=18)
    p.add_argument("--age-max", type=int)
    p.add_argument(
        "--commune", action="append", default=[], help=_("code INSEE (défaut : territoire)")
    )
    p.add_argument("--plafond", type=int, default=1, help=_("chéquiers par personne"))
    p.add_argument("--budget-chequiers", type=int, help=_("chéquiers payés par le financeur"))
    p.add_argument("--budget", type=_euros, help=_("montant payé par le financeur, en euros"))
    p.set_defaults(handler=_campagne_create)
    camps.add_parser("list", help=_("lister les campagnes")).set_defaults(handler=_campagne_list)
    p = camps.add_parser("budget", help=_("fixer le budget d'une campagne"))
    p.add_argument("id", type=int)
    p.add_argument("--chequiers", type=int, help=_("nombre de chéquiers (absent : sans plafond)"))
    p.add_argument("--montant", type=_euros, help=_("montant en euros (absent : sans plafond)"))
    p.set_defaults(handler=_campagne_budget)

    st = cmd.add_parser("structure", help=_("structures référencées"))
    sts = st.add_subparsers(dest="structure_command", required=True, metavar="ACTION")
    p = sts.add_parser("add", help=_("référencer une structure"))
    p.add_argument("--siret", required=True)
    p.add_argument("--iban", required=True)
    p.add_argument("--titulaire", required=True, help=_("titulaire du compte"))
    p.add_argument("--nom", help=_("nom (si la structure n'existe pas encore)"))
    p.add_argument("--adresse")
    p.add_argument("--code-postal")
    p.add_argument("--bic")
    p.add_argument("--service", action="append", default=[])
    p.add_argument("--campagne", type=int, action="append", default=[])
    p.add_argument("--du", type=_day)
    p.add_argument("--au", type=_day)
    p.add_argument("--lieu", help=_("identifiant du lieu dans le schéma national"))
    p.set_defaults(handler=_structure_add)
    p = sts.add_parser("list", help=_("lister les structures référencées"))
    p.add_argument("--campagne", type=int)
    p.set_defaults(handler=_structure_list)

    p = cmd.add_parser("eligibilite", help=_("éligibilité d'un bénéficiaire, avec les raisons"))
    p.add_argument("beneficiaire", type=int)
    p.add_argument("--campagne", type=int, required=True)
    p.add_argument("--structure", type=int, help=_("structure d'accueil (n°)"))
    p.set_defaults(handler=_eligibilite)

    p = cmd.add_parser("issue", help=_("émettre un chéquier et écrire son PDF"))
    p.add_argument("beneficiaire", type=int)
    p.add_argument("--campagne", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--structure", type=int, help=_("structure d'accueil (n°)"))
    p.set_defaults(handler=_issue)

    p = cmd.add_parser("reprint", help=_("réimprimer un chéquier ou quelques pass"))
    p.add_argument("chequier", type=int)
    p.add_argument("--serial", action="append", default=[])
    p.add_argument("--out", required=True)
    p.add_argument("--structure", type=int)
    p.set_defaults(handler=_reprint)

    p = cmd.add_parser("verify", help=_("vérifier un code scanné ou un numéro"))
    p.add_argument("texte")
    p.set_defaults(handler=_verify)

    p = cmd.add_parser("redeem", help=_("encaisser un pass pour une structure"))
    p.add_argument("texte")
    p.add_argument("--structure", required=True, help=_("SIRET de la structure"))
    p.set_defaults(handler=_redeem)

    p = cmd.add_parser("undo", help=_("annuler un encaissement erroné (10 minutes)"))
    p.add_argument("encaissement", type=int)
    p.add_argument("--structure", required=True, help=_("SIRET de la structure"))
    p.set_defaults(handler=_undo)

    p = cmd.add_parser("opposition", help=_("opposition sur un chéquier ou un pass"))
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--chequier", type=int)
    group.add_argument("--serial")
    p.set_defaults(handler=_opposition)

    p = cmd.add_parser("lever-opposition", help=_("lever l'opposition d'un chéquier retrouvé"))
    p.add_argument("chequier", type=int)
    p.add_argument("--motif", required=True, help=_("pourquoi l'opposition est levée"))
    p.add_argument("--structure", type=int, help=_("structure d'accueil (n°)"))
    p.set_defaults(handler=_lever_opposition)

    p = cmd.add_parser("cle-lot", help=_("clés des lots hors ligne : empreinte, enregistrement"))
    p.add_argument("action", choices=["list", "empreinte", "enregistrer", "revoquer"])
    p.add_argument("--structure", help=_("SIRET de la structure"))
    p.add_argument("--empreinte", help=_("empreinte lue sur le poste hors ligne"))
    p.add_argument("--id", type=int, help=_("clé de lot à révoquer"))
    p.set_defaults(handler=_cle_lot)

    p = cmd.add_parser("batch-export", help=_("exporter les encaissements hors ligne (lot signé)"))
    p.add_argument("--out", required=True)
    p.add_argument("--structure", required=True, help=_("SIRET de la structure"))
    p.add_argument("--depuis", type=_day)
    p.set_defaults(handler=_batch_export)

    p = cmd.add_parser("batch-import", help=_("importer un lot d'encaissements"))
    p.add_argument("fichier")
    p.set_defaults(handler=_batch_import)

    p = cmd.add_parser("conflits", help=_("conflits des lots : lister, trancher"))
    p.add_argument("id", type=int, nargs="?")
    p.add_argument("--accepter", action="store_true")
    p.add_argument("--rejeter", action="store_true")
    p.add_argument("--note")
    p.set_defaults(handler=_conflicts)

    p = cmd.add_parser("settle", help=_("remboursements du mois : aperçu ou validation"))
    p.add_argument("--mois", help=_("AAAA-MM (défaut : le mois précédent)"))
    p.add_argument("--valider", action="store_true", help=_("valider (définitif)"))
    p.add_argument("--structure", help=_("SIRET d'une seule structure"))
    p.add_argument("--dossier", help=_("écrire les relevés PDF et CSV dans ce dossier"))
    p.set_defaults(handler=_settle)

    p = cmd.add_parser("rapport", help=_("rapport au financeur (.pdf ou .xlsx)"))
    p.add_argument("--out", required=True)
    p.add_argument("--campagne", type=int)
    p.set_defaults(handler=_rapport)

    p = cmd.add_parser("expirations", help=_("chéquiers dont les pass expirent bientôt"))
    p.add_argument("--jours", type=int, default=30)
    p.set_defaults(handler=_expirations)

    p = cmd.add_parser("cle", help=_("clés de signature : liste, rotation, révocation"))
    p.add_argument("action", choices=["list", "rotate", "revoke"])
    p.add_argument("kid", nargs="?")
    p.add_argument(
        "--campagne", type=int, help=_("campagne dont la clé change (rotation : obligatoire)")
    )
    p.set_defaults(handler=_cles)
