"""Reading places files (CSV v1, CSV v0.1, the national data store's JSON) tolerantly, reporting.

Two steps, so that a person sees the report before anything is written:

1. :func:`analyser_fichier` reads the file and returns a :class:`RapportImport`: for each row,
   the normalised values and the remarks per column — what is invalid (the row will not be
   imported), what was normalised (phone to +33 form, accents and case of enumerated values,
   legacy v0.1 labels mapped to v1), what could not be mapped (dropped) and warnings. No
   database access.
2. :func:`importer_lieux` writes the valid rows: a place whose ``id`` is already known is updated
   and the report says which fields changed; one journal entry records the import.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import opening_hours
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import journal
from core.auth import Actor, Permission, require
from core.errors import ValidationError
from core.i18n import _
from core.progress import NO_PROGRESS, Progress
from core.validation import fold, to_e164
from lieux.models import Lieu
from lieux.schema import (
    ETAPES_NUMERIQUES_SCHEMA,
    MULTI_SEPARATOR,
    Schema,
    SchemaField,
    load_schema,
)


class Genre(enum.StrEnum):
    INVALIDE = "invalide"  # the row is not imported
    NORMALISE = "normalisé"  # the value was rewritten into the schema's form
    NON_REPRIS = "non repris"  # the value has no equivalent and is dropped
    AVERTISSEMENT = "avertissement"  # kept as is, but worth a look


class FormatFichier(enum.StrEnum):
    CSV_V1 = "CSV schéma v1"
    CSV_V0 = "CSV schéma v0.1"
    JSON = "JSON"


@dataclass(frozen=True)
class Remarque:
    ligne: int  # line of the file (the header is line 1), or record number in a JSON file
    colonne: str
    genre: Genre
    valeur: str
    message: str


@dataclass
class LigneImport:
    numero: int
    valeurs: dict[str, Any]
    remarques: list[Remarque] = field(default_factory=list)

    @property
    def valide(self) -> bool:
        return not any(r.genre is Genre.INVALIDE for r in self.remarques)

    @property
    def identifiant(self) -> str:
        return str(self.valeurs.get("id") or "")


@dataclass
class RapportImport:
    fichier: str
    format: FormatFichier
    lignes: list[LigneImport]
    remarques_fichier: list[str] = field(default_factory=list)

    @property
    def lignes_valides(self) -> list[LigneImport]:
        return [ligne for ligne in self.lignes if ligne.valide]

    @property
    def lignes_invalides(self) -> list[LigneImport]:
        return [ligne for ligne in self.lignes if not ligne.valide]

    def remarques(self, genre: Genre | None = None) -> list[Remarque]:
        return [r for ligne in self.lignes for r in ligne.remarques if genre in (None, r.genre)]

    def resume(self) -> dict[str, int]:
        return {
            "lignes": len(self.lignes),
            "valides": len(self.lignes_valides),
            "invalides": len(self.lignes_invalides),
            "normalisations": len(self.remarques(Genre.NORMALISE)),
            "non_repris": len(self.remarques(Genre.NON_REPRIS)),
            "avertissements": len(self.remarques(Genre.AVERTISSEMENT)),
        }


@dataclass
class ResultatImport:
    crees: list[str] = field(default_factory=list)
    modifies: dict[str, list[str]] = field(default_factory=dict)  # id → changed fields
    inchanges: list[str] = field(default_factory=list)
    ignores: int = 0  # invalid rows, not imported


# --- legacy (schema v0.1) names and labels --------------------------------------------------

LEGACY_COLUMNS: dict[str, str] = {
    "courriel": "courriels",
    "labels_autres": "autres_formations_labels",
    "accessibilite": "fiche_acces_libre",
    "presentation": "presentation_detail",
    # These legacy columns are split over several v1 fields: see _LEGACY_VALUES.
    "publics_accueillis": "publics_accueillis",
    "conditions_acces": "conditions_acces",
    "labels_nationaux": "labels_nationaux",
}

# (legacy column, folded legacy value) → (v1 field, v1 value); None: known to have no equivalent.
_LEGACY_VALUES: dict[str, dict[str, tuple[str, str] | None]] = {
    "services": {
        "prendre en main un smartphone ou une tablette": (
            "services",
            "Maîtrise des outils numériques du quotidien",
        ),
        "prendre en main un ordinateur": (
            "services",
            "Maîtrise des outils numériques du quotidien",
        ),
        "utiliser le numerique au quotidien": (
            "services",
            "Maîtrise des outils numériques du quotidien",
        ),
        "approfondir ma culture numerique": ("services", "Compréhension du monde numérique"),
        "promouvoir la citoyennete numerique": ("services", "Compréhension du monde numérique"),
        "favoriser mon insertion professionnelle": (
            "services",
            "Insertion professionnelle via le numérique",
        ),
        "creer et developper mon entreprise": (
            "services",
            "Insertion professionnelle via le numérique",
        ),
        "acceder a une connexion internet": ("services", "Accès internet et matériel informatique"),
        "acceder a du materiel": ("services", "Accès internet et matériel informatique"),
        "equiper en materiel informatique": (
            "services",
            "Acquisition de matériel informatique à prix solidaire",
        ),
        "realiser des demarches administratives avec un accompagnement": (
            "services",
            "Aide aux démarches administratives",
        ),
        "accompagner les demarches de sante": ("services", "Aide aux démarches administratives"),
        "creer avec le numerique": ("services", "Loisirs et créations numériques"),
        "soutenir la parentalite et l education avec le numerique": (
            "services",
            "Parentalité et éducation avec le numérique",
        ),
    },
    "publics_accueillis": {
        "jeunes (16 26 ans)": ("publics_specifiquement_adresses", "Jeunes"),
        "jeunes": ("publics_specifiquement_adresses", "Jeunes"),
        "etudiants": ("publics_specifiquement_adresses", "Étudiants"),
        "familles/enfants": ("publics_specifiquement_adresses", "Familles et/ou enfants"),
        "seniors (+ 65 ans)": ("publics_specifiquement_adresses", "Seniors"),
        "seniors": ("publics_specifiquement_adresses", "Seniors"),
        "uniquement femmes": ("publics_specifiquement_adresses", "Femmes"),
        "surdite": ("prise_en_charge_specifique", "Surdité"),
        "handicaps moteurs": ("prise_en_charge_specifique", "Handicaps moteurs"),
        "handicaps mentaux": ("prise_en_charge_specifique", "Handicaps mentaux"),
        "handicaps psychiques": ("prise_en_charge_specifique", "Handicaps mentaux"),
        "deficience visuelle": ("prise_en_charge_specifique", "Déficience visuelle"),
        "personnes en situation d illettrisme": ("prise_en_charge_specifique", "Illettrisme"),
        "public langues etrangeres": ("prise_en_charge_specifique", "Langues étrangères (autres)"),
        "adultes": None,
        "tout public": None,
    },
    "conditions_acces": {
        "gratuit": ("frais_a_charge", "Gratuit"),
        "gratuit sous condition": ("frais_a_charge", "Gratuit sous condition"),
        "payant": ("frais_a_charge", "Payant"),
        "adhesion": ("frais_a_charge", "Payant"),
        "accepte le pass numerique": None,
    },
    "labels_nationaux": {
        "cnfs": ("dispositif_programmes_nationaux", "Conseillers numériques"),
        "conseiller numerique": ("dispositif_programmes_nationaux", "Conseillers numériques"),
        "aidants connect": ("dispositif_programmes_nationaux", "Aidants Connect"),
        "france services": ("dispositif_programmes_nationaux", "France Services"),
        "point relais caf": ("dispositif_programmes_nationaux", "Point d'accès numérique CAF"),
        "point numerique caf": ("dispositif_programmes_nationaux", "Point d'accès numérique CAF"),
        "grande ecole du numerique": (
            "dispositif_programmes_nationaux",
            "Grande école du numérique",
        ),
        "la croix rouge": ("dispositif_programmes_nationaux", "La Croix Rouge"),
        "emmaus connect": ("dispositif_programmes_nationaux", "Emmaüs Connect"),
        "promeneurs du net": ("dispositif_programmes_nationaux", "Promeneurs du net"),
        "fabriques de territoire": ("formations_labels", "Fabriques de Territoire"),
        "mon espace sante": ("formations_labels", "Formé à « Mon Espace Santé »"),
        "etapes numeriques": ("formations_labels", "Étapes numériques (La Poste)"),
        "aptic": None,
        "relais pole emploi": None,
        "campus connecte": None,
        "french tech": None,
        "espace public numerique (epn)": None,
        "sos numerique": None,
    },
    "modalites_accompagnement": {
        "seul": ("modalites_accompagnement", "En autonomie"),
        "avec de l aide": ("modalites_accompagnement", "Accompagnement individuel"),
        "pour moi": ("modalites_accompagnement", "Accompagnement individuel"),
        "dans un atelier": ("modalites_accompagnement", "Dans un atelier collectif"),
        "a distance": ("modalites_accompagnement", "À distance"),
    },
}

# Long labels found in the schema's description and in files made from it (v1 files too).
_LONG_LABELS: dict[str, dict[str, str]] = {
    "modalites_accompagnement": {
        "dans un atelier collectif : j apprends collectivement a utiliser le numerique": (
            "Dans un atelier collectif"
        ),
        "a distance (par telephone ou en visioconference)": "À distance",
    }
}

# The national data store's JSON nests some fields; these are their flat schema names.
_JSON_NESTED: dict[str, str] = {
    "voie": "adresse",
    "resume": "presentation_resume",
    "detail": "presentation_detail",
    "courriel": "courriels",
}

# Phone prefixes of overseas departments, whose local numbers do not become +33.


def _key(value: str) -> str:
    """A comparison key for enumerated labels: no accents, no case, no spacing differences."""
    return re.sub(r"\s+", " ", fold(value).replace("(", " (")).strip()


# --- reading files ---------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), _(
            "Le fichier n'est pas en UTF-8 : lu comme Windows-1252 ; vérifiez les accents."
        )


def _csv_records(text: str) -> tuple[str, list[str], Iterator[tuple[int, dict[str, str]]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise ValidationError(_("Le fichier est vide."), field="fichier") from None

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            yield reader.line_num, dict(zip(header, row, strict=False))

    return delimiter, header, rows()


def _flatten_json(record: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping) and key not in ("geometry",):
            for sub, sub_value in _flatten_json(value).items():
                flat[_JSON_NESTED.get(sub, sub)] = sub_value
        else:
            flat[_JSON_NESTED.get(key, key)] = value
    return flat


def _json_records(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, Mapping):
        if data.get("type") == "FeatureCollection":
            records = []
            for feature in data.get("features", []):
                props = dict(feature.get("properties") or {})
                geometry = feature.get("geometry") or {}
                if geometry.get("type") == "Point" and "latitude" not in props:
                    props["longitude"], props["latitude"] = geometry["coordinates"][:2]
                records.append(_flatten_json(props))
            return records
        for value in data.values():
            if isinstance(value, list):
                return [_flatten_json(r) for r in value if isinstance(r, Mapping)]
        raise ValidationError(_("Ce JSON ne contient pas de liste de lieux."), field="fichier")
    if isinstance(data, list):
        return [_flatten_json(r) for r in data if isinstance(r, Mapping)]
    raise ValidationError(_("Ce JSON ne contient pas de liste de lieux."), field="fichier")


def analyser_fichier(path: Path, progress: Progress = NO_PROGRESS) -> RapportImport:
    """Read and check a places file without writing anything."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            _("Impossible de lire le fichier {file} : {error}").format(
                file=path.name, error=exc.strerror
            ),
            field="fichier",
        ) from exc
    return analyser_contenu(data, path.name, progress)


def analyser_contenu(data: bytes, nom: str, progress: Progress = NO_PROGRESS) -> RapportImport:
    text, encoding_note = _decode(data)
    notes = [encoding_note] if encoding_note else []
    if text.lstrip().startswith(("[", "{")):
        try:
            records = _json_records(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("Ce fichier JSON est illisible (ligne {line}).").format(line=exc.lineno),
                field="fichier",
            ) from exc
        lecteur = _Lecteur(FormatFichier.JSON, multi_sep=None)
        numbered: Iterable[tuple[int, Mapping[str, Any]]] = enumerate(records, start=1)
        total = len(records)
        columns: set[str] = {k for r in records for k in r}
    else:
        delimiter, header, rows = _csv_records(text)
        legacy = delimiter == ";" or bool(set(header) & set(LEGACY_COLUMNS))
        fmt = FormatFichier.CSV_V0 if legacy else FormatFichier.CSV_V1
        lecteur = _Lecteur(fmt, multi_sep=";" if delimiter == "," else None)
        row_list = list(rows)
        numbered = row_list
        total = len(row_list)
        columns = set(header)
        missing = [n for n in lecteur.schema.required if n not in columns and n != "id"]
        if "id" not in columns:
            missing.insert(0, "id")
        if missing:
            notes.append(
                _("Colonnes obligatoires absentes : {cols}.").format(cols=", ".join(missing))
            )
    known = set(lecteur.schema.names) | set(LEGACY_COLUMNS)
    unknown = sorted(c for c in columns if c and c not in known and c != "geometry")
    if unknown:
        notes.append(
            _("Colonnes inconnues, non reprises : {cols}.").format(cols=", ".join(unknown))
        )
    lignes: list[LigneImport] = []
    seen: dict[str, int] = {}
    for index, (numero, record) in enumerate(numbered):
        if index % 500 == 0:
            progress.step(index, total, _("Lecture des lieux…"))
        ligne = lecteur.lire(numero, record)
        ident = ligne.identifiant
        if ident and ident in seen:
            ligne.remarques.append(
                Remarque(
                    numero,
                    "id",
                    Genre.INVALIDE,
                    ident,
                    _("Identifiant en double (déjà ligne {line}).").format(line=seen[ident]),
                )
            )
        elif ident:
            seen[ident] = numero
        lignes.append(ligne)
    progress.step(total, total, _("Lecture terminée."))
    return RapportImport(nom, lecteur.format, lignes, notes)


def verifier_valeurs(valeurs: Mapping[str, Any]) -> LigneImport:
    """Check and normalise one place given by schema field names (a form), as an import would."""
    return _Lecteur(FormatFichier.CSV_V1, multi_sep=None).lire(0, valeurs)


class _Lecteur:
    """Checks and normalises one record at a time against the schema."""

    def __init__(self, fmt: FormatFichier, multi_sep: str | None) -> None:
        self.format = fmt
        self.legacy = fmt is FormatFichier.CSV_V0
        self.multi_sep = multi_sep
        self.schema: Schema = load_schema()
        self.enum_keys: dict[str, dict[str, str]] = {
            f.name: {_key(v): v for v in f.enum} for f in self.schema.fields if f.enum
        }
        for name, labels in _LONG_LABELS.items():
            self.enum_keys[name].update(labels)

    def lire(self, numero: int, record: Mapping[str, Any]) -> LigneImport:
        ligne = LigneImport(numero, {})
        remarks = ligne.remarques

        def note(col: str, genre: Genre, valeur: object, message: str) -> None:
            remarks.append(Remarque(numero, col, genre, str(valeur), message))

        multi: dict[str, list[str]] = {}
        for raw_name, raw_value in record.items():
            name = LEGACY_COLUMNS.get(raw_name, raw_name)
            if raw_value is None:
                continue
            if isinstance(raw_value, list):
                values = [str(v) for v in raw_value if v is not None]
                text = MULTI_SEPARATOR.join(values)
            else:
                text = str(raw_value)
            text = unicodedata.normalize("NFC", text).strip()
            if not text:
                continue
            if name in _LEGACY_VALUES and (self.legacy or name not in self.enum_keys):
                self._legacy_values(name, text, multi, note)
            elif name in self.enum_keys:
                self._enum_values(name, text, multi, note)
            elif name in self.schema.names:
                if self.schema.field(name).multi:
                    text = MULTI_SEPARATOR.join(self._split(name, text, note))
                ligne.valeurs[name] = self._scalar(self.schema.field(name), text, note)
        for name, values in multi.items():
            unique = list(dict.fromkeys(values))
            if unique:
                ligne.valeurs[name] = MULTI_SEPARATOR.join(unique)
        for f in self.schema.fields:
            missing = f.required and ligne.valeurs.get(f.name) in (None, "")
            if missing and not any(r.colonne == f.name for r in remarks):
                note(f.name, Genre.INVALIDE, "", _("Valeur obligatoire manquante."))
        return ligne

    def _split(self, name: str, text: str, note: Any) -> list[str]:
        if MULTI_SEPARATOR in text or self.multi_sep is None or self.multi_sep not in text:
            return [v.strip() for v in text.split(MULTI_SEPARATOR) if v.strip()]
        note(name, Genre.NORMALISE, text, _("Séparateur « ; » remplacé par « | »."))
        return [v.strip() for v in text.split(self.multi_sep) if v.strip()]

    def _enum_values(self, name: str, text: str, multi: dict[str, list[str]], note: Any) -> None:
        keys = self.enum_keys[name]
        for value in self._split(name, text, note):
            canonical = keys.get(_key(value))
            if canonical is None:
                genre = Genre.NON_REPRIS if self.legacy else Genre.INVALIDE
                note(
                    name,
                    genre,
                    value,
                    _("Valeur hors de la liste du schéma national : « {value} ».").format(
                        value=value
                    ),
                )
                continue
            if canonical != value and value != ETAPES_NUMERIQUES_SCHEMA:
                note(
                    name,
                    Genre.NORMALISE,
                    value,
                    _("« {old} » → « {new} ».").format(old=value, new=canonical),
                )
            multi.setdefault(name, []).append(canonical)

    def _legacy_values(self, name: str, text: str, multi: dict[str, list[str]], note: Any) -> None:
        table = _LEGACY_VALUES[name]
        for value in self._split(name, text, note):
            key = _key(value)
            if name in self.enum_keys and key in self.enum_keys[name]:
                canonical = self.enum_keys[name][key]
                multi.setdefault(name, []).append(canonical)
                if canonical != value:
                    note(
                        name,
                        Genre.NORMALISE,
                        value,
                        _("« {old} » → « {new} ».").format(old=value, new=canonical),
                    )
                continue
            if key not in table:
                note(
                    name,
                    Genre.NON_REPRIS,
                    value,
                    _("Valeur ancienne sans équivalent connu en v1 : « {value} ».").format(
                        value=value
                    ),
                )
                continue
            target = table[key]
            if target is None:
                note(
                    name,
                    Genre.NON_REPRIS,
                    value,
                    _("« {value} » n'a pas d'équivalent dans le schéma v1.").format(value=value),
                )
                continue
            field_name, canonical = target
            multi.setdefault(field_name, []).append(canonical)
            note(
                name,
                Genre.NORMALISE,
                value,
                _("« {old} » → {field} « {new} ».").format(
                    old=value, field=field_name, new=canonical
                ),
            )

    def _scalar(self, f: SchemaField, text: str, note: Any) -> Any:
        name = f.name
        invalid = Genre.INVALIDE
        if f.type == "number":
            try:
                number = float(text.replace(",", "."))
            except ValueError:
                note(name, invalid, text, _("Nombre attendu."))
                return None
            limit = 90.0 if name == "latitude" else 180.0
            if not -limit <= number <= limit:
                note(name, invalid, text, _("Coordonnée hors limites."))
                return None
            if "," in text:
                note(name, Genre.NORMALISE, text, _("Virgule décimale remplacée par un point."))
            return number
        if f.type == "date":
            return self._date(name, text, note)
        if name == "telephone":
            text = self._phone(text, note)
        elif name == "pivot":
            compact = re.sub(r"[\s.]", "", text)
            if compact != text:
                note(name, Genre.NORMALISE, text, _("Espaces retirés."))
            text = compact
        elif name in ("code_postal", "code_insee") and re.fullmatch(r"\d{4}", text):
            note(name, Genre.NORMALISE, text, _("Zéro initial rétabli."))
            text = "0" + text
        elif name in ("site_web", "prise_rdv", "fiche_acces_libre"):
            text = self._urls(name, text, note)
        elif name == "courriels":
            for email in text.split(MULTI_SEPARATOR):
                if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                    note(name, Genre.AVERTISSEMENT, email, _("Adresse e-mail douteuse."))
        elif name == "horaires" and not opening_hours.validate(text):
            note(
                name,
                Genre.AVERTISSEMENT,
                text,
                _(
                    "Horaires illisibles au format OpenStreetMap : conservés, mais l'ouverture "
                    "sera inconnue."
                ),
            )
        if f.pattern is not None and not f.pattern.search(text):
            note(name, invalid, text, _("Format non conforme au schéma national."))
            return None
        if f.max_length is not None and len(text) > f.max_length:
            note(
                name,
                invalid,
                text[:40] + "…",
                _("Trop long : {n} caractères au plus.").format(n=f.max_length),
            )
            return None
        return text

    def _date(self, name: str, text: str, note: Any) -> date | None:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
        for fmt in ("%d/%m/%Y", "%d-%m-%Y"):
            try:
                parsed = datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            note(name, Genre.NORMALISE, text, _("Date mise au format AAAA-MM-JJ."))
            return parsed
        note(name, Genre.INVALIDE, text, _("Date attendue au format AAAA-MM-JJ."))
        return None

    def _phone(self, text: str, note: Any) -> str:
        # Not recognised: kept as typed (compacted), and the schema check reports it.
        compact = to_e164(text) or re.sub(r"[\s.\-/]|\(0\)", "", text)
        if compact != text:
            note(
                "telephone",
                Genre.NORMALISE,
                text,
                _("« {old} » → « {new} ».").format(old=text, new=compact),
            )
        return compact

    def _urls(self, name: str, text: str, note: Any) -> str:
        fixed = []
        for url in text.split(MULTI_SEPARATOR):
            url = url.strip()
            if url and not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
                note(name, Genre.NORMALISE, url, _("« https:// » ajouté."))
                url = "https://" + url
            fixed.append(url)
        return MULTI_SEPARATOR.join(fixed)


# --- writing ---------------------------------------------------------------------------------

_WRITABLE = tuple(n for n in load_schema().names if n != "id")


def importer_lieux(
    session: Session,
    actor: Actor,
    rapport: RapportImport,
    progress: Progress = NO_PROGRESS,
) -> ResultatImport:
    """Write the report's valid rows: create new places, update known ones by ``id``."""
    require(actor, Permission.LIEUX_GERER)
    result = ResultatImport(ignores=len(rapport.lignes_invalides))
    valid = rapport.lignes_valides
    existing: dict[str, Lieu] = {}
    identifiants = [ligne.identifiant for ligne in valid]
    for start in range(0, len(identifiants), 1000):  # bound the parameters of one statement
        chunk = identifiants[start : start + 1000]
        existing.update(
            (lieu.identifiant, lieu)
            for lieu in session.scalars(select(Lieu).where(Lieu.identifiant.in_(chunk)))
        )
    new_rows: list[dict[str, Any]] = []
    for index, ligne in enumerate(valid):
        if index % 500 == 0:
            progress.step(index, len(valid), _("Enregistrement des lieux…"))
        values = {n: ligne.valeurs.get(n) for n in _WRITABLE}
        lieu = existing.get(ligne.identifiant)
        if lieu is None:
            new_rows.append({"identifiant": ligne.identifiant, **values})
            result.crees.append(ligne.identifiant)
            continue
        changed = [n for n, v in values.items() if getattr(lieu, n) != v]
        if not changed:
            result.inchanges.append(ligne.identifiant)
            continue
        for name in changed:
            setattr(lieu, name, values[name])
        result.modifies[ligne.identifiant] = changed
    # New places go in as one bulk INSERT: a national file is twenty thousand of them.
    for start in range(0, len(new_rows), 2000):
        session.execute(insert(Lieu), new_rows[start : start + 2000])
    session.flush()
    journal.record(
        session,
        actor,
        "lieux.import",
        "lieu",
        None,
        {
            "format": rapport.format.value,
            "crees": len(result.crees),
            "modifies": len(result.modifies),
            "inchanges": len(result.inchanges),
            "ignores": result.ignores,
        },
    )
    progress.step(len(valid), len(valid), _("Import terminé."))
    return result
