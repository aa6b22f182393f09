from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core import i18n
from core.paths import LOCALE_DIR, PROJECT_ROOT

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
SOURCE_DIRS = ("core", "mediation", "pass_numerique", "lieux", "fragilite", "ui")


def _source_messages() -> set[str]:
    found: set[str] = set()
    for folder in SOURCE_DIRS:
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            PROJECT_ROOT / folder, keywords=KEYWORDS, method_map=[("**.py", "python")]
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(language: str):  # type: ignore[no-untyped-def]
    path = LOCALE_DIR / language / "LC_MESSAGES" / "medianum.po"
    with Path(path).open("rb") as fh:
        return read_po(fh, locale=language)


def test_every_user_visible_string_is_in_both_catalogs() -> None:
    source = _source_messages()
    for language in ("fr", "en"):
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
        missing = sorted(source - ids)
        assert not missing, f"run `make catalogs`: {len(missing)} strings missing in {language}"


def test_every_string_has_an_english_translation() -> None:
    untranslated = [
        m.id
        for m in _catalog("en")
        if m.id and not (m.string if isinstance(m.string, str) else m.string[0])
    ]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:3]}"


def test_french_formats_dates_and_amounts_the_french_way() -> None:
    i18n.set_language("fr")
    assert i18n.format_date(date(2026, 11, 23)) == "23 novembre 2026"
    assert i18n.format_date(date(2026, 3, 12), "short") == "12/03/2026"
    assert i18n.format_money(1000).replace("\u00a0", " ").replace("\u202f", " ") == "10,00 €"
    assert i18n.format_money(123456).replace("\u00a0", " ").replace("\u202f", " ") == "1 234,56 €"


def test_instants_are_shown_in_paris_time() -> None:
    i18n.set_language("fr")
    # 23:30 UTC on 31 December is already New Year's Day in Paris (UTC+1 in winter).
    shown = i18n.format_datetime(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert shown == "1 janvier 2027 à 00:30"


def test_english_catalog_switches_the_interface_language() -> None:
    i18n.set_language("en")
    try:
        assert i18n._("Identifiant ou mot de passe incorrect.") != (
            "Identifiant ou mot de passe incorrect."
        )
        assert i18n.format_date(date(2026, 11, 23)) == "23 November 2026"
    finally:
        i18n.set_language("fr")
