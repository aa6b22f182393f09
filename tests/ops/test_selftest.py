"""`main.py self-test`, run as the IT service runs it: a separate process, its output read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _selftest(home: Path, keyring_backend: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANUM_")}
    env.update(
        MEDIANUM_HOME=str(home),
        PYTHON_KEYRING_BACKEND=keyring_backend,
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="offscreen",
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args, "self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_self_test_passes_with_a_keyring_and_prints_one_french_line_per_step(
    tmp_path: Path,
) -> None:
    home = tmp_path / "poste"
    run = _selftest(home, "tests.ops.keyring_backends.ProcessKeyring")
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[0].startswith("[OK] Base de données temporaire et migrations")
    assert lines[1].startswith("[OK] Trousseau de clés : secret écrit, relu puis effacé")
    # Each domain's checks follow, in the order of domaines.py, then the window's pages.
    assert lines[2].startswith("[OK] PDF du mandat : ")
    assert "relu" in lines[2]
    assert lines[3].startswith("[OK] Carte hors ligne des lieux")
    assert lines[4].startswith("[OK] PDF du chéquier Pass numérique : ")
    assert lines[5].startswith("[OK] Pages de l'interface (Qt)")
    assert lines[-1] == "Autotest réussi."
    # The desk's own data folder gets no database: everything happened in a temporary folder.
    assert not (home / "medianum.sqlite3").exists()


def test_a_pc_without_keyring_is_reported_clearly_but_is_not_a_failure(tmp_path: Path) -> None:
    run = _selftest(tmp_path / "poste", "keyring.backends.fail.Keyring", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["reussi"] is True
    steps = {s["etape"]: s for s in report["etapes"]}
    assert steps["Trousseau de clés"]["statut"] == "absent"
    assert "aucun trousseau" in steps["Trousseau de clés"]["detail"]
    assert steps["Base de données temporaire et migrations"]["statut"] == "ok"
    assert steps["PDF du mandat"]["statut"] == "ok"
    assert steps["Carte hors ligne des lieux"]["statut"] == "ok"
    assert {s["statut"] for s in report["etapes"]} <= {"ok", "absent"}


def test_a_keyring_that_refuses_to_store_makes_the_self_test_fail(tmp_path: Path) -> None:
    run = _selftest(tmp_path / "poste", "tests.ops.keyring_backends.LockedKeyring")
    assert run.returncode == 1
    assert "[ÉCHEC] Trousseau de clés" in run.stdout
    assert "Autotest en échec" in run.stdout
