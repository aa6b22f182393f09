"""The versioned methodology (``resources/fragilite/methodologie-v1.json``): indicator
definitions, axes and their weights, normalisation, minimum sizes, bootstrap draws and seed.

Every result carries the methodology's version and the SHA-256 of its file, next to the input
files' fingerprints: the same inputs and the same methodology always give the same numbers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.errors import ValidationError
from core.i18n import _
from core.paths import resource
from fragilite.indicateurs import INDICATEURS

NORMALISATIONS = ("territoire_100", "echelle_1_10")
FICHIER_PAR_DEFAUT = ("fragilite", "methodologie-v1.json")


@dataclass(frozen=True)
class Axe:
    nom: str
    indicateurs: dict[str, float]  # indicator -> weight within the axis
    poids: float  # the axis' weight in the index


@dataclass(frozen=True)
class Methodologie:
    version: str
    empreinte: str
    axes: tuple[Axe, ...]
    normalisation: str
    minimum_repondants: int
    seuil_fiable_n_eff: float
    niveau: float
    avertissement: str
    replicats: int  # parametric bootstrap draws for the intervals of the smoothed figures
    graine: int  # seed of those draws: the same inputs always give the same intervals
    texte: dict[str, Any]  # the whole file, for the report's method section

    @property
    def noms_axes(self) -> tuple[str, ...]:
        return tuple(a.nom for a in self.axes)

    def avec(self, **changes: Any) -> Methodologie:
        return replace(self, **changes)


def charger(path: Path | None = None) -> Methodologie:
    path = path or resource(*FICHIER_PAR_DEFAUT)
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
        axes = tuple(
            Axe(name, {k: float(v) for k, v in spec["indicateurs"].items()}, float(spec["poids"]))
            for name, spec in data["axes"].items()
        )
        effectifs = data["effectifs"]
        methode = Methodologie(
            version=str(data["version"]),
            empreinte=hashlib.sha256(raw).hexdigest(),
            axes=axes,
            normalisation=str(data["normalisation"]),
            minimum_repondants=int(effectifs["minimum_repondants"]),
            seuil_fiable_n_eff=float(effectifs["seuil_fiable_n_eff"]),
            niveau=float(data["intervalles"]["niveau"]),
            avertissement=str(data["avertissement"]),
            replicats=int(data["intervalles"].get("replicats", 1000)),
            graine=int(data["intervalles"].get("graine", 2026)),
            texte=data,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(
            _("Fichier de méthodologie invalide : {path} ({err}).").format(path=path, err=exc)
        ) from None
    used = {i for a in axes for i in a.indicateurs}
    if not used <= set(INDICATEURS) or methode.normalisation not in NORMALISATIONS:
        raise ValidationError(
            _("Fichier de méthodologie invalide : indicateur ou normalisation inconnus.")
        )
    if methode.minimum_repondants < 1:
        raise ValidationError(_("Le nombre minimal de répondants doit être au moins 1."))
    return methode
