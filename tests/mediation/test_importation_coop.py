"""Importing the Coop's own template, reporting what is left out, and never blocking the other
desks while a file is checked or saved."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import journal
from core.auth import Actor
from core.db import Database, make_engine
from core.models import AuditEntry, Role
from core.progress import Progress
from main import main
from mediation import importation
from mediation.importation import ImportInterrompu, importer_par_lots, prepare_import
from mediation.models import Beneficiaire
from tests.mediation.dossier_data import TODAY, Desks, make_desks

LOGIN, PASSWORD = "guichet-import", "mot-de-passe-solide"


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


@pytest.fixture
def guichet(desks: Desks, make_agent: Callable[..., Actor]) -> Actor:
    """The agent the command line acts as, at the « Nord » desk."""
    return make_agent((Role.ACCUEIL, desks.nord), login=LOGIN)


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIANUM_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("MEDIANUM_AGENT", LOGIN)
    monkeypatch.setenv("MEDIANUM_PASSWORD", PASSWORD)


def _count(db: Database) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(Beneficiaire)) or 0)


def _modele_coop(path: Path, *lignes: list[Any], notice_first: bool = True) -> Path:
    """A workbook laid out as the Coop's ``coop-numerique_import-beneficiaires.xlsx``: the
    sheet « Bénéficiaires », instructions on row 1, headers on rows 2–3 (« Commune de
    résidence » merged above its three columns), people from row 4 in ten columns, the order
    ``analyseImportBeneficiairesExcel.ts`` reads them in (repository
    inclusion-numerique/coop-mediation-numerique, commit a965554061bbd4a4f83893ec99c8d2333c0d202a);
    its example row is the one that file's test expects."""
    wb = Workbook()
    notice = wb.active
    assert notice is not None
    notice.title = "Notice"
    notice.append(["Comment remplir le modèle : une personne par ligne à partir de la ligne 4."])
    ws = wb.create_sheet("Bénéficiaires", 1 if notice_first else 0)
    ws.append(["Remplissez une ligne par bénéficiaire. Nom et prénom sont obligatoires."])
    ws.append(["Nom", "Prénom", "Année de naissance", "Commune de résidence", None, None,
               "N° de téléphone", "E-mail", "Genre", "Notes supplémentaires"])  # fmt: skip
    ws.append([None, None, None, "Nom de la commune", "Code INSEE", "Code postal"])
    ws.merge_cells("D2:F2")
    ws.append(["Exemple", "Léa", 1970, "Blaziert", "32057", "32100", "0102030405", None,
               "Féminin", None])  # fmt: skip
    for ligne in lignes:
        ws.append(ligne)
    wb.save(path)
    return path


# --- the Coop's template -----------------------------------------------------------------------


def test_the_coops_template_imports_as_downloaded(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    path = _modele_coop(
        tmp_path / "coop-numerique_import-beneficiaires.xlsx",
        ["Morin", "Paul", 1948, "La Rochelle", "17300", "17000", 611223355, "paul@exemple.fr",
         "Masculin", "Vient le mardi"],
    )  # fmt: skip
    with db.read_session() as s:
        report = prepare_import(s, desks.accueil_nord, path, today=TODAY)
    assert report.feuille == "Bénéficiaires"
    assert report.rejected == []
    assert [(line, d.nom, d.commune_insee) for line, d in report.valid] == [
        (4, "Exemple", "32057"),
        (5, "Morin", "17300"),
    ]
    lea, paul = (d for _line, d in report.valid)
    assert (lea.annee_naissance, lea.genre, lea.telephone) == (1970, "Féminin", "+33102030405")
    assert paul.notes == "Vient le mardi"
    # Excel kept « 0611223355 » as the number 611223355: its leading zero is given back.
    assert paul.telephone == "+33611223355"
    # Médianum keeps the INSEE code, not the postcode: said, not silently dropped.
    assert report.ignored_columns == ["Code postal"]


def test_the_people_sheet_is_found_whichever_its_place(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "Lisez-moi"
    first.append(["Ce classeur contient une feuille de personnes."])
    people = wb.create_sheet("Personnes")
    people.append(["Nom", "Prénom"])
    people.append(["Girard", "Anne"])
    wb.save(tmp_path / "deuxieme.xlsx")
    with db.read_session() as s:
        report = prepare_import(s, desks.accueil_nord, tmp_path / "deuxieme.xlsx", today=TODAY)
    assert report.feuille == "Personnes"
    assert [d.nom for _line, d in report.valid] == ["Girard"]


def test_a_workbook_without_a_nom_column_is_refused_naming_its_sheets(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "Feuil1"
    first.append(["Surname", "Firstname"])
    wb.create_sheet("Feuil2").append(["Ville"])
    wb.save(tmp_path / "sans-nom.xlsx")
    with db.read_session() as s, pytest.raises(importation.ImportFileError) as caught:
        prepare_import(s, desks.accueil_nord, tmp_path / "sans-nom.xlsx", today=TODAY)
    assert "« Feuil1 », « Feuil2 »" in str(caught.value)


def test_duplicates_within_the_file_follow_the_rule_applied_against_the_database(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    path = tmp_path / "doublons.csv"
    path.write_text(
        "Nom;Prénom;Téléphone\n"
        "Doublonun;Jean;\n"
        "Doublon-Un;Jean;\n"  # same names once hyphens and case are set aside
        "Martin;Paul;06 11 22 33 55\n"
        "Martyn;Paul;0611223355\n"  # another spelling, but same first name and phone
        "Martin;Pauline;\n",  # one field alike only: another person
        encoding="utf-8",
    )
    with db.read_session() as s:
        report = prepare_import(s, desks.accueil_nord, path, today=TODAY)
    assert [(line, d.prenom) for line, d in report.valid] == [
        (2, "Jean"), (4, "Paul"), (6, "Pauline"),
    ]  # fmt: skip
    reasons = {r.ligne: r.motif for r in report.rejected}
    assert set(reasons) == {3, 5}
    assert "ligne 2" in reasons[3]
    assert "ligne 4" in reasons[5]


# --- the command line --------------------------------------------------------------------------


def test_every_ignored_column_is_reported_in_text_mode(
    db: Database, guichet: Actor, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "colonnes.csv"
    path.write_text("Nom;Prénom;Couleur préférée;Remarque\nGirard;Anne;bleu;x\n", encoding="utf-8")
    assert main(["beneficiaire", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "« Couleur préférée »" in out
    assert "« Remarque »" in out


def test_an_import_whose_every_row_is_rejected_exits_with_1(
    db: Database, guichet: Actor, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rejets.csv"
    path.write_text("Nom;Prénom;Année de naissance\nGirard;Anne;2099\n", encoding="utf-8")
    assert main(["beneficiaire", "import", str(path), "--confirmer"]) == 1
    assert "rien n'a été enregistré" in capsys.readouterr().out.lower()
    assert _count(db) == 0


# --- other desks keep working ------------------------------------------------------------------


def _engine_d_un_autre_guichet(db: Database) -> Engine:
    """Another desk's connection that gives up after waiting 1 s for a lock."""
    engine = make_engine(db.url)

    @event.listens_for(engine, "connect")
    def _attente_max(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if db.is_sqlite:
            cursor.execute("PRAGMA busy_timeout=1000")
        else:
            cursor.execute("SET lock_timeout = '1s'")
            dbapi_connection.commit()
        cursor.close()

    return engine


def _ecrire_au_journal(engine: Engine, actor: Actor) -> None:
    """What every desk does at once, even at login: a journal entry in a writing transaction."""
    with Session(engine) as session, session.begin():
        journal.record(session, actor, "test.autre_guichet", None, None, {})


def _espion(
    monkeypatch: pytest.MonkeyPatch, name: str, apres: int, action: Callable[[], None]
) -> None:
    """Run ``action`` once, when ``importation.<name>`` is called for the ``apres``-th time."""
    original = getattr(importation, name)
    calls = iter(range(1, 10**9))

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if next(calls) == apres:
            action()
        return original(*args, **kwargs)

    monkeypatch.setattr(importation, name, wrapper)


def _gros_fichier(path: Path, n: int) -> Path:
    path.write_text(
        "Nom;Prénom\n" + "".join(f"Nom{i:05d};Prénom{i:05d}\n" for i in range(n)),
        encoding="utf-8",
    )
    return path


def test_a_dry_run_takes_no_write_lock_and_writes_nothing(
    db: Database, desks: Desks, guichet: Actor, cli: None, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    autre = _engine_d_un_autre_guichet(db)
    with db.read_session() as s:
        entries_before = s.scalar(select(func.count()).select_from(AuditEntry))
    # In the middle of the check, another desk writes: it must not wait behind the import.
    _espion(monkeypatch, "_validated", 50,
            lambda: _ecrire_au_journal(autre, desks.accueil_sud))  # fmt: skip
    try:
        assert main(["beneficiaire", "import", str(_gros_fichier(tmp_path / "a.csv", 100))]) == 0
    finally:
        autre.dispose()
    assert _count(db) == 0
    with db.read_session() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    # the login, and the other desk's entry: the dry run itself wrote nothing
    assert len(actions) == int(entries_before or 0) + 2
    assert actions[-1] == "test.autre_guichet"


def test_another_desk_writes_within_a_second_while_an_import_is_saved(
    db: Database, desks: Desks, guichet: Actor, cli: None, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    autre = _engine_d_un_autre_guichet(db)
    go = threading.Event()
    outcome: list[BaseException | None] = []

    def other_desk() -> None:
        go.wait(60)
        try:
            for _i in range(3):
                _ecrire_au_journal(autre, desks.accueil_sud)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=other_desk)
    thread.start()
    # Another desk starts writing while the 100th person is being saved, and 1,400 remain.
    _espion(monkeypatch, "_apply", 100, go.set)
    try:
        path = _gros_fichier(tmp_path / "gros.csv", 1500)
        assert main(["beneficiaire", "import", str(path), "--confirmer"]) == 0
    finally:
        go.set()
        thread.join(120)
        autre.dispose()
    assert outcome == [None]
    assert _count(db) == 1500


def test_an_interrupted_import_keeps_whole_chunks_and_says_where_to_resume(
    db: Database, desks: Desks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (("LOT_PREMIER", 40), ("LOT_MAX_LIGNES", 40), ("LOT_MAX_SECONDES", 3600.0)):
        monkeypatch.setattr(importation, name, value)
    path = _gros_fichier(tmp_path / "gros.csv", 130)
    with db.read_session() as s:
        report = prepare_import(s, desks.accueil_nord, path, today=TODAY)
    # The 90th person cannot be saved (a disk that fills up, say): the third chunk is undone.
    _espion(monkeypatch, "_apply", 90, _disque_plein)
    with pytest.raises(ImportInterrompu) as caught:
        importer_par_lots(db, desks.accueil_nord, report)
    assert len(caught.value.importes) == _count(db) == 80
    assert caught.value.reprendre_a == 82  # line 82 of the file holds the 81st person
    assert "--reprendre-a 82" in str(caught.value)
    monkeypatch.undo()
    ids = importer_par_lots(db, desks.accueil_nord, report, reprendre_a=82)
    assert len(ids) == 50
    with db.read_session() as s:
        noms = s.scalars(select(Beneficiaire.nom).order_by(Beneficiaire.id)).all()
        lots = s.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "beneficiaire.import")
        ).all()
    assert noms == [f"Nom{i:05d}" for i in range(130)]
    assert [(d["premiere_ligne"], d["derniere_ligne"]) for d in lots] == [
        (2, 41), (42, 81), (82, 131),
    ]  # fmt: skip


def _disque_plein() -> None:
    raise OSError(28, "No space left on device")


def test_a_cancelled_import_stops_after_the_chunk_in_progress(
    db: Database, desks: Desks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (("LOT_PREMIER", 25), ("LOT_MAX_LIGNES", 25), ("LOT_MAX_SECONDES", 3600.0)):
        monkeypatch.setattr(importation, name, value)
    with db.read_session() as s:
        report = prepare_import(
            s, desks.accueil_nord, _gros_fichier(tmp_path / "g.csv", 100), today=TODAY
        )

    def cancel_at_50(done: int, _total: int, _label: str) -> None:
        if done >= 50:
            progress.cancel()

    progress = Progress(cancel_at_50)
    with pytest.raises(ImportInterrompu) as caught:
        importer_par_lots(db, desks.accueil_nord, report, progress=progress)
    # Cancelled while the third chunk was being saved: it ends, whole, and nothing follows.
    assert _count(db) == len(caught.value.importes) == 75
    assert caught.value.reprendre_a == 77
