"""Helpers to write small synthetic survey files in the codebook's format."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from fragilite import codebook, lecture
from fragilite.estimation import Territoire

# Three communes of the La Rochelle agglomeration, as a small territory of their own.
TERRITOIRE = Territoire(
    "Territoire d'essai",
    "200000001",
    (("17300", "La Rochelle"), ("17200", "Lagord"), ("17028", "Aytré")),
)


def repondant(i: int, code: str = "17300", **answers: str) -> dict[str, str]:
    """A respondent who uses everything (« oui » everywhere), overridden by ``answers``."""
    row = {"id": f"R{i}", "code_insee": code, "age": "40", "sexe": "F"}
    for col in (*codebook.EQUIPEMENT, *codebook.ACTIVITES, *codebook.AIDE):
        row[col] = "oui"
    row["difficulte_demarches"] = "jamais"
    row.update(answers)
    return row


def ecrire(
    path: Path, rows: Sequence[Mapping[str, str]], sep: str = ",", encoding: str = "utf-8"
) -> Path:
    pd.DataFrame(list(rows)).to_csv(path, index=False, sep=sep, encoding=encoding)
    return path


def enquete(
    rows: Sequence[Mapping[str, str]] | pd.DataFrame, territoire: Territoire = TERRITOIRE
) -> lecture.Enquete:
    """Validate rows in memory (no file): the fingerprint is that of their CSV text."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    frame = frame.astype(str).replace({"": np.nan})
    return lecture.valider(frame, "memoire.csv", "0" * 64, territoire.codes)


def tirage_bernoulli(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    return np.where(rng.random(n) < p, "non", "oui")
