"""Translation and French-style formatting (babel).

Source strings are written in French, the language of the desks and of the national labels the
exports must reproduce verbatim; ``resources/locale/<lang>/LC_MESSAGES/medianum.po`` holds the
catalogs (French corrections and the English translation). Call ``_()`` when the text is shown,
never at import time, so a change of language applies everywhere; mark module-level constants
with ``N_()`` and translate them when displayed.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

# babel (and its locale data) is imported by the first formatting call, not here: a desk's
# start-up needs it only for the home page's date, which is prepared while the password is
# checked (``load_formats``), not before the login dialog.

SUPPORTED_LANGUAGES = ("fr", "en")
DISPLAY_TZ = ZoneInfo("Europe/Paris")
_LOCALE_DIR = Path(__file__).resolve().parent.parent / "resources" / "locale"

_current_language = "fr"
_translations: gettext.NullTranslations = gettext.NullTranslations()


def _load(language: str) -> gettext.NullTranslations:
    mo = _LOCALE_DIR / language / "LC_MESSAGES" / "medianum.mo"
    if mo.exists():
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    po = mo.with_suffix(".po")
    if po.exists():
        # A checkout whose catalogs were not compiled yet (``make translations``) still shows the
        # right language: babel reads the .po and compiles it in memory.
        from io import BytesIO

        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        buffer = BytesIO()
        write_mo(buffer, catalog, use_fuzzy=True)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


def set_language(language: str) -> None:
    global _current_language, _translations
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    _current_language = language
    _translations = _load(language)


def current_language() -> str:
    return _current_language


def babel_locale() -> str:
    return "fr_FR" if _current_language == "fr" else "en_GB"


def _(message: str) -> str:
    """Translate ``message`` (a French source string) into the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def format_date(value: date, fmt: str = "long") -> str:
    """« 23 novembre 2026 » (long) or « 23/11/2026 » (short)."""
    from babel import dates as babel_dates

    if isinstance(value, datetime):
        value = to_local(value).date()
    return babel_dates.format_date(value, format=fmt, locale=babel_locale())


def load_formats() -> None:
    """Import babel and read the current language's locale data now, so that the first date
    shown does not wait for them (the desk calls this while the password is being checked)."""
    format_date(date(2000, 1, 1))


def to_local(value: datetime) -> datetime:
    """A stored UTC instant as the desk's wall-clock time (Europe/Paris)."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not allowed: store UTC-aware values")
    return value.astimezone(DISPLAY_TZ)


def format_datetime(value: datetime) -> str:
    """« 23 novembre 2026 à 10:15 », in Europe/Paris."""
    from babel import dates as babel_dates

    local = to_local(value)
    pattern = "d MMMM y 'à' HH:mm" if _current_language == "fr" else "d MMMM y 'at' HH:mm"
    return babel_dates.format_datetime(local, pattern, locale=babel_locale())


def format_money(cents: int) -> str:
    """Integer cents as « 10,00 € »."""
    from babel import numbers as babel_numbers

    return babel_numbers.format_currency(
        Decimal(cents) / 100, "EUR", locale=babel_locale(), format_type="standard"
    )


def format_number(value: float | int, decimals: int | None = None) -> str:
    from babel import numbers as babel_numbers

    if decimals is None:
        return babel_numbers.format_decimal(value, locale=babel_locale())
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale())


def format_percent(share: float, decimals: int = 1) -> str:
    from babel import numbers as babel_numbers

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + " %"
    return babel_numbers.format_percent(share, format=pattern, locale=babel_locale())
