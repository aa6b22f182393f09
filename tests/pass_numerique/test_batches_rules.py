"""What an offline batch's lines may look like, written the way every desk writes them (UTC, to
the microsecond): a line that is not a plain (serial, instant) of this century refuses the
batch whole, naming it; a serial that is not one is never read as another pass's."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from core.errors import ValidationError
from core.progress import Progress
from pass_numerique import batches
from pass_numerique.models import Encaissement, EtatPass, Pass, PassStructure
from tests.pass_numerique.conftest import World
from tests.pass_numerique.test_batch_attacks import (
    _import,
    _public,
    _redemptions,
    _registered_desk,
    _serials,
)

# 14 March 2026, 10:00 UTC, as ``datetime.isoformat`` spells a UTC instant with microseconds.
IN_DESK_SPELLING = "2026-03-14T10:00:00.250000+00:00"
EXPORTED_SPELLED = "2026-03-20T18:00:00.000000+00:00"


def _batch(
    private: Ed25519PrivateKey, siret: str, lines: list[Any], exporte_at: str = EXPORTED_SPELLED
) -> bytes:
    """A batch whose lines are written exactly as given (dicts, texts, anything)."""
    payload = {
        "format": "medianum-pass-lot",
        "version": 1,
        "siret": siret,
        "exporte_at": exporte_at,
        "cle_publique": _public(private),
        "encaissements": lines,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(dict(payload, signature=private.sign(canonical.encode()).hex())).encode()


def _etat(world: World, serial: str) -> str:
    with world.db.read_session() as s:
        etat = s.scalar(select(Pass.etat).where(Pass.serial == serial))
    assert etat is not None
    return etat


def test_lines_that_all_carry_an_extra_field_refuse_the_batch_whole(world: World) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    lines = [{"serial": s, "at": IN_DESK_SPELLING, "agent": 7} for s in serials[:2]]
    with pytest.raises(ValidationError, match="la ligne 1 est mal formée"):
        _import(world, _batch(desk, world.association_siret, lines))
    assert _redemptions(world) == 0


def test_a_serial_of_41_characters_in_an_otherwise_well_written_batch_refuses_it_whole(
    world: World,
) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    lines = [
        {"serial": serials[0], "at": IN_DESK_SPELLING},
        {"serial": "A" * 41, "at": IN_DESK_SPELLING},
    ]
    with pytest.raises(ValidationError, match="numéro de pass de la ligne 2 est illisible"):
        _import(world, _batch(desk, world.association_siret, lines))
    assert _redemptions(world) == 0


def test_a_serial_of_40_characters_is_an_unknown_pass_reported_by_its_first_20(
    world: World,
) -> None:
    """Forty characters is still a line to answer (the limit is above it); what the conflict
    keeps of a serial that is none is its first 20 characters."""
    serials = _serials(world)
    desk = _registered_desk(world)
    garbage = "ZZ" + "9" * 38
    lines = [
        {"serial": garbage, "at": IN_DESK_SPELLING},
        # the same instant written in French time: this batch is read line by line
        {"serial": serials[0], "at": "2026-03-14T11:00:00.250000+01:00"},
    ]
    report = _import(world, _batch(desk, world.association_siret, lines))
    assert report.conflits == [(garbage[:20], "inconnu")]
    assert report.acceptes == 1


@pytest.mark.parametrize(
    "at",
    [
        "1999-12-31T23:59:59.999999+00:00",  # the century before, in the desks' own spelling
        "2100-01-01T00:00:00.000000+00:00",  # the next one
        "2100-01-01T01:00:00+01:00",  # the next one, written in French winter time
    ],
)
def test_a_line_dated_outside_this_century_refuses_the_batch_whole_naming_it(
    world: World, at: str
) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    lines = [{"serial": serials[0], "at": IN_DESK_SPELLING}, {"serial": serials[1], "at": at}]
    with pytest.raises(ValidationError, match=r"date illisible \(ligne 2\)"):
        _import(world, _batch(desk, world.association_siret, lines))
    assert _redemptions(world) == 0


def test_a_line_whose_instant_is_a_number_refuses_the_batch_whole_in_french(world: World) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    lines = [
        {"serial": serials[0], "at": 1773482400},
        {"serial": serials[1], "at": IN_DESK_SPELLING},
    ]
    with pytest.raises(ValidationError, match=r"date illisible \(ligne 1\)"):
        _import(world, _batch(desk, world.association_siret, lines))
    assert _redemptions(world) == 0


def test_an_instant_spelled_in_more_than_40_characters_refuses_the_batch_whole(
    world: World,
) -> None:
    """A valid ISO 8601 instant, but longer than any desk writes (offset to the microsecond)."""
    serials = _serials(world)
    desk = _registered_desk(world)
    long = "2026-03-14T11:00:00.00000+01:00:00.000000"
    assert len(long) == 41
    lines = [{"serial": serials[0], "at": IN_DESK_SPELLING}, {"serial": serials[1], "at": long}]
    with pytest.raises(ValidationError, match=r"date illisible \(ligne 2\)"):
        _import(world, _batch(desk, world.association_siret, lines))
    assert _redemptions(world) == 0


def test_an_export_time_of_40_characters_is_read_and_one_of_41_refuses_the_batch(
    world: World,
) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    lines = [{"serial": serials[0], "at": IN_DESK_SPELLING}]
    forty = "2026-03-20T19:00:00.0000+01:00:00.000000"  # 20 March, 18:00 UTC
    assert len(forty) == 40
    report = _import(world, _batch(desk, world.association_siret, lines, exporte_at=forty))
    assert (report.acceptes, report.conflits) == (1, [])
    forty_one = "2026-03-20T19:00:00.00000+01:00:00.000000"
    with pytest.raises(ValidationError, match=r"date illisible \(date d'export\)"):
        _import(world, _batch(desk, world.association_siret, lines, exporte_at=forty_one))


def test_a_batch_exported_at_the_first_instant_of_the_century_is_read(world: World) -> None:
    desk = _registered_desk(world)
    report = _import(
        world, _batch(desk, world.association_siret, [], exporte_at="2000-01-01T00:00:00+00:00")
    )
    assert (report.nombre, report.acceptes, report.conflits) == (0, 0, [])


def test_a_line_naming_a_pass_with_one_character_too_many_pays_nothing_for_that_pass(
    world: World,
) -> None:
    """A forged serial (a real one with a character in front) is an unknown pass: the real pass
    it ends with stays in the beneficiary's hands, unpaid."""
    serials = _serials(world)
    desk = _registered_desk(world)
    forged = "0" + serials[0]
    report = _import(
        world, _batch(desk, world.association_siret, [{"serial": forged, "at": IN_DESK_SPELLING}])
    )
    assert (report.acceptes, report.conflits) == (0, [(forged, "inconnu")])
    assert _redemptions(world) == 0
    assert _etat(world, serials[0]) == EtatPass.REMIS.value


def test_each_line_of_a_batch_read_line_by_line_is_stored_at_its_own_instant(
    world: World,
) -> None:
    """Two lines in the desks' spelling, one already redeemed at the desk (so the batch is
    answered line by line): the other is stored at the very microsecond the desk wrote."""
    serials = _serials(world)
    desk = _registered_desk(world)
    first = _import(
        world,
        _batch(desk, world.association_siret, [{"serial": serials[0], "at": IN_DESK_SPELLING}]),
    )
    assert first.acceptes == 1
    again = [
        {"serial": serials[0], "at": "2026-03-15T09:30:05.000001+00:00"},
        {"serial": serials[1], "at": "2026-03-16T17:45:00.123456+00:00"},
        {"serial": serials[2], "at": "2026-03-16T17:45:00.654321+00:00"},
    ]
    report = _import(world, _batch(desk, world.association_siret, again))
    assert (report.acceptes, report.conflits) == (2, [(serials[0], "deja_encaisse")])
    with world.db.read_session() as s:
        stored = dict(
            s.execute(
                select(Pass.serial, Encaissement.at)
                .join(Pass, Pass.id == Encaissement.pass_id)
                .where(Pass.serial.in_(serials[1:3]))
            ).all()
        )
    assert stored == {
        serials[1]: datetime(2026, 3, 16, 17, 45, 0, 123456, tzinfo=UTC),
        serials[2]: datetime(2026, 3, 16, 17, 45, 0, 654321, tzinfo=UTC),
    }


def test_on_a_computer_set_to_tokyo_time_a_line_after_the_export_is_still_a_conflict(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export time bounds the lines in UTC, whatever the importing machine's clock: a line
    one hour after it is not paid on a computer nine hours ahead of UTC."""
    serials = _serials(world)
    desk = _registered_desk(world)
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        report = _import(
            world,
            _batch(
                desk,
                world.association_siret,
                [{"serial": serials[0], "at": "2026-03-20T19:00:00.000000+00:00"}],
                exporte_at="2026-03-20T18:00:00+00:00",
            ),
        )
    finally:
        monkeypatch.undo()
        time.tzset()
    assert (report.acceptes, report.conflits) == (0, [(serials[0], "apres_export")])
    assert _etat(world, serials[0]) == EtatPass.REMIS.value


def _fingerprint_by_hand(private: Ed25519PrivateKey) -> str:
    """The first 100 bits of the public key's SHA-256, five bits a character, in Crockford's
    base 32: written out bit by bit, apart from the code."""
    bits = "".join(
        f"{byte:08b}" for byte in hashlib.sha256(bytes.fromhex(_public(private))).digest()
    )
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(alphabet[int(bits[i : i + 5], 2)] for i in range(0, 100, 5))


def test_a_desk_key_s_fingerprint_is_the_first_100_bits_of_its_sha256_in_crockford_base32(
    world: World,
) -> None:
    desk = Ed25519PrivateKey.generate()
    assert batches.fingerprint(_public(desk)) == _fingerprint_by_hand(desk)


def test_a_fingerprint_typed_with_o_i_and_l_for_zero_and_one_registers_the_same_key(
    world: World,
) -> None:
    """Read over the phone, 0 and 1 are often typed O, I or L, in any case, with dashes: the
    same key. A fingerprint of the wrong length is refused on its field."""
    serials = _serials(world)
    desk = Ed25519PrivateKey.generate()
    while not ("0" in _fingerprint_by_hand(desk) and _fingerprint_by_hand(desk).count("1") >= 2):
        desk = Ed25519PrivateKey.generate()
    exact = _fingerprint_by_hand(desk)
    with world.db.session() as s, pytest.raises(ValidationError) as refused:
        batches.register_batch_key(s, world.coordinateur, world.ref_association, exact + "0")
    assert refused.value.field == "empreinte"
    spoken = exact.replace("0", "O").replace("1", "I", 1).replace("1", "L")
    typed = "-".join(spoken[i : i + 4] for i in range(0, 20, 4)).lower()
    with world.db.session() as s:
        cle = batches.register_batch_key(s, world.coordinateur, world.ref_association, typed)
        assert cle.empreinte == exact
    lines = [{"serial": serials[0], "at": IN_DESK_SPELLING}]
    assert _import(world, _batch(desk, world.association_siret, lines)).acceptes == 1


def test_registering_a_new_desk_key_revokes_that_structure_s_previous_one_only(
    world: World,
) -> None:
    serials = _serials(world)
    old = _registered_desk(world)
    with world.db.session() as s:  # the Cyberbase's own desk key, registered meanwhile
        other_ref = s.scalar(
            select(PassStructure.id).where(PassStructure.id != world.ref_association)
        )
        assert other_ref is not None
        other = Ed25519PrivateKey.generate()
        batches.register_batch_key(
            s, world.coordinateur, other_ref, batches.fingerprint(_public(other))
        )
    new = _registered_desk(world)  # the association's desk replaced
    with world.db.read_session() as s:
        keys = [
            (
                k.pass_structure_id,
                k.empreinte,
                k.statut,
                k.enregistre_at is not None,
                k.revoque_at is not None,
            )
            for k in batches.batch_keys(s, world.coordinateur)
        ]
    assert sorted(keys) == sorted(
        [
            (world.ref_association, _fingerprint_by_hand(old), "revoquee", True, True),
            (world.ref_association, _fingerprint_by_hand(new), "active", True, False),
            (other_ref, _fingerprint_by_hand(other), "active", True, False),
        ]
    )
    with world.db.read_session() as s:  # one instant: the old key ends as the new one starts
        mine = batches.batch_keys(s, world.coordinateur, world.ref_association)
        assert mine[0].revoque_at == mine[1].enregistre_at
    lines = [{"serial": serials[0], "at": IN_DESK_SPELLING}]
    with pytest.raises(ValidationError, match="révoquée"):
        _import(world, _batch(old, world.association_siret, lines))
    assert _import(world, _batch(new, world.association_siret, lines)).acceptes == 1


def test_a_batch_imported_twice_answers_the_first_import_s_batch_and_line_count(
    world: World,
) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    lines = [{"serial": s, "at": IN_DESK_SPELLING} for s in serials[:3]]
    data = _batch(desk, world.association_siret, lines)
    steps: list[tuple[int, int, str]] = []
    first = _import_with_progress(world, data, steps)
    assert (first.nombre, first.acceptes, first.deja_importe) == (3, 3, False)
    assert steps[-1] == (3, 3, "Import du lot")
    assert {label for _done, _total, label in steps} == {"Import du lot"}
    again = _import(world, data)
    assert (again.lot_id, again.nombre, again.acceptes, again.deja_importe) == (
        first.lot_id,
        3,
        0,
        True,
    )


def _import_with_progress(
    world: World, data: bytes, steps: list[tuple[int, int, str]]
) -> batches.ImportReport:
    progress = Progress(lambda done, total, label: steps.append((done, total, label)))
    with world.db.session() as s:
        return batches.import_batch(s, world.coordinateur, data, progress)


@pytest.mark.parametrize(
    "document",
    [
        b"[]",
        json.dumps({"format": "autre-chose", "version": 1}).encode(),
        json.dumps({"format": "medianum-pass-lot", "version": 1, "siret": "x"}).encode(),
    ],
)
def test_a_file_that_is_no_signed_batch_is_refused_as_unreadable(
    world: World, document: bytes
) -> None:
    with pytest.raises(ValidationError, match="pas un lot d'encaissements Médianum lisible"):
        _import(world, document)


def test_a_line_whose_serial_holds_accented_letters_is_read_as_signed_and_is_unknown(
    world: World,
) -> None:
    """The desk signs the file as written, non-ASCII characters included (not escaped): the
    signature holds and the line is an unknown pass, not a tampered file."""
    desk = _registered_desk(world)
    lines = [{"serial": "PASSÉ-ÀÇ", "at": IN_DESK_SPELLING}]
    report = _import(world, _batch(desk, world.association_siret, lines))
    assert report.conflits == [("PASSÉ-ÀÇ", "inconnu")]
