from __future__ import annotations

import pytest

from core.errors import ValidationError
from core.validation import fold, normalize_email, normalize_phone, validate_siret


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("05 46 12 34 56", "+33546123456"),
        ("05.46.12.34.56", "+33546123456"),
        ("+33 (0)5 46 12 34 56", "+33546123456"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("0590 12 34 56", "+590590123456"),  # Guadeloupe keeps its own country code
        ("0262 12 34 56", "+262262123456"),  # La Réunion
    ],
)
def test_french_phone_numbers_are_stored_in_e164(typed: str, e164: str) -> None:
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", ["12 34", "05 46 12 34", "téléphone", "00 00 00 00 00"])
def test_malformed_phone_numbers_are_refused_in_french(typed: str) -> None:
    with pytest.raises(ValidationError, match="Numéro de téléphone invalide"):
        normalize_phone(typed)


def test_email_is_checked_and_lowered() -> None:
    assert normalize_email(" Zoe.Martin@Exemple.FR ") == "zoe.martin@exemple.fr"
    with pytest.raises(ValidationError, match="e-mail"):
        normalize_email("zoe.martin@")


def test_siret_key_is_checked_including_la_poste_exception() -> None:
    # 732 829 320 00074 : a SIRET whose Luhn key is right; changing one digit breaks it.
    assert validate_siret("732 829 320 00074") == "73282932000074"
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret("73282932000075")
    # La Poste's establishments follow a sum-of-digits rule instead of Luhn.
    assert validate_siret("35600000000001") == "35600000000001"
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret("35600000000002")


def test_fold_ignores_case_accents_and_hyphens() -> None:
    assert fold("Béatrice") == fold("beatrice")
    assert fold("Jean-François  Lœuvre") == "jean francois loeuvre"
