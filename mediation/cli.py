"""``main.py beneficiaire …``: search, right-of-access export, erasure, retention, import."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli import CliContext, FrenchParser
from core.errors import ValidationError
from core.i18n import _, format_date


def _search(ctx: CliContext) -> int:
    from mediation.beneficiaires import search_beneficiaires

    with ctx.session() as session:
        actor = ctx.actor(session)
        rows = search_beneficiaires(session, actor, ctx.args.texte, limit=ctx.args.limite)
    data = [
        {
            "id": r.id,
            "nom": r.nom,
            "prenom": r.prenom,
            "annee_naissance": r.annee_naissance,
            "commune_insee": r.commune_insee,
            "structure_id": r.structure_id,
        }
        for r in rows
    ]
    text = (
        "\n".join(
            f"{r.id:>8}  {(r.nom or '')} {(r.prenom or '')}"
            + (f" ({r.annee_naissance})" if r.annee_naissance else "")
            for r in rows
        )
        if rows
        else _("Aucun bénéficiaire trouvé.")
    )
    ctx.emit(data, text)
    return 0


def _export(ctx: CliContext) -> int:
    from mediation.droits import export_personal_data

    with ctx.session() as session:
        actor = ctx.actor(session)
        written = export_personal_data(session, actor, ctx.args.id, Path(ctx.args.out))
    ctx.emit(
        {"id": ctx.args.id, "fichiers": [str(p) for p in written]},
        _("Données exportées : {files}").format(files=", ".join(str(p) for p in written)),
    )
    return 0


def _confirmed(ctx: CliContext, question: str) -> bool:
    if ctx.args.oui:
        return True
    if not sys.stdin.isatty():
        raise ValidationError(_("Action irréversible : confirmez-la avec --oui."))
    return input(question + " [o/N] ").strip().lower() in ("o", "oui")


def _erase(ctx: CliContext) -> int:
    from mediation.droits import (
        erase_beneficiaire,
        files_deleted_message,
        files_notice,
        pseudonym,
    )

    if not _confirmed(
        ctx,
        _("Effacer les données personnelles du dossier n° {id} ?").format(id=ctx.args.id)
        + " "
        + files_notice(),
    ):
        ctx.emit({"id": ctx.args.id, "efface": False}, _("Rien n'a été effacé."))
        return 1
    with ctx.session() as session:
        actor = ctx.actor(session)
        files = erase_beneficiaire(session, actor, ctx.args.id)
    said = _("Dossier effacé : il s'appelle désormais « {name} ».").format(
        name=pseudonym(ctx.args.id)
    )
    ctx.emit(
        {
            "id": ctx.args.id,
            "efface": True,
            "pseudonyme": pseudonym(ctx.args.id),
            "fichiers_supprimes": [str(f) for f in files],
        },
        "\n".join(p for p in (said, files_deleted_message(files)) if p),
    )
    return 0


def _retention(ctx: CliContext) -> int:
    from mediation.droits import apply_retention, retention_due, retention_years
    from mediation.mandats.retention import (
        mandate_retention_years,
        mandats_past_retention,
        purge_mandats_past_retention,
    )

    with ctx.session() as session:
        actor = ctx.actor(session)
        due = retention_due(session, actor)
        years = retention_years(session)
        mandats = mandats_past_retention(session, actor)
        mandat_years = mandate_retention_years(session)
        data: dict[str, object] = {
            "annees": years,
            "dossiers": [
                {"id": c.id, "derniere_activite": c.derniere_activite_at.date().isoformat()}
                for c in due
            ],
            "annees_mandats": mandat_years,
            "mandats": mandats,
        }
        lines = [
            _("{n} dossier(s) sans activité depuis {years} ans.").format(n=len(due), years=years)
        ] + [f"{c.id:>8}  {format_date(c.derniere_activite_at.date(), 'short')}" for c in due]
        lines.append(_mandats_due_text(len(mandats), mandat_years))
        if ctx.args.appliquer and (due or mandats):
            if due and mandats:
                question = _("Effacer ces {n} dossier(s) et {m} mandat(s) terminé(s) ?")
            elif due:
                question = _("Effacer ces {n} dossiers ?")
            else:
                question = _("Effacer le contenu de ces {m} mandat(s) terminé(s) ?")
            question = question.format(n=len(due), m=len(mandats))
            if not _confirmed(ctx, question):
                ctx.emit(data, _("Rien n'a été effacé."))
                return 1
            # The mandates first: nothing is written outside the database for them, while each
            # file's erasure goes to the ledger at once.
            data["mandats_effaces"] = purge_mandats_past_retention(session, actor, ids=mandats)
            data["effaces"] = apply_retention(session, actor, [c.id for c in due]) if due else 0
            lines.append(_("{n} dossier(s) effacé(s).").format(n=data["effaces"]))
            lines.append(_("{n} mandat(s) effacé(s).").format(n=data["mandats_effaces"]))
    ctx.emit(data, "\n".join(lines))
    return 0


def _mandats_due_text(count: int, years: int) -> str:
    return _(
        "{n} mandat(s) terminé(s) (expiré(s) ou révoqué(s)) depuis {years} ans ou plus."
    ).format(n=count, years=years)


def _import(ctx: CliContext) -> int:
    from mediation.importation import ImportInterrompu, importer_par_lots, prepare_import

    db = ctx.database()
    with db.session() as session:
        # Authenticating writes the login's journal entry: its own short unit of work, so the
        # dry run below holds no lock that other desks would wait behind.
        actor = ctx.actor(session)
    with db.read_session() as session:
        report = prepare_import(session, actor, Path(ctx.args.fichier))
    data: dict[str, object] = {
        "feuille": report.feuille,
        "lignes_valides": len(report.valid),
        "rejets": [{"ligne": r.ligne, "motif": r.motif} for r in report.rejected],
        "colonnes_ignorees": report.ignored_columns,
        "importes": 0,
    }
    lines = [
        _("{valid} ligne(s) valide(s), {rejected} rejetée(s).").format(
            valid=len(report.valid), rejected=len(report.rejected)
        )
    ]
    if report.ignored_columns:
        lines.append(
            _("Colonnes ignorées (non importées) : {columns}.").format(
                columns=", ".join(f"« {c} »" for c in report.ignored_columns)
            )
        )
    lines += [_("  ligne {n} : {motif}").format(n=r.ligne, motif=r.motif) for r in report.rejected]
    if not report.valid:
        lines.append(_("Aucune ligne n'est importable : rien n'a été enregistré."))
        ctx.emit(data, "\n".join(lines))
        return 1
    if ctx.args.confirmer:
        try:
            ids = importer_par_lots(db, actor, report, reprendre_a=ctx.args.reprendre_a)
        except ImportInterrompu as exc:
            data.update(importes=len(exc.importes), reprendre_a=exc.reprendre_a)
            ctx.emit(data, "\n".join([*lines, str(exc)]))
            return 1
        data["importes"] = len(ids)
        lines.append(_("{n} bénéficiaire(s) importé(s).").format(n=len(ids)))
    else:
        lines.append(_("Rien n'a été enregistré : relancez avec --confirmer pour importer."))
    ctx.emit(data, "\n".join(lines))
    return 0


def register(sub: argparse._SubParsersAction[FrenchParser]) -> None:
    parser = sub.add_parser(
        "beneficiaire", help=_("bénéficiaires : recherche, droits des personnes, import")
    )
    cmds = parser.add_subparsers(dest="beneficiaire_command", required=True, metavar="COMMANDE")

    p = cmds.add_parser("search", help=_("chercher par début de nom ou de prénom"))
    p.add_argument("texte", help=_("début du nom ou du prénom (accents et casse ignorés)"))
    p.add_argument("--limite", type=int, default=20, help=_("nombre maximal de résultats"))
    p.set_defaults(handler=_search)

    p = cmds.add_parser("export-donnees", help=_("droit d'accès : tout ce qui est détenu"))
    p.add_argument("id", type=int, help=_("numéro du dossier"))
    p.add_argument(
        "--out", required=True, help=_("fichier .json ou .pdf (autre extension : les deux)")
    )
    p.set_defaults(handler=_export)

    p = cmds.add_parser("effacer", help=_("droit à l'effacement (irréversible)"))
    p.add_argument("id", type=int, help=_("numéro du dossier"))
    p.add_argument("--oui", action="store_true", help=_("confirmer sans question"))
    p.set_defaults(handler=_erase)

    p = cmds.add_parser(
        "conservation",
        help=_("dossiers sans activité et mandats terminés depuis la durée fixée"),
    )
    p.add_argument(
        "--appliquer", action="store_true", help=_("effacer les dossiers et les mandats listés")
    )
    p.add_argument("--oui", action="store_true", help=_("confirmer sans question"))
    p.set_defaults(handler=_retention)

    p = cmds.add_parser("import", help=_("importer un fichier XLSX ou CSV (modèle national)"))
    p.add_argument("fichier", help=_("fichier XLSX ou CSV"))
    p.add_argument(
        "--confirmer", action="store_true", help=_("enregistrer les lignes valides (sinon : essai)")
    )
    p.add_argument(
        "--reprendre-a",
        type=int,
        default=None,
        metavar="LIGNE",
        help=_("après une interruption : importer à partir de cette ligne du fichier"),
    )
    p.set_defaults(handler=_import)
