"""The refusals that keep public money from being paid wrongly, each pinned by its own test.

Each test here was written against a deliberate bug that the rest of the suite let through (a
mutation run): the refusal deleted, a comparison loosened, an ``or`` turned into ``and``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from core.auth import Actor
from core.db import Database
from core.errors import ConflictError, NotFoundError, PermissionDenied
from core.models import AuditEntry, Role
from pass_numerique import keys, qr, settlements
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Encaissement, PassStructure
from pass_numerique.redemption import (
    ScanResult,
    redeem,
    redemptions_of_day,
    undo_redemption,
    verify_scan,
)
from tests.pass_numerique.conftest import TODAY, World


def _issue(world: World) -> list[str]:
    with world.db.session() as s:
        chequier = issue_chequebook(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, today=TODAY
        )
        return [p.qr_text for p in chequebook_print(s, world.accueil, chequier.id).passes]


def _redeem(
    world: World, scanned: str, day: date = TODAY, actor: Actor | None = None
) -> ScanResult:
    with world.db.session() as s:
        return redeem(s, actor or world.mediateur, scanned, today=day)


def _redemptions(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Encaissement)) or 0)


def _serial(qr_text: str) -> str:
    return qr_text.split(":")[2]


def test_a_pass_never_handed_to_anyone_is_refused_and_nothing_is_recorded(world: World) -> None:
    qr_texts = _issue(world)
    with world.db.session() as s:
        s.execute(
            text("UPDATE pass SET etat = 'emis' WHERE serial = :s"), {"s": _serial(qr_texts[0])}
        )
    result = _redeem(world, qr_texts[0])
    assert not result.accepted
    assert result.code == "non_remis"
    assert _redemptions(world.db) == 0


def test_a_genuine_qr_code_whose_value_differs_from_the_register_is_refused(world: World) -> None:
    qr_texts = _issue(world)
    with world.db.session() as s:
        s.execute(
            text("UPDATE pass SET valeur_cents = 2000 WHERE serial = :s"),
            {"s": _serial(qr_texts[0])},
        )
    assert _redeem(world, qr_texts[0]).code == "inconnu"
    assert _redemptions(world.db) == 0


def test_a_genuine_qr_code_of_another_campaign_than_the_register_says_is_refused(
    world: World,
) -> None:
    qr_texts = _issue(world)
    with world.db.session() as s:
        other = s.scalar(
            text("SELECT id FROM pass_campagne WHERE id <> :c ORDER BY id LIMIT 1"),
            {"c": world.campagne_id},
        )
        s.execute(
            text("UPDATE pass SET campagne_id = :o WHERE serial = :s"),
            {"o": other, "s": _serial(qr_texts[0])},
        )
    assert _redeem(world, qr_texts[0]).code == "inconnu"


def test_a_structure_is_still_referenced_on_the_last_day_of_its_referencing(world: World) -> None:
    qr_texts = _issue(world)
    with world.db.session() as s:
        ref = s.get(PassStructure, world.ref_association)
        assert ref is not None
        ref.actif_au = TODAY
    assert _redeem(world, qr_texts[0], day=TODAY).accepted
    after = _redeem(world, qr_texts[1], day=TODAY + timedelta(days=1))
    assert after.code == "non_reference"


def test_only_the_agent_who_redeemed_a_pass_may_undo_it(
    world: World, make_agent: Callable[..., Actor]
) -> None:
    qr_texts = _issue(world)
    result = _redeem(world, qr_texts[0])
    colleague = make_agent((Role.MEDIATEUR, world.association_id))
    with world.db.session() as s, pytest.raises(PermissionDenied):
        undo_redemption(s, colleague, result.encaissement_id or 0)
    assert _redemptions(world.db) == 1


def test_an_agent_without_the_right_to_redeem_cannot_list_a_referenced_structures_redemptions(
    world: World, make_agent: Callable[..., Actor]
) -> None:
    _redeem(world, _issue(world)[0])
    desk_agent = make_agent((Role.ACCUEIL, world.association_id))
    with world.db.session() as s, pytest.raises(PermissionDenied):
        redemptions_of_day(s, desk_agent)


def test_a_redemption_in_a_validated_settlement_can_never_be_undone(world: World) -> None:
    qr_texts = _issue(world)
    result = _redeem(world, qr_texts[0])
    february = datetime(2026, 2, 20, 10, 0, tzinfo=UTC)
    with world.db.session() as s:
        s.execute(
            text("UPDATE pass_encaissement SET at = :at WHERE id = :id"),
            {"at": february, "id": result.encaissement_id},
        )
    with world.db.session() as s:
        assert settlements.validate(s, world.coordinateur, "2026-02")
    # Its time is long past the undo delay, but the answer must name the settlement: the rows
    # of a validated settlement are what the financer paid.
    with world.db.session() as s, pytest.raises(ConflictError):
        undo_redemption(s, world.mediateur, result.encaissement_id or 0)


def test_a_qr_code_signed_by_an_unknown_key_is_refused_for_that_reason(world: World) -> None:
    qr_texts = _issue(world)
    parts = qr_texts[0].split(":")
    parts[1] = "ZZZZ" if parts[1] != "ZZZZ" else "YYYY"
    with world.db.session() as s, pytest.raises(qr.QrRefused) as refused:
        qr.verify(s, ":".join(parts))
    assert refused.value.reason == "cle_inconnue"


def test_a_qr_code_signed_by_a_revoked_key_is_refused_for_that_reason(world: World) -> None:
    qr_texts = _issue(world)
    with world.db.session() as s:
        keys.revoke_key(s, world.coordinateur, qr_texts[0].split(":")[1])
    with world.db.session() as s, pytest.raises(qr.QrRefused) as refused:
        qr.verify(s, qr_texts[0])
    assert refused.value.reason == "cle_revoquee"


def test_a_qr_code_with_a_forged_signature_is_refused_for_that_reason(world: World) -> None:
    qr_texts = _issue(world)
    message, _, signature = qr_texts[0].rpartition(":")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    with world.db.session() as s, pytest.raises(qr.QrRefused) as refused:
        qr.verify(s, f"{message}:{flipped}")
    assert refused.value.reason == "signature"


# The desk's check (« vérifier », offline, no redemption) must say what the redemption would.


def _check(world: World, scanned: str, day: date = TODAY) -> ScanResult:
    with world.db.session() as s:
        return verify_scan(s, world.mediateur, scanned, today=day)


def test_checking_a_pass_names_its_serial_and_value_and_records_nothing(world: World) -> None:
    qr_texts = _issue(world)
    seen = _check(world, qr_texts[0])
    assert (seen.accepted, seen.code) == (True, "valide")
    assert (seen.serial, seen.valeur_cents) == (_serial(qr_texts[0]), 1000)
    assert _redemptions(world.db) == 0


def test_checking_a_genuine_qr_code_whose_value_differs_from_the_register_says_unknown(
    world: World,
) -> None:
    qr_texts = _issue(world)
    with world.db.session() as s:
        s.execute(
            text("UPDATE pass SET valeur_cents = 2000 WHERE serial = :s"),
            {"s": _serial(qr_texts[0])},
        )
    assert _check(world, qr_texts[0]).code == "inconnu"


def test_checking_a_genuine_qr_code_of_another_campaign_than_the_register_says_unknown(
    world: World,
) -> None:
    qr_texts = _issue(world)
    with world.db.session() as s:
        other = s.scalar(
            text("SELECT id FROM pass_campagne WHERE id <> :c ORDER BY id LIMIT 1"),
            {"c": world.campagne_id},
        )
        s.execute(
            text("UPDATE pass SET campagne_id = :o WHERE serial = :s"),
            {"o": other, "s": _serial(qr_texts[0])},
        )
    assert _check(world, qr_texts[0]).code == "inconnu"


def test_checking_a_well_formed_serial_that_was_never_issued_says_unknown(world: World) -> None:
    _issue(world)
    # « 0000000001ZT » passes its check characters (see test_reference_values) but names no pass.
    assert _check(world, "0000-0000-01ZT").code == "inconnu"


def test_checking_a_redeemed_pass_says_it_is_already_redeemed(world: World) -> None:
    qr_texts = _issue(world)
    assert _redeem(world, qr_texts[0]).accepted
    seen = _check(world, qr_texts[0])
    assert (seen.accepted, seen.code) == (False, "deja_encaisse")


def test_checking_a_pass_the_day_after_its_last_valid_day_says_it_has_expired(
    world: World,
) -> None:
    qr_texts = _issue(world)
    assert _check(world, qr_texts[0], day=date(2027, 1, 31)).code == "valide"
    assert _check(world, qr_texts[0], day=date(2027, 2, 1)).code == "expire"


def test_a_structure_not_referenced_for_the_pass_campaign_is_refused_and_nothing_is_recorded(
    world: World,
) -> None:
    qr_texts = _issue(world)
    result = _redeem(world, qr_texts[0], actor=world.mediateur_ailleurs)
    assert (result.accepted, result.code) == (False, "non_reference")
    assert result.serial == _serial(qr_texts[0])
    assert _redemptions(world.db) == 0


def test_the_days_list_shows_only_this_structures_redemptions_newest_first_with_serial_and_value(
    world: World,
) -> None:
    qr_texts = _issue(world)
    first, second = _redeem(world, qr_texts[0]), _redeem(world, qr_texts[1])
    with world.db.session() as s:
        # One second apart, whatever the clock's resolution.
        at = s.get(Encaissement, second.encaissement_id).at  # type: ignore[union-attr]
        s.execute(
            text("UPDATE pass_encaissement SET at = :at WHERE id = :id"),
            {"at": at - timedelta(seconds=1), "id": first.encaissement_id},
        )
    with world.db.session() as s:
        rows = redemptions_of_day(s, world.mediateur)
        assert [(r.encaissement_id, r.serial, r.valeur_cents) for r in rows] == [
            (second.encaissement_id, _serial(qr_texts[1]), 1000),
            (first.encaissement_id, _serial(qr_texts[0]), 1000),
        ]
        assert all(r.agent_id == world.mediateur.agent_id and r.undoable for r in rows)
        # Another referenced structure's desk sees none of them.
        assert redemptions_of_day(s, world.mediateur_ailleurs) == []


def test_undoing_one_redemption_gives_back_that_pass_only_and_is_journalled(world: World) -> None:
    qr_texts = _issue(world)
    kept, undone = _redeem(world, qr_texts[0]), _redeem(world, qr_texts[1])
    with world.db.session() as s:
        undo_redemption(s, world.mediateur, undone.encaissement_id or 0)
    # The other pass stays redeemed: scanning it again is refused, so it is paid once.
    assert _redeem(world, qr_texts[0]).code == "deja_encaisse"
    assert _redeem(world, qr_texts[1]).accepted
    with world.db.session() as s:
        line = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "pass.encaissement.annule")
        ).one()
        assert line.agent_id == world.mediateur.agent_id
        assert line.details == {"encaissement_id": undone.encaissement_id}
    assert kept.accepted


def test_undoing_a_redemption_that_does_not_exist_or_is_another_structures_says_not_found(
    world: World,
) -> None:
    with world.db.session() as s, pytest.raises(NotFoundError):
        undo_redemption(s, world.mediateur, 999_999)
    redeemed = _redeem(world, _issue(world)[0])
    with world.db.session() as s, pytest.raises(NotFoundError):
        undo_redemption(s, world.mediateur_ailleurs, redeemed.encaissement_id or 0)
