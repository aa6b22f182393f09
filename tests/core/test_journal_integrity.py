"""Attacks on the journal by someone holding the database file, and what detects each one.

The attacker's hash is computed here with hashlib, from the documented line format, not with the
code under test: a forged line must look exactly like what an attacker would write.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

import main
from core import journal
from core.auth import Actor
from core.db import Database
from core.errors import KeyringUnavailableError, PermissionDenied, ValidationError
from core.journal import Anchor, journal_anchor, rotate_journal_key, verify_journal
from core.models import AuditEntry, Role
from tests.conftest import MemoryKeyring


def _write_entries(db: Database, admin: Actor, n: int) -> None:
    with db.session() as s:
        for i in range(n):
            journal.record(s, admin, "essai.action", "essai", i, {"numero": i})


def _drop_guards(db: Database) -> None:
    """What someone with direct access to the database could do before tampering."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_delete")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_append_only ON audit_entry")
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_truncate ON audit_entry")


def _plain_hash(payload: dict[str, object]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def _append_forged_line(db: Database, cle_id: str | None = None, digest: str | None = None) -> None:
    """Append one line whose plain SHA-256 is recomputed from the real head, as an attacker can."""
    with db.engine.begin() as conn:
        seq, prev = conn.execute(
            text("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
        ).one()
        at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        payload: dict[str, object] = {
            "seq": seq + 1,
            "at": at.isoformat(timespec="microseconds"),
            "agent_id": None,
            "action": "pass.reglement.valide",
            "entity_type": "pass_reglement",
            "entity_id": "99",
            "details": {},
            "prev": prev,
        }
        if cle_id is not None:
            payload["cle"] = cle_id
        conn.execute(
            text(
                "INSERT INTO audit_entry (seq, at, agent_id, action, entity_type, entity_id, "
                "details, prev_hash, hash, cle_id) VALUES (:seq, :at, NULL, :action, :et, :eid, "
                "'{}', :prev, :hash, :cle)"
            ),
            {
                "seq": seq + 1,
                "at": at,
                "action": payload["action"],
                "et": payload["entity_type"],
                "eid": payload["entity_id"],
                "prev": prev,
                "hash": digest or _plain_hash(payload),
                "cle": cle_id,
            },
        )


def _report(db: Database) -> journal.JournalReport:
    with db.read_session() as s:
        return verify_journal(s)


def test_emptying_the_journal_in_one_statement_is_refused(db: Database, admin: Actor) -> None:
    _write_entries(db, admin, 2)
    statement = "DELETE FROM audit_entry" if db.is_sqlite else "TRUNCATE audit_entry CASCADE"
    with pytest.raises(DatabaseError), db.engine.begin() as conn:
        conn.execute(text(statement))
    assert _report(db).count >= 3


@pytest.mark.parametrize("table", ["pass_reglement", "pass_encaissement", "pass", "agent"])
def test_truncating_settled_data_or_what_cascades_to_it_is_refused(
    db: Database, admin: Actor, table: str
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE; its DELETE fires the row triggers tested elsewhere")
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), db.engine.begin() as conn:
        conn.execute(text(f'TRUNCATE "{table}" CASCADE'))


def test_deleting_the_last_entries_is_detected_by_the_desk_anchor(
    db: Database, admin: Actor
) -> None:
    _write_entries(db, admin, 5)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM audit_entry WHERE seq > (SELECT MAX(seq) - 2 FROM audit_entry)")
        )
    report = _report(db)
    assert not report.ok
    assert any("raccourci" in p for p in report.problems)


def test_deleting_every_entry_is_detected_by_the_desk_anchor(db: Database, admin: Actor) -> None:
    _write_entries(db, admin, 3)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry"))
    report = _report(db)
    assert report.count == 0
    assert any("raccourci" in p for p in report.problems)


def test_an_unkeyed_chain_rewritten_after_the_anchor_is_detected(
    db: Database, admin: Actor
) -> None:
    _write_entries(db, admin, 3)
    with db.read_session() as s:
        anchor_seq, _hash = journal_anchor(s)
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = :s"), {"s": anchor_seq})
    _append_forged_line(db)  # a plain chain can be recomputed: the line itself verifies
    report = _report(db)
    assert any("réécrit" in p for p in report.problems)
    assert not any("modifié" in p for p in report.problems)


def test_an_anchor_printed_on_a_settlement_detects_a_shortened_chain_on_the_command_line(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    _write_entries(db, admin, 3)
    with db.read_session() as s:
        printed = Anchor(*journal_anchor(s)).as_text()
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq >= 4"))
    from core import paths

    paths.journal_anchor_file().unlink()  # the desk's own anchor lost too: only the print is left
    assert main.main(["db", "verify-journal"]) == 0
    capsys.readouterr()
    assert main.main(["db", "verify-journal", "--ancre", printed]) == 1
    assert "raccourci" in capsys.readouterr().out


def test_an_anchor_read_from_paper_names_its_source_when_it_exposes_a_shortened_chain(
    db: Database, admin: Actor
) -> None:
    _write_entries(db, admin, 3)
    with db.read_session() as s:
        printed = Anchor(*journal_anchor(s)).as_text()
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq >= 4"))
    paper = Anchor.parse(f"  {printed.upper()}\n", "relevé de mars")
    assert paper == Anchor(int(printed.split(":")[0]), printed.split(":")[1], "relevé de mars")
    with db.read_session() as s:
        report = verify_journal(s, [paper])
    assert [p for p in report.problems if "raccourci" in p and "relevé de mars" in p]


@pytest.mark.parametrize(
    "typed",
    [
        "douze:" + "a" * 64,  # the number spelled out
        "12:" + "a" * 63,  # one digit of the fingerprint missing
        "12:" + "a" * 65,  # one digit too many
        "12:" + "O" + "0" * 63,  # the letter O typed for a zero
        "12:" + "a" * 31 + ":" + "a" * 32,  # a colon inside the fingerprint
        "12" + "a" * 64,  # no colon
    ],
)
def test_a_mistyped_anchor_is_refused_as_unreadable_never_taken_for_a_rewritten_journal(
    typed: str,
) -> None:
    with pytest.raises(ValidationError, match="illisible"):
        Anchor.parse(typed, "papier")


def test_lines_written_before_the_key_still_verify_once_the_journal_is_keyed(
    db: Database, admin: Actor
) -> None:
    _write_entries(db, admin, 2)
    with db.session() as s:
        first = rotate_journal_key(s, admin)
    _write_entries(db, admin, 2)
    with db.session() as s:
        second = rotate_journal_key(s, admin)
    _write_entries(db, admin, 2)
    report = _report(db)
    assert report.ok, report.problems
    assert report.keyed
    with db.read_session() as s:
        rows = s.execute(text("SELECT cle_id FROM audit_entry ORDER BY seq")).scalars().all()
    assert rows[:3] == [None, None, None]
    assert rows[-3:] == [second] * 3
    assert first in rows


def test_an_entry_appended_with_a_recomputed_plain_hash_is_detected_once_the_journal_is_keyed(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        rotate_journal_key(s, admin)
    _write_entries(db, admin, 2)
    _append_forged_line(db)
    report = _report(db)
    assert len(report.problems) == 1
    assert "sans la clé" in report.problems[0]


def test_an_entry_sealed_without_the_real_key_is_detected(db: Database, admin: Actor) -> None:
    with db.session() as s:
        cle = rotate_journal_key(s, admin)
    _write_entries(db, admin, 1)
    _append_forged_line(db, cle_id=cle, digest=hashlib.sha256(b"devinette").hexdigest())
    report = _report(db)
    assert len(report.problems) == 1
    assert "modifié" in report.problems[0]


def test_a_desk_without_the_journal_key_refuses_to_write(
    db: Database, admin: Actor, memory_keyring: MemoryKeyring
) -> None:
    with db.session() as s:
        rotate_journal_key(s, admin)
    memory_keyring.store.clear()
    with pytest.raises(KeyringUnavailableError, match="Importez-la"), db.session() as s:
        journal.record(s, admin, "essai.action")


def test_the_key_carried_to_another_desk_lets_it_write_and_verify(
    db: Database, admin: Actor, memory_keyring: MemoryKeyring
) -> None:
    with db.session() as s:
        rotate_journal_key(s, admin)
    with db.session() as s:
        kid, secret_hex = journal.export_journal_key(s, admin)
    memory_keyring.store.clear()
    journal.import_journal_key(kid, secret_hex)
    _write_entries(db, admin, 1)
    assert _report(db).ok


def test_exporting_the_journal_key_is_journalled_with_the_administrator_and_the_key_id_only(
    db: Database, admin: Actor
) -> None:
    """The key leaving the desk is a line of the journal: who took it, which key, never the
    secret itself."""
    with db.session() as s:
        cle = rotate_journal_key(s, admin)
    with db.session() as s:
        kid, secret_hex = journal.export_journal_key(s, admin)
    assert kid == cle
    with db.read_session() as s:
        line = s.scalars(select(AuditEntry).where(AuditEntry.action == "journal.cle.export")).one()
        assert (line.agent_id, line.entity_type, line.entity_id, line.details) == (
            admin.agent_id,
            "journal",
            cle,
            {"cle": cle},
        )
        assert secret_hex not in json.dumps(line.details)


def test_each_key_rotation_is_journalled_with_the_administrator_the_new_key_and_the_one_before(
    db: Database, admin: Actor
) -> None:
    """The chain states when, by whom and from which key to which its sealing key changed; a
    key id fits the journal's key column on every engine (32 characters)."""
    with db.session() as s:
        first = rotate_journal_key(s, admin)
    with db.session() as s:
        second = rotate_journal_key(s, admin)
    with db.read_session() as s:
        lines = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "journal.cle.rotation")
            .order_by(AuditEntry.seq)
        ).all()
        assert [
            (line.agent_id, line.entity_type, line.entity_id, line.details, line.cle_id)
            for line in lines
        ] == [
            (admin.agent_id, "journal", first, {"cle": first, "precedente": None}, first),
            (admin.agent_id, "journal", second, {"cle": second, "precedente": first}, second),
        ]
    assert first != second
    assert all(len(kid) <= 32 and kid.isalnum() for kid in (first, second))
    assert _report(db).ok


def test_only_an_administrator_rotates_the_journal_key(db: Database, make_agent) -> None:  # type: ignore[no-untyped-def]
    coordinateur = make_agent((Role.COORDINATEUR, None))
    with pytest.raises(PermissionDenied), db.session() as s:
        rotate_journal_key(s, coordinateur)


def test_a_rolled_back_entry_never_moves_the_desk_anchor(db: Database, admin: Actor) -> None:
    _write_entries(db, admin, 1)
    with pytest.raises(RuntimeError), db.session() as s:
        journal.record(s, admin, "essai.action")
        raise RuntimeError("the use case failed")
    assert _report(db).ok


def test_desks_of_one_process_saving_the_anchor_at_once_never_trip_over_each_other(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one thread folds the anchor file (read, then rename the folded copy over it),
    another's head must not be appended to the file being replaced: the anchor would move back.
    Folding at every append makes that moment frequent (it once came from a long database URL
    pushing the file past the fold size by chance)."""
    import threading

    from core.journal import desk_anchor, save_desk_anchor

    monkeypatch.setattr(journal, "ANCHOR_FOLD_BYTES", 2000)

    failures: list[BaseException] = []

    def save(start: int) -> None:
        try:
            for seq in range(start, start + 1600, 4):
                save_desk_anchor(db.url, seq, f"{seq:064x}")
        except BaseException as exc:  # noqa: BLE001 - any failure of any thread is the finding
            failures.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    anchor = desk_anchor(db.url)
    assert anchor is not None and anchor.seq == 1599  # the highest, never moved back


def test_heads_reaching_the_desk_anchor_out_of_order_never_move_it_back(tmp_path: Path) -> None:
    """Two sessions of one desk commit at once and append their heads in the other order: the
    anchor is the highest head written, whatever the order of the lines, and whatever an older
    release or a hand left in the file's object for that database (a number written as text,
    no number, not an object)."""
    from sqlalchemy.engine import make_url

    from core import paths
    from core.journal import database_identity, desk_anchor, save_desk_anchor

    url = make_url(f"sqlite:///{tmp_path / 'medianum.sqlite3'}")
    save_desk_anchor(url, 12, "c" * 64)  # the file's first head
    save_desk_anchor(url, 11, "b" * 64)  # a session that committed before, appended after
    anchor = desk_anchor(url)
    assert anchor is not None and (anchor.seq, anchor.hash) == (12, "c" * 64)
    save_desk_anchor(url, 14, "e" * 64)
    save_desk_anchor(url, 13, "d" * 64)
    anchor = desk_anchor(url)
    assert anchor is not None and (anchor.seq, anchor.hash) == (14, "e" * 64)

    key = database_identity(url)
    path = paths.journal_anchor_file()
    for entry, expected in (
        ({"seq": "20", "hash": "f" * 64}, (20, "f" * 64)),  # text: still twenty
        ({"hash": "f" * 64}, (19, "a" * 64)),  # no number: any head is higher
        ("f" * 64, (19, "a" * 64)),  # not an object: likewise
    ):
        path.write_text(json.dumps({key: entry}), encoding="utf-8")
        save_desk_anchor(url, 19, "a" * 64)
        anchor = desk_anchor(url)
        assert anchor is not None and (anchor.seq, anchor.hash) == expected
    # The journal's first line, number 1, is a head like any other; a line numbered below it,
    # which no journal writes, is never taken for one.
    for entry in ("f" * 64, {"hash": "f" * 64}):
        for seq, expected_seq in ((1, 1), (-1, None)):
            path.write_text(json.dumps({key: entry}), encoding="utf-8")
            save_desk_anchor(url, seq, "a" * 64)
            anchor = desk_anchor(url)
            assert (anchor.seq if anchor is not None else None) == expected_seq


def test_the_anchor_of_a_database_in_a_folder_with_accents_is_read_whatever_the_desks_locale(
    tmp_path: Path,
) -> None:
    """A médiathèque's folder name has accents; the anchor file is UTF-8, and a desk whose
    locale is not (the C locale here, cp1252 on a French Windows) still reads its heads."""
    import locale

    from sqlalchemy.engine import make_url

    from core.journal import desk_anchor, save_desk_anchor

    folder = tmp_path / "Médiathèque Michel-Crépeau"
    folder.mkdir()
    url = make_url(f"sqlite:///{folder / 'medianum.sqlite3'}")
    save_desk_anchor(url, 3, "c" * 64)  # the file made, its first line the folder's name
    save_desk_anchor(url, 4, "d" * 64)  # then a line appended, the folder's name as it is
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        anchor = desk_anchor(url)
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    assert anchor is not None and (anchor.seq, anchor.hash) == (4, "d" * 64)


def test_the_desk_anchor_file_is_made_as_a_plain_data_file_never_executable(
    tmp_path: Path,
) -> None:
    """The anchor file is created by its first head as any data file is: the owner reads and
    writes it, and nobody may run it."""
    import stat

    from sqlalchemy.engine import make_url

    from core import paths
    from core.journal import save_desk_anchor

    save_desk_anchor(make_url(f"sqlite:///{tmp_path / 'medianum.sqlite3'}"), 1, "a" * 64)
    mode = stat.S_IMODE(paths.journal_anchor_file().stat().st_mode)
    assert mode & 0o600 == 0o600
    assert mode & 0o111 == 0


def _seen_at(le: object) -> datetime:
    """The instant an anchor file's entry says the desk saw its head (UTC)."""
    assert isinstance(le, str)
    seen = datetime.fromisoformat(le)
    return seen if seen.tzinfo is not None else seen.replace(tzinfo=UTC)


def test_an_anchor_file_edited_by_hand_is_still_read_and_folding_keeps_when_each_head_was_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documentation lets an administrator remove a database's entry from the anchor file
    by hand; a blank line that edit leaves before the file's object costs no head. Once the
    appended lines are folded into the object, each database's entry still says when the desk
    saw its head, which is how that administrator tells a stale entry from a live one."""
    from sqlalchemy.engine import make_url

    from core import paths
    from core.journal import database_identity, desk_anchor, save_desk_anchor

    url = make_url(f"sqlite:///{tmp_path / 'medianum.sqlite3'}")
    other = make_url(f"sqlite:///{tmp_path / 'autre.sqlite3'}")
    save_desk_anchor(url, 3, "c" * 64)  # the file's first head
    path = paths.journal_anchor_file()
    path.write_text("\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    save_desk_anchor(url, 4, "d" * 64)  # appended after the object
    anchor = desk_anchor(url)
    assert anchor is not None and (anchor.seq, anchor.hash) == (4, "d" * 64)

    appended = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert appended["seq"] == 4
    seen = _seen_at(appended["le"])
    monkeypatch.setattr(journal, "ANCHOR_FOLD_BYTES", 0)
    save_desk_anchor(other, 7, "e" * 64)  # another database's head: the lines are folded
    folded = json.loads(path.read_text(encoding="utf-8"))
    assert folded[database_identity(url)] == {"seq": 4, "hash": "d" * 64, "le": appended["le"]}
    assert abs((datetime.now(UTC) - seen).total_seconds()) < 600
    # A restore takes the entry back, and says when too.
    save_desk_anchor(url, 2, "b" * 64, force=True)
    whole = json.loads(path.read_text(encoding="utf-8"))
    assert (whole[database_identity(url)]["seq"], whole[database_identity(url)]["hash"]) == (
        2,
        "b" * 64,
    )
    seen = _seen_at(whole[database_identity(url)]["le"])
    assert abs((datetime.now(UTC) - seen).total_seconds()) < 600
    assert whole[database_identity(other)]["seq"] == 7  # the other database's, kept


def test_the_desk_anchor_is_appended_folded_and_survives_a_line_torn_by_a_crash(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each commit appends its head to the desk's anchor file (renaming a file over another
    costs ext4 a data flush per commit); the lines are folded into the file's object once it
    grows, and a line half-written by a crash hides neither the heads before nor after it."""
    from core import paths

    monkeypatch.setattr(journal, "ANCHOR_FOLD_BYTES", 2000)
    for _ in range(30):
        _write_entries(db, admin, 1)
    path = paths.journal_anchor_file()
    assert path.stat().st_size < 2000 + 400  # folded at least once, not grown line by line
    with path.open("a", encoding="utf-8") as f:
        f.write('{"db": "sqlite:/torn", "se')  # the crash, mid-line
    with db.read_session() as s:
        head = journal_anchor(s)
    anchor = journal.desk_anchor(db.url)
    assert anchor is not None and (anchor.seq, anchor.hash) == head
    _write_entries(db, admin, 1)
    with db.read_session() as s:
        head = journal_anchor(s)
    anchor = journal.desk_anchor(db.url)
    assert anchor is not None and (anchor.seq, anchor.hash) == head
    _drop_guards(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = :s"), {"s": head[0]})
    assert any("raccourci" in p for p in _report(db).problems)
