"""From a validated survey to the result table: weights, indicators, estimates, provenance.

A :class:`Resultat` always states the methodology version and fingerprint, the input files'
SHA-256, the weighting method and the number of rows excluded, so a figure can be traced back.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.errors import ValidationError
from core.i18n import _
from core.progress import NO_PROGRESS, Progress
from core.tableur import tableau_csv
from core.territory import cog, default_preset, get_territory, territory_communes
from fragilite import indicateurs, methodologie
from fragilite import journal as journal_fragilite
from fragilite.estimation import COLONNES_ESTIMEES, Estimations, Territoire, estimer
from fragilite.lecture import Enquete, code_insee_normalise
from fragilite.ponderation import Marges, ponderer


@dataclass
class Resultat:
    estimations: Estimations
    methode: methodologie.Methodologie
    enquete: str  # file name
    empreinte_enquete: str
    empreinte_marges: str | None
    ponderation: str  # key of ponderation.METHODES
    ponderation_libelle: str
    lignes_exclues: int
    repondants: int
    avertissements: list[str] = field(default_factory=list)
    communes_sans_marges: tuple[str, ...] = ()

    def ponderation_par_commune(self) -> list[str]:
        """The weighting of each row: a commune absent from the margins says so on its row."""
        terr = self.estimations.territoire
        return [
            "sans_marges" if code in self.communes_sans_marges else self.ponderation
            for code in terr.codes
        ] + [self.ponderation]

    def table(self) -> pd.DataFrame:
        """The machine-readable table: one row per commune, then the territory."""
        est = self.estimations
        terr = est.territoire
        data: dict[str, Any] = {
            "code_insee": [*terr.codes, terr.siren],
            "commune": [*(nom for _c, nom in terr.communes), terr.nom],
            "n": est.n,
            "n_eff": np.round(est.n_eff, 2),
            "statut": est.statut,
            "ponderation": self.ponderation_par_commune(),
            "poids_territoire": np.round(est.poids_territoire_moyen(), 4),
        }
        hidden = np.array([s == "masque" for s in est.statut])
        for name in COLONNES_ESTIMEES:
            data[name] = est.valeurs[name]
            data[f"{name}_ic_bas"] = est.ic_bas[name]
            data[f"{name}_ic_haut"] = est.ic_haut[name]
            if name in est.n_indicateur:
                counts = est.n_indicateur[name]
                data[f"{name}_n"] = pd.Series(counts, dtype="Int64").mask(counts < 0)
                data[f"{name}_poids_territoire"] = np.round(est.poids_territoire[name], 4)
        frame = pd.DataFrame(data)
        frame["n"] = frame["n"].astype("Int64")
        frame.loc[hidden, "n"] = pd.NA
        frame.loc[hidden, "n_eff"] = np.nan
        frame.loc[hidden, ["ponderation", "poids_territoire"]] = None
        return frame

    def metadonnees(self) -> dict[str, Any]:
        return {
            "methodologie_version": self.methode.version,
            "methodologie_empreinte_sha256": self.methode.empreinte,
            "normalisation": self.methode.normalisation,
            "enquete": self.enquete,
            "enquete_empreinte_sha256": self.empreinte_enquete,
            "marges_empreinte_sha256": self.empreinte_marges,
            "ponderation": self.ponderation,
            "ponderation_libelle": self.ponderation_libelle,
            "repondants_retenus": self.repondants,
            "lignes_exclues": self.lignes_exclues,
            "territoire": self.estimations.territoire.nom,
            "siren": self.estimations.territoire.siren,
            "minimum_repondants": self.methode.minimum_repondants,
            "seuil_fiable_n_eff": self.methode.seuil_fiable_n_eff,
            "avertissement": self.methode.avertissement,
            "avertissements": self.avertissements + self.estimations.notes,
        }

    def provenance(self) -> str:
        """One line for every map, table and report."""
        return _(
            "Méthodologie v{v} · enquête {f} (SHA-256 {h}…) · {n} répondants retenus, "
            "{x} lignes exclues · {p}"
        ).format(
            v=self.methode.version,
            f=self.enquete,
            h=self.empreinte_enquete[:12],
            n=self.repondants,
            x=self.lignes_exclues,
            p=self.ponderation_libelle,
        )


def ecrire_csv(resultat: Resultat, path: Path) -> Path:
    """The table with a dot as decimal separator, and its provenance beside it (``.json``)."""
    tableau_csv(resultat.table()).to_csv(
        path, index=False, float_format="%.6f", quoting=csv.QUOTE_MINIMAL, lineterminator="\n"
    )
    meta = path.with_suffix(".metadonnees.json")
    meta.write_text(
        json.dumps(resultat.metadonnees(), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return meta


def territoire_depuis_fichier(path: Path) -> Territoire:
    """A territory from a preset-format CSV (``siren_epci,nom_epci,code_insee,nom,…``)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        rows = list(frame.itertuples(index=False))
        known = cog()
        codes = [code_insee_normalise(r.code_insee) for r in rows]
        unknown = [c for c in codes if c not in known]
        if unknown or not rows:
            raise ValidationError(
                _("Territoire : codes INSEE inconnus : {codes}.").format(codes=", ".join(unknown))
            )
        return Territoire(
            nom=str(rows[0].nom_epci),
            siren=str(rows[0].siren_epci),
            communes=tuple((c, str(r.nom)) for c, r in zip(codes, rows, strict=True)),
        )
    except (AttributeError, OSError, pd.errors.ParserError) as exc:
        raise ValidationError(
            _("Fichier de territoire illisible : {path} ({err}).").format(path=path, err=exc)
        ) from None


def territoire_par_defaut() -> Territoire:
    preset = default_preset()
    return Territoire(
        preset.nom, preset.siren, tuple((c.code_insee, c.nom) for c in preset.communes)
    )


def territoire_configure(session: Session) -> Territoire:
    """The installation's territory (from the database), or the default preset."""
    terr = get_territory(session)
    communes = territory_communes(session)
    if terr is None or not communes:
        return territoire_par_defaut()
    return Territoire(terr.nom, terr.siren or "", tuple((c.code_insee, c.nom) for c in communes))


def calculer(
    enquete: Enquete,
    territoire: Territoire,
    marges: Marges | None = None,
    methode: methodologie.Methodologie | None = None,
    reference: dict[str, float] | None = None,
    progress: Progress = NO_PROGRESS,
) -> Resultat:
    """Compute every figure of the methodology from a survey whose rows were all retained."""
    if enquete.lignes_invalides or enquete.erreur_fatale:
        raise ValidationError(
            _("L'enquête contient des lignes invalides : corrigez-les ou excluez-les d'abord.")
        )
    methode = methode or methodologie.charger()
    ponderation = ponderer(enquete, marges)
    valeurs = indicateurs.calculer(enquete)
    estimations = estimer(
        valeurs, ponderation.poids, enquete.code_insee, territoire, methode, reference, progress
    )
    return Resultat(
        estimations=estimations,
        methode=methode,
        enquete=enquete.nom_fichier,
        empreinte_enquete=enquete.empreinte,
        empreinte_marges=marges.empreinte if marges else None,
        ponderation=ponderation.methode,
        ponderation_libelle=ponderation.libelle,
        lignes_exclues=enquete.exclues,
        repondants=enquete.n_lignes,
        avertissements=ponderation.avertissements,
        communes_sans_marges=ponderation.communes_sans_marges,
    )


def methode_configuree(session: Session) -> methodologie.Methodologie:
    """The methodology, with the installation's minimum number of respondents if it sets one."""
    from core.installation import get_setting

    methode = methodologie.charger()
    minimum = get_setting(session, "fragilite_min_repondants")
    if minimum is not None and int(minimum) >= 1:
        methode = methode.avec(minimum_repondants=int(minimum))
    return methode


def journaliser_calcul(session: Session, actor: Actor, resultat: Resultat) -> None:
    """Record that a computation was run (fingerprints and counts only, never answers)."""
    require(actor, Permission.FRAGILITE)
    journal_fragilite.calcul(
        session,
        actor,
        resultat.empreinte_enquete[:16],
        methodologie=resultat.methode.version,
        enquete_sha256=resultat.empreinte_enquete,
        marges_sha256=resultat.empreinte_marges,
        ponderation=resultat.ponderation,
        repondants=resultat.repondants,
        lignes_exclues=resultat.lignes_exclues,
        communes=len(resultat.estimations.territoire.codes),
    )
