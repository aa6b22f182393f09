"""Read a survey file and validate every row before anything is computed.

A file is CSV (UTF-8 or Windows-1252, comma or semicolon, optional BOM) or XLSX (first sheet).
Every cell is read as text so that nothing is silently converted (coded columns as categories of
text), then each column is validated at once over all rows: only a coded column's distinct values
are inspected, which keeps a million-row file within seconds. INSEE codes stay text (« 01053 »,
« 2A004 »); a four-digit code, a spreadsheet's number that lost its leading zero, gets it back.

The result holds the full list of problems (file line, column, value, reason). Nothing is dropped
silently: :func:`retenir` refuses a file with problems unless the caller explicitly excludes the
listed rows, and the number excluded travels with the data to every result.
"""

from __future__ import annotations

import csv
import hashlib
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.errors import ValidationError
from core.i18n import _
from core.progress import NO_PROGRESS, Progress
from core.territory import cog
from fragilite import codebook

# The first data row is line 2 of the file (line 1 is the header), in CSV and XLSX alike.
PREMIERE_LIGNE = 2
MANQUANT = -1
INVALIDE = -2


@dataclass(frozen=True)
class Probleme:
    ligne: int  # file line (1 = header)
    colonne: str
    valeur: str
    motif: str


@dataclass
class Enquete:
    """A validated survey: coded answers as small integer arrays, ready for the indicators.

    ``codes[col]`` holds, for each row, the index of the answer in ``codebook.CODES[col]``,
    ``MANQUANT`` when empty, ``INVALIDE`` when the value is unknown (and reported).
    """

    nom_fichier: str
    empreinte: str  # SHA-256 of the file's bytes
    n_lignes: int
    lignes: npt.NDArray[np.int64]  # file line of each row
    code_insee: npt.NDArray[np.object_]
    tranche: npt.NDArray[np.int8]  # index in codebook.TRANCHES_AGE, or MANQUANT/INVALIDE
    poids: npt.NDArray[np.float64]  # survey weight, NaN when absent
    codes: dict[str, npt.NDArray[np.int8]]
    problemes: list[Probleme] = field(default_factory=list)
    a_des_poids: bool = False
    exclues: int = 0

    @property
    def lignes_invalides(self) -> list[int]:
        return sorted({p.ligne for p in self.problemes if p.ligne >= PREMIERE_LIGNE})

    @property
    def erreur_fatale(self) -> bool:
        """A problem in the header (missing column): no row can be used."""
        return any(p.ligne < PREMIERE_LIGNE for p in self.problemes)

    def rapport_texte(self, limite: int | None = None) -> str:
        lignes = [
            _("ligne {ligne}, colonne « {colonne} », valeur « {valeur} » : {motif}").format(
                ligne=p.ligne, colonne=p.colonne, valeur=p.valeur, motif=p.motif
            )
            for p in self.problemes[:limite]
        ]
        if limite is not None and len(self.problemes) > limite:
            lignes.append(_("… et {n} autres problèmes.").format(n=len(self.problemes) - limite))
        return "\n".join(lignes)


def empreinte_fichier(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sniff(path: Path) -> tuple[str, str]:
    """Encoding and separator: UTF-8 (with or without BOM) unless the bytes say otherwise."""
    head = _head(path)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is not an error.
        if exc.start < len(head) - 4:
            encoding = "cp1252"
    first = head.split(b"\n", 1)[0]
    return encoding, ";" if first.count(b";") > first.count(b",") else ","


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(1 << 16)


def lire_tableau(path: Path) -> pd.DataFrame:
    """The file's cells as text, header names trimmed and lower-cased, empty cells as NaN."""
    if not path.exists():
        raise ValidationError(_("Fichier introuvable : {path}").format(path=path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
        except (ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile, InvalidFileException):
            # The library's message is English and technical: the user needs to know what to do.
            raise ValidationError(
                _(
                    "Classeur illisible : {path} n'est pas un classeur Excel (.xlsx) valide ; "
                    "il est vide ou endommagé. Enregistrez-le de nouveau depuis le tableur."
                ).format(path=path.name)
            ) from None
    else:
        encoding, sep = _sniff(path)
        header = next(
            csv.reader([_head(path).decode(encoding, "replace").split("\n", 1)[0]], delimiter=sep),
            [],
        )
        # Coded columns hold a handful of distinct values: read as categories, they are
        # validated through their categories instead of a million strings each. Not the INSEE
        # code: categories that all look like numbers are converted, and « 01053 » became 1053.
        coded = {*codebook.CODES, "age"}
        dtypes: dict[str, Any] = {
            name: "category" if name.strip().lower() in coded else str for name in header
        }
        options: dict[str, Any] = {
            "sep": sep,
            "dtype": dtypes or str,
            "keep_default_na": False,
            "na_values": [""],
            "quoting": csv.QUOTE_MINIMAL,
            # Each chunk parsed whole: its categories are built once instead of being merged
            # from many small blocks (a third less CPU on a million rows, ~200 MB more peak).
            "low_memory": False,
        }
        try:
            try:
                frame = pd.read_csv(path, encoding=encoding, **options)
            except UnicodeDecodeError:
                # A spreadsheet saved « CSV » on Windows beyond the sniffed sample: every byte
                # is a character of Windows-1252.
                frame = pd.read_csv(path, encoding="cp1252", encoding_errors="replace", **options)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ValidationError(
                _("Fichier CSV illisible : {path} ({err}).").format(path=path.name, err=exc)
            ) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame


def code_insee_normalise(value: object) -> str:
    """An INSEE code as text: a spreadsheet that stored « 01053 » as the number 1053 lost the
    leading zero of departments 01 to 09; every code has five characters, so four digits can
    only be such a code, and the zero is put back (the code is then checked against the COG)."""
    code = str(value).strip()
    return code.zfill(5) if len(code) == 4 and code.isdigit() else code


def _factoriser(series: pd.Series) -> tuple[npt.NDArray[np.integer[Any]], Sequence[Any]]:
    """Per cell, the index of its value among the column's distinct values (-1 when empty),
    and those values: a column read as categories already holds both, nothing is hashed."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), list(series.cat.categories)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, list(uniques)


def _code_column(
    series: pd.Series, allowed: Sequence[str]
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    """Codes of a column (index in ``allowed``) and a mask of invalid cells, via its uniques."""
    codes, uniques = _factoriser(series)
    lookup = {value: i for i, value in enumerate(allowed)}
    table = np.empty(len(uniques) + 1, dtype=np.int8)
    table[-1] = MANQUANT  # the NA sentinel -1 indexes the last slot
    for i, value in enumerate(uniques):
        key = str(value).strip().lower()
        missing = key == "" or key in codebook.NE_SAIT_PAS
        table[i] = MANQUANT if missing else lookup.get(key, INVALIDE)
    result = table[codes]
    return result, result == INVALIDE


def _report(
    problems: list[Probleme],
    mask: npt.NDArray[np.bool_],
    lignes: npt.NDArray[np.int64],
    column: str,
    values: pd.Series,
    motif: str,
) -> None:
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return
    shown = values.iloc[idx].astype(object).fillna("").astype(str).to_numpy()
    problems.extend(
        Probleme(int(lignes[i]), column, str(v), motif) for i, v in zip(idx, shown, strict=True)
    )


def valider(
    frame: pd.DataFrame,
    nom_fichier: str,
    empreinte: str,
    territoire: Iterable[str] | None = None,
    progress: Progress = NO_PROGRESS,
) -> Enquete:
    """Validate every row against the codebook; every problem is listed, none stops the rest."""
    n = len(frame)
    lignes = np.arange(PREMIERE_LIGNE, PREMIERE_LIGNE + n, dtype=np.int64)
    problems: list[Probleme] = []
    # An absent column reads as empty cells (categories with none given: nothing to convert).
    empty = pd.Series(pd.Categorical([None] * 0, categories=pd.Index([], dtype=object))).reindex(
        range(n)
    )

    def col(name: str) -> pd.Series:
        return frame[name] if name in frame.columns else empty

    for name in codebook.REQUIRED:
        if name not in frame.columns:
            problems.append(Probleme(1, name, "", _("colonne obligatoire absente")))
    if "age" not in frame.columns and "tranche_age" not in frame.columns:
        problems.append(Probleme(1, "age", "", _("il faut une colonne « age » ou « tranche_age »")))

    ids = col("id")
    _report(problems, ids.isna().to_numpy(), lignes, "id", ids, _("identifiant vide"))
    if not ids.is_unique:
        _report(
            problems,
            (ids.notna() & ids.duplicated(keep="first")).to_numpy(),
            lignes,
            "id",
            ids,
            _("identifiant en double"),
        )

    insee = col("code_insee")
    insee_codes, insee_uniques = _factoriser(insee)
    known = cog()
    allowed_territory = set(territoire) if territoire is not None else None
    clean_uniques = np.array([code_insee_normalise(u) for u in insee_uniques] + [""], dtype=object)
    unknown_u = np.array([c not in known for c in clean_uniques[:-1]] + [False], dtype=bool)
    outside_u = np.array(
        [
            allowed_territory is not None and c in known and c not in allowed_territory
            for c in clean_uniques[:-1]
        ]
        + [False],
        dtype=bool,
    )
    code_insee = clean_uniques[insee_codes]
    _report(problems, insee_codes < 0, lignes, "code_insee", insee, _("commune vide"))
    _report(
        problems,
        unknown_u[insee_codes],
        lignes,
        "code_insee",
        insee,
        _("code INSEE inconnu du Code officiel géographique en vigueur"),
    )
    _report(
        problems,
        outside_u[insee_codes],
        lignes,
        "code_insee",
        insee,
        _("commune hors du territoire étudié"),
    )
    progress.step(1, 5, _("Contrôle des communes"))

    age_raw = col("age")
    # Ages take a hundred distinct values: convert those, not a million cells.
    age_codes, age_uniques = _factoriser(age_raw)
    unique_values = pd.to_numeric(
        pd.Series([str(u).strip() for u in age_uniques], dtype=object), "coerce"
    ).to_numpy(dtype=float, na_value=np.nan)
    unique_ok = (
        np.isfinite(unique_values)
        & (np.mod(unique_values, 1) == 0)
        & (unique_values >= codebook.AGE_MIN)
        & (unique_values <= codebook.AGE_MAX)
    )
    unique_band = np.digitize(np.nan_to_num(unique_values), codebook.TRANCHE_BORNES)
    age_given = age_codes >= 0
    age_ok = np.append(unique_ok, False)[age_codes]
    _report(
        problems,
        age_given & ~age_ok,
        lignes,
        "age",
        age_raw,
        _("âge attendu : un nombre entier d'années entre {a} et {b}").format(
            a=codebook.AGE_MIN, b=codebook.AGE_MAX
        ),
    )
    tranche_dec, tranche_bad = _code_column(col("tranche_age"), codebook.TRANCHES_AGE)
    _report(
        problems,
        tranche_bad,
        lignes,
        "tranche_age",
        col("tranche_age"),
        _("tranche d'âge inconnue (possibles : {codes})").format(
            codes=", ".join(codebook.TRANCHES_AGE)
        ),
    )
    from_age = np.append(np.where(unique_ok, unique_band, MANQUANT), MANQUANT).astype(np.int8)[
        age_codes
    ]
    both = age_ok & (tranche_dec >= 0)
    _report(
        problems,
        both & (from_age != tranche_dec),
        lignes,
        "tranche_age",
        col("tranche_age"),
        _("tranche d'âge incohérente avec l'âge indiqué"),
    )
    neither = ~age_given & (tranche_dec == MANQUANT)
    if "age" in frame.columns or "tranche_age" in frame.columns:
        _report(
            problems,
            neither,
            lignes,
            "age",
            age_raw,
            _("ni âge ni tranche d'âge"),
        )
    tranche = np.where(age_ok, from_age, tranche_dec).astype(np.int8)
    progress.step(2, 5, _("Contrôle des âges"))

    poids_raw = col("poids")
    if "poids" in frame.columns:
        poids = pd.to_numeric(poids_raw.str.replace(",", ".", regex=False), "coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
        poids_given = poids_raw.notna().to_numpy()
    else:
        poids = np.full(n, np.nan)
        poids_given = np.zeros(n, dtype=bool)
    _report(
        problems,
        poids_given & ~(np.isfinite(poids) & (poids > 0)),
        lignes,
        "poids",
        poids_raw,
        _("poids attendu : un nombre strictement positif"),
    )
    if poids_given.any():
        # Weights for some rows only cannot be combined with anything honest: each blank one
        # is reported rather than silently replaced.
        _report(
            problems,
            ~poids_given,
            lignes,
            "poids",
            poids_raw,
            _("poids manquant alors que d'autres lignes en ont un"),
        )

    codes: dict[str, npt.NDArray[np.int8]] = {}
    for name, allowed in codebook.CODES.items():
        if name == "tranche_age":
            continue
        values = col(name)
        decoded, bad = _code_column(values, allowed)
        codes[name] = decoded
        _report(
            problems,
            bad,
            lignes,
            name,
            values,
            _("réponse inconnue (possibles : {codes})").format(
                codes=", ".join(allowed) + _(", ou vide")
            ),
        )
    progress.step(3, 5, _("Contrôle des réponses"))
    problems.sort(key=lambda p: (p.ligne, p.colonne))
    progress.step(4, 5, _("Contrôle des réponses"))
    return Enquete(
        nom_fichier=nom_fichier,
        empreinte=empreinte,
        n_lignes=n,
        lignes=lignes,
        code_insee=code_insee,
        tranche=tranche,
        poids=poids,
        codes=codes,
        problemes=problems,
        a_des_poids="poids" in frame.columns and bool(poids_given.any()),
    )


def charger(
    path: Path, territoire: Iterable[str] | None = None, progress: Progress = NO_PROGRESS
) -> Enquete:
    """Read and validate a survey file (the validation report is in ``problemes``)."""
    progress.step(0, 5, _("Lecture du fichier"))
    empreinte = empreinte_fichier(path)
    frame = lire_tableau(path)
    if frame.empty:
        raise ValidationError(
            _(
                "Le fichier {path} ne contient aucune réponse (en-tête seul ou feuille vide)."
            ).format(path=path.name)
        )
    enquete = valider(frame, path.name, empreinte, territoire, progress)
    progress.step(5, 5, _("Contrôle terminé"))
    return enquete


def retenir(enquete: Enquete, exclure_lignes_invalides: bool = False) -> Enquete:
    """The rows to compute on: refused if there are problems, unless exclusion is explicit."""
    if enquete.erreur_fatale:
        raise ValidationError(
            _("Le fichier ne respecte pas le format de l'enquête :\n{rapport}").format(
                rapport=enquete.rapport_texte(limite=20)
            )
        )
    invalid = enquete.lignes_invalides
    if not invalid:
        return enquete
    if not exclure_lignes_invalides:
        raise ValidationError(
            _(
                "{n} lignes du fichier posent problème. Corrigez le fichier ou excluez "
                "explicitement ces lignes.\n{rapport}"
            ).format(n=len(invalid), rapport=enquete.rapport_texte(limite=20))
        )
    keep = ~np.isin(enquete.lignes, np.asarray(invalid, dtype=np.int64))
    return Enquete(
        nom_fichier=enquete.nom_fichier,
        empreinte=enquete.empreinte,
        n_lignes=int(keep.sum()),
        lignes=enquete.lignes[keep],
        code_insee=enquete.code_insee[keep],
        tranche=enquete.tranche[keep],
        poids=enquete.poids[keep],
        codes={k: v[keep] for k, v in enquete.codes.items()},
        problemes=[],
        a_des_poids=enquete.a_des_poids,
        exclues=enquete.exclues + len(invalid),
    )
