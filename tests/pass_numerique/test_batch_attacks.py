"""Offline batches are paid on no file's word: the key must be one a coordinator registered,
each line must fall while the pass was in the beneficiary's hands, and a malformed file is
refused in French, whole."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select, text

from core.errors import ValidationError
from core.models import AuditEntry
from pass_numerique import batches, campagnes, opposition
from pass_numerique import serials as serial_numbers
from pass_numerique.issuance import issue_chequebook
from pass_numerique.journal import ActionPass
from pass_numerique.models import CleLot, ConflitLot, Encaissement, Pass, PassStructure
from pass_numerique.redemption import redeem
from pass_numerique.structures import set_campagnes
from tests.pass_numerique.conftest import TODAY, World, synthetic_siret

HANDED = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
EXPORTED = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)


def _public(private: Ed25519PrivateKey) -> str:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _signed(
    private: Ed25519PrivateKey,
    siret: Any,
    lines: list[tuple[str, Any]],
    exporte_at: Any = EXPORTED,
) -> bytes:
    """A batch as an offline desk (or a forger holding a key) writes it."""
    payload = {
        "format": "medianum-pass-lot",
        "version": 1,
        "siret": siret,
        "exporte_at": exporte_at.isoformat() if isinstance(exporte_at, datetime) else exporte_at,
        "cle_publique": _public(private),
        "encaissements": [
            {"serial": s, "at": at.isoformat() if isinstance(at, datetime) else at}
            for s, at in lines
        ],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    signature = private.sign(canonical.encode()).hex()
    return json.dumps(dict(payload, signature=signature)).encode()


def _serials(world: World, handed: datetime = HANDED, prenom: str = "Odile") -> list[str]:
    beneficiaire = world.add_beneficiaire(prenom=prenom, nom="Test")
    with world.db.session() as s:
        chequier = issue_chequebook(
            s, world.accueil, beneficiaire, world.campagne_id, today=TODAY, now=handed
        )
        return list(
            s.scalars(select(Pass.serial).where(Pass.chequier_id == chequier.id).order_by(Pass.id))
        )


def _registered_desk(world: World) -> Ed25519PrivateKey:
    """The association's offline desk, whose fingerprint the coordinator typed in."""
    private = Ed25519PrivateKey.generate()
    with world.db.session() as s:
        batches.register_batch_key(
            s,
            world.coordinateur,
            world.ref_association,
            batches.display_fingerprint(batches.fingerprint(_public(private))).lower(),
        )
    return private


def _import(world: World, data: bytes, now: datetime | None = None) -> batches.ImportReport:
    with world.db.session() as s:
        return batches.import_batch(s, world.coordinateur, data, now=now)


def _redemptions(world: World) -> int:
    with world.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Encaissement)) or 0)


def test_a_batch_forged_for_a_structure_that_never_registered_a_key_is_refused_whole(
    world: World,
) -> None:
    serials = _serials(world)
    forged = _signed(
        Ed25519PrivateKey.generate(),
        world.association_siret,
        [(serial, datetime(2026, 3, 14, 10, tzinfo=UTC)) for serial in serials],
    )
    with pytest.raises(ValidationError, match="n'a pas été enregistrée"):
        _import(world, forged)
    assert _redemptions(world) == 0


def test_a_batch_signed_by_another_key_than_the_registered_one_is_refused(world: World) -> None:
    serials = _serials(world)
    _registered_desk(world)
    forged = _signed(
        Ed25519PrivateKey.generate(),
        world.association_siret,
        [(serials[0], datetime(2026, 3, 14, 10, tzinfo=UTC))],
    )
    with pytest.raises(ValidationError, match="n'a pas été enregistrée"):
        _import(world, forged)
    assert _redemptions(world) == 0


def test_a_batch_signed_by_a_revoked_key_is_refused_and_a_replacement_key_is_accepted(
    world: World,
) -> None:
    serials = _serials(world)
    stolen = _registered_desk(world)
    with world.db.session() as s:
        [cle] = batches.batch_keys(s, world.coordinateur, world.ref_association)
        revocation_time = batches.revoke_batch_key(s, world.coordinateur, cle.id).revoque_at
    line = [(serials[0], datetime(2026, 3, 14, 10, tzinfo=UTC))]
    with pytest.raises(ValidationError, match="révoquée"):
        _import(world, _signed(stolen, world.association_siret, line))
    replacement = _registered_desk(world)
    assert _import(world, _signed(replacement, world.association_siret, line)).acceptes == 1
    with world.db.session() as s:
        actions = s.scalar(select(func.count()).where(AuditEntry.action.like("pass.lot.cle_%")))
        registered = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == ActionPass.LOT_CLE_ENREGISTREE.value)
            .order_by(AuditEntry.seq)
        ).all()
        revoked = s.get(CleLot, cle.id)
        assert revoked is not None
        revocation = (revoked.statut, revoked.revoque_at, revoked.revoque_par)
    assert actions == 3  # registered, revoked, registered again
    # The stolen key was revoked already: the replacement replaced no key, and the revocation
    # keeps who made it and when.
    assert [entry.details["remplace"] for entry in registered] == [[], []]
    assert revocation == (
        "revoquee",
        revocation_time,
        world.coordinateur.agent_id,
    )


def test_a_line_dated_before_the_chequebook_was_handed_over_goes_to_the_conflicts(
    world: World,
) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    report = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [(serials[0], datetime(2026, 3, 1, 10, tzinfo=UTC)), (serials[1], HANDED)],
        ),
    )
    assert report.acceptes == 1
    assert report.conflits == [(serials[0], "avant_remise")]
    assert _redemptions(world) == 1


def test_a_line_before_its_own_chequebooks_hand_over_is_a_conflict_whatever_other_chequebooks(
    world: World,
) -> None:
    """Another person's chequebook was handed over earlier: that is no reason to pay a line
    dated before this chequebook reached its beneficiary."""
    _serials(world, handed=datetime(2026, 3, 1, 8, tzinfo=UTC), prenom="Jean")
    serials = _serials(world)
    desk = _registered_desk(world)
    report = _import(
        world,
        _signed(
            desk, world.association_siret, [(serials[0], datetime(2026, 3, 5, 10, tzinfo=UTC))]
        ),
    )
    assert (report.acceptes, report.conflits) == (0, [(serials[0], "avant_remise")])
    assert _redemptions(world) == 0


def test_a_line_already_in_conflict_waits_for_the_coordinator_when_a_later_batch_brings_it_again(
    world: World,
) -> None:
    """Dated after its first batch's export, the line was a conflict; the desk's next batch
    (exported later) carries it again: it is the same redemption, still the coordinator's to
    decide, not paid behind their back."""
    serials = _serials(world)
    desk = _registered_desk(world)
    line = (serials[0], EXPORTED + timedelta(hours=1))
    first = _import(world, _signed(desk, world.association_siret, [line]))
    assert first.conflits == [(serials[0], "apres_export")]
    again = _import(
        world,
        _signed(desk, world.association_siret, [line], exporte_at=EXPORTED + timedelta(days=1)),
        now=EXPORTED + timedelta(days=2),
    )
    assert (again.acceptes, again.deja_connus, again.conflits) == (0, 1, [])
    assert _redemptions(world) == 0
    with world.db.read_session() as s:
        assert s.scalars(select(ConflitLot.statut)).all() == ["a_decider"]


def test_a_line_dated_before_the_campaign_goes_to_the_conflicts(world: World) -> None:
    # Handed out (by mistake, on a wrong clock) before the campaign opened.
    serials = _serials(world, handed=datetime(2025, 12, 20, 9, tzinfo=UTC))
    desk = _registered_desk(world)
    report = _import(
        world,
        _signed(
            desk, world.association_siret, [(serials[0], datetime(2025, 12, 28, 10, tzinfo=UTC))]
        ),
    )
    assert (report.acceptes, report.conflits) == (0, [(serials[0], "hors_campagne")])


def test_a_line_dated_after_the_export_or_after_now_goes_to_the_conflicts(world: World) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    after_export = _signed(
        desk, world.association_siret, [(serials[0], datetime(2026, 3, 25, 10, tzinfo=UTC))]
    )
    assert _import(world, after_export).conflits == [(serials[0], "apres_export")]
    # An export time in the future does not open the future: now bounds it too.
    future = _signed(
        desk,
        world.association_siret,
        [(serials[1], datetime(2026, 3, 25, 10, tzinfo=UTC))],
        exporte_at=datetime(2026, 4, 30, tzinfo=UTC),
    )
    report = _import(world, future, now=datetime(2026, 3, 22, tzinfo=UTC))
    assert report.conflits == [(serials[1], "apres_export")]
    assert _redemptions(world) == 0


def test_a_line_dated_before_an_opposition_does_not_bring_an_opposed_pass_back_into_payment(
    world: World,
) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    with world.db.session() as s:
        chequier_id = s.scalar(select(Pass.chequier_id).where(Pass.serial == serials[0]))
        opposition.oppose_chequebook(s, world.accueil, chequier_id or 0)
    report = _import(
        world,
        _signed(desk, world.association_siret, [(serials[0], datetime(2026, 3, 14, tzinfo=UTC))]),
    )
    assert report.conflits == [(serials[0], "opposition")]
    with world.db.session() as s:
        assert s.scalar(select(Pass.etat).where(Pass.serial == serials[0])) == "annule"
    assert _redemptions(world) == 0


@pytest.mark.parametrize(
    ("siret_is_list", "at", "message"),
    [
        (False, "2026-03-14T10:00:00", "décalage horaire"),
        (True, "2026-03-14T10:00:00+00:00", "SIRET"),
        (False, "9999-12-31T23:59:59+00:00", "entre 2000 et 2099"),
        (False, "9999-12-31T23:59:59-12:00", "entre 2000 et 2099"),
        (False, ["2026-03-14"], "date illisible"),
        # The desks' own spelling (UTC, microseconds), read without a conversion: same checks.
        (False, "9999-12-31T23:59:59.000001+00:00", "entre 2000 et 2099"),
        (False, "1999-12-31T23:59:59.999999+00:00", "entre 2000 et 2099"),
        (False, "2026-02-30T10:00:00.000000+00:00", "date illisible"),
        (False, "2026-13-14T10:00:00.000000+00:00", "date illisible"),
        (False, "2100-01-01T00:00:00.000000+00:00", "entre 2000 et 2099"),
    ],
)
def test_a_malformed_batch_is_refused_whole_in_french(
    world: World, siret_is_list: bool, at: Any, message: str
) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    siret: Any = [world.association_siret] if siret_is_list else world.association_siret
    data = _signed(desk, siret, [(serials[0], HANDED), (serials[1], at)])
    with pytest.raises(ValidationError, match=message) as refused:
        _import(world, data)
    if not siret_is_list:  # the faulty line is named, counted from 1
        assert "(ligne 2)" in str(refused.value)
    assert _redemptions(world) == 0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"serial": "A" * 41, "at": "2026-03-14T10:00:00+00:00"}, "numéro de pass"),
        ({"serial": 123456789012, "at": "2026-03-14T10:00:00+00:00"}, "numéro de pass"),
        ({"serial": "A", "at": "2026-03-14T10:00:00+00:00", "agent": 1}, "mal formée"),
        ({"serial": "A", "agent": 1}, "mal formée"),
        ({"at": "2026-03-14T10:00:00+00:00", "agent": 1}, "mal formée"),
        (["serial", "at"], "mal formée"),
    ],
)
def test_a_batch_with_a_line_of_the_wrong_shape_is_refused_whole_naming_it(
    world: World, line: Any, message: str
) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    doc = json.loads(_signed(desk, world.association_siret, [(serials[0], HANDED)]))
    doc.pop("signature")
    doc["encaissements"].append(line)
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    doc["signature"] = desk.sign(canonical.encode()).hex()
    with pytest.raises(ValidationError, match=message) as refused:
        _import(world, json.dumps(doc).encode())
    assert "ligne 2" in str(refused.value)
    assert _redemptions(world) == 0


def test_a_batch_signed_by_another_structures_registered_key_is_refused(world: World) -> None:
    """The cyberbase's desk key, registered for the cyberbase, cannot sign a batch in the
    association's name: its redemptions would be paid to the association."""
    serials = _serials(world)
    _registered_desk(world)
    cyberbase_desk = Ed25519PrivateKey.generate()
    with world.db.session() as s:
        batches.register_batch_key(
            s,
            world.coordinateur,
            _other_reference(world),
            batches.fingerprint(_public(cyberbase_desk)),
        )
    forged = _signed(cyberbase_desk, world.association_siret, [(serials[0], HANDED)])
    with pytest.raises(ValidationError, match="n'a pas été enregistrée pour cette structure"):
        _import(world, forged)
    assert _redemptions(world) == 0


def test_the_desk_fingerprint_is_what_the_coordinator_registers(world: World) -> None:
    with world.db.session() as s:
        shown = batches.desk_fingerprint(s, world.mediateur)
        assert len(shown) == 20 and shown == batches.desk_fingerprint(s, world.mediateur)
        cle = batches.register_batch_key(
            s, world.coordinateur, world.ref_association, batches.display_fingerprint(shown)
        )
        assert cle.empreinte == shown
    with pytest.raises(ValidationError, match="20 caractères"), world.db.session() as s:
        batches.register_batch_key(s, world.coordinateur, world.ref_association, "ABCD-1234")


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2026-03-14T10:30:05+01:00", (2026, 3, 14, 9, 30, 5, 0)),
        # The spelling desks export (UTC with microseconds), stored without a conversion.
        ("2026-03-14T09:30:05.250000+00:00", (2026, 3, 14, 9, 30, 5, 250000)),
        ("2026-03-14T10:30:05.250000+01:00", (2026, 3, 14, 9, 30, 5, 250000)),
    ],
)
def test_an_imported_redemption_is_stored_as_a_desk_redemption_of_the_same_instant(
    world: World, written: str, stored: tuple[int, ...]
) -> None:
    """The import writes its rows in one statement, not through the column types: the instant
    stored must be the one a desk stores (UTC text with microseconds on SQLite), so settlements,
    undo windows and exports read it alike."""
    private = _registered_desk(world)
    serial = _serials(world)[0]
    instant = datetime.fromisoformat(written)
    report = _import(world, _signed(private, world.association_siret, [(serial, instant)]))
    assert report.acceptes == 1
    with world.db.read_session() as s:
        row = s.execute(select(Encaissement.at, Encaissement.source)).one()
        raw = s.execute(text("SELECT at FROM pass_encaissement")).scalar_one()
    assert row == (datetime(*stored, tzinfo=UTC), "lot")
    if world.db.is_sqlite:  # PostgreSQL keeps a timestamptz, which the line above reads back
        assert raw == f"2026-03-14 09:30:05.{stored[-1]:06d}"


def _by_hand(world: World, sql: str, serial: str) -> None:
    with world.db.session() as s:
        s.execute(text(sql), {"s": serial})


def test_every_kind_of_line_gets_its_exact_answer_beside_lines_accepted_at_once(
    world: World,
) -> None:
    """The database accepts the plainly right lines of a chunk in one statement; the lines it
    leaves get the per-line verdict. Side by side in one batch, each answer must be the one the
    rules give: the last valid day ends at midnight in France (23:00 UTC in winter), not at the
    bound the statement uses; a serial twice is paid once; a pass reset by hand keeps its one
    redemption. Imported again, nothing is paid twice and every known line is recognised."""
    s = _serials(world) + _serials(world, prenom="Jean")
    desk = _registered_desk(world)
    first = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [
                (s[4], datetime(2026, 3, 13, 10, tzinfo=UTC)),
                (s[5], datetime(2026, 3, 13, 11, tzinfo=UTC)),
                (s[8], datetime(2026, 3, 13, 12, tzinfo=UTC)),
            ],
        ),
    )
    assert (first.acceptes, first.conflits) == (3, [])
    _by_hand(world, "UPDATE pass SET etat = 'remis' WHERE serial = :s", s[5])
    _by_hand(world, "UPDATE pass SET etat = 'emis' WHERE serial = :s", s[6])
    _by_hand(
        world,
        "UPDATE pass SET campagne_id = (SELECT max(id) FROM pass_campagne) WHERE serial = :s",
        s[7],
    )
    unknown = serial_numbers.with_check("ZZZZZZZZZZ")
    lines: list[tuple[str, Any]] = [
        (s[0], datetime(2026, 3, 14, 10, tzinfo=UTC)),  # accepted
        (s[0], datetime(2026, 3, 15, 10, tzinfo=UTC)),  # double_lot
        (unknown, datetime(2026, 3, 14, 10, tzinfo=UTC)),  # inconnu
        (serial_numbers.display(s[1]).lower(), "2026-03-14T11:00:00+01:00"),  # accepted
        (
            s[2],
            datetime(2027, 1, 31, 22, 59, 59, 999999, tzinfo=UTC),
        ),  # accepted: 23:59:59 in France
        (s[3], datetime(2027, 1, 31, 23, tzinfo=UTC)),  # expire: midnight in France
        (s[4], datetime(2026, 3, 16, 10, tzinfo=UTC)),  # deja_encaisse (first batch, other time)
        (s[5], datetime(2026, 3, 16, 10, tzinfo=UTC)),  # deja_encaisse (reset by hand)
        (s[6], datetime(2026, 3, 14, 10, tzinfo=UTC)),  # non_remis
        (s[7], datetime(2026, 3, 14, 10, tzinfo=UTC)),  # non_reference
        (s[8], datetime(2026, 3, 13, 12, tzinfo=UTC)),  # deja_connus (first batch, same time)
        (s[9], HANDED),  # accepted: the hand-over's very instant
    ]
    now = datetime(2027, 2, 2, tzinfo=UTC)
    report = _import(world, _signed(desk, world.association_siret, lines, exporte_at=now), now=now)
    assert (report.acceptes, report.deja_connus) == (4, 1)
    assert report.conflits == [
        (s[0], "double_lot"),
        (unknown, "inconnu"),
        (s[3], "expire"),
        (s[4], "deja_encaisse"),
        (s[5], "deja_encaisse"),
        (s[6], "non_remis"),
        (s[7], "non_reference"),
    ]
    assert _redemptions(world) == 3 + 4
    with world.db.read_session() as session:
        etats = dict(
            session.execute(select(Pass.serial, Pass.etat).where(Pass.serial.in_(s))).all()
        )
        paid = dict(
            session.execute(
                select(Pass.serial, Encaissement.at).join(
                    Encaissement, Encaissement.pass_id == Pass.id
                )
            ).all()
        )
    assert [etats[x] for x in s[:10]] == [
        "encaisse",
        "encaisse",
        "encaisse",
        "remis",
        "encaisse",
        "remis",
        "emis",
        "remis",
        "encaisse",
        "encaisse",
    ]
    assert paid[s[1]] == datetime(2026, 3, 14, 10, tzinfo=UTC)
    assert paid[s[2]] == datetime(2027, 1, 31, 22, 59, 59, 999999, tzinfo=UTC)
    assert s[3] not in paid

    later = now.replace(hour=1)
    again = _import(
        world, _signed(desk, world.association_siret, lines, exporte_at=later), now=later
    )
    assert (again.acceptes, again.deja_connus) == (0, 8)
    assert again.conflits == [
        (s[0], "double_lot"),
        (unknown, "inconnu"),
        (s[4], "deja_encaisse"),
        (s[5], "deja_encaisse"),
    ]
    assert _redemptions(world) == 7


def test_every_redemption_a_batch_brings_in_is_recorded_as_that_batch_s_without_an_agent(
    world: World,
) -> None:
    """Whether the database accepted the line at once or the line-by-line check did (a pass's
    last valid day, late in the evening in France), the redemption names the batch whose
    signature vouches for it, and no agent of the central desk."""
    serials = _serials(world)
    desk = _registered_desk(world)
    at_once = datetime(2026, 3, 14, 10, tzinfo=UTC)
    last_evening = datetime(2027, 1, 31, 22, 30, tzinfo=UTC)  # 23:30 in France
    now = datetime(2027, 2, 1, 8, tzinfo=UTC)
    report = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [(serials[0], at_once), (serials[1], last_evening)],
            exporte_at=now,
        ),
        now=now,
    )
    assert (report.acceptes, report.conflits) == (2, [])
    with world.db.read_session() as s:
        rows = s.execute(
            select(
                Pass.serial,
                Encaissement.source,
                Encaissement.lot_id,
                Encaissement.agent_id,
                Encaissement.pass_structure_id,
                Encaissement.at,
            )
            .join(Pass, Pass.id == Encaissement.pass_id)
            .order_by(Encaissement.at)
        ).all()
    assert [tuple(row) for row in rows] == [
        (serials[0], "lot", report.lot_id, None, world.ref_association, at_once),
        (serials[1], "lot", report.lot_id, None, world.ref_association, last_evening),
    ]


def test_a_campaign_starts_at_midnight_in_france_for_lines_accepted_at_once(world: World) -> None:
    serials = _serials(world, handed=datetime(2025, 12, 20, 9, tzinfo=UTC))
    desk = _registered_desk(world)
    report = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [
                (serials[0], datetime(2025, 12, 31, 22, 59, 59, 999999, tzinfo=UTC)),
                (serials[1], datetime(2025, 12, 31, 23, tzinfo=UTC)),  # 1 January, 00:00
            ],
        ),
    )
    assert (report.acceptes, report.conflits) == (1, [(serials[0], "hors_campagne")])


def test_a_campaign_starts_at_midnight_in_france_even_on_a_computer_set_to_martinique_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The coordinator's computer overseas (UTC-4): a line of 31 December 23:30 in France is
    still before the campaign, whatever the clock of the machine that imports it."""
    serials = _serials(world, handed=datetime(2025, 12, 20, 9, tzinfo=UTC))
    desk = _registered_desk(world)
    monkeypatch.setenv("TZ", "America/Martinique")
    time.tzset()
    try:
        report = _import(
            world,
            _signed(
                desk,
                world.association_siret,
                [
                    (serials[0], datetime(2025, 12, 31, 22, 30, tzinfo=UTC)),
                    (serials[1], datetime(2025, 12, 31, 23, tzinfo=UTC)),  # 1 January, 00:00
                ],
            ),
        )
    finally:
        monkeypatch.undo()
        time.tzset()
    assert (report.acceptes, report.conflits) == (1, [(serials[0], "hors_campagne")])


def test_a_pass_an_earlier_batch_put_in_conflict_is_paid_at_the_very_bounds_of_its_period(
    world: World,
) -> None:
    """A pass with a conflict from an earlier batch is judged line by line, not at once; the
    bounds are the same: the hand-over's instant, the campaign's first instant (1 January,
    00:00 in France) and the export's instant are inside the period, and paid."""
    early = _serials(world, handed=datetime(2025, 12, 31, 22, tzinfo=UTC), prenom="Jean")
    serials = _serials(world)
    desk = _registered_desk(world)
    new_year_in_france = datetime(2025, 12, 31, 23, tzinfo=UTC)
    first = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [
                (serials[0], HANDED - timedelta(hours=1)),
                (early[0], new_year_in_france - timedelta(minutes=30)),
                (serials[1], EXPORTED + timedelta(hours=1)),
            ],
        ),
        now=EXPORTED + timedelta(days=1),
    )
    assert [motif for _serial, motif in first.conflits] == [
        "avant_remise",
        "hors_campagne",
        "apres_export",
    ]
    exported = EXPORTED + timedelta(days=2)
    second = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [(serials[0], HANDED), (early[0], new_year_in_france), (serials[1], exported)],
            exporte_at=exported,
        ),
        now=exported + timedelta(hours=1),
    )
    assert (second.acceptes, second.conflits) == (3, [])
    with world.db.read_session() as s:
        paid = dict(
            s.execute(
                select(Pass.serial, Encaissement.at).join(
                    Encaissement, Encaissement.pass_id == Pass.id
                )
            ).all()
        )
    assert paid == {serials[0]: HANDED, early[0]: new_year_in_france, serials[1]: exported}


def test_revoking_a_desk_batch_key_is_journalled_with_who_which_key_and_which_structure(
    world: World,
) -> None:
    _registered_desk(world)
    with world.db.session() as s:
        [cle] = batches.batch_keys(s, world.coordinateur, world.ref_association)
        cle_id, empreinte = cle.id, cle.empreinte
        batches.revoke_batch_key(s, world.coordinateur, cle_id)
    with world.db.session() as s:
        line = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "pass.lot.cle_revoquee")
        ).one()
        assert line.agent_id == world.coordinateur.agent_id
        assert (line.entity_type, line.entity_id) == ("pass_cle_lot", str(cle_id))
        assert line.details == {"pass_structure_id": world.ref_association, "empreinte": empreinte}


def test_the_conflicts_to_decide_name_their_batch_pass_reason_and_offline_time_in_order(
    world: World,
) -> None:
    serials = _serials(world)
    desk = _registered_desk(world)
    early = datetime(2026, 3, 1, 10, tzinfo=UTC)  # before the chequebook was handed over
    report = _import(
        world,
        _signed(desk, world.association_siret, [(serials[0], early), (serials[1], early)]),
    )
    with world.db.session() as s:
        rows = batches.list_conflicts(s, world.coordinateur)
    assert [(r.lot_id, r.serial, r.motif, r.statut) for r in rows] == [
        (report.lot_id, serials[0], "avant_remise", "a_decider"),
        (report.lot_id, serials[1], "avant_remise", "a_decider"),
    ]
    assert [r.encaisse_at.astimezone(UTC) for r in rows] == [early, early]
    assert rows[0].id < rows[1].id


def _other_reference(world: World) -> int:
    """The Cyberbase's reference (another structure, referenced for another campaign)."""
    with world.db.read_session() as s:
        return int(
            s.scalar(select(PassStructure.id).where(PassStructure.id != world.ref_association))
        )


def test_a_line_judged_line_by_line_is_paid_unless_this_structure_already_reported_it(
    world: World,
) -> None:
    """Lines the database does not accept at once (here: on the pass's last valid day, in the
    evening in France) are judged one by one. A conflict another structure's batch raised for
    the same pass and instant, or this structure's conflict for the same pass at another
    instant, is no reason to drop them: both are paid. A pass twice in a batch gives a
    conflict that names that pass."""
    serials = _serials(world)
    last_evening = datetime(2027, 1, 31, 22, tzinfo=UTC)  # 23:00 in France, still valid
    cyberbase = _other_reference(world)
    cyberbase_desk = Ed25519PrivateKey.generate()
    with world.db.session() as s:
        batches.register_batch_key(
            s,
            world.coordinateur,
            cyberbase,
            batches.fingerprint(_public(cyberbase_desk)),
        )
    theirs = _import(
        world,
        _signed(
            cyberbase_desk,
            synthetic_siret(3),
            [(serials[0], last_evening)],
            exporte_at=last_evening + timedelta(hours=1),
        ),
        now=last_evening + timedelta(hours=2),
    )
    assert theirs.conflits == [(serials[0], "non_reference")]
    desk = _registered_desk(world)
    first = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [
                (serials[3], HANDED - timedelta(hours=1)),
                (serials[2], HANDED + timedelta(hours=1)),
                (serials[2], HANDED + timedelta(hours=2)),
            ],
        ),
    )
    assert first.conflits == [(serials[3], "avant_remise"), (serials[2], "double_lot")]
    second = _import(
        world,
        _signed(
            desk,
            world.association_siret,
            [(serials[0], last_evening), (serials[3], last_evening)],
            exporte_at=last_evening + timedelta(hours=1),
        ),
        now=last_evening + timedelta(hours=2),
    )
    assert (second.acceptes, second.deja_connus, second.conflits) == (2, 0, [])
    with world.db.read_session() as s:
        paid = dict(
            s.execute(
                select(Pass.serial, Encaissement.pass_structure_id)
                .join(Encaissement, Encaissement.pass_id == Pass.id)
                .where(Encaissement.at == last_evening)
            ).all()
        )
        twice = s.scalar(select(ConflitLot.pass_id).where(ConflitLot.motif == "double_lot"))
        pass_id = s.scalar(select(Pass.id).where(Pass.serial == serials[2]))
    assert paid == {serials[0]: world.ref_association, serials[3]: world.ref_association}
    assert twice == pass_id


def test_a_pass_of_a_campaign_the_structure_is_not_referenced_for_is_reported_as_such(
    world: World,
) -> None:
    """Judged against its own campaign's dates, not another campaign's: a pass of « Autre
    campagne » (open since January) redeemed in March is « non référencée », even though a
    third campaign only opens in June."""
    with world.db.session() as s:
        campagnes.create_campagne(
            s,
            world.coordinateur,
            campagnes.CampagneData(
                nom="Campagne d'été",
                financeur="Agglomération test",
                debut=date(2026, 6, 1),
                fin=date(2026, 9, 30),
            ),
        )
    serials = _serials(world)
    desk = _registered_desk(world)
    # One of its passes moved to « Autre campagne », for which the association is not
    # referenced.
    _by_hand(
        world,
        "UPDATE pass SET campagne_id = (SELECT id FROM pass_campagne WHERE nom = 'Autre campagne')"
        " WHERE serial = :s",
        serials[0],
    )
    report = _import(
        world,
        _signed(
            desk, world.association_siret, [(serials[0], datetime(2026, 3, 14, 10, tzinfo=UTC))]
        ),
    )
    assert (report.acceptes, report.conflits) == (0, [(serials[0], "non_reference")])


def test_a_batch_of_a_structure_referenced_for_no_campaign_is_all_conflicts(
    world: World,
) -> None:
    """Its referencing has no campaign left (all removed): the batch is still imported, and
    every line is a conflict « structure non référencée », nothing paid."""
    serials = _serials(world)
    with world.db.session() as s:
        set_campagnes(s, world.coordinateur, world.ref_association, [])
    desk = _registered_desk(world)
    report = _import(
        world, _signed(desk, world.association_siret, [(serials[0], HANDED + timedelta(hours=1))])
    )
    assert (report.acceptes, report.conflits) == (0, [(serials[0], "non_reference")])
    assert _redemptions(world) == 0


def test_a_structures_batch_keys_are_its_own_and_the_full_list_comes_grouped_by_structure(
    world: World,
) -> None:
    low, high = sorted((world.ref_association, _other_reference(world)))
    registered: list[tuple[int, int]] = []
    for ref in (high, low, high):  # registered in this order: ids interleave the two
        with world.db.session() as s:
            cle = batches.register_batch_key(
                s,
                world.coordinateur,
                ref,
                batches.display_fingerprint(
                    batches.fingerprint(_public(Ed25519PrivateKey.generate()))
                ),
            )
            registered.append((ref, cle.id))
    with world.db.read_session() as s:
        one = [(k.pass_structure_id, k.id) for k in batches.batch_keys(s, world.coordinateur, low)]
        every = [(k.pass_structure_id, k.id) for k in batches.batch_keys(s, world.coordinateur)]
    assert one == [registered[1]]
    assert every == [registered[1], registered[0], registered[2]]


def test_a_desk_exports_its_own_structures_desk_redemptions_only_oldest_first(
    world: World,
) -> None:
    """Not another structure's (its payment would go to this one), not those a batch already
    brought in (they would come back as conflicts)."""
    serials = _serials(world)
    with world.db.session() as s:
        for serial, at in (
            (serials[0], datetime(2026, 3, 14, 10, tzinfo=UTC)),
            (serials[1], datetime(2026, 3, 13, 10, tzinfo=UTC)),
        ):
            assert redeem(s, world.mediateur, serial, today=TODAY, at=at).accepted
        ids = dict(s.execute(select(Pass.serial, Pass.id).where(Pass.serial.in_(serials))).all())
        s.add_all(
            [
                Encaissement(
                    pass_id=ids[serials[2]],
                    pass_structure_id=_other_reference(world),
                    at=datetime(2026, 3, 12, 10, tzinfo=UTC),
                    source="guichet",
                ),
                Encaissement(
                    pass_id=ids[serials[3]],
                    pass_structure_id=world.ref_association,
                    at=datetime(2026, 3, 12, 11, tzinfo=UTC),
                    source="lot",
                ),
            ]
        )
    with world.db.session() as s:
        exported = json.loads(batches.export_batch(s, world.mediateur))
    assert exported["encaissements"] == [
        {"serial": serials[1], "at": "2026-03-13T10:00:00+00:00"},
        {"serial": serials[0], "at": "2026-03-14T10:00:00+00:00"},
    ]


@pytest.fixture
def clocks_in_france(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The desk computer's clock in Europe/Paris and, on PostgreSQL, the server's sessions too
    (a French installation's usual settings; the test machine runs in UTC)."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    if not world.db.is_sqlite:
        with world.db.engine.begin() as conn:
            conn.exec_driver_sql(
                f"ALTER DATABASE \"{world.db.url.database}\" SET timezone TO 'Europe/Paris'"
            )
        world.db.engine.dispose()
    try:
        yield
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_batch_imported_again_is_recognised_line_by_line_with_clocks_in_france(
    world: World, clocks_in_france: None
) -> None:
    """Each line already paid is compared with the instant stored for it: read back in the
    computer's or the server's time zone instead of UTC, it would differ by an hour and the
    batch's own lines would come back as conflicts to decide."""
    serials = _serials(world)
    desk = _registered_desk(world)
    lines: list[tuple[str, Any]] = [
        (serials[0], datetime(2026, 3, 14, 9, 30, tzinfo=UTC)),
        (serials[1], datetime(2026, 3, 14, 10, 0, 5, 250000, tzinfo=UTC)),
    ]
    first = _import(world, _signed(desk, world.association_siret, lines))
    assert (first.acceptes, first.conflits) == (2, [])
    later = EXPORTED + timedelta(hours=1)
    again = _import(world, _signed(desk, world.association_siret, lines, exporte_at=later))
    assert (again.acceptes, again.deja_connus, again.conflits) == (0, 2, [])


def test_the_full_list_of_conflicts_keeps_the_order_they_were_found_in_once_some_are_decided(
    world: World,
) -> None:
    """A decision rewrites its conflict's row (on PostgreSQL a new row version, stored
    elsewhere): the list must still read in the order the batch reported them."""
    serials = _serials(world)
    desk = _registered_desk(world)
    early = datetime(2026, 3, 1, 10, tzinfo=UTC)  # before the chequebook was handed over
    _import(world, _signed(desk, world.association_siret, [(x, early) for x in serials[:3]]))
    with world.db.session() as s:
        found = [c.id for c in batches.list_conflicts(s, world.coordinateur)]
        batches.decide_conflict(s, world.coordinateur, found[0], accept=False)
    with world.db.session() as s:
        listed = batches.list_conflicts(s, world.coordinateur, pending_only=False)
    assert [(c.id, c.statut) for c in listed] == [
        (found[0], "rejete"),
        (found[1], "a_decider"),
        (found[2], "a_decider"),
    ]
