from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from frictionless import Resource, Schema, validate

from core.auth import Actor
from core.db import Database
from core.errors import PermissionDenied, ValidationError
from lieux.exportation import exporter_csv, exporter_geojson, nom_fichier_recommande
from lieux.importation import analyser_fichier, importer_lieux
from lieux.schema import SCHEMA_FILE, load_schema


def _import_examples(db: Database, actor: Actor, data_dir: Path) -> None:
    with db.session() as s:
        for name in ("exemple_v1.csv", "ancien_v01.csv", "lieux.json"):
            importer_lieux(s, actor, analyser_fichier(data_dir / name))


def test_exported_csv_passes_the_official_schema_with_zero_errors(
    db: Database, coordinateur: Actor, data_dir: Path, tmp_path: Path
) -> None:
    _import_examples(db, coordinateur, data_dir)
    out = tmp_path / nom_fichier_recommande(date(2026, 11, 23), "99910000010007", "La Rochelle")
    with db.session() as s:
        assert exporter_csv(s, coordinateur, out) == 6

    schema = Schema.from_descriptor(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    report = validate(Resource(path=out.name, basepath=str(tmp_path), schema=schema))
    assert report.stats["errors"] == 0, report.flatten(["rowNumber", "fieldName", "message"])
    assert report.tasks[0].stats["rows"] == 6


def test_exported_csv_has_all_32_columns_in_order_utf8_comma_and_schema_spelling(
    db: Database, coordinateur: Actor, data_dir: Path, tmp_path: Path
) -> None:
    _import_examples(db, coordinateur, data_dir)
    out = tmp_path / "lieux.csv"
    with db.session() as s:
        exporter_csv(s, coordinateur, out)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows[0] == list(load_schema().names)
    assert len(rows[0]) == 32
    assert all(len(row) == 32 for row in rows)
    column = rows[0].index("formations_labels")
    labels = {row[column] for row in rows[1:]}
    assert "Formé à « Mon Espace Santé »|Étapes numériques(La Poste)" in labels


def test_recommended_file_name_follows_the_national_pattern() -> None:
    assert (
        nom_fichier_recommande(date(2026, 11, 23), "999 100 000 10007", "Agglo de La Rochelle")
        == "2026-11-23_99910000010007_lieux-de-mediation-numerique_agglo-de-la-rochelle.csv"
    )
    with pytest.raises(ValidationError):
        nom_fichier_recommande(date(2026, 11, 23), "1234", "La Rochelle")


def test_geojson_export_holds_the_places_with_coordinates(
    db: Database, coordinateur: Actor, data_dir: Path, tmp_path: Path
) -> None:
    _import_examples(db, coordinateur, data_dir)
    out = tmp_path / "lieux.geojson"
    with db.session() as s:
        n = exporter_geojson(s, coordinateur, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    # exemple_v1 has 2 placed rows, ancien_v01 1, the JSON 1.
    assert n == len(data["features"]) == 4
    port = next(f for f in data["features"] if f["properties"]["id"] == "json-1")
    assert port["geometry"]["coordinates"] == [-1.1521, 46.1575]
    assert port["properties"]["nom"] == "Tiers-lieu du Port"


def test_a_desk_agent_may_not_export_the_places(
    db: Database, accueil: Actor, tmp_path: Path
) -> None:
    with db.session() as s, pytest.raises(PermissionDenied):
        exporter_csv(s, accueil, tmp_path / "x.csv")
