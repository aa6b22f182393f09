"""``main.py fragilite validate|compute|map|report|compare``: the fragility index without a window.

These commands read files and write files; they need no account. The territory is ``--territoire``
(a preset-format CSV), else the installation's configured territory when a database exists, else
the default preset.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from core import paths
from core.cli import CliContext, FrenchParser
from core.errors import ValidationError
from core.i18n import _

LIMITE_RAPPORT = 200


def _territoire(ctx: CliContext) -> Any:
    from fragilite import calcul

    if getattr(ctx.args, "territoire", None):
        return calcul.territoire_depuis_fichier(Path(ctx.args.territoire))
    if os.environ.get("MEDIANUM_DATABASE_URL") or paths.database_file().exists():
        with ctx.database().read_session() as session:
            return calcul.territoire_configure(session)
    return calcul.territoire_par_defaut()


def _methode(ctx: CliContext) -> Any:
    from fragilite import methodologie

    path = getattr(ctx.args, "methodologie", None)
    methode = methodologie.charger(Path(path) if path else None)
    if getattr(ctx.args, "normalisation", None):
        methode = methode.avec(normalisation=ctx.args.normalisation)
    minimum = getattr(ctx.args, "min_repondants", None)
    if minimum is None and (
        os.environ.get("MEDIANUM_DATABASE_URL") or paths.database_file().exists()
    ):
        from core.installation import get_setting

        with ctx.database().read_session() as session:
            minimum = get_setting(session, "fragilite_min_repondants")
    if minimum is not None:
        if int(minimum) < 1:
            raise ValidationError(_("Le nombre minimal de répondants doit être au moins 1."))
        methode = methode.avec(minimum_repondants=int(minimum))
    return methode


def _charger(ctx: CliContext, path: str, territoire: Any) -> Any:
    from fragilite import lecture

    enquete = lecture.charger(Path(path), territoire.codes)
    return lecture.retenir(enquete, ctx.args.exclure_lignes_invalides)


def _resultat(ctx: CliContext, survey: str | None = None, reference: Any = None) -> Any:
    from fragilite import calcul, ponderation

    territoire = _territoire(ctx)
    methode = _methode(ctx)
    enquete = _charger(ctx, survey or ctx.args.survey, territoire)
    marges = ponderation.lire_marges(Path(ctx.args.margins)) if ctx.args.margins else None
    return calcul.calculer(enquete, territoire, marges, methode, reference)


def _resume(resultat: Any) -> str:
    lines = [resultat.provenance()]
    lines += [_("Attention : {w}").format(w=w) for w in resultat.metadonnees()["avertissements"]]
    return "\n".join(lines)


def _validate(ctx: CliContext) -> int:
    from fragilite import lecture

    territoire = _territoire(ctx)
    enquete = lecture.charger(Path(ctx.args.fichier), territoire.codes)
    invalid = enquete.lignes_invalides
    ctx.emit(
        {
            "fichier": enquete.nom_fichier,
            "empreinte_sha256": enquete.empreinte,
            "lignes": enquete.n_lignes,
            "lignes_invalides": len(invalid),
            "problemes": [
                {"ligne": p.ligne, "colonne": p.colonne, "valeur": p.valeur, "motif": p.motif}
                for p in enquete.problemes
            ],
        },
        "\n".join(
            [
                _("Fichier {f} : {n} lignes, {k} lignes invalides, {p} problèmes.").format(
                    f=enquete.nom_fichier,
                    n=enquete.n_lignes,
                    k=len(invalid),
                    p=len(enquete.problemes),
                ),
                *([enquete.rapport_texte(limite=LIMITE_RAPPORT)] if enquete.problemes else []),
            ]
        ),
    )
    return 1 if enquete.problemes else 0


def _compute(ctx: CliContext) -> int:
    from fragilite import calcul

    resultat = _resultat(ctx)
    out = Path(ctx.args.out)
    meta = calcul.ecrire_csv(resultat, out)
    ctx.emit(
        {"fichier": str(out), "metadonnees": str(meta), **resultat.metadonnees()},
        _resume(resultat)
        + "\n"
        + _("Résultat écrit : {f} (provenance : {m})").format(f=out, m=meta),
    )
    return 0


def _map(ctx: CliContext) -> int:
    from fragilite import cartes

    resultat = _resultat(ctx)
    out = Path(ctx.args.out)
    report = cartes.exporter(resultat, out, ctx.args.indicateur)
    ctx.emit(
        {"fichier": str(out), "contours_non_apparies": report, **resultat.metadonnees()},
        "\n".join(
            [
                _resume(resultat),
                *(
                    [_("Contours et communes non appariés : {r}").format(r="; ".join(report))]
                    if report
                    else []
                ),
                _("Carte écrite : {f}").format(f=out),
            ]
        ),
    )
    return 0


def _report(ctx: CliContext) -> int:
    from fragilite import rapport

    resultat = _resultat(ctx)
    out = Path(ctx.args.out)
    rapport.ecrire_pdf(resultat, out)
    ctx.emit(
        {"fichier": str(out), **resultat.metadonnees()},
        _resume(resultat) + "\n" + _("Rapport écrit : {f}").format(f=out),
    )
    return 0


def _compare(ctx: CliContext) -> int:
    from fragilite import comparaison

    avant = _resultat(ctx, ctx.args.avant)
    apres = _resultat(ctx, ctx.args.apres, reference=avant.estimations.niveaux_reference)
    cmp = comparaison.comparer(avant, apres)
    out = Path(ctx.args.out)
    comparaison.ecrire_csv(cmp, out)
    ctx.emit(
        {"fichier": str(out), "avant": avant.metadonnees(), "apres": apres.metadonnees()},
        "\n".join(
            [
                _("Avant : {p}").format(p=avant.provenance()),
                _("Après : {p}").format(p=apres.provenance()),
                _("Évolutions écrites : {f}").format(f=out),
            ]
        ),
    )
    return 0


def _common(p: FrenchParser, survey: bool = True) -> None:
    if survey:
        p.add_argument("--survey", required=True, help=_("fichier d'enquête (CSV ou XLSX)"))
    p.add_argument("--margins", help=_("marges de population par commune (CSV)"))
    p.add_argument(
        "--exclure-lignes-invalides",
        action="store_true",
        help=_("exclure explicitement les lignes signalées par la validation"),
    )
    p.add_argument("--territoire", help=_("territoire : CSV au format des territoires prédéfinis"))
    p.add_argument("--methodologie", help=_("fichier de méthodologie (JSON)"))
    p.add_argument(
        "--normalisation",
        choices=("territoire_100", "echelle_1_10"),
        help=_("normalisation de l'indice (par défaut : celle de la méthodologie)"),
    )
    p.add_argument(
        "--min-repondants",
        type=int,
        help=_("nombre minimal de répondants pour montrer une commune"),
    )
    p.add_argument("--out", required=True, help=_("fichier à écrire"))


def register(sub: argparse._SubParsersAction[FrenchParser]) -> None:
    root = sub.add_parser(
        "fragilite", help=_("indice de fragilité numérique à partir d'une enquête")
    )
    cmds = root.add_subparsers(dest="fragilite_command", required=True, metavar="COMMANDE")
    p = cmds.add_parser("validate", help=_("valider un fichier d'enquête (tous les problèmes)"))
    p.add_argument("fichier", help=_("fichier d'enquête (CSV ou XLSX)"))
    p.add_argument("--territoire", help=_("territoire : CSV au format des territoires prédéfinis"))
    p.set_defaults(handler=_validate)

    p = cmds.add_parser("compute", help=_("calculer indicateurs, intervalles et indice (CSV)"))
    _common(p)
    p.set_defaults(handler=_compute)

    p = cmds.add_parser("map", help=_("carte choroplèthe (HTML hors ligne, PNG ou PDF)"))
    _common(p)
    p.add_argument("--indicateur", default="indice", help=_("indicateur, axe ou « indice »"))
    p.set_defaults(handler=_map)

    p = cmds.add_parser("report", help=_("rapport PDF : carte, tableau, méthode"))
    _common(p)
    p.set_defaults(handler=_report)

    p = cmds.add_parser("compare", help=_("comparer deux enquêtes, commune par commune"))
    p.add_argument("--avant", required=True, help=_("enquête la plus ancienne"))
    p.add_argument("--apres", required=True, help=_("enquête la plus récente"))
    _common(p, survey=False)
    p.set_defaults(handler=_compare)
