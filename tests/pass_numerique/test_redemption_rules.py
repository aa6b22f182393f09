"""Every answer a desk gets when it scans a pass, pinned whole: accepted or not, its code, its
words, the serial and the value it names. A refusal that said « accepted », or named no serial,
would make a desk hand over a service the funder never pays for.

Written against mutants that the tests checking only the code or only the message let through.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Connection

from core import i18n
from core.db import Database
from pass_numerique import opposition
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Encaissement, Pass, PassStructure
from pass_numerique.redemption import ScanResult, redeem, verify_scan
from tests.pass_numerique.conftest import TODAY, World

# 10 € a pass (the campaign's default value) and its last valid day, 31 January 2027 (the
# campaign ends on 31 December 2026, plus one month of grace): see test_redemption.
TEN_EUROS = 1000
UNKNOWN = ScanResult(False, "inconnu", "Pass inconnu ou falsifié")


def _issue(world: World) -> tuple[int, list[str]]:
    with world.db.session() as s:
        chequier = issue_chequebook(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, today=TODAY
        )
        book = chequebook_print(s, world.accueil, chequier.id, today=TODAY)
        return chequier.id, [p.qr_text for p in book.passes]


def _serial(qr_text: str) -> str:
    return qr_text.split(":")[2]


def _redeem(world: World, scanned: str, day: date = TODAY) -> ScanResult:
    with world.db.session() as s:
        return redeem(s, world.mediateur, scanned, today=day)


def _check(world: World, scanned: str, day: date = TODAY) -> ScanResult:
    with world.db.session() as s:
        return verify_scan(s, world.mediateur, scanned, today=day)


def _redemptions(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Encaissement)) or 0)


def test_a_pass_of_a_chequebook_in_opposition_is_refused_naming_its_serial(world: World) -> None:
    chequier_id, qr_texts = _issue(world)
    with world.db.session() as s:
        opposition.oppose_chequebook(s, world.accueil, chequier_id)
    expected = ScanResult(False, "opposition", "Chéquier en opposition", _serial(qr_texts[0]))
    assert _redeem(world, qr_texts[0]) == expected
    assert _check(world, qr_texts[0]) == expected
    assert _redemptions(world.db) == 0


def test_a_pass_never_handed_over_is_refused_naming_its_serial_and_value(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    with world.db.session() as s:
        s.execute(
            text("UPDATE pass SET etat = 'emis' WHERE serial = :s"), {"s": _serial(qr_texts[0])}
        )
    expected = ScanResult(
        False, "non_remis", "Pass non remis à un bénéficiaire", _serial(qr_texts[0]), TEN_EUROS
    )
    assert _redeem(world, qr_texts[0]) == expected
    assert _check(world, qr_texts[0]) == expected
    assert _redemptions(world.db) == 0


def test_an_expired_pass_is_refused_naming_its_last_day_serial_and_value(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    expected = ScanResult(
        False, "expire", "Expiré depuis le 31/01/2027", _serial(qr_texts[0]), TEN_EUROS
    )
    assert _redeem(world, qr_texts[0], day=date(2027, 2, 1)) == expected
    assert _check(world, qr_texts[0], day=date(2027, 2, 1)) == expected
    assert _redemptions(world.db) == 0


def test_a_pass_scanned_twice_is_refused_the_second_time_naming_its_serial_and_value(
    world: World,
) -> None:
    _chequier, qr_texts = _issue(world)
    # 10:00 UTC on 12 March 2026 is 11:00 in Paris: the same day at the desk.
    with world.db.session() as s:
        first = redeem(
            s, world.mediateur, qr_texts[0], today=TODAY, at=datetime(2026, 3, 12, 10, tzinfo=UTC)
        )
    assert first.accepted
    expected = ScanResult(
        False,
        "deja_encaisse",
        "Déjà encaissé le 12/03/2026 par Association test",
        _serial(qr_texts[0]),
        TEN_EUROS,
    )
    assert _redeem(world, qr_texts[0]) == expected
    assert _check(world, qr_texts[0]) == expected
    assert _redemptions(world.db) == 1


def test_redeeming_a_well_formed_serial_that_was_never_issued_says_unknown(world: World) -> None:
    _issue(world)
    # « 0000000001ZT » passes its check characters (see test_reference_values) but names no pass.
    assert _redeem(world, "0000-0000-01ZT") == UNKNOWN
    assert _redemptions(world.db) == 0


def test_a_structure_redeems_from_the_first_day_of_its_referencing_not_the_day_before(
    world: World,
) -> None:
    _chequier, qr_texts = _issue(world)
    with world.db.session() as s:
        ref = s.get(PassStructure, world.ref_association)
        assert ref is not None
        ref.actif_du = TODAY
    day_before = _redeem(world, qr_texts[0], day=TODAY - timedelta(days=1))
    assert (day_before.accepted, day_before.code) == (False, "non_reference")
    first_day = _redeem(world, qr_texts[0], day=TODAY)
    assert (first_day.accepted, first_day.code) == (True, "accepte")
    assert _redemptions(world.db) == 1


def test_an_accepted_pass_names_its_serial_its_value_and_the_redemption_recorded(
    world: World,
) -> None:
    _chequier, qr_texts = _issue(world)
    result = _redeem(world, qr_texts[0])
    with world.db.session() as s:
        recorded = s.scalar(
            select(Encaissement.id)
            .join(Pass, Pass.id == Encaissement.pass_id)
            .where(Pass.serial == _serial(qr_texts[0]))
        )
    assert recorded is not None
    assert result == ScanResult(
        True, "accepte", "Pass accepté — 10,00\xa0€", _serial(qr_texts[0]), TEN_EUROS, recorded
    )


def test_a_desk_that_switches_to_english_is_answered_in_english(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    assert _redeem(world, qr_texts[0]).message == "Pass accepté — 10,00\xa0€"
    i18n.set_language("en")
    try:
        assert _redeem(world, qr_texts[1]).message == "Pass accepted — €10.00"
    finally:
        i18n.set_language("fr")


def test_on_sqlite_a_redemption_reads_the_journal_head_within_its_own_scan(
    world: World, engine_name: str
) -> None:
    """A desk scans all day: on SQLite the writer lock is held from the first statement, so
    the scan itself reads where the journal line goes, and no statement of its own does
    (« SELECT … FROM audit_log ORDER BY seq DESC LIMIT 1 »). PostgreSQL reads it under the
    journal's lock instead."""
    _chequier, qr_texts = _issue(world)
    statements: list[str] = []

    def seen(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(world.db.engine, "before_cursor_execute", seen)
    try:
        assert _redeem(world, qr_texts[0]).accepted
    finally:
        event.remove(world.db.engine, "before_cursor_execute", seen)
    journal_head_alone = [s for s in statements if s.startswith("select") and "desc limit" in s]
    if engine_name == "sqlite":
        assert journal_head_alone == []
    else:
        assert len(journal_head_alone) == 1
