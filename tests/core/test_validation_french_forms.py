"""Dates and phone numbers as French desks type and read them."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import ValidationError
from core.validation import format_phone, parse_french_date, to_e164


def test_a_well_formed_french_date_is_read_as_that_day() -> None:
    assert parse_french_date("29/02/2024") == date(2024, 2, 29)
    assert parse_french_date(" 1/2/1960 ") == date(1960, 2, 1)


@pytest.mark.parametrize("typed", ["31/02/1960", "29/02/2023", "31/04/1980", "00/01/1990"])
def test_a_day_that_does_not_exist_is_called_impossible_not_a_format_error(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_french_date(typed, field="date_naissance")
    assert "date impossible" in str(refused.value)
    assert "format" not in str(refused.value)
    assert refused.value.field == "date_naissance"


@pytest.mark.parametrize("typed", ["1960-02-01", "31021960", "trente/02/1960", ""])
def test_a_date_not_written_jj_mm_aaaa_asks_for_that_format(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_french_date(typed)
    assert "format JJ/MM/AAAA attendu" in str(refused.value)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33612345678", "06 12 34 56 78"),
        ("+33546123456", "05 46 12 34 56"),
        ("+590590123456", "05 90 12 34 56"),
        ("+262692123456", "06 92 12 34 56"),
        ("+4915112345678", "+4915112345678"),
        ("", ""),
    ],
)
def test_a_stored_phone_number_is_shown_as_french_desks_write_it(stored: str, shown: str) -> None:
    assert format_phone(stored) == shown


def test_a_shown_phone_number_is_stored_back_unchanged() -> None:
    for stored in ("+33612345678", "+590590123456", "+262692123456"):
        assert to_e164(format_phone(stored)) == stored
