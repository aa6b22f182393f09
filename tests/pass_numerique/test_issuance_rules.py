"""Issuing a chequebook and printing it: what is recorded, numbered, journalled and shown.

Written against mutants of pass_numerique/issuance.py that the rest of the suite let through;
every expected value below comes from the fixtures (conftest) or is worked out by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from core.errors import ValidationError
from core.models import AuditEntry
from pass_numerique import serials
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Chequier, Pass, PassCle, PassStructure
from tests.pass_numerique.conftest import TODAY, World

# 9:30 UTC on the fixtures' day: an instant no clock of the test machine would give.
ISSUED_AT = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


def _issue(world: World, beneficiaire_id: int | None = None) -> int:
    with world.db.session() as s:
        return issue_chequebook(
            s,
            world.accueil,
            beneficiaire_id or world.beneficiaire_id,
            world.campagne_id,
            today=TODAY,
            now=ISSUED_AT,
        ).id


def _serials_of(world: World, chequier_id: int) -> list[str]:
    with world.db.session() as s:
        return list(
            s.scalars(select(Pass.serial).where(Pass.chequier_id == chequier_id).order_by(Pass.id))
        )


def test_a_chequebook_records_when_where_by_whom_and_for_whom_it_was_handed_over(
    world: World,
) -> None:
    chequier_id = _issue(world)
    with world.db.session() as s:
        chequier = s.get(Chequier, chequier_id)
        assert chequier is not None
        kid = chequebook_print(s, world.accueil, chequier_id, today=TODAY).passes[0].qr_text
        signed_by = s.scalar(select(PassCle.id).where(PassCle.kid == kid.split(":")[1]))
    assert (chequier.emis_at, chequier.remis_at) == (ISSUED_AT, ISSUED_AT)
    assert (chequier.structure_id, chequier.agent_id) == (
        world.mediatheque_id,
        world.accueil.agent_id,
    )
    assert (chequier.beneficiaire_id, chequier.campagne_id) == (
        world.beneficiaire_id,
        world.campagne_id,
    )
    assert chequier.cle_id == signed_by


def test_a_chequebooks_ten_passes_are_numbered_one_to_ten_in_the_order_of_their_serials(
    world: World,
) -> None:
    chequier_id = _issue(world)
    with world.db.session() as s:
        ranked = s.execute(
            select(Pass.rang, Pass.serial).where(Pass.chequier_id == chequier_id)
        ).all()
        printed = chequebook_print(s, world.accueil, chequier_id, today=TODAY).passes
    assert sorted(rang for rang, _serial in ranked) == list(range(1, 11))
    by_rank = [serial for _rang, serial in sorted(ranked)]
    assert by_rank == sorted(by_rank)
    assert [(p.rang, p.serial) for p in printed] == list(enumerate(by_rank, 1))


def test_issuing_a_chequebook_is_journalled_with_the_person_the_campaign_and_ten_passes(
    world: World,
) -> None:
    chequier_id = _issue(world)
    with world.db.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "pass.chequier.emis"))
        assert entry is not None
        assert (entry.entity_type, entry.entity_id) == ("pass_chequier", str(chequier_id))
        assert entry.details == {
            "beneficiaire_id": world.beneficiaire_id,
            "campagne_id": world.campagne_id,
            "passes": 10,
        }


def test_a_chequebook_cannot_be_issued_before_its_campaign_opens(world: World) -> None:
    # The campaign of the fixtures runs from 1 January 2026.
    with world.db.session() as s, pytest.raises(ValidationError, match="ouvre le 01/01/2026"):
        issue_chequebook(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, today=date(2025, 12, 31)
        )
    with world.db.session() as s:
        assert s.scalar(select(Pass.id)) is None


def _drawn(values: list[str]) -> Iterator[str]:
    yield from values
    raise AssertionError("more serials drawn than a chequebook needs")


def test_a_freshly_drawn_serial_already_on_another_pass_is_drawn_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two persons never hold the same pass: the serial drawn that is already printed on
    someone's chequebook is replaced by one more draw, and only by one."""
    first_book = _serials_of(world, _issue(world))
    fresh = [serials.with_check(f"{n:010d}") for n in range(1, 11)]
    draws = _drawn([first_book[4], *fresh[:9], fresh[9]])
    monkeypatch.setattr(serials, "new_serial", lambda: next(draws))
    second = _issue(world, world.add_beneficiaire(prenom="Jean", nom="Martin"))
    assert sorted(_serials_of(world, second)) == sorted(fresh)


def test_a_random_source_drawing_only_serials_already_printed_ends_in_an_error_not_a_hang(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken random source that only draws a serial already printed on a chequebook stops
    the issuance with an error, and no second chequebook is recorded."""
    first_book = _serials_of(world, _issue(world))
    monkeypatch.setattr(serials, "new_serial", lambda: first_book[0])
    with pytest.raises(
        RuntimeError, match=r"^no unused pass serials after a hundred rounds of random draws$"
    ):
        _issue(world, world.add_beneficiaire(prenom="Jean", nom="Martin"))
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Chequier)) == 1


def _print(world: World, chequier_id: int, **kwargs: object):  # type: ignore[no-untyped-def]
    with world.db.session() as s:
        return chequebook_print(s, world.accueil, chequier_id, **kwargs)  # type: ignore[arg-type]


def test_the_printout_names_the_campaign_its_funder_period_value_and_last_valid_day(
    world: World,
) -> None:
    chequier_id = _issue(world)
    book = _print(world, chequier_id, today=TODAY)
    assert (book.chequier_id, book.campagne, book.financeur) == (
        chequier_id,
        "Pass numérique 2026",
        "Agglomération test",
    )
    assert (book.debut, book.fin, book.expire_le) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
        date(2027, 1, 31),
    )
    assert (book.valeur_cents, book.reimpression, book.reimpression_no) == (1000, False, 0)


def test_the_printout_lists_the_structures_referenced_on_the_day_it_is_printed(
    world: World,
) -> None:
    """The association's referencing ends on the fixtures' day: a printout of that day lists
    it, a printout made any later day would not."""
    chequier_id = _issue(world)
    with world.db.session() as s:
        ref = s.get(PassStructure, world.ref_association)
        assert ref is not None
        ref.actif_au = TODAY
    book = _print(world, chequier_id, today=TODAY)
    assert [r.nom for r in book.structures] == ["Association test"]
    later = _print(world, chequier_id, today=date(2026, 3, 13))
    assert later.structures == []


def test_a_person_without_a_surname_is_shown_by_first_name_alone(world: World) -> None:
    chequier_id = _issue(world)
    with world.db.session() as s:
        s.execute(
            text("UPDATE beneficiaire SET nom = NULL, prenom = '  Odile ' WHERE id = :id"),
            {"id": world.beneficiaire_id},
        )
    assert _print(world, chequier_id, today=TODAY).porteur == "Odile"


def test_a_person_without_a_first_name_is_shown_by_the_initial_of_the_surname(
    world: World,
) -> None:
    chequier_id = _issue(world)
    with world.db.session() as s:
        s.execute(
            text("UPDATE beneficiaire SET prenom = NULL, nom = ' lambert' WHERE id = :id"),
            {"id": world.beneficiaire_id},
        )
    assert _print(world, chequier_id, today=TODAY).porteur.strip() == "L."


def test_printing_some_passes_of_a_never_printed_chequebook_is_already_a_reprint(
    world: World,
) -> None:
    """A printout of chosen passes is always a reprint: printing the book whole afterwards
    must not pass for an original either."""
    chequier_id = _issue(world)
    serial = _serials_of(world, chequier_id)[0]
    partial = _print(world, chequier_id, serials_only=[serials.display(serial).lower()])
    assert [p.serial for p in partial.passes] == [serial]
    assert (partial.reimpression, partial.reimpression_no) == (True, 1)
    whole = _print(world, chequier_id)
    assert (whole.reimpression, whole.reimpression_no, len(whole.passes)) == (True, 2, 10)


def test_reprinting_serials_that_are_not_in_the_chequebook_is_refused(world: World) -> None:
    chequier_id = _issue(world)
    other_book = _serials_of(world, _issue(world, world.add_beneficiaire(prenom="Jean")))
    with pytest.raises(ValidationError, match="Aucun de ces pass"):
        _print(world, chequier_id, serials_only=[other_book[0]])


def test_a_reprint_is_journalled_with_the_serials_reprinted_and_its_number(
    world: World,
) -> None:
    chequier_id = _issue(world)
    serial = _serials_of(world, chequier_id)[3]
    _print(world, chequier_id, today=TODAY)
    _print(world, chequier_id, today=TODAY, serials_only=[serial])
    with world.db.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "pass.chequier.reimprime"))
        assert entry is not None
        assert (entry.entity_type, entry.entity_id) == ("pass_chequier", str(chequier_id))
        assert entry.details == {"serials": [serial], "reimpression": 1}


def test_a_reprint_of_a_book_signed_by_a_key_from_before_campaign_keys_uses_the_campaigns_key(
    world: World,
) -> None:
    """After the upgrade the old key, still active, is shared by no campaign of its own: a
    reprint is signed by the campaign's own key (created then), not by the old one."""
    chequier_id = _issue(world)
    old_kid = _print(world, chequier_id, today=TODAY).passes[0].qr_text.split(":")[1]
    with world.db.session() as s:
        s.execute(text("UPDATE pass_cle SET campagne_id = NULL"))
    reprint = _print(world, chequier_id, today=TODAY)
    new_kid = reprint.passes[0].qr_text.split(":")[1]
    assert new_kid != old_kid
    with world.db.session() as s:
        tied = s.scalar(select(PassCle.campagne_id).where(PassCle.kid == new_kid))
    assert tied == world.campagne_id


def test_printing_one_chequebook_leaves_the_first_print_of_another_an_original(
    world: World,
) -> None:
    first = _issue(world)
    second = _issue(world, world.add_beneficiaire(prenom="Jean", nom="Martin"))
    assert not _print(world, first, today=TODAY).reimpression
    book = _print(world, second, today=TODAY)
    assert (book.reimpression, book.reimpression_no) == (False, 0)
    with world.db.session() as s:
        assert s.scalar(select(Chequier.reimpressions).where(Chequier.id == second)) == 0
