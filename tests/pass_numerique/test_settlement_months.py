"""Which month pays a redemption: months end at midnight on the desks' clock (France), December
included; a month is written AAAA-MM; a redemption that arrives after its month was settled is
paid with the next month, never refused and never paid twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from core.errors import ValidationError
from core.models import Role, Structure
from pass_numerique import settlements
from pass_numerique.models import Pass, PassStructure, PassStructureCampagne
from pass_numerique.redemption import redeem
from tests.pass_numerique.conftest import TODAY, World
from tests.pass_numerique.test_batch_attacks import _import, _registered_desk, _serials, _signed

# 1 January 2027, 00:00 in France (UTC+1 in winter).
NEW_YEAR_IN_FRANCE = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def _at_desk(world: World, serial: str, at: datetime) -> None:
    with world.db.session() as s:
        assert redeem(s, world.mediateur, serial, today=TODAY, at=at).accepted


def _structure_id(world: World, nom: str) -> int:
    with world.db.read_session() as s:
        found = s.scalar(select(Structure.id).where(Structure.nom == nom))
    assert found is not None
    return found


def _reference_of(world: World, nom: str) -> int:
    """The referencing (where its redemptions are paid) of the structure of that name."""
    with world.db.read_session() as s:
        found = s.scalar(
            select(PassStructure.id).where(PassStructure.structure_id == _structure_id(world, nom))
        )
    assert found is not None
    return found


def _etats(world: World, serials: list[str]) -> list[str]:
    with world.db.read_session() as s:
        found = {
            serial: etat
            for serial, etat in s.execute(
                select(Pass.serial, Pass.etat).where(Pass.serial.in_(serials))
            )
        }
    return [found[serial] for serial in serials]


def test_december_is_settled_from_midnight_in_france_with_its_redemptions_oldest_first(
    world: World,
) -> None:
    desk = _registered_desk(world)
    serials = _serials(world)
    _at_desk(world, serials[1], NEW_YEAR_IN_FRANCE - timedelta(minutes=30))
    # A batch imported afterwards brings an older redemption, of 1 December.
    first_of_december = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    report = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [(serials[0], first_of_december)],
            exporte_at=NEW_YEAR_IN_FRANCE - timedelta(minutes=25),
        ),
        now=NEW_YEAR_IN_FRANCE - timedelta(minutes=20),
    )
    assert report.acceptes == 1
    with world.db.session() as s, pytest.raises(ValidationError, match="pas terminé"):
        settlements.validate(
            s, world.coordinateur, "2026-12", now=NEW_YEAR_IN_FRANCE - timedelta(seconds=1)
        )
    with world.db.session() as s:
        [december] = settlements.validate(s, world.coordinateur, "2026-12", now=NEW_YEAR_IN_FRANCE)
    assert [line.serial for line in december.lines] == serials[:2]
    assert [line.at for line in december.lines] == [
        first_of_december,
        NEW_YEAR_IN_FRANCE - timedelta(minutes=30),
    ]
    assert (december.nombre, december.montant_cents) == (2, 2000)
    with world.db.read_session() as s:
        [stored] = settlements.list_validated(s, world.coordinateur)
        assert december.valide_at == stored.valide_at == NEW_YEAR_IN_FRANCE
    assert _etats(world, serials[:2]) == ["rembourse", "rembourse"]
    # Half an hour into the new year in France, still 31 December in UTC: January's.
    _at_desk(world, serials[2], NEW_YEAR_IN_FRANCE + timedelta(minutes=30))
    with world.db.session() as s:
        assert settlements.preview(s, world.coordinateur, "2026-12") == []
        [january] = settlements.preview(s, world.coordinateur, "2027-01")
    assert [line.serial for line in january.lines] == [serials[2]]


@pytest.mark.parametrize("mois", ["2026-13", "2026-00", "2026-1", "26-03", "mars 2026", ""])
def test_a_month_not_written_as_year_dash_month_from_01_to_12_is_refused(
    world: World, mois: str
) -> None:
    with world.db.session() as s, pytest.raises(ValidationError) as refused:
        settlements.preview(s, world.coordinateur, mois)
    assert refused.value.field == "mois"


def test_a_redemption_imported_after_its_month_was_settled_is_paid_with_the_next_month(
    world: World,
) -> None:
    desk = _registered_desk(world)
    serials = _serials(world)
    _at_desk(world, serials[0], datetime(2026, 3, 13, 10, 0, tzinfo=UTC))
    with world.db.session() as s:
        [march] = settlements.validate(
            s, world.coordinateur, "2026-03", now=datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
        )
    assert [line.serial for line in march.lines] == [serials[0]]
    late_at = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
    report = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [(serials[1], late_at)],
            exporte_at=datetime(2026, 4, 3, 18, 0, tzinfo=UTC),
        ),
        now=datetime(2026, 4, 4, 9, 0, tzinfo=UTC),
    )
    assert report.acceptes == 1
    # Settling every structure for March again: March is done, nothing more, no refusal.
    with world.db.session() as s:
        assert (
            settlements.validate(
                s, world.coordinateur, "2026-03", now=datetime(2026, 4, 5, 9, 0, tzinfo=UTC)
            )
            == []
        )
    assert _etats(world, serials[:2]) == ["rembourse", "encaisse"]
    with world.db.session() as s:
        [april] = settlements.validate(
            s, world.coordinateur, "2026-04", now=datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
        )
    assert [(line.serial, line.at) for line in april.lines] == [(serials[1], late_at)]
    assert (april.mois, april.nombre, april.montant_cents) == ("2026-04", 1, 1000)
    assert _etats(world, serials[:2]) == ["rembourse", "rembourse"]


def test_settling_one_structure_that_owes_nothing_answers_nothing_whatever_others_settled(
    world: World,
) -> None:
    """The association's March is validated; the cyberbase owes nothing for March, and the
    association nothing for April: asking for either is no error, and pays nothing."""
    serials = _serials(world)
    _at_desk(world, serials[0], datetime(2026, 3, 13, 10, 0, tzinfo=UTC))
    after_april = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    with world.db.session() as s:
        settlements.validate(s, world.coordinateur, "2026-03", world.ref_association)
    cyberbase = _reference_of(world, "Cyberbase test")
    with world.db.session() as s:
        assert settlements.validate(s, world.coordinateur, "2026-03", cyberbase) == []
        assert (
            settlements.validate(
                s, world.coordinateur, "2026-04", world.ref_association, now=after_april
            )
            == []
        )
    with world.db.session() as s:
        assert [
            (r.pass_structure_id, r.mois, r.montant_cents)
            for r in settlements.list_validated(s, world.coordinateur)
        ] == [(world.ref_association, "2026-03", 1000)]


def test_a_settlement_of_a_thousand_redemptions_pays_each_of_them_once(
    world: World,
) -> None:
    """A hundred chequebooks of ten passes redeemed offline in March, one batch: the settlement
    pays all 1,000 (more than one chunk of its statements), and every pass is « remboursé »."""
    desk = _registered_desk(world)
    serials = [serial for n in range(100) for serial in _serials(world, prenom=f"Personne {n:03d}")]
    at = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    report = _import(
        world,
        _signed(desk, world.association_siret, [(serial, at) for serial in serials]),
        now=datetime(2026, 3, 21, 9, 0, tzinfo=UTC),
    )
    assert report.acceptes == 1000
    with world.db.session() as s:
        [march] = settlements.validate(
            s, world.coordinateur, "2026-03", now=datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
        )
    assert (march.nombre, march.montant_cents) == (1000, 1_000_000)
    assert set(_etats(world, serials)) == {"rembourse"}
    with world.db.session() as s:
        assert settlements.preview(s, world.coordinateur, "2026-03") == []


def test_validating_one_structures_month_pays_its_own_redemptions_and_leaves_the_others_owed(
    world: World, make_agent: Any
) -> None:
    """The cyberbase is settled first, while the association still owes: each settlement holds
    its own structure's redemptions only, with its own bank details."""
    cyberbase_agent = make_agent((Role.MEDIATEUR, _structure_id(world, "Cyberbase test")))
    with world.db.session() as s:
        s.execute(
            insert(PassStructureCampagne).values(
                pass_structure_id=_reference_of(world, "Cyberbase test"),
                campagne_id=world.campagne_id,
            )
        )
    serials = _serials(world)
    march = datetime(2026, 3, 13, 10, 0, tzinfo=UTC)
    _at_desk(world, serials[0], march)
    with world.db.session() as s:
        assert redeem(s, cyberbase_agent, serials[1], today=TODAY, at=march).accepted
    cyberbase = _reference_of(world, "Cyberbase test")
    with world.db.session() as s:
        [theirs] = settlements.validate(s, world.coordinateur, "2026-03", cyberbase)
    assert (theirs.pass_structure_id, theirs.titulaire) == (cyberbase, "Cyberbase")
    assert [line.serial for line in theirs.lines] == [serials[1]]
    assert _etats(world, serials[:2]) == ["encaisse", "rembourse"]
    with world.db.session() as s:
        [ours] = settlements.preview(s, world.coordinateur, "2026-03")
    assert (ours.pass_structure_id, [line.serial for line in ours.lines]) == (
        world.ref_association,
        [serials[0]],
    )
