"""``main.py mandat …`` on a demonstration database, as a script would drive it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.paths import PROJECT_ROOT
from tests.mandats.conftest import decode_qr_codes, pdf_text


def _run(args: list[str], home: Path, login: str = "aidant") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDIANUM_HOME": str(home), "MEDIANUM_AGENT": login}
    env["MEDIANUM_PASSWORD"] = login
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
    home = tmp_path_factory.mktemp("demo-mandats")
    result = _run(["demo", "--beneficiaires", "20"], home)
    assert result.returncode == 0, result.stderr
    return home


def _list(home: Path, *extra: str, login: str = "aidant") -> list[dict[str, object]]:
    result = _run(["mandat", "list", "--json", *extra], home, login)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_demo_lists_active_expiring_and_revoked_mandates(demo_home: Path) -> None:
    rows = _list(demo_home)
    statuts = {r["statut"] for r in rows}
    assert {"actif", "expire", "revoque"} <= statuts
    assert any(r["expire_bientot"] for r in rows)
    expiring = _run(["mandat", "expiring", "--json"], demo_home)
    assert expiring.returncode == 0, expiring.stderr
    assert json.loads(expiring.stdout)
    assert all(r["expire_bientot"] for r in json.loads(expiring.stdout))


def test_a_mediateur_without_the_aidant_role_cannot_list_mandates(demo_home: Path) -> None:
    # The médiateur works for another structure and holds no aidant role.
    result = _run(["mandat", "list"], demo_home, "mediateur")
    assert result.returncode == 1
    assert "Refusé" in result.stderr


def test_print_then_verify_the_qr_read_from_the_paper(demo_home: Path, tmp_path: Path) -> None:
    mandat = next(r for r in _list(demo_home, "--filtre", "actifs"))
    out = tmp_path / "mandat.pdf"
    printed = _run(["mandat", "print", str(mandat["id"]), "--out", str(out)], demo_home)
    assert printed.returncode == 0, printed.stderr
    assert str(mandat["reference"]) in pdf_text(out.read_bytes())
    qr = decode_qr_codes(out.read_bytes(), tmp_path)[0]
    verified = _run(["mandat", "verify", qr, "--json"], demo_home)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["conforme"] is True
    forged = qr[:-1] + ("0" if qr[-1] != "0" else "1")
    refused = _run(["mandat", "verify", forged], demo_home)
    assert refused.returncode == 1
    assert "NON CONFORME" in refused.stdout


def test_verifying_a_revoked_mandate_leads_with_revoked_and_exits_non_zero(
    demo_home: Path, tmp_path: Path
) -> None:
    mandat = next(r for r in _list(demo_home, "--filtre", "revoques"))
    out = tmp_path / "revoque.pdf"
    printed = _run(["mandat", "print", str(mandat["id"]), "--out", str(out)], demo_home)
    assert printed.returncode == 0, printed.stderr
    assert "RÉVOQUÉ LE" in pdf_text(out.read_bytes())
    qr = decode_qr_codes(out.read_bytes(), tmp_path)[0]
    verified = _run(["mandat", "verify", qr], demo_home)
    assert verified.returncode == 1
    assert verified.stdout.startswith("RÉVOQUÉ LE ")


def test_revoke_one_category_writes_the_attestation(demo_home: Path, tmp_path: Path) -> None:
    mandat = next(r for r in _list(demo_home, "--filtre", "actifs") if len(r["categories"]) >= 2)  # type: ignore[arg-type]
    key = mandat["categories"][0]  # type: ignore[index]
    out = tmp_path / "revocation.pdf"
    result = _run(
        ["mandat", "revoke", str(mandat["id"]), "--categorie", str(key), "--out", str(out)],
        demo_home,
    )
    assert result.returncode == 0, result.stderr
    assert "Attestation de révocation de mandat" in pdf_text(out.read_bytes())
    after = next(r for r in _list(demo_home) if r["id"] == mandat["id"])
    assert key not in after["categories"]  # type: ignore[operator]
    assert after["statut"] == "actif"


def test_new_mandate_without_the_read_aloud_tick_is_refused(demo_home: Path) -> None:
    person = _list(demo_home)[0]["beneficiaire_id"]
    result = _run(
        [
            "mandat",
            "new",
            "--beneficiaire",
            str(person),
            "--categorie",
            "social",
            "--duree",
            "31",
            "--lieu-naissance",
            "Niort",
            "--hors-mesure-protection",
        ],
        demo_home,
    )
    assert result.returncode == 1
    assert "Lisez d'abord les mentions" in result.stderr


def test_new_mandate_prints_when_asked(demo_home: Path, tmp_path: Path) -> None:
    person = _list(demo_home)[0]["beneficiaire_id"]
    out = tmp_path / "nouveau.pdf"
    result = _run(
        [
            "mandat",
            "new",
            "--json",
            "--beneficiaire",
            str(person),
            "--categorie",
            "justice",
            "--categorie",
            "loisirs",
            "--duree",
            "182",
            "--lieu-naissance",
            "Niort",
            "--mentions-lues",
            "--hors-mesure-protection",
            "--out",
            str(out),
        ],
        demo_home,
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    content = pdf_text(out.read_bytes())
    assert created["reference"] in content and "6 mois" in content
    assert "Justice" in content and "Loisirs - Sport - Culture" in content
