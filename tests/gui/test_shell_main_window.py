"""Main window: the rail shows the pages the agent may open; pages load when first opened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.auth import Actor, create_structure
from core.db import Database
from core.i18n import format_date
from core.installation import DEMO_KEY, put_setting
from core.models import Role
from tests.gui.shell_support import context
from ui.main_window import MainWindow, build_page
from ui.pages import PageSpec
from ui.widgets import PlaceholderPage

ROOT = Path(__file__).resolve().parents[2]


def _window(qtbot, db: Database, actor: Actor, **kw: object) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(context(db, actor, **kw))  # type: ignore[arg-type]
    qtbot.addWidget(window)
    return window


def test_rail_of_an_accueil_agent_shows_desk_pages_and_no_administration(
    qtbot, db: Database, admin: Actor, make_agent
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:
        mediatheque = create_structure(s, admin, "Médiathèque centrale").id
    accueil = make_agent((Role.ACCUEIL, mediatheque), login="camille")
    window = _window(qtbot, db, accueil)
    assert window.rail_keys() == [
        "accueil",
        "beneficiaires",
        "accompagnements",
        "pass",
        "lieux",
        "statistiques",
        "donnees_personnelles",
    ]
    assert window.windowTitle() == "Médianum — Agent Test — Médiathèque centrale"


def test_rail_of_an_administrator_shows_administration_but_no_beneficiaries(
    qtbot, db: Database, admin: Actor
) -> None:
    window = _window(qtbot, db, admin)
    assert window.rail_keys() == ["accueil", "lieux", "administration", "donnees_personnelles"]
    window.open_page("administration")
    assert type(window.current_page()).__name__ == "AdministrationPage"


def test_accueil_greets_the_agent_with_the_french_date_and_links_to_its_pages(
    qtbot, db: Database, admin: Actor
) -> None:
    window = _window(qtbot, db, admin)
    page = window.current_page()
    assert type(page).__name__ == "AccueilPage"
    assert "Bonjour, Admin Test" in page.welcome.text()  # type: ignore[union-attr]
    from datetime import datetime

    from core.i18n import DISPLAY_TZ

    today = datetime.now(DISPLAY_TZ).date()
    months = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    expected = f"{today.day} {months[today.month - 1]} {today.year}"
    assert format_date(today) == expected
    assert page.today.text() == f"Nous sommes le {expected}."  # type: ignore[union-attr]
    assert sorted(page.links) == ["administration", "donnees_personnelles", "lieux"]  # type: ignore[union-attr]
    page.links["administration"].click()  # type: ignore[union-attr]
    assert type(window.current_page()).__name__ == "AdministrationPage"


def test_demonstration_database_says_so_in_the_title_and_on_the_accueil_page(
    qtbot, db: Database, admin: Actor
) -> None:
    with db.session() as s:
        put_setting(s, DEMO_KEY, True)
    window = _window(qtbot, db, admin, demo=True)
    assert window.windowTitle().endswith(" — BASE DE DÉMONSTRATION")
    page = window.current_page()
    assert page.demo_notice is not None  # type: ignore[union-attr]
    assert "fictifs" in page.demo_notice.text()  # type: ignore[union-attr]


def test_a_frame_built_before_sign_in_becomes_the_agents_window(
    qtbot, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    ctx = context(db, admin)
    frame = MainWindow(frame_for=(db, ctx.settings))  # while the password is typed or checked
    qtbot.addWidget(frame)
    assert frame.rail_keys() == []
    frame.open_for(ctx)
    direct = _window(qtbot, db, admin)
    assert frame.rail_keys() == direct.rail_keys()
    assert (
        frame.windowTitle() == direct.windowTitle() == "Médianum — Admin Test — tout le territoire"
    )
    assert type(frame.current_page()).__name__ == "AccueilPage"
    frame.lock()
    assert frame.locked and frame.central.currentWidget() is frame.lock_screen


def test_a_frame_is_opened_only_for_the_database_it_was_built_for(
    qtbot, db: Database, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    ctx = context(db, admin)
    other = Database("sqlite://")
    try:
        frame = MainWindow(frame_for=(other, ctx.settings))
        qtbot.addWidget(frame)
        with pytest.raises(ValueError):
            frame.open_for(ctx)
    finally:
        other.dispose()


def test_a_page_not_written_yet_says_so_plainly(qtbot, db: Database, admin: Actor) -> None:
    spec = PageSpec("futur", "Page future", (), "ui.pages.page_qui_n_existe_pas", "Futur")
    page = build_page(spec, context(db, admin))
    qtbot.addWidget(page)
    assert isinstance(page, PlaceholderPage)
    assert page.message == "Cette page n'est pas encore disponible."


def test_keyboard_ctrl_and_number_opens_the_nth_page_of_the_rail(
    qtbot, db: Database, admin: Actor
) -> None:
    window = _window(qtbot, db, admin)
    shortcuts = {a.text(): a.shortcut().toString() for a in window.go_menu.actions()}
    assert shortcuts == {
        "Accueil": "Ctrl+1",
        "Lieux": "Ctrl+2",
        "Administration": "Ctrl+3",
        "Données personnelles": "Ctrl+4",
    }
    window.go_menu.actions()[2].trigger()
    assert window.rail.currentItem().text() == "Administration"


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_start_up_loads_neither_the_web_engine_nor_pandas(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    with db.session() as s:
        put_setting(s, DEMO_KEY, True)
    probe = (
        "import sys, main\n"
        "status = main.main([])\n"
        "heavy = [m for m in ('PySide6.QtWebEngineWidgets', 'PySide6.QtWebEngineCore', "
        "'pandas') if m in sys.modules]\n"
        "print('STATUS', status, 'HEAVY', ','.join(heavy) or '-')\n"
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        MEDIANUM_HOME=str(tmp_path / "home"),
        MEDIANUM_DATABASE_URL=db.url.render_as_string(hide_password=False),
        MEDIANUM_AGENT="admin",
        MEDIANUM_PASSWORD="mot-de-passe-solide",
        MEDIANUM_QUIT_AFTER_SHOW="1",
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "MEDIANUM_SHOWN" in done.stdout, done.stderr
    assert "STATUS 0 HEAVY -" in done.stdout


def test_change_agent_from_the_menu_rebuilds_the_rail_for_the_new_agent(
    qtbot, db: Database, admin: Actor, make_agent, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from ui.login import LoginDialog

    make_agent((Role.COORDINATEUR, None), login="alix")

    def sign_in_as_alix(dialog: LoginDialog) -> int:
        dialog.login_edit.setText("alix")
        dialog.password_edit.setText("mot-de-passe-solide")
        dialog.submit()
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", sign_in_as_alix)
    window = _window(qtbot, db, admin)
    window.switch_action.trigger()
    assert window.ctx.actor.login == "alix"
    assert window.rail_keys() == ["accueil", "pass", "lieux", "fragilite", "statistiques"]
    assert window.windowTitle() == "Médianum — Agent Test — tout le territoire"


def test_about_gives_the_version_the_eupl_licence_and_the_data_notice(qtbot) -> None:
    import tomllib

    from ui.main_window import AboutDialog

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    about = AboutDialog()
    qtbot.addWidget(about)
    shown = about.text.toPlainText()
    assert f"Médianum {version}" in shown
    assert "EUPL-1.2" in shown
    assert "Licence Ouverte / Open Licence (Etalab 2.0)" in shown
    assert "aucune télémétrie" in shown
