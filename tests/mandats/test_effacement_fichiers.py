"""Files the application wrote before an erasure (mandate papers, access exports, nominative
lists) go with it; a PostgreSQL database restored outside Médianum gets its erasures back."""

from __future__ import annotations

import json
import subprocess
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from core import fichiers_nominatifs, paths
from core.db import Database
from core.models import Role
from mediation.beneficiaires import BeneficiaireData, create_beneficiaire
from mediation.droits import erase_beneficiaire, export_personal_data
from mediation.exports import exporter_beneficiaires
from mediation.mandats.impression import print_mandat, print_revocation
from mediation.mandats.lecture import revocations_of
from mediation.mandats.models import Mandat
from mediation.models import Beneficiaire
from mediation.statistiques import Perimetre
from tests.gui.shell_support import boxes as boxes  # the fixture
from tests.gui.shell_support import restored_globals as restored_globals  # the fixture
from tests.mandats.conftest import pdf_text
from tests.mandats.test_effacement import (
    AFTER_REVOCATION,
    NOM,
    SECRETS,
    _person_with_everything,
)
from tests.mediation.dossier_data import TODAY, Desks, make_desks

YEAR = Perimetre(date(2026, 1, 1), date(2026, 12, 31))
OTHER_NOM = "Quillebeuf"


@pytest.fixture
def desks(db: Database, admin, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


def _readable_bytes(folder: Path) -> bytes:
    """Everything a reader of these files would see: PDFs' extracted text (their streams are
    compressed, a raw grep would see nothing), XLSX's unzipped parts, other files as they are."""
    raw = b""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        raw += data
        if path.suffix == ".pdf":
            raw += pdf_text(data).encode()
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                raw += b"".join(archive.read(n) for n in archive.namelist())
    return raw


def _write_the_files_a_desk_writes(
    db: Database, desks: Desks, make_agent, bid: int, mandat_id: int
) -> None:  # type: ignore[no-untyped-def]
    """The mandate's paper and its revocation attestation as the mandate page writes them, the
    access export as the data-protection page writes it, the nominative list of the year."""
    from ui.pages.mandats.actions import mandats_folder, write_paper

    aidant = make_agent((Role.AIDANT, desks.nord))
    with db.session() as s:
        write_paper(mandats_folder() / "mandat.pdf", print_mandat(s, aidant, mandat_id), bid)
        revocation = revocations_of(s, aidant, mandat_id)[0]
        write_paper(
            mandats_folder() / "revocation.pdf", print_revocation(s, aidant, revocation.id), bid
        )
        export_personal_data(
            s, desks.accueil_nord, bid, paths.export_dir() / "donnees-personnelles" / "acces"
        )
    exporting = replace(
        desks.accueil_nord, grants=desks.accueil_nord.grants | {(Role.EXPORT_NOMINATIF, None)}
    )
    for ext in ("csv", "xlsx"):
        exporter_beneficiaires(db, exporting, YEAR, paths.export_dir() / f"liste.{ext}")


def test_the_files_naming_an_erased_person_leave_the_exports_with_the_erasure(
    db: Database, desks: Desks, make_agent, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bid, mandat_id = _person_with_everything(db, desks, make_agent)
    with db.session() as s:
        other = create_beneficiaire(
            s,
            desks.accueil_nord,
            BeneficiaireData(nom=OTHER_NOM, prenom="Armelle", annee_naissance=1970),
            confirm_not_duplicate=True,
            today=TODAY,
        ).id
    _write_the_files_a_desk_writes(db, desks, make_agent, bid, mandat_id)
    with db.session() as s:
        # Another person's access export, and a copy the agent made outside the data folder.
        export_personal_data(
            s, desks.accueil_nord, other, paths.export_dir() / "donnees-personnelles" / "autre"
        )
        outside = export_personal_data(s, desks.accueil_nord, bid, tmp_path / "cle-usb.json")
    exports = paths.export_dir()
    before = _readable_bytes(exports)
    for secret in (NOM, "Wendolyne", "Xerbourg-sur-Test"):
        assert secret.encode() in before, secret  # the check below can fail: they were there

    with db.session() as s:
        announced = erase_beneficiaire(s, desks.accueil_nord, bid, now=AFTER_REVOCATION)

    names = sorted(p.name for p in announced)
    assert names == sorted(
        ["mandat.pdf", "revocation.pdf", "acces.json", "acces.pdf", "liste.csv", "liste.xlsx"]
    )
    assert not any(p.exists() for p in announced)
    after = _readable_bytes(exports)
    for secret in SECRETS:
        assert secret.encode().lower() not in after.lower(), secret
    # Only what named the person went: the other person's export stays, and the copy outside
    # the data folder is beyond reach (the confirmation says so), neither deleted nor recorded.
    assert (exports / "donnees-personnelles" / "autre.json").exists()
    assert OTHER_NOM.encode() in after
    assert outside[0].exists()
    assert str(tmp_path) not in fichiers_nominatifs.register_file().read_text(encoding="utf-8")


def test_a_file_that_could_not_be_deleted_goes_at_the_next_start(
    db: Database, desks: Desks, make_agent, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from core.domaine import run_start_hooks

    bid, mandat_id = _person_with_everything(db, desks, make_agent)
    _write_the_files_a_desk_writes(db, desks, make_agent, bid, mandat_id)
    paper = paths.export_dir() / "mandats" / "mandat.pdf"
    real_unlink = Path.unlink

    def held_open(path: Path, missing_ok: bool = False) -> None:
        if path.name == paper.name:
            raise PermissionError("open in a PDF reader")
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", held_open)
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, bid, now=AFTER_REVOCATION)
    assert paper.exists()
    monkeypatch.setattr(Path, "unlink", real_unlink)
    said = run_start_hooks(db)
    assert not paper.exists()
    assert said == ["1 fichier(s) nommant des personnes effacées supprimé(s) des exports."]


def _libpq(db: Database) -> str:
    return (
        make_url(str(db.url.render_as_string(hide_password=False)))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def test_a_postgresql_database_restored_outside_medianum_gets_its_erasures_back(
    db: Database,
    desks: Desks,
    make_agent,
    engine_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # type: ignore[no-untyped-def]
    if engine_name != "postgresql":
        pytest.skip("pg_restore restores a PostgreSQL database (SQLite: « db restore »)")
    from core.domaine import run_start_hooks
    from main import main

    bid, mandat_id = _person_with_everything(db, desks, make_agent)
    dump = tmp_path / "avant.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), _libpq(db)], check=True)
    with db.session() as s:
        erase_beneficiaire(s, desks.accueil_nord, bid, now=AFTER_REVOCATION)

    def restore() -> None:
        # What an administrator does outside Médianum, every desk's connections closed.
        db.dispose()
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "-d", _libpq(db), str(dump)],
            check=True,
            capture_output=True,
        )
        with db.read_session() as s:
            back = s.get(Beneficiaire, bid)
            assert back is not None and back.nom == NOM  # the backup brought the person back

    def erased_again() -> None:
        with db.read_session() as s:
            person = s.get(Beneficiaire, bid)
            assert person is not None and person.efface and person.nom != NOM
            assert person.telephone is None and person.notes is None
            mandat = s.get(Mandat, mandat_id)
            assert mandat is not None and mandat.mandant_date_naissance is None
            assert mandat.mandant_nom != NOM

    # The desk's next start (what ui.app runs once the database is open).
    restore()
    said = run_start_hooks(db)
    assert said == [
        "La base ne connaissait pas 1 effacement(s) faits à ce poste (sauvegarde restaurée) : "
        "ils ont été réappliqués."
    ]
    erased_again()
    assert run_start_hooks(db) == []  # nothing twice

    # The command the administrator may run at once, without waiting for the desks' start.
    restore()
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", str(db.url.render_as_string(hide_password=False)))
    assert main(["db", "apres-restauration", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["apres_restauration"]) == 1 and "1 effacement(s)" in out["apres_restauration"][0]
    erased_again()


def test_the_desks_start_replays_a_ledger_erasure_the_database_lacks(
    qapp,
    db: Database,
    desks: Desks,
    admin,
    boxes,
    restored_globals: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    from mediation import registre_effacements as ledger
    from tests.mediation.dossier_data import add_person
    from ui.app import run_gui
    from ui.login import LoginDialog

    bid = add_person(db, desks.accueil_nord, nom=NOM)
    with db.read_session() as s:
        person = s.get(Beneficiaire, bid)
        assert person is not None
        created = person.created_at
    # The erasure was made at this desk after the backup the database was restored from.
    ledger.append(ledger.LedgerEntry(bid, created, AFTER_REVOCATION))
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setattr(LoginDialog, "exec", lambda _self: 0)  # the agent closes the login
    assert run_gui() == 0
    with db.read_session() as s:
        person = s.get(Beneficiaire, bid)
        assert person is not None and person.efface and person.nom != NOM
    assert boxes.shown == []
