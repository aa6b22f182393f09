"""``main.py lieux import|validate|export|map|proches``: the places use cases without a window."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core.cli import CliContext, FrenchParser
from core.errors import ValidationError
from core.i18n import _, format_number
from core.territory import get_territory


def rapport_lignes(rapport: Any, limite: int = 200) -> list[str]:
    from lieux.importation import Genre

    resume = rapport.resume()
    lines = [
        _("Fichier {file} ({format}) : {n} lignes, {ok} valides, {ko} invalides.").format(
            file=rapport.fichier,
            format=rapport.format.value,
            n=resume["lignes"],
            ok=resume["valides"],
            ko=resume["invalides"],
        ),
        _("{a} valeurs normalisées, {b} non reprises, {c} avertissements.").format(
            a=resume["normalisations"], b=resume["non_repris"], c=resume["avertissements"]
        ),
        *rapport.remarques_fichier,
    ]
    remarks = rapport.remarques()
    order = [Genre.INVALIDE, Genre.NON_REPRIS, Genre.AVERTISSEMENT, Genre.NORMALISE]
    remarks.sort(key=lambda r: (order.index(r.genre), r.ligne))
    for r in remarks[:limite]:
        text = (
            _("ligne {line}, {col} [{kind}] « {value} » : {msg}")
            if r.valeur
            else _("ligne {line}, {col} [{kind}] : {msg}")
        )
        lines.append(
            text.format(
                line=r.ligne,
                col=r.colonne,
                kind=r.genre.value,
                value=_court(r.valeur),
                msg=r.message,
            )
        )
    if len(remarks) > limite:
        lines.append(_("… et {n} autres remarques.").format(n=len(remarks) - limite))
    return lines


def _court(value: str, limite: int = 80) -> str:
    return value if len(value) <= limite else value[: limite - 1] + "…"


def _rapport_json(rapport: Any) -> dict[str, Any]:
    return {
        "fichier": rapport.fichier,
        "format": rapport.format.value,
        **rapport.resume(),
        "remarques_fichier": rapport.remarques_fichier,
        "remarques": [
            {
                "ligne": r.ligne,
                "colonne": r.colonne,
                "genre": r.genre.value,
                "valeur": r.valeur,
                "message": r.message,
            }
            for r in rapport.remarques()
        ],
    }


def _validate(ctx: CliContext) -> int:
    from lieux.importation import analyser_fichier

    rapport = analyser_fichier(Path(ctx.args.fichier))
    ctx.emit(_rapport_json(rapport), "\n".join(rapport_lignes(rapport)))
    return 0 if not rapport.lignes_invalides else 1


def _import(ctx: CliContext) -> int:
    from lieux.importation import analyser_fichier, importer_lieux

    rapport = analyser_fichier(Path(ctx.args.fichier))
    if ctx.args.valider_seulement:
        ctx.emit(_rapport_json(rapport), "\n".join(rapport_lignes(rapport)))
        return 0 if not rapport.lignes_invalides else 1
    if not rapport.lignes_valides:
        ctx.emit(_rapport_json(rapport), "\n".join(rapport_lignes(rapport)))
        raise ValidationError(_("Aucune ligne valide : rien n'a été importé."), field="fichier")
    with ctx.session() as session:
        actor = ctx.actor(session)
        result = importer_lieux(session, actor, rapport)
    lines = rapport_lignes(rapport)
    lines.append(
        _("Import : {c} créés, {m} mis à jour, {u} inchangés, {i} lignes ignorées.").format(
            c=len(result.crees), m=len(result.modifies), u=len(result.inchanges), i=result.ignores
        )
    )
    lines += [
        _("  {id} : {fields}").format(id=ident, fields=", ".join(fields))
        for ident, fields in result.modifies.items()
    ]
    if result.conserves:
        lines.append(
            _(
                "Champs absents du fichier, laissés tels quels sur les lieux connus : {fields}."
            ).format(fields=", ".join(result.conserves))
        )
    ctx.emit(
        {
            **_rapport_json(rapport),
            "crees": result.crees,
            "modifies": result.modifies,
            "inchanges": len(result.inchanges),
            "ignores": result.ignores,
            "conserves": result.conserves,
        },
        "\n".join(lines),
    )
    return 0


def _export(ctx: CliContext) -> int:
    from lieux.exportation import (
        exporter_csv,
        exporter_geojson,
        lieux_sans_position,
        nom_fichier_recommande,
    )

    out = Path(ctx.args.out)
    with ctx.session() as session:
        actor = ctx.actor(session)
        if out.is_dir():
            territory = get_territory(session)
            if not ctx.args.siret:
                raise ValidationError(
                    _("Pour nommer le fichier, indiquez --siret (SIRET du producteur)."),
                    field="siret",
                )
            name = ctx.args.territoire or (territory.nom if territory else "")
            out = out / nom_fichier_recommande(date.today(), ctx.args.siret, name)
        if out.suffix.lower() in (".geojson", ".json"):
            n = exporter_geojson(session, actor, out)
        elif out.suffix.lower() == ".csv":
            n = exporter_csv(session, actor, out)
        else:
            raise ValidationError(
                _("Extension attendue : .csv ou .geojson (reçu « {name} »).").format(name=out.name),
                field="out",
            )
        sans_position = lieux_sans_position(session) if out.suffix.lower() != ".csv" else 0
    text = _("{n} lieux exportés dans {file}.").format(n=n, file=out)
    if sans_position:
        text += " " + _("{n} lieux sans position, non exportés.").format(n=sans_position)
    ctx.emit({"fichier": str(out), "lieux": n, "sans_position": sans_position}, text)
    return 0


# The schema ids of the places to ring on the map as Pass numérique structures: domaines.py hands
# over the Pass numérique's own function, since lieux does not read that package.
LieuxPass = Callable[[Session], Collection[str]]


def _no_pass(_session: Session) -> Collection[str]:
    return ()


def _map(ctx: CliContext, lieux_pass: LieuxPass) -> int:
    from lieux.carte import exporter_carte
    from lieux.exportation import lieux_sans_position

    out = Path(ctx.args.out)
    with ctx.session() as session:
        actor = ctx.actor(session)
        pass_ids = lieux_pass(session)
        n = exporter_carte(session, actor, out, tuiles=ctx.args.tuiles, pass_ids=pass_ids)
        sans_position = lieux_sans_position(session)
    text = _("Carte de {n} lieux écrite dans {file} (fonctionne hors ligne).").format(n=n, file=out)
    if sans_position:
        text += " " + _("{n} lieux sans position, non affichés.").format(n=sans_position)
    ctx.emit({"fichier": str(out), "marqueurs": n, "sans_position": sans_position}, text)
    return 0


def _nearest(ctx: CliContext) -> int:
    from lieux.proximite import (
        etat_ouverture,
        lieux_proches,
        liste_pdf,
        point_de_depart,
        service_du_schema,
        telephone_lisible,
    )

    service = service_du_schema(ctx.args.service) if ctx.args.service else None
    with ctx.session() as session:
        actor = ctx.actor(session)
        depart = point_de_depart(session, ctx.args.commune or ctx.args.adresse)
        found = lieux_proches(
            session,
            actor,
            None,
            service,
            ctx.args.limite,
            depuis=(depart.latitude, depart.longitude),
        )
    if ctx.args.pdf:
        liste_pdf(found, depart.libelle, service, Path(ctx.args.pdf))
    lines = [
        f"{format_number(p.distance_km, 1):>6} km  {p.nom} — {p.adresse}, {p.commune}"
        + (f" — {telephone_lisible(p.telephone)}" if p.telephone else "")
        + f" — {etat_ouverture(p)}"
        for p in found
    ]
    ctx.emit(
        [
            {
                "identifiant": p.identifiant,
                "nom": p.nom,
                "distance_km": p.distance_km,
                "ouvert": p.ouvert,
                "horaires": p.horaires,
                "prochaine_ouverture": p.prochaine_ouverture.isoformat()
                if p.prochaine_ouverture
                else None,
            }
            for p in found
        ],
        "\n".join(lines) or _("Aucun lieu ne correspond."),
    )
    return 0


def register(
    sub: argparse._SubParsersAction[FrenchParser], lieux_pass: LieuxPass = _no_pass
) -> None:
    lieux = sub.add_parser("lieux", help=_("lieux de médiation numérique : import, export, carte"))
    ls = lieux.add_subparsers(dest="lieux_command", required=True, metavar="COMMANDE")
    p = ls.add_parser("validate", help=_("vérifier un fichier de lieux sans rien enregistrer"))
    p.add_argument("fichier", help=_("CSV (schéma v1 ou v0.1) ou JSON"))
    p.set_defaults(handler=_validate)
    p = ls.add_parser("import", help=_("importer les lignes valides d'un fichier de lieux"))
    p.add_argument("fichier", help=_("CSV (schéma v1 ou v0.1) ou JSON"))
    p.add_argument(
        "--valider-seulement",
        action="store_true",
        help=_("afficher le rapport sans rien enregistrer"),
    )
    p.set_defaults(handler=_import)
    p = ls.add_parser("export", help=_("exporter les lieux (CSV national ou GeoJSON)"))
    p.add_argument("--out", required=True, help=_("fichier .csv ou .geojson, ou un dossier"))
    p.add_argument("--siret", help=_("SIRET du producteur, pour le nom de fichier recommandé"))
    p.add_argument("--territoire", help=_("nom du territoire, pour le nom de fichier"))
    p.set_defaults(handler=_export)
    p = ls.add_parser("map", help=_("carte HTML autonome des lieux (hors ligne)"))
    p.add_argument("--out", required=True, help=_("fichier .html"))
    p.add_argument(
        "--tuiles", action="store_true", help=_("fond de carte OpenStreetMap (en ligne)")
    )
    p.set_defaults(handler=partial(_map, lieux_pass=lieux_pass))
    p = ls.add_parser("proches", help=_("lieux les plus proches d'une commune"))
    depart = p.add_mutually_exclusive_group(required=True)
    depart.add_argument("--commune", help=_("code INSEE ou nom de la commune"))
    depart.add_argument("--adresse", help=_("adresse suivie de sa commune"))
    p.add_argument(
        "--service", help=_("service recherché (valeur du schéma national, accents facultatifs)")
    )
    p.add_argument("--limite", type=int, default=10, help=_("nombre de lieux"))
    p.add_argument("--pdf", help=_("écrire aussi la liste imprimable dans ce fichier PDF"))
    p.set_defaults(handler=_nearest)
