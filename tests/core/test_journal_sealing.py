"""The journal is sealed by default: a new installation's first line is its key; an older one is
offered the sealing; a desk joining a sealed shared database is asked for the key and writes
nothing unsealed meanwhile; a desk with no keyring at all says so in French."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import func, select

import main
from core import journal
from core.auth import Actor, authenticate
from core.db import Database
from core.demo import DemoSizes, create_demo
from core.errors import KeyringUnavailableError
from core.journal_cle import EtatCle, key_state, seal_new_installation
from core.models import AuditEntry
from domaines import DOMAINES
from tests.conftest import MemoryKeyring

SMALL = DemoSizes(beneficiaires=3, accompagnements=2, passes=2)


def _lines(db: Database) -> list[tuple[int, str, str | None]]:
    with db.read_session() as s:
        rows = s.execute(
            select(AuditEntry.seq, AuditEntry.action, AuditEntry.cle_id).order_by(AuditEntry.seq)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _no_keyring() -> None:
    keyring.set_keyring(fail.Keyring())  # the autouse fixture puts the memory keyring back


def _use(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))


def test_a_new_demo_installation_is_sealed_from_its_first_line(
    db: Database, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    _use(db, monkeypatch)
    summary = create_demo(SMALL, DOMAINES)
    assert summary["cle_journal"]
    assert "Journal scellé par la clé" in summary["message"]
    lines = _lines(db)
    assert lines[0][:2] == (1, "journal.cle.rotation")
    assert {cle for _seq, _action, cle in lines} == {summary["cle_journal"]}
    with db.read_session() as s:
        report = journal.verify_journal(s)
        assert report.ok and report.keyed
        assert key_state(s).etat is EtatCle.SCELLE
    assert any(name.startswith("journal-cle-") for _service, name in memory_keyring.store)


def test_without_any_keyring_the_demo_starts_unsealed_and_says_so_in_french(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(db, monkeypatch)
    _no_keyring()
    summary = create_demo(SMALL, DOMAINES)
    assert summary["cle_journal"] is None
    assert "Aucun trousseau de clés" in summary["message"]
    assert {cle for _seq, _action, cle in _lines(db)} == {None}
    with db.read_session() as s:
        state = key_state(s)
    assert state.etat is EtatCle.NON_SCELLE
    assert "Sceller le journal" in (state.message() or "")


def test_sealing_a_new_installation_needs_no_one_signed_in_only_while_the_journal_is_empty(
    db: Database, admin: Actor
) -> None:
    # The admin fixture wrote lines (territory, agent): an unchecked seal is no longer possible.
    with db.session() as s:
        assert seal_new_installation(s) is None
    assert {cle for _seq, _action, cle in _lines(db)} == {None}
    with db.session() as s:
        kid = seal_new_installation(s, admin)
    assert kid is not None and _lines(db)[-1][2] == kid


def test_an_older_unsealed_installation_is_offered_the_sealing_on_the_command_line(
    db: Database,
    admin: Actor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _use(db, monkeypatch)
    assert main.main(["db", "upgrade"]) == 0
    assert "db journal-cle rotation" in capsys.readouterr().out
    monkeypatch.setenv("MEDIANUM_AGENT", "admin")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    assert main.main(["db", "journal-cle", "rotation"]) == 0
    capsys.readouterr()
    assert main.main(["db", "upgrade"]) == 0
    assert "journal-cle" not in capsys.readouterr().out
    with db.read_session() as s:
        assert key_state(s).etat is EtatCle.SCELLE


def test_a_desk_joining_a_sealed_database_writes_nothing_until_it_imports_the_key_file(
    db: Database,
    admin: Actor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
) -> None:
    _use(db, monkeypatch)
    monkeypatch.setenv("MEDIANUM_AGENT", "admin")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    with db.session() as s:
        kid = journal.rotate_journal_key(s, admin)
    key_file = tmp_path / "cle.txt"
    assert main.main(["db", "journal-cle", "exporter", "--fichier", str(key_file)]) == 0
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only

    memory_keyring.store.clear()  # another desk: same database, its own (empty) keyring
    before = len(_lines(db))
    with db.read_session() as s:
        state = key_state(s)
    assert state.etat is EtatCle.CLE_ABSENTE and not state.can_write
    assert kid in (state.message() or "") and "importez" in (state.message() or "")
    with pytest.raises(KeyringUnavailableError, match="Importez-la"), db.session() as s:
        authenticate(s, "admin", "mot-de-passe-solide")
    assert len(_lines(db)) == before  # not one unsealed line slipped into the sealed chain
    capsys.readouterr()
    assert main.main(["db", "upgrade"]) == 0
    assert "que ce poste n'a pas" in capsys.readouterr().out

    assert main.main(["db", "journal-cle", "importer", "--fichier", str(key_file)]) == 0
    with db.session() as s:
        authenticate(s, "admin", "mot-de-passe-solide")
    with db.read_session() as s:
        assert key_state(s).etat is EtatCle.SCELLE
        report = journal.verify_journal(s)
    assert report.ok and report.keyed
    assert _lines(db)[-1][2] == kid


def test_a_desk_with_no_keyring_joining_a_sealed_database_is_told_why_it_cannot_write(
    db: Database, admin: Actor
) -> None:
    with db.session() as s:
        journal.rotate_journal_key(s, admin)
    _no_keyring()
    with db.read_session() as s:
        state = key_state(s)
        count = s.scalar(select(func.count()).select_from(AuditEntry))
    assert state.etat is EtatCle.SANS_TROUSSEAU
    assert "aucun trousseau" in (state.message() or "")
    with pytest.raises(KeyringUnavailableError, match="trousseau"), db.session() as s:
        authenticate(s, "admin", "mot-de-passe-solide")
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == count


def test_a_key_file_that_is_not_a_key_is_refused_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "cle.txt"
    bad.write_text("pas une clé\n", encoding="utf-8")
    assert main.main(["db", "journal-cle", "importer", "--fichier", str(bad)]) == 1
    assert "illisible" in capsys.readouterr().err


def test_a_new_installation_from_the_command_line_is_sealed_from_its_first_line(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(db, monkeypatch)
    monkeypatch.setenv("MEDIANUM_NEW_PASSWORD", "mot-de-passe-solide")
    assert main.main(["installation", "admin", "Admin Serveur"]) == 0
    assert "Journal scellé par la clé" in capsys.readouterr().out
    lines = _lines(db)
    assert lines[0][1] == "journal.cle.rotation"
    assert len({cle for _seq, _action, cle in lines}) == 1 and lines[0][2] is not None
    with db.session() as s:
        assert authenticate(s, "admin", "mot-de-passe-solide").login == "admin"
    assert main.main(["installation", "admin2", "Autre"]) == 1
    assert "déjà installée" in capsys.readouterr().err


def test_a_command_line_installation_without_keyring_is_unsealed_and_says_so(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(db, monkeypatch)
    monkeypatch.setenv("MEDIANUM_NEW_PASSWORD", "mot-de-passe-solide")
    _no_keyring()
    assert main.main(["installation", "admin", "Admin Serveur"]) == 0
    assert "Aucun trousseau de clés" in capsys.readouterr().out
    assert {cle for _seq, _action, cle in _lines(db)} == {None}
