from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from core.errors import ValidationError
from lieux import vacances
from lieux.horaires import (
    PARIS,
    SemaineType,
    depuis_osm,
    est_ouvert,
    prochaine_ouverture,
    verifier,
    vers_osm,
)

HOURS = "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_a_place_is_open_on_a_saturday_morning_and_closed_in_the_afternoon() -> None:
    # 21 November 2026 is a Saturday.
    assert est_ouvert(HOURS, at("2026-11-21 10:15")) is True
    assert est_ouvert(HOURS, at("2026-11-21 12:30")) is False
    assert prochaine_ouverture(HOURS, at("2026-11-21 12:30")) == at("2026-11-23 09:00")


def test_a_place_closed_on_public_holidays_is_closed_on_14_july_and_1_may() -> None:
    # 14 July 2026 is a Tuesday, 1 May 2026 a Friday: ordinary opening days.
    assert est_ouvert(HOURS, at("2026-07-14 10:00")) is False
    assert prochaine_ouverture(HOURS, at("2026-07-14 10:00")) == at("2026-07-15 09:00")
    assert est_ouvert(HOURS, at("2026-05-01 10:00")) is False
    assert prochaine_ouverture(HOURS, at("2026-05-01 10:00")) == at("2026-05-02 08:30")
    # Without « PH off » the same day is an ordinary Tuesday.
    assert est_ouvert("Mo-Fr 09:00-12:00", at("2026-07-14 10:00")) is True


def test_whit_monday_is_a_french_public_holiday_for_the_library() -> None:
    assert est_ouvert(HOURS, at("2026-05-25 10:00")) is False


def test_a_utc_moment_is_read_in_paris_time() -> None:
    # 08:30 UTC on a winter Saturday is 09:30 in Paris: open.
    from datetime import UTC

    assert est_ouvert(HOURS, datetime(2026, 11, 21, 8, 30, tzinfo=UTC)) is True


def test_missing_or_unreadable_hours_are_unknown_not_closed() -> None:
    assert est_ouvert(None, at("2026-11-21 10:15")) is None
    assert est_ouvert("le matin", at("2026-11-21 10:15")) is None
    assert prochaine_ouverture("le matin", at("2026-11-21 10:15")) is None


def test_typed_hours_are_validated_with_a_french_message() -> None:
    assert verifier(" Mo-Fr 09:00-12:00 ") == "Mo-Fr 09:00-12:00"
    with pytest.raises(ValidationError, match="Horaires illisibles"):
        verifier("Mo-Fr 25:00-26:00")


def test_the_weekly_timetable_becomes_an_opening_hours_string_and_back() -> None:
    week = SemaineType()
    for day in range(5):
        week.jours[day] = [(time(9), time(12)), (time(14), time(18, 30))]
    week.jours[5] = [(time(8, 30), time(12))]
    text = vers_osm(week)
    assert text == HOURS
    assert depuis_osm(text) == week


def test_timetable_groups_non_consecutive_equal_days_separately() -> None:
    week = SemaineType(feries_fermes=False)
    week.jours[0] = [(time(9), time(12))]
    week.jours[1] = [(time(9), time(12))]
    week.jours[3] = [(time(14), time(17))]
    assert vers_osm(week) == "Mo,Tu 09:00-12:00; Th 14:00-17:00"
    assert depuis_osm("Mo,Tu 09:00-12:00; Th 14:00-17:00") == week


def test_a_closing_time_before_the_opening_is_refused() -> None:
    week = SemaineType()
    week.jours[2] = [(time(14), time(9))]
    with pytest.raises(ValidationError, match="mercredi"):
        vers_osm(week)


def test_hours_beyond_what_the_timetable_shows_are_kept_as_typed() -> None:
    assert depuis_osm("Mo-Fr 09:00-12:00; Jul-Aug off") is None


def test_a_comment_inside_a_rule_keeps_the_rule() -> None:
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    assert est_ouvert('Mo-Fr 09:00-12:00 "sur rendez-vous"', monday_10) is True
    assert est_ouvert('Mo-Fr 09:00-12:00 "fermé; sauf urgence"', monday_10) is True


def test_a_fallback_rule_applies_only_where_the_others_say_nothing() -> None:
    hours = "Mo-Fr 09:00-12:00 || Sa 10:00-12:00"
    assert est_ouvert(hours, datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)) is True
    assert est_ouvert(hours, datetime(2026, 11, 28, 11, 0, tzinfo=PARIS)) is True
    assert est_ouvert(hours, datetime(2026, 11, 23, 13, 0, tzinfo=PARIS)) is False


def test_school_holidays_close_a_place_only_in_its_own_zone() -> None:
    # 8 February 2027: zone C (Toulouse, 31) is on its winter holidays, zone A (La Rochelle, 17)
    # is not; 20 October 2026: all zones are on the Toussaint holidays.
    hours = "Mo-Fr 09:00-12:00,14:00-17:30; PH,SH off"
    feb_8 = datetime(2027, 2, 8, 10, 0, tzinfo=PARIS)
    assert vacances.zone_scolaire("17300") == "A"
    assert vacances.zone_scolaire("31555") == "C"
    assert est_ouvert(hours, feb_8, zone="A") is True
    assert est_ouvert(hours, feb_8, zone="C") is False
    # Zone C goes back on Monday 22 February 2027.
    assert prochaine_ouverture(hours, feb_8, zone="C") == datetime(2027, 2, 22, 9, 0, tzinfo=PARIS)
    toussaint = datetime(2026, 10, 20, 10, 0, tzinfo=PARIS)
    assert est_ouvert(hours, toussaint, zone="A") is False
    assert prochaine_ouverture(hours, toussaint, zone="A") == datetime(
        2026, 11, 2, 9, 0, tzinfo=PARIS
    )


def test_hours_open_only_during_school_holidays() -> None:
    hours = "SH Mo-Fr 10:00-12:00"
    assert est_ouvert(hours, datetime(2026, 10, 20, 11, 0, tzinfo=PARIS), zone="B") is True
    assert est_ouvert(hours, datetime(2026, 11, 3, 11, 0, tzinfo=PARIS), zone="B") is False


def test_an_additional_school_holiday_rule_adds_its_hours_in_the_holidays_only() -> None:
    # « , » after a time adds a rule: Saturday mornings during the holidays, on top of weekdays.
    hours = "Mo-Fr 09:00-17:00, SH Sa 10:00-12:00"
    toussaint_saturday = datetime(2026, 10, 24, 11, 0, tzinfo=PARIS)
    school_saturday = datetime(2026, 11, 7, 11, 0, tzinfo=PARIS)
    assert est_ouvert(hours, toussaint_saturday, zone="A") is True
    assert est_ouvert(hours, school_saturday, zone="A") is False
    assert est_ouvert(hours, datetime(2026, 11, 9, 10, 0, tzinfo=PARIS), zone="A") is True


def test_school_holidays_of_an_unknown_calendar_give_unknown_never_a_guess() -> None:
    hours = "Mo-Fr 14:00-17:00; SH off"
    monday = datetime(2026, 11, 23, 15, 0, tzinfo=PARIS)
    # Corsica has a calendar of its own, which the package does not carry.
    assert vacances.zone_scolaire("2A004") is None
    assert est_ouvert(hours, monday, zone=None) is None
    # Where the holidays make no difference (the morning: closed either way), the state is known.
    assert est_ouvert(hours, monday.replace(hour=10), zone=None) is False
    assert prochaine_ouverture(hours, monday.replace(hour=10), zone=None) is None
    # Past the last published holidays, even a known zone is unknown.
    later = datetime.combine(vacances.fin_du_calendrier(), time(15), PARIS) + timedelta(days=60)
    later += timedelta(days=(7 - later.weekday()) % 7)  # a Monday
    assert est_ouvert(hours, later, zone="A") is None
    # Hours without « SH » are not affected by any of this.
    assert est_ouvert("Mo-Fr 14:00-17:00", monday, zone=None) is True


def test_a_school_holiday_rule_not_rewritten_is_unknown_not_ignored() -> None:
    # « Jul-Aug SH off »: months and holidays together — not understood, so not guessed.
    assert (
        est_ouvert(
            "Mo-Fr 09:00-17:00; Jul-Aug SH off",
            datetime(2026, 11, 23, 10, 0, tzinfo=PARIS),
            zone="A",
        )
        is None
    )
    # « SH » inside a comment is a word, not a selector.
    assert (
        est_ouvert(
            'Mo-Fr 09:00-12:00 "SH : voir affiche"',
            datetime(2026, 10, 20, 10, 0, tzinfo=PARIS),
            zone="A",
        )
        is True
    )


def test_sunrise_is_that_of_the_place() -> None:
    # 21 December, 08:30 in Paris time: the sun is up in Strasbourg, not yet in La Rochelle.
    moment = datetime(2026, 12, 21, 8, 30, tzinfo=PARIS)
    hours = "Mo-Su sunrise-sunset"
    assert est_ouvert(hours, moment, (48.58, 7.75)) is True
    assert est_ouvert(hours, moment, (46.16, -1.15)) is False


def test_the_hours_of_a_place_overseas_are_its_local_hours() -> None:
    # Monday 23:00 in Paris is Tuesday 09:00 in Nouméa, where the place is open.
    moment = datetime(2026, 11, 23, 23, 0, tzinfo=PARIS)
    assert est_ouvert("Mo-Fr 07:30-11:30", moment, (-22.27, 166.44)) is True
    assert est_ouvert("Mo-Fr 07:30-11:30", moment) is False


def test_a_place_s_sunrise_is_read_at_its_own_coordinates() -> None:
    # The nearest-places list evaluates each place's hours where that place is.
    from datetime import date

    from lieux.models import Lieu
    from lieux.proximite import _proche

    def lieu(lat: float, lon: float) -> Lieu:
        return Lieu(
            id=1, identifiant="x", pivot="43493312300029", nom="x", commune="x",
            code_postal="17000", code_insee="17300", adresse="1 rue", latitude=lat,
            longitude=lon, horaires="Mo-Su sunrise-sunset", date_maj=date(2024, 1, 1),
        )  # fmt: skip

    moment = datetime(2026, 12, 21, 8, 30, tzinfo=PARIS)
    assert _proche(lieu(48.58, 7.75), 1.0, moment).ouvert is True  # Strasbourg
    assert _proche(lieu(46.16, -1.15), 1.0, moment).ouvert is False  # La Rochelle
