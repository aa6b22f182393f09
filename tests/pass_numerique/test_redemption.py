"""Issuing a chequebook, redeeming its passes once, and every refusal in words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from core import secrets
from core.db import utcnow
from core.errors import ConflictError, PermissionDenied, ValidationError
from core.models import AuditEntry, Role
from pass_numerique import keys, opposition, qr, serials, settlements
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Encaissement, Pass
from pass_numerique.redemption import redeem, redemptions_of_day, undo_redemption, verify_scan
from tests.pass_numerique.conftest import TODAY, World


def _issue(world: World, beneficiaire_id: int | None = None) -> tuple[int, list[str]]:
    with world.db.session() as s:
        chequier = issue_chequebook(
            s,
            world.accueil,
            beneficiaire_id or world.beneficiaire_id,
            world.campagne_id,
            today=TODAY,
        )
        book = chequebook_print(s, world.accueil, chequier.id, today=TODAY)
        return chequier.id, [p.qr_text for p in book.passes]


def _redeem(world: World, scanned: str, day: date = TODAY, actor=None):  # type: ignore[no-untyped-def]
    with world.db.session() as s:
        return redeem(s, actor or world.mediateur, scanned, today=day)


def test_a_chequebook_holds_the_campaigns_passes_handed_to_the_beneficiary(world: World) -> None:
    chequier_id, qr_texts = _issue(world)
    assert len(qr_texts) == 10
    with world.db.session() as s:
        passes = s.scalars(select(Pass).where(Pass.chequier_id == chequier_id)).all()
        assert {p.etat for p in passes} == {"remis"}
        assert {p.valeur_cents for p in passes} == {1000}
        assert {p.expire_le for p in passes} == {date(2027, 1, 31)}
        actions = s.scalars(select(AuditEntry.action)).all()
        assert "pass.chequier.emis" in actions


def test_a_scanned_pass_is_accepted_once_and_then_refused_with_the_date_and_structure(
    world: World,
) -> None:
    _chequier, qr_texts = _issue(world)
    first = _redeem(world, qr_texts[0])
    assert first.accepted
    assert first.message == "Pass accepté — 10,00\xa0€"
    second = _redeem(world, qr_texts[0])
    assert not second.accepted
    # The desk's day in France, not the machine's: between 23:00 and 00:00 UTC they differ.
    today = utcnow().astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y")
    assert second.message == f"Déjà encaissé le {today} par Association test"


def test_a_typed_serial_redeems_like_a_scan(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    serial = qr_texts[1].split(":")[2]
    typed = f"{serial[:4]}-{serial[4:8]} {serial[8:]}".lower()
    assert _redeem(world, typed).accepted
    assert _redeem(world, qr_texts[1]).code == "deja_encaisse"


def test_a_mistyped_serial_is_refused_as_unknown(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    serial = qr_texts[0].split(":")[2]
    swapped = serial[1] + serial[0] + serial[2:] if serial[0] != serial[1] else serial[::-1]
    result = _redeem(world, swapped)
    assert not result.accepted
    assert result.message == "Pass inconnu ou falsifié"


def test_a_pass_expires_after_the_grace_period(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    assert _redeem(world, qr_texts[0], day=date(2027, 1, 31)).accepted
    late = _redeem(world, qr_texts[1], day=date(2027, 2, 1))
    assert late.message == "Expiré depuis le 31/01/2027"


def test_an_opposed_chequebook_refuses_its_remaining_passes(world: World) -> None:
    chequier_id, qr_texts = _issue(world)
    assert _redeem(world, qr_texts[0]).accepted
    with world.db.session() as s:
        assert opposition.oppose_chequebook(s, world.accueil, chequier_id) == 9
    assert _redeem(world, qr_texts[1]).message == "Chéquier en opposition"
    assert _redeem(world, qr_texts[0]).code == "deja_encaisse"


def test_a_structure_not_referenced_for_the_campaign_is_told_so(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    result = _redeem(world, qr_texts[0], actor=world.mediateur_ailleurs)
    assert result.message == "Votre structure n'est pas référencée pour cette campagne"
    assert _redeem(world, qr_texts[0]).accepted


def test_an_agent_of_a_desk_cannot_redeem(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    with pytest.raises(PermissionDenied):
        _redeem(world, qr_texts[0], actor=world.accueil)


def test_an_altered_qr_code_is_refused(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    parts = qr_texts[0].split(":")
    parts[4] = "2000"  # claims 20 € instead of 10 €
    assert _redeem(world, ":".join(parts)).code == "inconnu"
    assert _redeem(world, qr_texts[0]).accepted


def test_a_revoked_key_refuses_its_qr_codes_but_not_the_typed_serial(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    kid = qr_texts[0].split(":")[1]
    with world.db.session() as s:
        keys.revoke_key(s, world.coordinateur, kid)
    assert _redeem(world, qr_texts[0]).code == "inconnu"
    assert _redeem(world, qr_texts[0].split(":")[2]).accepted


def test_rotation_keeps_old_chequebooks_valid_and_signs_new_ones_with_the_new_key(
    world: World,
) -> None:
    _chequier, old_texts = _issue(world)
    with world.db.session() as s:
        new_key = keys.rotate_key(s, world.coordinateur, world.campagne_id)
        new_kid = new_key.kid
    other = world.add_beneficiaire(prenom="Jean", nom="Martin")
    _chequier2, new_texts = _issue(world, other)
    assert new_texts[0].split(":")[1] == new_kid != old_texts[0].split(":")[1]
    assert _redeem(world, old_texts[0]).accepted
    assert _redeem(world, new_texts[0]).accepted


def test_reprinting_gives_the_same_pass_and_is_journalled(world: World) -> None:
    chequier_id, qr_texts = _issue(world)
    serial = qr_texts[3].split(":")[2]
    with world.db.session() as s:
        again = chequebook_print(s, world.accueil, chequier_id, serials_only=[serial], today=TODAY)
        assert [p.qr_text for p in again.passes] == [qr_texts[3]]
        assert again.reimpression
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "pass.chequier.reimprime"))


def test_a_mistaken_redemption_is_undone_by_its_agent_within_the_delay(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    result = _redeem(world, qr_texts[0])
    with world.db.session() as s:
        rows = redemptions_of_day(s, world.mediateur)
        assert [r.encaissement_id for r in rows] == [result.encaissement_id]
        assert rows[0].undoable
        undo_redemption(s, world.mediateur, rows[0].encaissement_id)
    assert _redeem(world, qr_texts[0]).accepted


def test_a_redemption_older_than_the_delay_cannot_be_undone(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    result = _redeem(world, qr_texts[0])
    with world.db.session() as s:
        s.execute(
            text("UPDATE pass_encaissement SET at = :at WHERE id = :id"),
            {"at": utcnow() - timedelta(minutes=11), "id": result.encaissement_id},
        )
    with world.db.session() as s, pytest.raises(ValidationError):
        undo_redemption(s, world.mediateur, result.encaissement_id or 0)


def test_verification_reads_a_pass_without_redeeming_it(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    with world.db.session() as s:
        seen = verify_scan(s, world.mediateur, qr_texts[0], today=TODAY)
        assert seen.accepted and "10,00" in seen.message
        assert s.scalar(select(Encaissement.id)) is None


def test_the_qr_content_is_compact_and_names_its_key(world: World) -> None:
    _chequier, qr_texts = _issue(world)
    assert len(qr_texts[0]) < 160
    assert qr_texts[0].startswith("MNP1:")
    assert qr.looks_like_qr(qr_texts[0].lower())


def test_a_real_database_without_a_keyring_refuses_to_keep_a_signing_key(world: World) -> None:
    import keyring
    from keyring.backends import fail

    from core.errors import KeyringUnavailableError

    keyring.set_keyring(fail.Keyring())  # the memory keyring fixture restores its own after
    with world.db.session() as s, pytest.raises(KeyringUnavailableError, match="trousseau"):
        issue_chequebook(s, world.accueil, world.beneficiaire_id, world.campagne_id, today=TODAY)
    with world.db.session() as s:
        assert s.scalar(select(Pass.id)) is None


def test_eligibility_gives_every_reason(world: World) -> None:
    from pass_numerique.issuance import eligibility_for

    young = world.add_beneficiaire(born=date(2010, 1, 1), commune="75056", diagnostic=False)
    with world.db.session() as s:
        verdict = eligibility_for(s, world.accueil, young, world.campagne_id, TODAY)
    assert [r.code for r in verdict.reasons] == ["age", "territoire", "diagnostic"]
    assert "moins de 18 ans" in verdict.summary()
    _issue(world)
    with world.db.session() as s:
        capped = eligibility_for(s, world.accueil, world.beneficiaire_id, world.campagne_id, TODAY)
        closed = eligibility_for(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, date(2027, 1, 5)
        )
    assert [r.code for r in capped.reasons] == ["plafond"]
    assert "campagne_close" in [r.code for r in closed.reasons]


def test_a_retired_key_loses_its_private_half_and_signs_nothing_more(world: World) -> None:
    chequier_id, old_texts = _issue(world)
    old_kid = old_texts[0].split(":")[1]
    with world.db.session() as s:
        keys.rotate_key(s, world.coordinateur, world.campagne_id)
    assert secrets.get_secret(f"pass-signature-{old_kid}") is None
    with world.db.session() as s:
        old = next(k for k in keys.list_keys(s) if k.kid == old_kid)
        with pytest.raises(ConflictError, match="ne signe plus"):
            keys.private_key(s, old)
        # A reprint is signed by the active key; what the old key signed still verifies.
        reprint = chequebook_print(s, world.accueil, chequier_id)
    assert reprint.reimpression and reprint.passes[0].qr_text.split(":")[1] != old_kid
    assert _redeem(world, old_texts[0]).accepted
    assert _redeem(world, reprint.passes[1].qr_text).accepted


def test_a_settled_pass_reset_by_hand_is_refused_in_words_not_with_a_traceback(
    world: World,
) -> None:
    _chequier, qr_texts = _issue(world)
    at = datetime(2026, 3, 12, 10, tzinfo=UTC)
    with world.db.session() as s:
        assert redeem(s, world.mediateur, qr_texts[0], today=TODAY, at=at).accepted
        settlements.validate(s, world.coordinateur, "2026-03")
    with world.db.session() as s:
        s.execute(text("UPDATE pass SET etat = 'remis' WHERE etat = 'rembourse'"))
    with pytest.raises(ConflictError, match="modifié hors de Médianum"), world.db.session() as s:
        redeem(s, world.mediateur, qr_texts[0], today=TODAY)
    with world.db.session() as s:
        assert (
            s.scalar(select(Pass.etat).where(Pass.serial == qr_texts[0].split(":")[2])) == "remis"
        )


def test_the_days_list_of_a_past_day_holds_its_redemptions_from_midnight_to_midnight_in_france(
    world: World,
) -> None:
    """11 March 2026 at the desk: from 23:00 UTC on the 10th (midnight in Paris, winter time)
    up to, not including, 23:00 UTC on the 11th, newest first, whatever day it is now."""
    _chequier, qr_texts = _issue(world)
    instants = [
        datetime(2026, 3, 10, 22, 59, 59, 999999, tzinfo=UTC),  # 10 March, 23:59:59.999999
        datetime(2026, 3, 10, 23, 0, tzinfo=UTC),  # 11 March, 00:00
        datetime(2026, 3, 11, 9, 30, tzinfo=UTC),
        datetime(2026, 3, 11, 22, 59, 59, 999999, tzinfo=UTC),  # 11 March, 23:59:59.999999
        datetime(2026, 3, 11, 23, 0, tzinfo=UTC),  # 12 March, 00:00
    ]
    ids = []
    for scanned, at in zip(qr_texts, instants, strict=False):
        with world.db.session() as s:
            ids.append(redeem(s, world.mediateur, scanned, today=TODAY, at=at).encaissement_id)
    with world.db.session() as s:
        by_day = {
            day: [
                (r.encaissement_id, r.at, r.undoable)
                for r in redemptions_of_day(s, world.mediateur, day)
            ]
            for day in (date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12))
        }
    assert by_day == {
        date(2026, 3, 10): [(ids[0], instants[0], False)],
        date(2026, 3, 11): [(ids[i], instants[i], False) for i in (3, 2, 1)],
        date(2026, 3, 12): [(ids[4], instants[4], False)],
    }


def test_only_the_agents_own_redemptions_of_the_last_ten_minutes_offer_to_be_undone(
    world: World,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    _chequier, qr_texts = _issue(world)
    colleague = make_agent((Role.MEDIATEUR, world.association_id))
    mine_fresh = _redeem(world, qr_texts[0]).encaissement_id
    theirs_fresh = _redeem(world, qr_texts[1], actor=colleague).encaissement_id
    mine_old = _redeem(world, qr_texts[2]).encaissement_id
    with world.db.session() as s:
        s.execute(
            text("UPDATE pass_encaissement SET at = :at WHERE id = :id"),
            {"at": utcnow() - timedelta(minutes=11), "id": mine_old},
        )
    with world.db.session() as s:
        undoable = {
            r.encaissement_id: (r.agent_id, r.undoable)
            for r in redemptions_of_day(s, world.mediateur)
        }
    assert undoable == {
        mine_fresh: (world.mediateur.agent_id, True),
        theirs_fresh: (colleague.agent_id, False),
        mine_old: (world.mediateur.agent_id, False),
    }


def test_the_days_list_offers_to_undo_exactly_as_long_as_undoing_is_allowed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten minutes to the microsecond: still offered, and still done; a microsecond later,
    neither."""
    import pass_numerique.redemption as redemption

    _chequier, qr_texts = _issue(world)
    now = datetime(2026, 3, 12, 14, 0, tzinfo=UTC)
    monkeypatch.setattr(redemption, "utcnow", lambda: now)
    on_time, late = (
        redeem_at(world, qr_texts[0], now - timedelta(minutes=10)),
        redeem_at(world, qr_texts[1], now - timedelta(minutes=10, microseconds=1)),
    )
    with world.db.session() as s:
        offered = {r.encaissement_id: r.undoable for r in redemptions_of_day(s, world.mediateur)}
    assert offered == {on_time: True, late: False}
    with world.db.session() as s:
        undo_redemption(s, world.mediateur, on_time)
    with world.db.session() as s, pytest.raises(ValidationError):
        undo_redemption(s, world.mediateur, late)


def redeem_at(world: World, scanned: str, at: datetime) -> int:
    with world.db.session() as s:
        result = redeem(s, world.mediateur, scanned, today=TODAY, at=at)
    assert result.accepted and result.encaissement_id is not None
    return result.encaissement_id


def test_a_serial_typed_by_hand_is_verified_like_its_qr_code(world: World) -> None:
    """A desk without a scanner types the serial printed under the QR code."""
    _chequier, qr_texts = _issue(world)
    serial = qr_texts[0].split(":")[2]
    with world.db.session() as s:
        typed = verify_scan(s, world.mediateur, serials.display(serial).lower(), today=TODAY)
        garbled = verify_scan(s, world.mediateur, "pas un numéro", today=TODAY)
    assert (typed.accepted, typed.code, typed.serial, typed.valeur_cents) == (
        True,
        "valide",
        serial,
        1000,
    )
    assert (garbled.accepted, garbled.code) == (False, "inconnu")
