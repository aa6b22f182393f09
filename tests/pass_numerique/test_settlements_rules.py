"""What a structure is owed for a month, and how a settlement is refused: the month ends at the
first instant of the next one in France, the statement names the structure's SIRET and bank
details, a month is validated once per structure, and the list of validated settlements reads
newest month first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ConflictError, ValidationError
from pass_numerique import settlements
from pass_numerique.models import PassStructure
from pass_numerique.redemption import redeem
from tests.pass_numerique.conftest import IBAN, TODAY, World
from tests.pass_numerique.test_batch_attacks import _serials

# 1 April 2026, 00:00 in France (summer time since 29 March: UTC+2).
APRIL_IN_FRANCE = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
# 1 May 2026, 00:00 in France.
MAY_IN_FRANCE = datetime(2026, 4, 30, 22, 0, tzinfo=UTC)


def _at_desk(world: World, serial: str, at: datetime) -> None:
    with world.db.session() as s:
        assert redeem(s, world.mediateur, serial, today=TODAY, at=at).accepted


def test_a_redemption_at_the_first_instant_of_april_in_france_is_not_owed_for_march(
    world: World,
) -> None:
    serials = _serials(world)
    last_of_march = APRIL_IN_FRANCE - timedelta(microseconds=1)
    _at_desk(world, serials[0], last_of_march)
    _at_desk(world, serials[1], APRIL_IN_FRANCE)
    with world.db.read_session() as s:
        [march] = settlements.preview(s, world.coordinateur, "2026-03")
        [april] = settlements.preview(s, world.coordinateur, "2026-04")
    assert [(line.serial, line.at) for line in march.lines] == [(serials[0], last_of_march)]
    assert [line.serial for line in april.lines] == serials[:2]


def test_the_statement_to_pay_names_the_structures_siret_iban_and_bic(world: World) -> None:
    serials = _serials(world)
    with world.db.session() as s:
        ref = s.get(PassStructure, world.ref_association)
        assert ref is not None
        ref.bic = "CEPAFRPP173"  # the association's bank
    _at_desk(world, serials[0], datetime(2026, 3, 14, 10, tzinfo=UTC))
    with world.db.read_session() as s:
        [march] = settlements.preview(s, world.coordinateur, "2026-03")
    assert (march.structure, march.siret, march.iban, march.bic) == (
        "Association test",
        world.association_siret,
        IBAN,
        "CEPAFRPP173",
    )
    assert (march.nombre, march.montant_cents) == (1, 1000)
    assert f";{world.association_siret};2026-03;{serials[0]};" in settlements.settlement_csv(march)


@pytest.mark.parametrize("mois", ["2026-13", "mars 2026"])
def test_a_month_badly_written_is_refused_saying_how_to_write_it(world: World, mois: str) -> None:
    with world.db.read_session() as s, pytest.raises(ValidationError) as refused:
        settlements.preview(s, world.coordinateur, mois)
    assert str(refused.value) == "Mois attendu sous la forme AAAA-MM (ex. 2026-03)."
    assert refused.value.field == "mois"


def test_a_month_not_over_is_refused_on_the_month_field(world: World) -> None:
    with world.db.session() as s, pytest.raises(ValidationError, match="pas terminé") as refused:
        settlements.validate(
            s, world.coordinateur, "2026-03", now=APRIL_IN_FRANCE - timedelta(seconds=1)
        )
    assert refused.value.field == "mois"


def test_a_structures_month_is_validated_once_even_when_a_redemption_of_it_is_still_owed(
    world: World,
) -> None:
    """A redemption still within its undo delay when March was validated is left out of it;
    validating March again for the structure is refused (it is paid with April), not a
    second March settlement."""
    serials = _serials(world)
    _at_desk(world, serials[0], datetime(2026, 3, 14, 10, tzinfo=UTC))
    late = APRIL_IN_FRANCE - timedelta(minutes=2)
    _at_desk(world, serials[1], late)
    with world.db.session() as s:
        [march] = settlements.validate(
            s, world.coordinateur, "2026-03", world.ref_association, now=APRIL_IN_FRANCE
        )
    assert [line.serial for line in march.lines] == [serials[0]]
    with world.db.session() as s, pytest.raises(ConflictError, match="déjà validé"):
        settlements.validate(
            s,
            world.coordinateur,
            "2026-03",
            world.ref_association,
            now=APRIL_IN_FRANCE + timedelta(hours=1),
        )
    with world.db.session() as s:
        [april] = settlements.validate(
            s, world.coordinateur, "2026-04", world.ref_association, now=MAY_IN_FRANCE
        )
    assert [(line.serial, line.at) for line in april.lines] == [(serials[1], late)]


def test_validated_settlements_are_listed_newest_month_first(
    world: World,
) -> None:
    serials = _serials(world)
    _at_desk(world, serials[0], datetime(2026, 2, 10, 10, tzinfo=UTC))
    _at_desk(world, serials[1], datetime(2026, 3, 10, 10, tzinfo=UTC))
    with world.db.session() as s:
        settlements.validate(s, world.coordinateur, "2026-02", now=MAY_IN_FRANCE)
    with world.db.session() as s:
        settlements.validate(s, world.coordinateur, "2026-03", now=MAY_IN_FRANCE)
    with world.db.read_session() as s:
        listed = [(r.mois, r.nombre) for r in settlements.list_validated(s, world.coordinateur)]
    assert listed == [("2026-03", 1), ("2026-02", 1)]
