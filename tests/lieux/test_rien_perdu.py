"""Nothing lost, nothing wrong: re-imports, bad optional values, positions, sizes, identifiers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from core.auth import Actor
from core.db import Database
from core.errors import ValidationError
from lieux.cli import rapport_lignes
from lieux.importation import Genre, analyser_contenu, analyser_fichier, importer_lieux
from lieux.models import Lieu
from lieux.schema import load_schema

NAMES = load_schema().names


def _csv(*rows: dict[str, str], columns: tuple[str, ...] = NAMES) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def _place(**values: str) -> dict[str, str]:
    base = {
        "id": "lieu-1",
        "pivot": "43493312300029",
        "nom": "Médiathèque",
        "commune": "La Rochelle",
        "code_postal": "17000",
        "code_insee": "17300",
        "adresse": "Avenue Michel-Crépeau",
        "date_maj": "2024-05-01",
    }
    return {**base, **values}


def _remarks(rapport, colonne: str) -> list[tuple[Genre, str, str]]:  # type: ignore[no-untyped-def]
    return [(r.genre, r.valeur, r.message) for r in rapport.remarques() if r.colonne == colonne]


def test_reimporting_only_the_required_columns_erases_nothing_and_says_so(
    db: Database, coordinateur: Actor, data_dir: Path
) -> None:
    with db.session() as s:
        importer_lieux(s, coordinateur, analyser_fichier(data_dir / "exemple_v1.csv"))
    required = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")
    full = list(csv.DictReader(io.StringIO((data_dir / "exemple_v1.csv").read_text("utf-8"))))
    full[0]["nom"] = "Anonymal renommé"
    rapport = analyser_contenu(_csv(*full, columns=required), "obligatoires.csv")

    with db.session() as s:
        result = importer_lieux(s, coordinateur, rapport)

    assert result.modifies == {"structure-1": ["nom"]}
    assert "horaires" in result.conserves and "latitude" in result.conserves
    assert any("restent tels quels" in note for note in rapport.remarques_fichier)
    with db.session() as s:
        lieu = s.scalars(select(Lieu).where(Lieu.identifiant == "structure-1")).one()
        assert lieu.nom == "Anonymal renommé"
        assert lieu.horaires == "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"
        assert lieu.latitude == pytest.approx(49.2416)
        assert lieu.services is not None


def test_a_present_but_empty_cell_empties_the_field(db: Database, coordinateur: Actor) -> None:
    with db.session() as s:
        importer_lieux(
            s, coordinateur, analyser_contenu(_csv(_place(horaires="Mo 09:00-12:00")), "a.csv")
        )
    with db.session() as s:
        result = importer_lieux(s, coordinateur, analyser_contenu(_csv(_place()), "b.csv"))
    assert result.modifies == {"lieu-1": ["horaires"]}
    with db.session() as s:
        assert s.scalars(select(Lieu.horaires)).one() is None


def test_a_bad_optional_value_is_dropped_and_a_reimport_keeps_the_known_one(
    db: Database, coordinateur: Actor
) -> None:
    with db.session() as s:
        importer_lieux(s, coordinateur, analyser_contenu(_csv(_place(code_insee="17300")), "a.csv"))
    rapport = analyser_contenu(_csv(_place(code_insee="1730O")), "b.csv")
    assert rapport.lignes[0].valide
    assert [g for g, _v, _m in _remarks(rapport, "code_insee")] == [Genre.NON_REPRIS]
    with db.session() as s:
        result = importer_lieux(s, coordinateur, rapport)
    assert result.inchanges == ["lieu-1"]


def test_a_cell_with_two_phone_numbers_keeps_the_first_and_the_place() -> None:
    rapport = analyser_contenu(_csv(_place(telephone="05 46 00 11 22 / 06 12 34 56 78")), "t.csv")

    (ligne,) = rapport.lignes
    assert ligne.valide
    assert ligne.valeurs["telephone"] == "+33546001122"
    assert Genre.AVERTISSEMENT in [g for g, _v, _m in _remarks(rapport, "telephone")]


@pytest.mark.parametrize(
    ("latitude", "longitude", "code_insee", "expected"),
    [
        ("-1.1508", "46.1591", "17300", "inversées"),  # La Rochelle, swapped
        ("40.7128", "-74.0060", "17300", "hors de France"),  # New York
        ("45.9421", "-0.9613", "17300", "km de sa commune"),  # Rochefort, given as La Rochelle
        ("0", "0", "17300", "(0, 0)"),
    ],
)
def test_an_implausible_position_is_reported(
    latitude: str, longitude: str, code_insee: str, expected: str
) -> None:
    row = _place(latitude=latitude, longitude=longitude, code_insee=code_insee)
    rapport = analyser_contenu(_csv(row), "p.csv")

    (ligne,) = rapport.lignes
    assert ligne.valide
    assert any(expected in message for _g, _v, message in _remarks(rapport, "latitude"))


def test_a_null_island_position_is_not_kept_and_a_good_one_raises_nothing() -> None:
    zero = analyser_contenu(_csv(_place(latitude="0", longitude="0")), "z.csv").lignes[0]
    assert "latitude" not in zero.valeurs
    good = analyser_contenu(_csv(_place(latitude="46.1591", longitude="-1.1508")), "g.csv")
    assert good.remarques() == []


def test_a_latitude_without_longitude_is_dropped_with_a_remark() -> None:
    rapport = analyser_contenu(_csv(_place(latitude="46.1591")), "l.csv")

    (ligne,) = rapport.lignes
    assert ligne.valide
    assert "latitude" not in ligne.valeurs
    assert [g for g, _v, _m in _remarks(rapport, "latitude")] == [Genre.NON_REPRIS]


def test_sizes_are_those_of_the_database_on_both_engines(db: Database, coordinateur: Actor) -> None:
    rows = [
        _place(id="long-nom", nom="N" * 301),
        _place(id="long-source", source="S" * 201),
        _place(id="long-adresse", adresse="A" * 301),
        _place(id="long-commune", commune="C" * 201),
        _place(id="court"),
    ]
    rapport = analyser_contenu(_csv(*rows), "tailles.csv")

    assert [ligne.identifiant for ligne in rapport.lignes_valides] == ["long-source", "court"]
    source = rapport.lignes[1].valeurs["source"]
    assert len(source) == 200 and source.endswith("…")
    with db.session() as s:
        result = importer_lieux(s, coordinateur, rapport)
    assert sorted(result.crees) == ["court", "long-source"]


@pytest.mark.parametrize(
    ("pivot", "genre"),
    [
        ("43493312300028", Genre.AVERTISSEMENT),  # one digit off: the Luhn key is wrong
        ("35600000000001", None),  # La Poste: its own rule, not Luhn
        ("43493312300029", None),
    ],
)
def test_the_siret_check_digit_is_verified_with_la_postes_exception(
    pivot: str, genre: Genre | None
) -> None:
    rapport = analyser_contenu(_csv(_place(pivot=pivot)), "s.csv")

    assert rapport.lignes[0].valide
    assert [g for g, _v, _m in _remarks(rapport, "pivot")] == ([genre] if genre else [])


def test_a_siret_mangled_by_excel_is_restored_when_whole_and_explained_when_not() -> None:
    whole = analyser_contenu(_csv(_place(pivot="4.3493312300029E+13")), "w.csv")
    assert whole.lignes[0].valeurs["pivot"] == "43493312300029"

    cut = analyser_contenu(_csv(_place(pivot="4.34933E+13")), "c.csv")
    assert not cut.lignes[0].valide
    (genre, valeur, message), *_ = _remarks(cut, "pivot")
    assert genre is Genre.INVALIDE and valeur == "4.34933E+13"
    assert "notation scientifique" in message and "Texte" in message


def test_ragged_rows_are_reported() -> None:
    good = [_place().get(name, "") for name in NAMES]
    extra = [*good, "décalé"]
    extra[0] = "lieu-2"
    short = good[:-4]
    short[0] = "lieu-3"
    out = io.StringIO()
    csv.writer(out).writerows([list(NAMES), good, extra, short])

    rapport = analyser_contenu(out.getvalue().encode(), "r.csv")

    cells = {(r.ligne, r.genre) for r in rapport.remarques() if r.colonne == "ligne"}
    assert cells == {(3, Genre.INVALIDE), (4, Genre.AVERTISSEMENT)}
    assert [ligne.valide for ligne in rapport.lignes] == [True, False, True]
    # The cells a short row lacks are absent columns for it: nothing to erase.
    assert "prise_rdv" not in rapport.lignes[2].presentes


def test_the_text_report_gives_the_offending_value(data_dir: Path) -> None:
    rapport = analyser_fichier(data_dir / "casse.csv")

    text = "\n".join(rapport_lignes(rapport))

    assert "ligne 6, date_maj [invalide] « hier »" in text


def test_a_file_of_blank_lines_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "vide.csv"
    path.write_text("\n\n  \r\n\n")
    with pytest.raises(ValidationError, match="vide"):
        analyser_fichier(path)


def test_reading_a_folder_is_refused_in_french(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="dossier"):
        analyser_fichier(tmp_path)
