"""``main.py beneficiaire …`` and the demonstration data, through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.paths import PROJECT_ROOT
from mediation.models import (
    Accompagnement,
    AccompagnementParticipant,
    AccompagnementThematique,
    Beneficiaire,
)
from tests.conftest import PG_SKIP_REASON, PG_URL, fresh_pg_database, pg_drop


def _run(
    args: list[str], home: Path, agent: str = "accueil", **env: str
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "MEDIANUM_HOME": str(home),
        "MEDIANUM_AGENT": agent,
        "MEDIANUM_PASSWORD": agent,
        **env,
    }
    if "MEDIANUM_DATABASE_URL" not in env:
        full_env.pop("MEDIANUM_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=full_env,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-dossier")
    result = _run(["demo", "--beneficiaires", "80", "--accompagnements", "400"], home)
    assert result.returncode == 0, result.stderr
    return home


def _search(home: Path, text: str, agent: str = "accueil") -> list[dict[str, object]]:
    result = _run(["beneficiaire", "search", text, "--json"], home, agent)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_the_demo_has_accented_named_and_anonymous_people_and_a_year_of_activity(
    demo_home: Path,
) -> None:
    db = Database(f"sqlite:///{demo_home / 'medianum.sqlite3'}")
    try:
        with db.read_session() as s:
            named = s.scalar(select(func.count()).where(Beneficiaire.anonyme.is_(False)))
            anonymous = s.scalar(select(func.count()).where(Beneficiaire.anonyme.is_(True)))
            assert named and anonymous and named + anonymous == 85
            assert s.scalar(select(func.count()).select_from(Accompagnement)) == 401
            first, last = s.execute(
                select(func.min(Accompagnement.date), func.max(Accompagnement.date))
            ).one()
            assert (last - first).days <= 365
            without_theme = s.scalar(
                select(func.count())
                .select_from(Accompagnement)
                .where(~Accompagnement.id.in_(select(AccompagnementThematique.accompagnement_id)))
            )
            without_people = s.scalar(
                select(func.count())
                .select_from(Accompagnement)
                .where(~Accompagnement.id.in_(select(AccompagnementParticipant.accompagnement_id)))
            )
            assert (without_theme, without_people) == (0, 0)
    finally:
        db.dispose()
    assert {(r["nom"], r["prenom"]) for r in _search(demo_home, "beatrice")} >= {
        ("Lefèvre", "Béatrice")
    }


def test_search_shows_only_the_agents_structure_and_coordinators_are_refused(
    demo_home: Path,
) -> None:
    accueil = _search(demo_home, "crepeau")
    assert {r["prenom"] for r in accueil} == {"Hélène", "Helene"}
    assert {r["structure_id"] for r in _search(demo_home, "b", "accueil")} == {1}
    result = _run(["beneficiaire", "search", "crepeau"], demo_home, "coordinateur")
    assert result.returncode == 1
    assert "Refusé" in result.stderr


def test_access_export_then_erasure_from_the_command_line(demo_home: Path, tmp_path: Path) -> None:
    bid = next(r["id"] for r in _search(demo_home, "lemaitre zoe"))
    out = tmp_path / "zoe.pdf"
    result = _run(["beneficiaire", "export-donnees", str(bid), "--out", str(out)], demo_home)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")
    refused = _run(["beneficiaire", "effacer", str(bid)], demo_home)
    assert refused.returncode == 1
    assert "--oui" in refused.stderr
    done = _run(["beneficiaire", "effacer", str(bid), "--oui", "--json"], demo_home)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pseudonyme"] == f"Personne effacée n° {bid}"
    assert _search(demo_home, "lemaitre zoe") == []


def test_import_is_a_dry_run_until_confirmed(demo_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "import.csv"
    path.write_bytes(
        "Nom;Prénom;Téléphone\nGodard;Mélanie;05 46 99 88 77\nX;Y;12\n".encode("cp1252")
    )
    dry = _run(["beneficiaire", "import", str(path), "--json"], demo_home)
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert (report["lignes_valides"], report["importes"]) == (1, 0)
    assert report["rejets"][0]["ligne"] == 3
    assert _search(demo_home, "godard melanie") == []
    done = _run(["beneficiaire", "import", str(path), "--confirmer", "--json"], demo_home)
    assert json.loads(done.stdout)["importes"] == 1
    assert [r["prenom"] for r in _search(demo_home, "godard melanie")] == ["Mélanie"]


def test_retention_lists_the_demo_dormant_files(demo_home: Path) -> None:
    result = _run(["beneficiaire", "conservation", "--json"], demo_home)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["annees"] == 3
    assert all(d["derniere_activite"] < "2024" for d in data["dossiers"]) or data["dossiers"] == []


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    name, url = fresh_pg_database()
    yield url
    pg_drop(name)


def test_the_demo_on_postgresql_leaves_ids_ready_for_new_files(pg_url: str, tmp_path: Path) -> None:
    env = {"MEDIANUM_DATABASE_URL": pg_url}
    result = _run(["demo", "--beneficiaires", "30"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "un.csv"
    path.write_text("Nom,Prénom\nNouvelle,Personne\n", encoding="utf-8")
    done = _run(["beneficiaire", "import", str(path), "--confirmer", "--json"], tmp_path, **env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["importes"] == 1
