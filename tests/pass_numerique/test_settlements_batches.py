"""Monthly settlements (immutable, never twice) and offline batches (signed, idempotent,
conflicts left to a person)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from core import migrate
from core.backup import backup_sqlite
from core.db import Database
from core.errors import ConflictError, ValidationError
from core.models import AuditEntry
from pass_numerique import batches, opposition, settlements
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import ConflitLot, Encaissement, Pass
from pass_numerique.pdf import settlement_pdf
from pass_numerique.redemption import redeem
from tests.pass_numerique.conftest import TODAY, World

MARCH = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
HANDED = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def _issue(world: World, prenom: str = "Odile") -> tuple[int, list[str]]:
    beneficiaire = world.add_beneficiaire(prenom=prenom, nom="Test")
    with world.db.session() as s:
        chequier = issue_chequebook(
            s, world.accueil, beneficiaire, world.campagne_id, today=TODAY, now=HANDED
        )
        return chequier.id, [
            p.qr_text for p in chequebook_print(s, world.accueil, chequier.id).passes
        ]


def _redeem(db: Database, world: World, scanned: str, at: datetime = MARCH) -> bool:
    with db.session() as s:
        return redeem(s, world.mediateur, scanned, today=TODAY, at=at).accepted


def test_a_validated_settlement_pays_each_redemption_once_and_marks_passes_reimbursed(
    world: World,
) -> None:
    _c, scans = _issue(world)
    for scanned in scans[:3]:
        assert _redeem(world.db, world, scanned)
    with world.db.session() as s:
        [preview] = settlements.preview(s, world.coordinateur, "2026-03")
        assert (preview.nombre, preview.montant_cents) == (3, 3000)
        [done] = settlements.validate(s, world.coordinateur, "2026-03")
        reglement_id = done.reglement_id
    with world.db.session() as s:
        assert settlements.preview(s, world.coordinateur, "2026-03") == []
        assert settlements.preview(s, world.coordinateur, "2026-04") == []
        etats = s.scalars(select(Pass.etat).where(Pass.etat == "rembourse")).all()
        assert len(etats) == 3
        assert settlements.validate(s, world.coordinateur, "2026-03") == []
    with world.db.session() as s:
        statement = settlements.validated(s, world.coordinateur, reglement_id or 0)
    pdf_text = PdfReader(io.BytesIO(settlement_pdf(statement))).pages[0].extract_text()
    assert "30,00" in pdf_text and "Association test" in pdf_text
    csv_lines = settlements.settlement_csv(statement).strip().splitlines()
    assert len(csv_lines) == 4 and csv_lines[1].endswith(";10,00")


def test_the_database_refuses_to_change_a_validated_settlement(world: World) -> None:
    _c, scans = _issue(world)
    assert _redeem(world.db, world, scans[0])
    with world.db.session() as s:
        settlements.validate(s, world.coordinateur, "2026-03")
    for statement in (
        "UPDATE pass_reglement SET montant_cents = 1",
        "DELETE FROM pass_reglement",
        "UPDATE pass_encaissement SET reglement_id = NULL",
        "DELETE FROM pass_encaissement",
    ):
        with pytest.raises(DBAPIError), world.db.session() as s:
            s.execute(text(statement))


def test_a_redemption_of_the_next_month_waits_for_the_next_settlement(world: World) -> None:
    _c, scans = _issue(world)
    assert _redeem(world.db, world, scans[0])
    assert _redeem(world.db, world, scans[1], at=datetime(2026, 4, 2, 9, tzinfo=UTC))
    with world.db.session() as s:
        [march] = settlements.validate(s, world.coordinateur, "2026-03")
        [april] = settlements.preview(s, world.coordinateur, "2026-04")
    assert (march.nombre, april.nombre) == (1, 1)


def _offline_copy(world: World, tmp_path: Path) -> Database:
    """The structure's own SQLite: a copy of the central database taken before going offline
    (a backup of the file, or, when the centre runs PostgreSQL, its rows copied table by table)."""
    target = tmp_path / "hors-ligne.sqlite3"
    if world.db.is_sqlite:
        backup_sqlite(Path(world.db.url.database or ""), target)
        return Database(f"sqlite:///{target}")
    offline = Database(f"sqlite:///{target}")
    migrate.upgrade(offline, backup=False)
    metadata = migrate.load_all_models()
    with world.db.read_session() as source, offline.session() as copy:
        for table in metadata.sorted_tables:
            rows = [dict(r) for r in source.execute(select(table)).mappings()]
            if rows:
                copy.execute(insert(table), rows)
    return offline


def _export(offline: Database, world: World) -> bytes:
    """The offline desk's batch, its key registered centrally by the fingerprint it shows."""
    with offline.session() as s:
        data = batches.export_batch(s, world.mediateur)
        shown = batches.desk_fingerprint(s, world.mediateur)
    with world.db.session() as s:
        if not batches.batch_keys(s, world.coordinateur, world.ref_association):
            batches.register_batch_key(s, world.coordinateur, world.ref_association, shown)
    return data


def _import(world: World, data: bytes) -> batches.ImportReport:
    with world.db.session() as s:
        return batches.import_batch(s, world.coordinateur, data)


def test_an_offline_batch_is_imported_once_and_then_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    _c, scans = _issue(world)
    offline = _offline_copy(world, tmp_path)
    try:
        for scanned in scans[:4]:
            assert _redeem(offline, world, scanned)
        data = _export(offline, world)
    finally:
        offline.dispose()
    first = _import(world, data)
    assert (first.acceptes, first.conflits) == (4, [])
    again = _import(world, data)
    assert again.deja_importe
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Encaissement)) == 4
        [owed] = settlements.preview(s, world.coordinateur, "2026-03")
        assert owed.nombre == 4
    assert not _redeem(world.db, world, scans[0])


def test_offline_conflicts_are_reported_and_never_settled_twice(
    world: World, tmp_path: Path
) -> None:
    chequier_id, scans = _issue(world)
    _c2, others = _issue(world, "Jean")
    offline = _offline_copy(world, tmp_path)
    try:
        for scanned in (scans[0], scans[1], others[0]):
            assert _redeem(offline, world, scanned, at=datetime(2026, 3, 14, 10, tzinfo=UTC))
        data = _export(offline, world)
    finally:
        offline.dispose()
    # Meanwhile, centrally: scans[0] redeemed at the desk, the second chequebook opposed.
    assert _redeem(world.db, world, scans[0], at=datetime(2026, 3, 13, 10, tzinfo=UTC))
    with world.db.session() as s:
        s.execute(
            text("UPDATE pass SET etat='annule', annule_at=:at WHERE serial=:s"),
            {"at": datetime(2026, 3, 13, tzinfo=UTC), "s": others[0].split(":")[2]},
        )
    report = _import(world, data)
    assert report.acceptes == 1
    assert sorted(m for _s, m in report.conflits) == ["deja_encaisse", "opposition"]
    with world.db.session() as s:
        [owed] = settlements.preview(s, world.coordinateur, "2026-03")
        assert owed.nombre == 2  # scans[0] once (centrally), scans[1] from the batch
        conflicts = batches.list_conflicts(s, world.coordinateur)
        assert len(conflicts) == 2
        settlements.validate(s, world.coordinateur, "2026-03")
    deja = next(c for c in conflicts if c.motif == "deja_encaisse")
    with world.db.session() as s, pytest.raises(ConflictError):
        batches.decide_conflict(s, world.coordinateur, deja.id, accept=True)
    opposed = next(c for c in conflicts if c.motif == "opposition")
    with world.db.session() as s:
        batches.decide_conflict(s, world.coordinateur, opposed.id, accept=False)
        assert batches.list_conflicts(s, world.coordinateur) == [deja]
    del chequier_id


def test_a_tampered_batch_is_refused(world: World, tmp_path: Path) -> None:
    _c, scans = _issue(world)
    offline = _offline_copy(world, tmp_path)
    try:
        assert _redeem(offline, world, scans[0])
        doc = json.loads(_export(offline, world))
    finally:
        offline.dispose()
    doc["encaissements"].append({"serial": scans[1].split(":")[2], "at": MARCH.isoformat()})
    with pytest.raises(ValidationError, match="signature"):
        _import(world, json.dumps(doc).encode())


def test_an_offline_redemption_of_a_pass_opposed_since_waits_for_the_coordinator(
    world: World, tmp_path: Path
) -> None:
    chequier_id, scans = _issue(world)
    offline = _offline_copy(world, tmp_path)
    try:
        assert _redeem(offline, world, scans[0], at=datetime(2026, 3, 10, tzinfo=UTC))
        data = _export(offline, world)
    finally:
        offline.dispose()
    with world.db.session() as s:
        opposition.oppose_chequebook(s, world.accueil, chequier_id)
    report = _import(world, data)
    assert report.acceptes == 0 and [m for _s, m in report.conflits] == ["opposition"]
    with world.db.session() as s:
        [conflict] = batches.list_conflicts(s, world.coordinateur)
        # The coordinator checked with the desk: the pass was spent before it was lost.
        batches.decide_conflict(s, world.coordinateur, conflict.id, accept=True)
        [owed] = settlements.preview(s, world.coordinateur, "2026-03")
        assert owed.nombre == 1


OFFLINE_AT = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
CENTRAL_AT = datetime(2026, 3, 13, 10, 0, tzinfo=UTC)


def _redemptions_of(
    world: World, scanned: str
) -> list[tuple[str, int | None, int | None, datetime]]:
    """(source, lot, agent, instant) of each redemption of the pass this QR text names."""
    with world.db.read_session() as s:
        rows = s.execute(
            select(Encaissement.source, Encaissement.lot_id, Encaissement.agent_id, Encaissement.at)
            .join(Pass, Pass.id == Encaissement.pass_id)
            .where(Pass.serial == scanned.split(":")[2])
        ).all()
    return [(source, lot, agent, at) for source, lot, agent, at in rows]


def _etat(world: World, scanned: str) -> str | None:
    with world.db.read_session() as s:
        return s.scalar(select(Pass.etat).where(Pass.serial == scanned.split(":")[2]))


def _batch_with_a_pass_redeemed_twice(world: World, tmp_path: Path) -> tuple[list[str], int]:
    """scans[0] redeemed offline on the 14th and at the central desk on the 13th; scans[1]
    redeemed offline only; scans[2] at the central desk only; scans[3] never. Returns the scans
    and the imported batch's id, its one conflict on scans[0] still to decide."""
    _c, scans = _issue(world)
    offline = _offline_copy(world, tmp_path)
    try:
        assert _redeem(offline, world, scans[0], at=OFFLINE_AT)
        assert _redeem(offline, world, scans[1], at=OFFLINE_AT)
        data = _export(offline, world)
    finally:
        offline.dispose()
    assert _redeem(world.db, world, scans[0], at=CENTRAL_AT)
    assert _redeem(world.db, world, scans[2], at=CENTRAL_AT)
    report = _import(world, data)
    assert (report.acceptes, report.conflits) == (1, [(scans[0].split(":")[2], "deja_encaisse")])
    assert report.lot_id is not None
    return scans, report.lot_id


def test_accepting_an_offline_redemption_replaces_the_unpaid_one_of_that_pass_alone(
    world: World, tmp_path: Path
) -> None:
    """The coordinator checked with the association: the pass was spent there, offline. Its
    central redemption gives way to the batch's; every other pass stays as it was; the decision
    says who took it, when and why, and the journal keeps it."""
    scans, lot_id = _batch_with_a_pass_redeemed_twice(world, tmp_path)
    with world.db.session() as s:
        [conflict] = batches.list_conflicts(s, world.coordinateur)
        batches.decide_conflict(
            s, world.coordinateur, conflict.id, accept=True, note="Vérifié avec l'association"
        )
    assert _redemptions_of(world, scans[0]) == [("lot", lot_id, None, OFFLINE_AT)]
    assert _redemptions_of(world, scans[2]) == [
        ("guichet", None, world.mediateur.agent_id, CENTRAL_AT)
    ]
    assert (_etat(world, scans[0]), _etat(world, scans[3])) == ("encaisse", "remis")
    with world.db.read_session() as s:
        decided = s.get(ConflitLot, conflict.id)
        assert decided is not None
        assert (decided.statut, decided.decide_par, decided.note) == (
            "accepte",
            world.coordinateur.agent_id,
            "Vérifié avec l'association",
        )
        assert decided.decide_at is not None
        assert abs(decided.decide_at - datetime.now(UTC)) < timedelta(minutes=5)
        pass_id = s.scalar(select(Pass.id).where(Pass.serial == scans[0].split(":")[2]))
        line = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "pass.conflit.tranche")
        ).one()
        assert (line.agent_id, line.entity_type, line.entity_id, line.details) == (
            world.coordinateur.agent_id,
            "pass_conflit",
            str(conflict.id),
            {"accepte": True, "motif": "deja_encaisse", "pass_id": pass_id},
        )
    with world.db.session() as s:
        [owed] = settlements.preview(s, world.coordinateur, "2026-03")
    assert (owed.nombre, owed.montant_cents) == (3, 3000)


def test_rejecting_an_offline_redemption_keeps_the_central_one_and_records_the_refusal(
    world: World, tmp_path: Path
) -> None:
    scans, _lot_id = _batch_with_a_pass_redeemed_twice(world, tmp_path)
    with world.db.session() as s:
        [conflict] = batches.list_conflicts(s, world.coordinateur)
        batches.decide_conflict(s, world.coordinateur, conflict.id, accept=False)
    assert _redemptions_of(world, scans[0]) == [
        ("guichet", None, world.mediateur.agent_id, CENTRAL_AT)
    ]
    with world.db.read_session() as s:
        decided = s.get(ConflitLot, conflict.id)
        assert decided is not None
        assert (decided.statut, decided.decide_par, decided.note) == (
            "rejete",
            world.coordinateur.agent_id,
            None,
        )
        line = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "pass.conflit.tranche")
        ).one()
        assert line.details["accepte"] is False


def test_a_redemption_still_within_its_undo_delay_is_not_settled_until_that_delay_is_over(
    world: World,
) -> None:
    """The desk may still cancel a scan exactly UNDO_DELAY old (the refusal starts beyond it), so
    a settlement validated at that instant must leave it for later, never pay it."""
    from pass_numerique.redemption import UNDO_DELAY

    _c, scans = _issue(world)
    scanned_at = settlements.month_end_utc("2026-03") - timedelta(minutes=3)
    assert _redeem(world.db, world, scans[0], at=scanned_at)
    with world.db.session() as s:
        early = settlements.validate(s, world.coordinateur, "2026-03", now=scanned_at + UNDO_DELAY)
    assert early == []
    with world.db.session() as s:
        [done] = settlements.validate(
            s,
            world.coordinateur,
            "2026-03",
            now=scanned_at + UNDO_DELAY + timedelta(microseconds=1),
        )
    assert done.nombre == 1
