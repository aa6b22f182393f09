"""The national Table Schema of places of digital mediation (v1.0.2), read from its JSON file.

The schema file is the reference: field names and order, required fields, patterns and the
enumerated values of multi-valued fields (read from their ``(?:(?:^|\\|)(A|B|…))+$`` patterns),
so that forms, validation and exports follow it exactly.

One quirk is handled here (DOMAIN.md): the pattern of ``formations_labels`` spells
« Étapes numériques(La Poste) » without the space before the parenthesis. The application keeps
the correct spelling « Étapes numériques (La Poste) »; an export writes the schema's spelling so
the official validator accepts the file, and an import accepts both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from core.paths import resource

SCHEMA_FILE = resource("schemas", "schema-lieux-mediation-numerique.json")
MULTI_SEPARATOR = "|"

ETAPES_NUMERIQUES = "Étapes numériques (La Poste)"
ETAPES_NUMERIQUES_SCHEMA = "Étapes numériques(La Poste)"

# Fields whose values are `|`-joined lists, whether or not the schema constrains their values.
MULTI_VALUED = frozenset(
    {
        "typologie",
        "courriels",
        "site_web",
        "itinerance",
        "services",
        "publics_specifiquement_adresses",
        "prise_en_charge_specifique",
        "frais_a_charge",
        "dispositif_programmes_nationaux",
        "formations_labels",
        # Free text, but a list of labels all the same: v0.1 files join them with « ; ».
        "autres_formations_labels",
        "modalites_acces",
        "modalites_accompagnement",
    }
)


@dataclass(frozen=True)
class SchemaField:
    name: str
    title: str
    type: str  # "string", "number", "date"
    required: bool
    pattern: re.Pattern[str] | None
    max_length: int | None
    enum: tuple[str, ...]  # the allowed values of an enumerated multi-valued field, else ()

    @property
    def multi(self) -> bool:
        return self.name in MULTI_VALUED

    @property
    def enumerated(self) -> bool:
        return bool(self.enum)


def _split_alternation(group: str) -> list[str]:
    """Split ``A|B\\(c\\)`` on unescaped bars and unescape the parts."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(group):
        char = group[i]
        if char == "\\" and i + 1 < len(group):
            current.append(group[i + 1])
            i += 2
            continue
        if char == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


_ENUM_PATTERN = re.compile(r"^\(\?:\(\?:\^\|\\\|\)\((?P<group>.*)\)\)\+\$$")


def enum_from_pattern(pattern: str) -> tuple[str, ...]:
    match = _ENUM_PATTERN.match(pattern)
    if match is None:
        return ()
    return tuple(
        ETAPES_NUMERIQUES if value == ETAPES_NUMERIQUES_SCHEMA else value
        for value in _split_alternation(match["group"])
    )


@dataclass(frozen=True)
class Schema:
    version: str
    fields: tuple[SchemaField, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> SchemaField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


@cache
def load_schema() -> Schema:
    raw = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    fields = []
    for f in raw["fields"]:
        constraints = f.get("constraints", {})
        pattern = constraints.get("pattern")
        fields.append(
            SchemaField(
                name=f["name"],
                title=f.get("title", f["name"]),
                type=f["type"],
                required=bool(constraints.get("required")),
                pattern=re.compile(pattern) if pattern else None,
                max_length=constraints.get("maxLength"),
                enum=enum_from_pattern(pattern) if pattern else (),
            )
        )
    return Schema(version=str(raw.get("version", "")), fields=tuple(fields))


def to_schema_spelling(field: str, value: str) -> str:
    """The spelling the official validator accepts, for an export."""
    if field == "formations_labels":
        return value.replace(ETAPES_NUMERIQUES, ETAPES_NUMERIQUES_SCHEMA)
    return value
