from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.auth import Actor
from core.db import Database
from core.errors import PermissionDenied
from core.models import AuditEntry
from lieux.importation import FormatFichier, Genre, analyser_fichier, importer_lieux
from lieux.models import Lieu


def _remarks(rapport, ligne: int, colonne: str) -> list[tuple[Genre, str]]:  # type: ignore[no-untyped-def]
    return [
        (r.genre, r.valeur)
        for r in rapport.remarques()
        if r.ligne == ligne and r.colonne == colonne
    ]


def test_schema_example_rows_are_all_valid_and_local_forms_are_normalised(data_dir: Path) -> None:
    rapport = analyser_fichier(data_dir / "exemple_v1.csv")

    assert rapport.format is FormatFichier.CSV_V1
    assert [ligne.valide for ligne in rapport.lignes] == [True, True, True]
    second = rapport.lignes[1].valeurs
    assert second["telephone"] == "+33546001122"
    assert _remarks(rapport, 3, "telephone") == [(Genre.NORMALISE, "05 46 00 11 22")]
    assert second["services"] == (
        "Accès internet et matériel informatique|Compréhension du monde numérique"
    )
    assert second["modalites_accompagnement"] == "Dans un atelier collectif"
    assert rapport.lignes[2].valeurs["site_web"] == "https://www.clic-exemple.fr"
    assert rapport.lignes[0].valeurs["date_maj"] == date(2024, 4, 2)
    assert rapport.lignes[0].valeurs["latitude"] == pytest.approx(49.2416)


def test_both_spellings_of_etapes_numeriques_are_accepted_as_the_correct_one(
    data_dir: Path,
) -> None:
    rapport = analyser_fichier(data_dir / "exemple_v1.csv")

    # Row 1 has the schema's spelling (no space), row 2 the correct one: both read the same.
    assert "Étapes numériques (La Poste)" in rapport.lignes[0].valeurs["formations_labels"]
    assert rapport.lignes[1].valeurs["formations_labels"] == "Étapes numériques (La Poste)"
    assert not [r for r in rapport.remarques() if r.colonne == "formations_labels"]


def test_a_v01_file_is_mapped_to_v1_and_reports_what_has_no_equivalent(data_dir: Path) -> None:
    rapport = analyser_fichier(data_dir / "ancien_v01.csv")

    assert rapport.format is FormatFichier.CSV_V0
    assert len(rapport.lignes_valides) == 2
    first = rapport.lignes[0].valeurs
    assert first["services"] == (
        "Maîtrise des outils numériques du quotidien|Accès internet et matériel informatique|"
        "Aide aux démarches administratives"
    )
    assert first["dispositif_programmes_nationaux"] == "Conseillers numériques"
    assert first["publics_specifiquement_adresses"] == "Seniors"
    # « Accepte le Pass numérique » : free for whoever holds a pass.
    assert first["frais_a_charge"] == "Gratuit|Gratuit sous condition"
    assert first["modalites_accompagnement"] == "En autonomie|Accompagnement individuel"
    assert first["courriels"] == "epn@exemple.fr"
    assert first["fiche_acces_libre"] == "https://acceslibre.beta.gouv.fr/app/lagord/"
    # A national label without v1 programme is kept as free text, beside the local label.
    assert first["autres_formations_labels"] == "Label local|APTIC"
    assert first["telephone"] == "+33546003344"
    assert first["latitude"] == pytest.approx(46.1873)
    assert first["date_maj"] == date(2022, 3, 15)
    unmapped = {(r.ligne, r.valeur) for r in rapport.remarques(Genre.NON_REPRIS)}
    assert unmapped == {(3, "Faire du café")}
    second = rapport.lignes[1].valeurs
    assert second["dispositif_programmes_nationaux"] == (
        "France Services|Point d'accès numérique CAF"
    )
    assert second["publics_specifiquement_adresses"] == "Familles et/ou enfants"


def test_a_broken_file_reports_each_invalid_row_and_column(data_dir: Path) -> None:
    rapport = analyser_fichier(data_dir / "casse.csv")

    invalid = {(r.ligne, r.colonne) for r in rapport.remarques(Genre.INVALIDE)}
    assert invalid == {(3, "nom"), (4, "code_postal"), (6, "date_maj"), (7, "id")}
    # A bad optional value is dropped with a remark; the place itself is kept.
    dropped = {(r.ligne, r.colonne, r.valeur) for r in rapport.remarques(Genre.NON_REPRIS)}
    assert dropped == {(5, "services", "Réparation de vélos"), (8, "latitude", "quarante-six")}
    assert [ligne.identifiant for ligne in rapport.lignes_valides] == [
        "ok-1",
        "ko-service",
        "ko-lat",
        "warn-horaires",
    ]
    assert rapport.lignes[3].valeurs["services"] == "Aide aux démarches administratives"
    assert _remarks(rapport, 9, "horaires") == [(Genre.AVERTISSEMENT, "le matin sauf le mardi")]
    assert any("couleur_preferee" in note for note in rapport.remarques_fichier)


def test_the_national_data_store_json_is_flattened_into_schema_fields(data_dir: Path) -> None:
    rapport = analyser_fichier(data_dir / "lieux.json")

    assert rapport.format is FormatFichier.JSON
    (ligne,) = rapport.lignes
    assert ligne.valide
    assert ligne.valeurs["adresse"] == "5 quai Duperré"
    assert ligne.valeurs["code_insee"] == "17300"
    assert ligne.valeurs["latitude"] == pytest.approx(46.1575)
    assert ligne.valeurs["courriels"] == "port@exemple.fr"
    assert ligne.valeurs["presentation_resume"] == "Un tiers-lieu au bord de l'eau."
    assert ligne.valeurs["services"] == (
        "Loisirs et créations numériques|Maîtrise des outils numériques du quotidien"
    )


def test_import_writes_only_valid_rows_and_journals_it(
    db: Database, coordinateur: Actor, data_dir: Path
) -> None:
    rapport = analyser_fichier(data_dir / "casse.csv")
    with db.session() as s:
        result = importer_lieux(s, coordinateur, rapport)
    assert sorted(result.crees) == ["ko-lat", "ko-service", "ok-1", "warn-horaires"]
    assert result.ignores == 4
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Lieu)) == 4
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "lieux.import")).one()
        assert entry.details["crees"] == 4
        assert entry.details["ignores"] == 4


def test_reimporting_an_updated_file_updates_by_id_and_says_what_changed(
    db: Database, coordinateur: Actor, data_dir: Path, tmp_path: Path
) -> None:
    with db.session() as s:
        importer_lieux(s, coordinateur, analyser_fichier(data_dir / "exemple_v1.csv"))
    updated = tmp_path / "maj.csv"
    text = (data_dir / "exemple_v1.csv").read_text(encoding="utf-8")
    updated.write_text(
        text.replace("Association Clic", "Association Clic Solidaire").replace(
            "2024-06-01", "2024-07-01"
        ),
        encoding="utf-8",
    )

    with db.session() as s:
        result = importer_lieux(s, coordinateur, analyser_fichier(updated))

    assert result.crees == []
    assert result.modifies == {"structure-3": ["nom", "date_maj"]}
    assert sorted(result.inchanges) == ["structure-1", "structure-2"]
    with db.session() as s:
        lieu = s.scalars(select(Lieu).where(Lieu.identifiant == "structure-3")).one()
        assert lieu.nom == "Association Clic Solidaire"
        assert s.scalar(select(func.count()).select_from(Lieu)) == 3


def test_a_desk_agent_may_not_import_places(db: Database, accueil: Actor, data_dir: Path) -> None:
    rapport = analyser_fichier(data_dir / "exemple_v1.csv")
    with db.session() as s, pytest.raises(PermissionDenied):
        importer_lieux(s, accueil, rapport)


def test_a_windows_1252_file_is_read_and_the_report_says_so(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "ancien-cp1252.csv"
    target.write_bytes((data_dir / "ancien_v01.csv").read_text(encoding="utf-8").encode("cp1252"))
    rapport = analyser_fichier(target)
    assert rapport.lignes[0].valeurs["adresse"] == "4 rue des Écoles"
    assert any("Windows-1252" in note for note in rapport.remarques_fichier)


def test_geojson_features_are_read_with_their_point_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "lieux.geojson"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-1.15, 46.16]},
        "properties": {
            "id": "g-1",
            "pivot": "99910000140006",
            "nom": "Lieu GeoJSON",
            "commune": "La Rochelle",
            "code_postal": "17000",
            "adresse": "1 rue",
            "date_maj": "2024-01-01",
        },
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    (ligne,) = analyser_fichier(path).lignes
    assert ligne.valide
    assert (ligne.valeurs["latitude"], ligne.valeurs["longitude"]) == (46.16, -1.15)


def test_reading_a_missing_file_is_a_clear_refusal(tmp_path: Path) -> None:
    from core.errors import ValidationError

    with pytest.raises(ValidationError, match="Impossible de lire"):
        analyser_fichier(tmp_path / "absent.csv")
