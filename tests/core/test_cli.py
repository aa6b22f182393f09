from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.paths import PROJECT_ROOT


def _run(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "MEDIANUM_HOME": str(home)}
    full_env.pop("MEDIANUM_DATABASE_URL", None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo")
    result = _run(["demo", "--beneficiaires", "40"], home)
    assert result.returncode == 0, result.stderr
    return home


def test_help_is_in_french(tmp_path: Path) -> None:
    result = _run(["--help"], tmp_path)
    assert result.returncode == 0
    assert "utilisation" in result.stdout
    assert "afficher cette aide" in result.stdout


def test_usage_error_exits_2_with_a_french_message(tmp_path: Path) -> None:
    result = _run(["agent"], tmp_path)
    assert result.returncode == 2
    assert "erreur" in result.stderr


def test_demo_agents_list_as_json(demo_home: Path) -> None:
    result = _run(
        ["agent", "list", "--json"], demo_home, MEDIANUM_AGENT="admin", MEDIANUM_PASSWORD="admin"
    )
    assert result.returncode == 0, result.stderr
    logins = {row["login"] for row in json.loads(result.stdout)}
    assert {"demo", "accueil", "mediateur", "aidant", "coordinateur", "admin"} <= logins


def test_refusal_exits_1_with_a_french_message_on_stderr(demo_home: Path) -> None:
    result = _run(
        ["agent", "list"], demo_home, MEDIANUM_AGENT="accueil", MEDIANUM_PASSWORD="accueil"
    )
    assert result.returncode == 1
    assert "pas le droit" in result.stderr


def test_wrong_password_exits_1(demo_home: Path) -> None:
    result = _run(["agent", "list"], demo_home, MEDIANUM_AGENT="admin", MEDIANUM_PASSWORD="faux")
    assert result.returncode == 1
    assert "incorrect" in result.stderr


def test_demo_database_journal_verifies(demo_home: Path) -> None:
    result = _run(["db", "verify-journal", "--json"], demo_home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["intact"] is True


def test_logs_hold_no_personal_data(demo_home: Path) -> None:
    from core.demo import DEMO_AGENTS

    log_text = "".join(p.read_text() for p in (demo_home / "logs").glob("*.log*"))
    for _login, name, _roles, _pw in DEMO_AGENTS:
        assert name not in log_text


def test_unreachable_database_server_is_a_french_refusal_not_a_traceback(tmp_path: Path) -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    result = _run(
        ["db", "upgrade"],
        tmp_path,
        MEDIANUM_DATABASE_URL="postgresql+psycopg://medianum@127.0.0.1:1/medianum",
    )
    assert result.returncode == 1
    assert "ne répond pas" in result.stderr
    assert "Traceback" not in result.stderr
