"""The legal text of mandates: dated, versioned template files that are never edited once used.

``resources/mandats/v<YYYY-MM-DD>/`` holds one JSON file per language (``fr`` is the legally valid
text, others are aids) and ``SHA256SUMS``, the manifest of its files. A template whose file no
longer matches its manifest is refused: a mandate must reprint exactly as it was signed, so a
used text can only be superseded by a new dated version, never corrected in place.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from core import paths
from core.errors import MedianumError, ValidationError
from core.i18n import _

# Tests point this at a temporary copy to add versions; read at call time, never at import time.
TEMPLATES_DIR: Path = paths.resource("mandats")
LANGUE_FAIT_FOI = "fr"
MANIFEST = "SHA256SUMS"
_VERSION_DIR = re.compile(r"^v(\d{4}-\d{2}-\d{2})$")


class TemplateAltered(MedianumError):
    pass


@dataclass(frozen=True)
class Template:
    version: str
    langue: str
    data: dict[str, Any]

    def text(self, key: str) -> str:
        value = self.data[key]
        if not isinstance(value, str):
            raise TypeError(key)
        return value

    def lines(self, key: str) -> list[str]:
        return [str(v) for v in self.data.get(key, [])]


def versions() -> list[str]:
    """Every template version present, oldest first (ISO dates sort as text)."""
    found = []
    if TEMPLATES_DIR.is_dir():
        for child in TEMPLATES_DIR.iterdir():
            match = _VERSION_DIR.match(child.name)
            if match and child.is_dir():
                found.append(match.group(1))
    return sorted(found)


def current_version(today: date) -> str:
    """The version in force on ``today``: the latest one dated on or before it."""
    in_force = [v for v in versions() if v <= today.isoformat()]
    if not in_force:
        raise MedianumError(_("Aucun modèle de texte de mandat n'est en vigueur à cette date."))
    return in_force[-1]


def languages(version: str) -> list[str]:
    folder = TEMPLATES_DIR / f"v{version}"
    return sorted(p.stem for p in folder.glob("*.json"))


def manifest(version: str) -> dict[str, str]:
    """File name → SHA-256 recorded when the version was published."""
    return _manifest(TEMPLATES_DIR, version)


def _manifest(folder: Path, version: str) -> dict[str, str]:
    path = folder / f"v{version}" / MANIFEST
    result: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                digest, name = line.split(maxsplit=1)
                result[name.strip().lstrip("*")] = digest.lower()
    return result


def load(version: str, langue: str = LANGUE_FAIT_FOI) -> Template:
    return _load(TEMPLATES_DIR, version, langue)


@cache
def _load(folder: Path, version: str, langue: str) -> Template:
    path = folder / f"v{version}" / f"{langue}.json"
    if not path.exists():
        raise ValidationError(
            _("Le texte du mandat (version {version}) n'existe pas en « {langue} ».").format(
                version=version, langue=langue
            ),
            field="langue",
        )
    raw = path.read_bytes()
    expected = _manifest(folder, version).get(path.name)
    if expected != hashlib.sha256(raw).hexdigest():
        raise TemplateAltered(
            _(
                "Le texte du mandat (version {version}, {langue}) ne correspond plus à sa "
                "version publiée : un texte utilisé ne se modifie pas, il faut en publier une "
                "nouvelle version datée."
            ).format(version=version, langue=langue)
        )
    data = json.loads(raw.decode("utf-8"))
    return Template(version, langue, data)
