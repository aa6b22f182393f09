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

from sqlalchemy import select

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


# --- the automatic sign-in on the desk's own SQLite file (core.early_sign_in) ------------------

OWN_PASSWORD = "mot-de-passe-solide"


def _own_desk(home: Path) -> Database:
    """A desk's own SQLite file, as the first-run wizard leaves it, flagged as a demonstration
    (the automatic sign-in is refused elsewhere), with one agent « camille »."""
    from core import migrate
    from core.auth import create_agent
    from core.models import Role
    from core.territory import configure_territory, default_preset

    home.mkdir(parents=True)
    db = Database(f"sqlite:///{home / 'medianum.sqlite3'}")
    migrate.upgrade(db, backup=False)
    with db.session() as s:
        put_setting(s, DEMO_KEY, True)
        preset = default_preset()
        configure_territory(
            s, None, preset.nom, preset.siren, [c.code_insee for c in preset.communes]
        )
        create_agent(
            s, None, "camille", "Camille (test)", OWN_PASSWORD, [(Role.ADMINISTRATEUR, None)]
        )
    return db


def _run_own_desk(home: Path, probe: str, password: str) -> str:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        MEDIANUM_HOME=str(home),
        MEDIANUM_AGENT="camille",
        MEDIANUM_PASSWORD=password,
        MEDIANUM_QUIT_AFTER_SHOW="1",
    )
    env.pop("MEDIANUM_DATABASE_URL", None)  # the desk's own file, where the early check runs
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# The probe counts the password checks made on the usual path (after the libraries loaded) and
# notes whether any domain's models were loaded when the window was shown.
OWN_DESK_PROBE = (
    "import sys, main, core.auth as auth, ui.main_window as mw, ui.login\n"
    "from PySide6.QtWidgets import QDialog\n"
    "late_checks = []\n"
    "matches = auth.password_matches\n"
    "def counted(stored, password):\n"
    "    late_checks.append(1)\n"
    "    return matches(stored, password)\n"
    "auth.password_matches = counted\n"
    "at_show = []\n"
    "show = mw.MainWindow.show\n"
    "def record(window):\n"
    "    at_show.extend(m for m in ('mediation.models', 'mediation.mandats.models',\n"
    "                               'pass_numerique.models', 'lieux.models') if m in sys.modules)\n"
    "    show(window)\n"
    "mw.MainWindow.show = record\n"
    "dialogs = []\n"
    "def refuse(dialog):\n"
    "    dialogs.append('login')\n"
    "    return QDialog.DialogCode.Rejected\n"
    "ui.login.LoginDialog.exec = refuse\n"
    "status = main.main([])\n"
    "print('STATUS', status, 'LATE CHECKS', len(late_checks), 'DIALOGS', *dialogs or ['-'])\n"
    "print('MODELS AT SHOW', *at_show or ['-'])\n"
    "print('MODELS AFTER', 'pass_numerique.models' in sys.modules)\n"
)


def test_the_automatic_sign_in_checks_its_password_while_the_desk_loads(
    tmp_path: Path,
) -> None:
    from core.models import AuditEntry

    db = _own_desk(tmp_path / "home")
    try:
        out = _run_own_desk(tmp_path / "home", OWN_DESK_PROBE, OWN_PASSWORD)
        # Signed in with no check after the libraries loaded: the early one was used.
        assert "STATUS 0 LATE CHECKS 0 DIALOGS -" in out, out
        assert out.split("MEDIANUM_SHOWN")[1].split()[2] == "accueil"
        # Nothing to redo at this start: the window came up before any domain's models, which
        # then loaded in the background for the first page.
        assert "MODELS AT SHOW -" in out, out
        assert "MODELS AFTER True" in out, out
        with db.read_session() as s:
            actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions[-1] == "connexion", actions
    finally:
        db.dispose()


def test_a_wrong_automatic_password_is_refused_and_counted_as_at_the_login_dialog(
    tmp_path: Path,
) -> None:
    from core.models import Agent

    db = _own_desk(tmp_path / "home")
    probe = (
        "import main, ui.widgets.messages as messages\n"
        "said = []\n"
        "messages.present = lambda box: said.append(box.text())\n"
        "status = main.main([])\n"
        "print('STATUS', status, 'SAID', *said)\n"
    )
    try:
        out = _run_own_desk(tmp_path / "home", probe, "pas-le-bon-mot")
        assert "MEDIANUM_SHOWN" not in out  # nobody signed in, no window
        assert "STATUS 1 SAID" in out and "mot de passe" in out.lower(), out
        with db.read_session() as s:
            agent = s.scalar(select(Agent).where(Agent.login == "camille"))
            assert agent is not None and agent.failed_attempts == 1  # counted, as at the dialog
    finally:
        db.dispose()


def test_a_desk_shows_its_login_dialog_before_loading_any_domain_model(tmp_path: Path) -> None:
    """The desk's usual start, no automatic sign-in: the login dialog (where the benchmark's
    switch stops it) comes up with none of the domains' models loaded."""
    db = _own_desk(tmp_path / "home")
    probe = (
        "import sys, main\n"
        "status = main.main([])\n"
        "loaded = [m for m in ('mediation.models', 'mediation.mandats.models',\n"
        "                      'pass_numerique.models', 'lieux.models') if m in sys.modules]\n"
        "print('STATUS', status, 'MODELS', *loaded or ['-'])\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MEDIANUM_HOME=str(tmp_path / "home"))
    env["MEDIANUM_QUIT_AFTER_SHOW"] = "1"
    for variable in ("MEDIANUM_DATABASE_URL", "MEDIANUM_AGENT", "MEDIANUM_PASSWORD"):
        env.pop(variable, None)
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split("MEDIANUM_SHOWN")[1].split()[2] == "login", done.stdout
        assert "STATUS 0 MODELS -" in done.stdout, done.stdout
    finally:
        db.dispose()
