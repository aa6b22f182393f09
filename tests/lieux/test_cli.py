"""The ``main.py lieux`` commands, run in-process on the test's own SQLite data directory."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from frictionless import Resource, Schema, validate

import main
from core import migrate
from core.auth import actor_for, create_agent
from core.db import Database
from core.demo import DemoContext, DemoSizes
from core.models import Role
from lieux import demo
from lieux.schema import SCHEMA_FILE


@pytest.fixture
def home_with_places(monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database()
    migrate.upgrade(db)
    with db.session() as s:
        admin = actor_for(
            s,
            create_agent(
                s, None, "admin", "Admin", "mot-de-passe-solide", [(Role.ADMINISTRATEUR, None)]
            ),
        )
        for login, role in (("coord", Role.COORDINATEUR), ("guichet", Role.MEDIATEUR)):
            create_agent(s, admin, login, login, "mot-de-passe-solide", [(role, None)])
        demo.populate(s, DemoContext(DemoSizes(), random.Random(3), {}, {}))
    db.dispose()
    monkeypatch.setenv("MEDIANUM_AGENT", "coord")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")


def test_validate_exits_1_on_a_broken_file_and_lists_the_problems(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["lieux", "validate", str(data_dir / "casse.csv")]) == 1
    out = capsys.readouterr().out
    assert "8 lignes, 4 valides, 4 invalides" in out
    assert "ligne 3, nom [invalide]" in out


def test_validate_as_json_reports_each_remark(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["lieux", "validate", "--json", str(data_dir / "ancien_v01.csv")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["format"] == "CSV schéma v0.1"
    assert report["valides"] == 2
    assert {"ligne": 2, "colonne": "labels_nationaux", "genre": "normalisé"}.items() <= next(
        r for r in report["remarques"] if r["valeur"] == "APTIC"
    ).items()


def test_import_then_reimport_says_what_changed(
    home_with_places: None, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["lieux", "import", "--json", str(data_dir / "exemple_v1.csv")]) == 0
    first = json.loads(capsys.readouterr().out)
    assert sorted(first["crees"]) == ["structure-1", "structure-2", "structure-3"]
    changed = tmp_path / "maj.csv"
    changed.write_text(
        (data_dir / "exemple_v1.csv").read_text(encoding="utf-8").replace("Anonymal", "Anonymal 2"),
        encoding="utf-8",
    )
    assert main.main(["lieux", "import", "--json", str(changed)]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["crees"] == []
    assert second["modifies"] == {"structure-1": ["nom"]}


def test_the_demo_places_export_to_a_csv_the_official_schema_accepts(
    home_with_places: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--siret", "99910000010007", "--territoire", "Agglo La Rochelle"]
    assert main.main(["lieux", "export", "--out", str(tmp_path), *args]) == 0
    (exported,) = tmp_path.glob("*_99910000010007_lieux-de-mediation-numerique_*.csv")
    schema = Schema.from_descriptor(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    report = validate(Resource(path=exported.name, basepath=str(tmp_path), schema=schema))
    assert report.stats["errors"] == 0, report.flatten(["rowNumber", "fieldName", "message"])
    assert report.tasks[0].stats["rows"] == 19


def test_a_mediator_may_not_export_and_gets_exit_code_1(
    home_with_places: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MEDIANUM_AGENT", "guichet")
    assert main.main(["lieux", "export", "--out", str(tmp_path / "x.csv")]) == 1
    assert "Refusé" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_map_command_writes_a_standalone_page(
    home_with_places: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "carte.html"
    assert main.main(["lieux", "map", "--json", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["marqueurs"] == 19
    assert "https://cdn" not in out.read_text(encoding="utf-8")


def test_nearest_service_matches_without_accents_and_gives_hours(
    home_with_places: None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["lieux", "proches", "--commune", "17194", "--service"]
    assert main.main([*args, "aide aux demarches administratives", "--limite", "2"]) == 0
    out = capsys.readouterr().out
    assert "France Services La Jarrie" in out
    assert "Horaires : lun." in out


def test_an_unknown_service_is_refused_with_the_valid_list(
    home_with_places: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["lieux", "proches", "--commune", "17194", "--service", "cuisine"]) == 1
    err = capsys.readouterr().err
    assert "Service inconnu" in err and "Aide aux démarches administratives" in err


def test_nearest_places_are_found_from_a_commune_name_or_an_address(
    home_with_places: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["lieux", "proches", "--json", "--commune", "la jarrie", "--limite", "1"]) == 0
    by_name = json.loads(capsys.readouterr().out)
    assert main.main(["lieux", "proches", "--json", "--commune", "17194", "--limite", "1"]) == 0
    assert json.loads(capsys.readouterr().out) == by_name

    address = ["--adresse", "3 rue Inconnue, La Jarrie", "--limite", "1"]
    assert main.main(["lieux", "proches", "--json", *address]) == 0
    assert json.loads(capsys.readouterr().out) == by_name


def test_places_without_position_are_counted_by_the_geojson_export_and_the_map(
    home_with_places: None, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # exemple_v1.csv's third place (Aytré) has no coordinates.
    assert main.main(["lieux", "import", str(data_dir / "exemple_v1.csv")]) == 0
    capsys.readouterr()

    out = tmp_path / "lieux.geojson"
    assert main.main(["lieux", "export", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert len(features) == 19 + 2
    assert "21 lieux exportés" in said
    assert "1 lieux sans position, non exportés." in said

    assert main.main(["lieux", "map", "--out", str(tmp_path / "carte.html")]) == 0
    assert "1 lieux sans position, non affichés." in capsys.readouterr().out
