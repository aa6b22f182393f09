"""``main.py stats export``: the national-format exports, headless."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from core.cli import CliContext, FrenchParser
from core.errors import ValidationError
from core.i18n import _
from mediation.exports import (
    ResultatExport,
    exporter_accompagnements,
    exporter_beneficiaires,
    exporter_statistiques,
)
from mediation.statistiques import Perimetre

_CONTENUS = {
    "statistiques": exporter_statistiques,
    "accompagnements": exporter_accompagnements,
    "beneficiaires": exporter_beneficiaires,
}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("date invalide « {value} » (format AAAA-MM-JJ)").format(value=value)
        ) from None


def _export(ctx: CliContext) -> int:
    args = ctx.args
    perimetre = Perimetre(args.du, args.au, structure_id=args.structure, agent_id=args.mediateur)
    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise ValidationError(_("Le fichier de sortie doit finir par .xlsx ou .csv."), field="out")
    db = ctx.database()
    with db.session() as session:
        # Authenticating writes the login's journal entry: its own short unit of work.
        actor = ctx.actor(session)
    resultat: ResultatExport = _CONTENUS[args.contenu](db, actor, perimetre, out)
    ctx.emit(
        {
            "fichier": str(resultat.chemin),
            "format": resultat.format.value,
            "lignes": resultat.lignes,
        },
        _("Export écrit : {path} ({n} lignes).").format(path=resultat.chemin, n=resultat.lignes),
    )
    return 0


def register(sub: argparse._SubParsersAction[FrenchParser]) -> None:
    stats = sub.add_parser("stats", help=_("statistiques et exports au format national"))
    cmds = stats.add_subparsers(dest="stats_command", required=True, metavar="COMMANDE")
    p = cmds.add_parser(
        "export",
        help=_("exporter statistiques, accompagnements ou bénéficiaires (XLSX ou CSV)"),
    )
    p.add_argument("--du", type=_date, required=True, help=_("premier jour (AAAA-MM-JJ)"))
    p.add_argument("--au", type=_date, required=True, help=_("dernier jour (AAAA-MM-JJ)"))
    p.add_argument(
        "--out", required=True, help=_("fichier à écrire : .xlsx, ou .csv (séparateur « ; »)")
    )
    p.add_argument(
        "--contenu",
        choices=sorted(_CONTENUS),
        default="statistiques",
        help=_("ce qui est exporté (par défaut : statistiques)"),
    )
    p.add_argument("--structure", type=int, default=None, help=_("limiter à une structure (id)"))
    p.add_argument("--mediateur", type=int, default=None, help=_("limiter à un agent (id)"))
    p.set_defaults(handler=_export)
