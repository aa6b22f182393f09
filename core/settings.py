"""Settings of this desk, declared once with their type, default and translatable title.

They live in ``settings.json`` in the data directory. The file carries a version; upgrading it
runs the versioned functions in ``_UPGRADES`` after backing the old file up. Settings shared by
every desk of a territory (retention periods, for instance) live in the database instead
(``core.models.InstallationSetting``).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core import paths
from core.errors import ValidationError
from core.i18n import N_, _

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: type
    default: Any
    title: str  # N_()-marked, translated when shown
    choices: tuple[Any, ...] | None = None
    minimum: int | None = None


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec("language", str, "fr", N_("Langue de l'interface"), choices=("fr", "en")),
        SettingSpec(
            "lock_minutes",
            int,
            10,
            N_("Verrouillage après inactivité (minutes)"),
            minimum=1,
        ),
        SettingSpec("database_url", str, "", N_("Base de données partagée (URL PostgreSQL)")),
        SettingSpec("font_scale", int, 100, N_("Taille du texte (%)"), minimum=50),
        SettingSpec("backup_keep", int, 10, N_("Sauvegardes automatiques conservées"), minimum=0),
        SettingSpec("backup_at_start", bool, False, N_("Sauvegarder au démarrage")),
        SettingSpec("backup_folder", str, "", N_("Dossier des sauvegardes automatiques")),
    )
}

# version n -> function turning a version-n dict into a version n+1 dict
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class Settings:
    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def get(self, key: str) -> Any:
        spec = SPECS[key]
        return self._values.get(key, spec.default)

    def set(self, key: str, value: Any) -> None:
        spec = SPECS[key]
        if not isinstance(value, spec.type) or (spec.type is int and isinstance(value, bool)):
            raise ValidationError(
                _("Valeur invalide pour « {title} ».").format(title=_(spec.title)), field=key
            )
        if spec.choices is not None and value not in spec.choices:
            raise ValidationError(
                _("Valeur invalide pour « {title} ».").format(title=_(spec.title)), field=key
            )
        if spec.minimum is not None and isinstance(value, int) and value < spec.minimum:
            raise ValidationError(
                _("« {title} » doit valoir au moins {minimum}.").format(
                    title=_(spec.title), minimum=spec.minimum
                ),
                field=key,
            )
        self._values[key] = value

    def save(self) -> None:
        target = paths.settings_file()
        tmp = target.with_suffix(".tmp")
        payload = {"version": SETTINGS_VERSION, "values": self._values}
        tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(target)  # atomic: a crash never leaves half a settings file


def load_settings() -> Settings:
    target = paths.settings_file()
    if not target.exists():
        return Settings({})
    try:
        payload = json.loads(target.read_text(encoding="utf-8"))
        version = int(payload.get("version", 0))
        values = dict(payload.get("values", {}))
    except (ValueError, TypeError, AttributeError):
        broken = target.with_suffix(".illisible.json")
        shutil.copy2(target, broken)
        log.warning("settings file unreadable, kept aside as %s; defaults used", broken.name)
        return Settings({})
    if version < SETTINGS_VERSION:
        shutil.copy2(target, target.with_suffix(f".v{version}.json"))
        for step in range(version, SETTINGS_VERSION):
            values = _UPGRADES[step](values)
    known = {k: v for k, v in values.items() if k in SPECS}
    return Settings(known)
