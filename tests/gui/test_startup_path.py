"""What the desk does before its first window: checked in a fresh interpreter, as a desk starts.

The home page is built with the main window (not « Chargement de la page… » first), and the
formatting library is not loaded before the login dialog: it is loaded, with the home page,
while the agent types the password.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.auth import Actor
from core.db import Database
from core.installation import DEMO_KEY, put_setting

ROOT = Path(__file__).resolve().parents[2]


def _start_desk(db: Database, home: Path, probe: str, **env: str) -> str:
    """Run ``probe`` (which calls ``main.main([])``) in a fresh interpreter; its output."""
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            MEDIANUM_HOME=str(home),
            MEDIANUM_DATABASE_URL=db.url.render_as_string(hide_password=False),
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_main_window_is_shown_with_its_home_page_built(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    with db.session() as s:
        put_setting(s, DEMO_KEY, True)  # automatic sign-in is for demonstration databases
    probe = (
        "import main, ui.main_window as mw\n"
        "shown = []\n"
        "show = mw.MainWindow.show\n"
        "def record(window):\n"
        "    show(window)\n"
        "    page = window.current_page()\n"
        "    shown.append(f'{type(page).__name__}:{page.accessibleName()}')\n"
        "mw.MainWindow.show = record\n"
        "status = main.main([])\n"
        "print('STATUS', status, 'SHOWN', *shown)\n"
    )
    out = _start_desk(
        db,
        tmp_path / "home",
        probe,
        MEDIANUM_AGENT="admin",
        MEDIANUM_PASSWORD="mot-de-passe-solide",
        MEDIANUM_QUIT_AFTER_SHOW="1",
    )
    assert "STATUS 0 SHOWN AccueilPage:Accueil" in out, out
    assert "MEDIANUM_SHOWN" in out and out.split("MEDIANUM_SHOWN")[1].split()[2] == "accueil"


def test_the_login_dialog_comes_up_without_the_formatting_library(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    probe = (
        "import sys, main, ui.login\n"
        "from PySide6.QtWidgets import QDialog\n"
        "seen = []\n"
        "def answer(dialog):\n"
        "    seen.append('babel' in sys.modules)\n"
        "    return QDialog.DialogCode.Rejected\n"
        "ui.login.LoginDialog.exec = answer\n"
        "status = main.main([])\n"
        "print('STATUS', status, 'BABEL BEFORE LOGIN', *seen)\n"
    )
    out = _start_desk(db, tmp_path / "home", probe)
    assert "STATUS 0 BABEL BEFORE LOGIN False" in out, out
