"""Importing beneficiaries from the national template: encodings, separators, sheets, rejects."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.auth import Actor
from core.db import Database
from core.progress import Cancelled, Progress
from mediation.importation import ImportFileError, apply_import, prepare_import
from mediation.models import Beneficiaire
from tests.mediation.dossier_data import TODAY, Desks, add_person, make_desks

HEADER = [
    "Nom",
    "Prénom",
    "Année de naissance",
    "Code Insee",
    "Téléphone",
    "E-mail",
    "Genre",
    "Statut",
]
ROWS = [
    ["Lefèvre", "Béatrice", "1950", "17300", "05 46 12 34 56", "", "Féminin", "Retraité"],
    ["Crépeau", "Hélène", "2031", "17300", "", "", "Féminin", ""],  # born in the future
    ["Dupré", "François", "1988", "99999", "", "", "Masculin", ""],  # unknown INSEE code
    ["Lemaître", "Zoé", "2010", "17028", "12 34", "", "", "Scolarisé"],  # malformed phone
    ["", "", "", "", "", "", "", ""],  # blank line: skipped, not rejected
    ["Noël", "Gaël", "1975", "", "", "gael@exemple", "h", "En emploi"],  # malformed e-mail
    ["Évrard", "Agnès", "1962", "17299", "", "agnes@exemple.fr", "F", "sans emploi"],
]


@pytest.fixture
def desks(db: Database, admin: Actor, make_agent) -> Desks:  # type: ignore[no-untyped-def]
    return make_desks(db, admin, make_agent)


def _count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Beneficiaire)) or 0)


def _csv(path: Path, encoding: str, sep: str) -> Path:
    lines = [sep.join(HEADER)] + [sep.join(r) for r in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_a_windows_1252_semicolon_file_is_read_and_every_rejected_row_is_explained(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "export.csv", "cp1252", ";")
    with db.session() as s:
        report = prepare_import(s, desks.accueil_nord, path, today=TODAY)
    assert _count(db) == 0  # reading writes nothing
    assert [d.nom for _line, d in report.valid] == ["Lefèvre", "Évrard"]
    assert [r.ligne for r in report.rejected] == [3, 4, 5, 7]
    reasons = {r.ligne: r.motif for r in report.rejected}
    assert "2031" in reasons[3]
    assert "99999" in reasons[4]
    assert "téléphone" in reasons[5].lower()
    assert "e-mail" in reasons[7].lower()
    with db.session() as s:
        ids = apply_import(s, desks.accueil_nord, report, today=TODAY)
    with db.session() as s:
        agnes = s.get(Beneficiaire, ids[1])
        assert agnes is not None
        assert (agnes.prenom, agnes.genre, agnes.statut, agnes.commune_insee) == (
            "Agnès",
            "Féminin",
            "Sans emploi",
            "17299",
        )


def test_a_utf8_comma_file_gives_the_same_result(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "export.csv", "utf-8-sig", ",")
    with db.session() as s:
        report = prepare_import(s, desks.accueil_nord, path, today=TODAY)
    assert [d.prenom for _line, d in report.valid] == ["Béatrice", "Agnès"]
    assert len(report.rejected) == 4


def test_an_xlsx_is_read_from_its_first_sheet_even_with_other_sheets(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Bénéficiaires"
    ws.append(["Nom", "Prénom", "Année de naissance", "Commune", "Colonne libre"])
    ws.append(["Thébault", "Renée", 1944, "Aytré", "x"])
    ws.append(["Guérin", "Loïc", 1999.0, "Ville imaginaire", ""])
    notice = wb.create_sheet("Notice")
    notice.append(["Nom", "Prénom"])
    notice.append(["Ne pas", "importer"])
    wb.save(tmp_path / "modele.xlsx")
    with db.session() as s:
        report = prepare_import(s, desks.accueil_nord, tmp_path / "modele.xlsx", today=TODAY)
        assert [(d.nom, d.annee_naissance, d.commune_insee) for _l, d in report.valid] == [
            ("Thébault", 1944, "17028")
        ]
        assert [(r.ligne, "Ville imaginaire" in r.motif) for r in report.rejected] == [(3, True)]
        assert report.ignored_columns == ["Colonne libre"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vide"),
        (b"\r\n\r\n", "vide"),
        ("Nom;Prénom\r\n".encode(), "en-tête"),
        (b"Surname,Firstname\nSmith,John\n", "Nom"),
    ],
)
def test_an_unusable_file_is_refused_with_a_clear_message(
    db: Database, desks: Desks, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "fichier.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as caught, db.session() as s:
        prepare_import(s, desks.accueil_nord, path, today=TODAY)
    assert message in str(caught.value)


def test_rows_matching_an_existing_file_or_an_earlier_row_are_rejected_as_duplicates(
    db: Database, desks: Desks, tmp_path: Path
) -> None:
    existing = add_person(db, desks.accueil_nord, nom="Lefèvre", prenom="Béatrice")
    path = tmp_path / "doublons.csv"
    path.write_text("Nom,Prénom\nLEFEVRE,Beatrice\nMartin,Paul\nMARTIN,paul\n", encoding="utf-8")
    with db.session() as s:
        report = prepare_import(s, desks.accueil_nord, path, today=TODAY)
    assert [d.nom for _l, d in report.valid] == ["Martin"]
    reasons = {r.ligne: r.motif for r in report.rejected}
    assert str(existing) in reasons[2]
    assert "ligne 3" in reasons[4]


def test_a_cancelled_import_saves_nothing(db: Database, desks: Desks, tmp_path: Path) -> None:
    path = tmp_path / "gros.csv"
    path.write_text(
        "Nom,Prénom\n" + "".join(f"Nom{i:03d},Prénom{i:03d}\n" for i in range(250)),
        encoding="utf-8",
    )
    with db.session() as s:
        report = prepare_import(s, desks.accueil_nord, path, today=TODAY)
    assert len(report.valid) == 250

    def cancel_midway(done: int, _total: int, _label: str) -> None:
        if done >= 100:
            progress.cancel()

    progress = Progress(cancel_midway)
    with pytest.raises(Cancelled), db.session() as s:
        apply_import(s, desks.accueil_nord, report, today=TODAY, progress=progress)
    assert _count(db) == 0
