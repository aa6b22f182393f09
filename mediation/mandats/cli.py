"""``main.py mandat …``: record, list, print, renew, revoke and verify mandates headless."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from core import fichiers_nominatifs
from core.cli import CliContext, FrenchParser
from core.errors import ValidationError
from core.i18n import _, format_date
from mediation.mandats.creation import (
    MandantIdentity,
    create_mandat,
    identity_draft,
    preview_replacements,
    renew_mandat,
)
from mediation.mandats.impression import print_mandat, print_revocation
from mediation.mandats.lecture import (
    STATUT_TITRES,
    Filtre,
    MandatRow,
    categorie_titre,
    expiring_mandats,
    get_mandat,
    list_mandats,
)
from mediation.mandats.models import CATEGORY_KEYS, DUREES_JOURS
from mediation.mandats.revocation import revoke_mandat
from mediation.mandats.verification import mandat_qr_content, verify_mandat


def _row_json(row: MandatRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "reference": row.reference,
        "beneficiaire_id": row.beneficiaire_id,
        "mandant": row.mandant,
        "categories": list(row.categories),
        "debut": row.debut.isoformat(),
        "fin": row.fin.isoformat(),
        "statut": row.statut.value,
        "expire_bientot": row.expire_bientot,
    }


def _rows_text(rows: list[MandatRow]) -> str:
    if not rows:
        return _("Aucun mandat.")
    lines = []
    for row in rows:
        statut = _(STATUT_TITRES[row.statut])
        if row.expire_bientot:
            statut = _("expire bientôt")
        lines.append(
            f"{row.id:>6}  {row.reference}  {row.mandant:<30.30}  "
            + _("fin {date}").format(date=format_date(row.fin, "short"))
            + f"  {statut:<15} {', '.join(row.categories)}"
        )
    return "\n".join(lines)


def _write(path: str, data: bytes, beneficiaire_id: int) -> Path:
    """Write a mandate's paper, recorded as naming the person (an erasure deletes it when it
    lies in the data folder)."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        fichiers_nominatifs.record(target, [beneficiaire_id])
    except OSError as exc:
        raise ValidationError(
            _("Impossible d'écrire {path} ({reason}).").format(
                path=target, reason=exc.strerror or exc
            ),
            field="out",
        ) from exc
    return target


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            _("Date invalide : « {value} » (format AAAA-MM-JJ).").format(value=value),
            field="date_naissance",
        ) from None


def _new(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.session() as session:
        actor = ctx.actor(session)
        draft = identity_draft(session, actor, a.beneficiaire)
        birth = _parse_date(a.date_naissance) if a.date_naissance else draft.date_naissance
        if birth is None:
            raise ValidationError(
                _("La date de naissance complète est nécessaire (--date-naissance AAAA-MM-JJ)."),
                field="date_naissance",
            )
        identity = MandantIdentity(
            nom=a.nom or draft.nom,
            prenom=a.prenom or draft.prenom,
            date_naissance=birth,
            lieu_naissance=a.lieu_naissance or draft.lieu_naissance,
        )
        replaced = preview_replacements(session, actor, a.beneficiaire, a.categorie)
        mandat = create_mandat(
            session,
            actor,
            a.beneficiaire,
            categories=a.categorie,
            duree_jours=a.duree,
            identite=identity,
            mentions_lues=a.mentions_lues,
            hors_mesure_protection=a.hors_mesure_protection,
            actions_specifiques=a.actions or "",
            lieu=a.lieu,
        )
        out = None
        if a.out:
            out = _write(
                a.out,
                print_mandat(session, actor, mandat.id, traduction=a.traduction),
                mandat.beneficiaire_id,
            )
        data = {
            "id": mandat.id,
            "reference": mandat.reference,
            "fin": mandat.fin.isoformat(),
            "qr": mandat_qr_content(mandat),
            "pdf": str(out) if out else None,
            "remplace": [{"reference": r.reference, "categorie": r.categorie} for r in replaced],
        }
        text = _("Mandat {reference} enregistré, jusqu'au {fin}.").format(
            reference=mandat.reference, fin=format_date(mandat.fin)
        )
        for r in replaced:
            text += "\n" + _(
                "Autorisation révoquée car remplacée : mandat {reference}, « {categorie} »."
            ).format(reference=r.reference, categorie=categorie_titre(r.categorie))
    ctx.emit(data, text + (_(" Imprimé : {path}").format(path=out) if out else ""))
    return 0


def _list(ctx: CliContext) -> int:
    with ctx.session() as session:
        actor = ctx.actor(session)
        rows = list_mandats(
            session, actor, Filtre(ctx.args.filtre), ctx.args.recherche, limit=ctx.args.limite
        )
    ctx.emit([_row_json(r) for r in rows], _rows_text(rows))
    return 0


def _expiring(ctx: CliContext) -> int:
    with ctx.session() as session:
        actor = ctx.actor(session)
        rows = expiring_mandats(session, actor)
    ctx.emit([_row_json(r) for r in rows], _rows_text(rows))
    return 0


def _print(ctx: CliContext) -> int:
    with ctx.session() as session:
        actor = ctx.actor(session)
        pdf = print_mandat(session, actor, ctx.args.id, traduction=ctx.args.traduction)
        out = _write(ctx.args.out, pdf, get_mandat(session, actor, ctx.args.id).beneficiaire_id)
    ctx.emit({"pdf": str(out)}, _("Mandat imprimé : {path}").format(path=out))
    return 0


def _renew(ctx: CliContext) -> int:
    a = ctx.args
    with ctx.session() as session:
        actor = ctx.actor(session)
        mandat = renew_mandat(
            session,
            actor,
            a.id,
            mentions_lues=a.mentions_lues,
            hors_mesure_protection=a.hors_mesure_protection,
            duree_jours=a.duree,
        )
        out = (
            _write(a.out, print_mandat(session, actor, mandat.id), mandat.beneficiaire_id)
            if a.out
            else None
        )
        data = {"id": mandat.id, "reference": mandat.reference, "pdf": str(out) if out else None}
        text = _("Mandat renouvelé : {reference}, jusqu'au {fin}.").format(
            reference=mandat.reference, fin=format_date(mandat.fin)
        )
    ctx.emit(data, text)
    return 0


def _revoke(ctx: CliContext) -> int:
    with ctx.session() as session:
        actor = ctx.actor(session)
        revocation = revoke_mandat(session, actor, ctx.args.id, ctx.args.categorie)
        out = _write(
            ctx.args.out,
            print_revocation(session, actor, revocation.id),
            get_mandat(session, actor, revocation.mandat_id).beneficiaire_id,
        )
    ctx.emit(
        {"revocation": revocation.id, "categorie": ctx.args.categorie, "pdf": str(out)},
        _("Révocation enregistrée ; attestation à faire signer : {path}").format(path=out),
    )
    return 0


def _verify(ctx: CliContext) -> int:
    with ctx.session() as session:
        actor = ctx.actor(session)
        result = verify_mandat(session, actor, ctx.args.texte)
    ctx.emit(
        {
            "conforme": result.conforme,
            "en_vigueur": result.en_vigueur,
            "statut": result.statut.value if result.statut else None,
            "reference": result.reference,
            "mandat_id": result.mandat_id,
            "message": result.message,
        },
        result.message,
    )
    return 0 if result.en_vigueur else 1


def register(sub: argparse._SubParsersAction[FrenchParser]) -> None:
    mandat = sub.add_parser(
        "mandat", help=_("mandats : création, liste, impression, révocation, vérification")
    )
    cmds = mandat.add_subparsers(dest="mandat_command", required=True, metavar="COMMANDE")

    def structure_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--structure", type=int, help=_("structure pour laquelle vous agissez"))

    p = cmds.add_parser("new", help=_("enregistrer un mandat (et l'imprimer avec --out)"))
    p.add_argument("--beneficiaire", type=int, required=True, help=_("n° du bénéficiaire"))
    p.add_argument(
        "--categorie",
        action="append",
        required=True,
        choices=CATEGORY_KEYS,
        help=_("catégorie de démarches (répéter l'option pour plusieurs)"),
    )
    p.add_argument("--duree", type=int, required=True, choices=DUREES_JOURS, help=_("en jours"))
    p.add_argument("--nom", help=_("nom du mandant (par défaut : celui du dossier)"))
    p.add_argument("--prenom", help=_("prénom du mandant (par défaut : celui du dossier)"))
    p.add_argument("--date-naissance", help=_("AAAA-MM-JJ (par défaut : celle du dossier)"))
    p.add_argument("--lieu-naissance", help=_("commune de naissance du mandant"))
    p.add_argument("--actions", help=_("actions spécifiques, en clair"))
    p.add_argument("--lieu", help=_("lieu de signature (par défaut : la commune de la structure)"))
    p.add_argument(
        "--mentions-lues",
        action="store_true",
        help=_("les mentions du mandat ont été lues à la personne"),
    )
    p.add_argument(
        "--hors-mesure-protection",
        action="store_true",
        help=_("la personne déclare n'être ni sous tutelle, ni sous curatelle, ni sous sauvegarde"),
    )
    p.add_argument("--out", help=_("imprimer le mandat dans ce fichier PDF"))
    p.add_argument("--traduction", help=_("joindre une traduction (en)"))
    structure_option(p)
    p.set_defaults(handler=_new)

    p = cmds.add_parser("list", help=_("lister les mandats de la structure"))
    p.add_argument(
        "--filtre", choices=[f.value for f in Filtre], default=Filtre.TOUS.value, help=_("filtre")
    )
    p.add_argument("--recherche", help=_("nom de la personne ou référence"))
    p.add_argument("--limite", type=int, default=None, help=_("nombre maximal de lignes"))
    structure_option(p)
    p.set_defaults(handler=_list)

    p = cmds.add_parser("expiring", help=_("mandats qui prennent fin dans les 30 jours"))
    structure_option(p)
    p.set_defaults(handler=_expiring)

    p = cmds.add_parser("print", help=_("imprimer un mandat (PDF, deux exemplaires)"))
    p.add_argument("id", type=int)
    p.add_argument("--out", required=True, help=_("fichier PDF"))
    p.add_argument("--traduction", help=_("joindre une traduction (en)"))
    structure_option(p)
    p.set_defaults(handler=_print)

    p = cmds.add_parser("renew", help=_("renouveler un mandat avec la même identité"))
    p.add_argument("id", type=int)
    p.add_argument("--duree", type=int, choices=DUREES_JOURS, help=_("en jours"))
    p.add_argument("--mentions-lues", action="store_true", help=_("mentions lues à la personne"))
    p.add_argument(
        "--hors-mesure-protection", action="store_true", help=_("aucune mesure de protection")
    )
    p.add_argument("--out", help=_("imprimer le nouveau mandat dans ce fichier PDF"))
    structure_option(p)
    p.set_defaults(handler=_renew)

    p = cmds.add_parser("revoke", help=_("révoquer un mandat ou une catégorie"))
    p.add_argument("id", type=int)
    p.add_argument("--categorie", choices=CATEGORY_KEYS, help=_("une seule catégorie"))
    p.add_argument("--out", required=True, help=_("attestation de révocation (PDF)"))
    structure_option(p)
    p.set_defaults(handler=_revoke)

    p = cmds.add_parser("verify", help=_("vérifier le contenu lu dans le QR code d'un mandat"))
    p.add_argument("texte", help=_("contenu du QR code"))
    structure_option(p)
    p.set_defaults(handler=_verify)
