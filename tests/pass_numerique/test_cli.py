"""``main.py pass …`` on a demonstration database, as a script would drive it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.paths import PROJECT_ROOT
from tests.conftest import france_today

ASSOCIATION_SIRET = "99900000030000"  # core.demo's synthetic SIRET of the « association »


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MEDIANUM_HOME": str(home),
        "MEDIANUM_AGENT": "demo",
        "MEDIANUM_PASSWORD": "demo",
        # No OS keyring, as on a fresh demonstration machine.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    env.pop("MEDIANUM_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("pass-demo")
    result = _run(home, "demo", "--beneficiaires", "120")
    assert result.returncode == 0, result.stderr
    return home


def _candidates(home: Path) -> list[int]:
    with sqlite3.connect(home / "medianum.sqlite3") as conn:
        rows = conn.execute(
            "SELECT DISTINCT b.id FROM beneficiaire b "
            "JOIN diagnostic d ON d.beneficiaire_id = b.id WHERE b.anonyme = 0 "
            "AND b.id NOT IN (SELECT beneficiaire_id FROM pass_chequier)"
        ).fetchall()
    return [r[0] for r in rows]


def test_the_demo_has_a_running_campaign_chequebooks_and_a_validated_settlement(
    demo_home: Path,
) -> None:
    campagnes = json.loads(_run(demo_home, "--json", "pass", "campagne", "list").stdout)
    assert len(campagnes) == 1 and campagnes[0]["valeur_cents"] == 1000
    assert campagnes[0]["fin"] == f"{france_today().year}-12-31"
    with sqlite3.connect(demo_home / "medianum.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM pass_chequier").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM pass_reglement").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM pass WHERE etat = 'rembourse'").fetchone()[0] > 0
        demo_key = conn.execute("SELECT demo_prive IS NOT NULL FROM pass_cle").fetchone()[0]
    assert demo_key == 1  # no keyring here: the demo key is kept in the demo database


def test_issue_verify_redeem_and_refuse_from_the_command_line(
    demo_home: Path, tmp_path: Path
) -> None:
    eligible = next(
        b
        for b in _candidates(demo_home)
        if _run(demo_home, "pass", "eligibilite", str(b), "--campagne", "1").returncode == 0
    )
    pdf = tmp_path / "chequier.pdf"
    issued = _run(
        demo_home, "--json", "pass", "issue", str(eligible), "--campagne", "1", "--out", str(pdf)
    )
    assert issued.returncode == 0, issued.stderr
    serial = json.loads(issued.stdout)["serials"][0]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert _run(demo_home, "pass", "verify", serial).returncode == 0
    first = _run(demo_home, "pass", "redeem", serial, "--structure", ASSOCIATION_SIRET)
    assert (first.returncode, first.stdout.strip()) == (0, "Pass accepté — 10,00\xa0€")
    again = _run(demo_home, "--json", "pass", "redeem", serial, "--structure", ASSOCIATION_SIRET)
    assert again.returncode == 1
    assert json.loads(again.stdout)["code"] == "deja_encaisse"
    forged = _run(
        demo_home, "pass", "redeem", "MNP1:FAUX:" + serial, "--structure", ASSOCIATION_SIRET
    )
    assert (forged.returncode, forged.stdout.strip()) == (1, "Pass inconnu ou falsifié")


def test_an_ineligible_beneficiary_is_refused_with_reasons(demo_home: Path) -> None:
    refused = next(
        r
        for r in (
            _run(demo_home, "--json", "pass", "eligibilite", str(b), "--campagne", "1")
            for b in _candidates(demo_home)
        )
        if r.returncode == 1
    )
    assert json.loads(refused.stdout)["raisons"]


def test_report_settlement_and_batch_round_trip(demo_home: Path, tmp_path: Path) -> None:
    xlsx = tmp_path / "rapport.xlsx"
    assert _run(demo_home, "pass", "rapport", "--out", str(xlsx)).returncode == 0
    sheet = load_workbook(xlsx)["Synthèse"]
    labels = {row[0].value: row[1].value for row in sheet.iter_rows() if row[0].value}
    assert labels["Chéquiers émis"] > 0
    preview = _run(
        demo_home, "--json", "pass", "settle", "--mois", france_today().strftime("%Y-%m")
    )
    assert preview.returncode == 0
    lot = tmp_path / "lot.json"
    exported = _run(
        demo_home, "pass", "batch-export", "--out", str(lot), "--structure", ASSOCIATION_SIRET
    )
    assert exported.returncode == 0, exported.stderr
    refused = _run(demo_home, "pass", "batch-import", str(lot))
    assert refused.returncode == 1 and "n'a pas été enregistrée" in refused.stderr
    shown = json.loads(
        _run(
            demo_home, "--json", "pass", "cle-lot", "empreinte", "--structure", ASSOCIATION_SIRET
        ).stdout
    )["empreinte"]
    registered = _run(
        demo_home,
        "pass",
        "cle-lot",
        "enregistrer",
        "--structure",
        ASSOCIATION_SIRET,
        "--empreinte",
        shown,
    )
    assert registered.returncode == 0, registered.stderr
    first = json.loads(_run(demo_home, "--json", "pass", "batch-import", str(lot)).stdout)
    assert first["acceptes"] == 0 and first["conflits"] == []  # all already known centrally
    second = json.loads(_run(demo_home, "--json", "pass", "batch-import", str(lot)).stdout)
    assert second["deja_importe"]


def test_a_chequebook_written_in_the_exports_goes_with_its_holders_erasure(
    demo_home: Path,
) -> None:
    from tests.mandats.conftest import pdf_text

    with sqlite3.connect(demo_home / "medianum.sqlite3") as conn:
        # No mandate at all: a mandate in force would hold the erasure back.
        with_mandate = {r[0] for r in conn.execute("SELECT beneficiaire_id FROM mandat")}
    holder = next(
        b
        for b in _candidates(demo_home)
        if b not in with_mandate
        and _run(demo_home, "pass", "eligibilite", str(b), "--campagne", "1").returncode == 0
    )
    with sqlite3.connect(demo_home / "medianum.sqlite3") as conn:
        (prenom,) = conn.execute(
            "SELECT prenom FROM beneficiaire WHERE id = ?", (holder,)
        ).fetchone()
    folder = demo_home / "exports" / "chequiers"
    folder.mkdir(parents=True, exist_ok=True)
    issued = _run(
        demo_home,
        "--json",
        "pass",
        "issue",
        str(holder),
        "--campagne",
        "1",
        "--out",
        str(folder / "emis.pdf"),
    )
    assert issued.returncode == 0, issued.stderr
    chequier = json.loads(issued.stdout)["chequier_id"]
    reprint = _run(
        demo_home, "pass", "reprint", str(chequier), "--out", str(folder / "reimpression.pdf")
    )
    assert reprint.returncode == 0, reprint.stderr
    printed = [folder / "emis.pdf", folder / "reimpression.pdf"]
    assert all(prenom in pdf_text(p.read_bytes()) for p in printed)  # it was there

    erased = _run(demo_home, "--json", "beneficiaire", "effacer", str(holder), "--oui")
    assert erased.returncode == 0, erased.stderr
    said = json.loads(erased.stdout)
    assert sorted(Path(p).name for p in said["fichiers_supprimes"]) == [
        "emis.pdf",
        "reimpression.pdf",
    ]
    assert not any(p.exists() for p in printed)


def test_the_command_line_shows_which_key_signs_each_campaign(demo_home: Path) -> None:
    campagnes = json.loads(_run(demo_home, "--json", "pass", "campagne", "list").stdout)
    cles = json.loads(_run(demo_home, "--json", "pass", "cle", "list").stdout)
    active = {c["campagne_id"]: c["kid"] for c in cles if c["statut"] == "active"}
    with sqlite3.connect(demo_home / "medianum.sqlite3") as conn:
        issued = {
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT k.kid FROM pass_chequier c JOIN pass_cle k ON k.id = c.cle_id "
                "WHERE c.campagne_id = ? AND k.statut = 'active'",
                (campagnes[0]["id"],),
            )
        }
    assert campagnes[0]["cle"] == active[campagnes[0]["id"]]
    assert issued == {campagnes[0]["cle"]}
    listed = _run(demo_home, "pass", "cle", "list").stdout
    assert f"{campagnes[0]['cle']}  active  campagne {campagnes[0]['id']}" in listed
    refused = _run(demo_home, "pass", "cle", "rotate")
    assert refused.returncode != 0
    assert "Indiquez la campagne dont la clé change" in refused.stdout + refused.stderr
