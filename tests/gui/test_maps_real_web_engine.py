"""The three maps, with the real web engine under Xvfb, survive real pointer and key input and
draw what they should. Each runs in a child process (``tests.gui.map_scenario``): a segfault of
PySide fails its test instead of ending the test run. The web engine itself runs in the map host
(``ui.map_host``), a process the desk starts while a map is shown: the desk never loads it, and
a crash of the host is counted and fails the test."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core import paths

SCENARIO = "tests.gui.map_scenario"


def _run(home: Path, display: str, name: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANUM_")}
    env.update(
        MEDIANUM_HOME=str(home),
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        PYTHONPATH=str(paths.PROJECT_ROOT),
    )
    if os.geteuid() == 0:
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"  # Chromium refuses its sandbox to root
    return subprocess.run(
        [sys.executable, "-m", SCENARIO, name],
        cwd=paths.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory, xvfb_display: str) -> Path:
    home = tmp_path_factory.mktemp("demo-cartes")
    made = _run(home, xvfb_display, "demo")
    assert made.returncode == 0, made.stderr[-3000:]
    return home


@pytest.fixture(scope="module")
def scenario(
    demo_home: Path, xvfb_display: str, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], dict[str, Any]]:
    """The result of one map's scenario, run once per module (a web engine start is seconds)."""
    results: dict[str, dict[str, Any]] = {}

    def result_of(name: str) -> dict[str, Any]:
        if name not in results:
            home = tmp_path_factory.mktemp(name) / "home"
            shutil.copytree(demo_home, home)
            results[name] = _checked(_run(home, xvfb_display, name))
        return results[name]

    return result_of


def _checked(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    if done.returncode < 0:
        pytest.fail(
            f"le processus de la carte est mort ({signal.Signals(-done.returncode).name}) :\n"
            + done.stderr[-3000:]
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Expect troubles" not in done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    assert result["alive"] is True
    assert result["host_crashes"] == 0, "l'hôte de la carte s'est arrêté de lui-même"
    return result


def test_the_places_map_survives_real_input_and_draws_every_place(
    scenario: Callable[[str], dict[str, Any]],
) -> None:
    result = scenario("lieux")
    assert result["places_drawn"] == result["places_with_coordinates"] == 19, result
    assert result["commune_outlines"] >= 1
    before, after = result["zoom"]
    assert after == before + 1


def test_the_fragility_map_survives_real_input_draws_every_commune_and_fits_the_territory(
    scenario: Callable[[str], dict[str, Any]],
) -> None:
    result = scenario("fragilite")
    assert result["communes_drawn"] == result["communes_of_the_territory"] == 28
    # Fitted, the territory spans at least half the view one way (not a speck in the middle).
    across, down = result["territory_share_of_view"][:2]
    assert max(across, down) >= 0.5
    assert result["indicator_followed"] is True
    before, after = result["zoom"]
    assert after == before + 1


def test_leaving_a_map_ends_its_host_and_coming_back_shows_it_again(
    scenario: Callable[[str], dict[str, Any]],
) -> None:
    for name in ("lieux", "fragilite"):
        result = scenario(name)
        assert result["renderers_while_shown"] >= 1
        assert result["after_leaving"] == {"host": False, "host_process": False, "renderers": 0}
        assert result["shown_again"] is True
        assert result["new_host"] is True


def test_the_desk_process_never_loads_the_web_engine(
    scenario: Callable[[str], dict[str, Any]],
) -> None:
    for name in ("lieux", "fragilite", "epingle"):
        assert scenario(name)["web_engine_in_desk"] == [], name


def test_a_person_without_a_mouse_tabs_into_the_map_zooms_it_and_escapes_back_to_the_page(
    scenario: Callable[[str], dict[str, Any]],
) -> None:
    keyboard = scenario("lieux")["keyboard"]
    assert keyboard["reached_by_tab"] is True, keyboard
    assert keyboard["map_focused_in_page"] is True, keyboard
    before, after = keyboard["zoom"]
    assert after == before + 1, keyboard
    assert keyboard["back_in_page"] is True, keyboard
    assert keyboard["focus_after_escape_outside_map"] is True, keyboard
    assert keyboard["described"] is True


def test_input_over_the_map_keeps_the_station_unlocked_and_the_lock_ends_the_map(
    scenario: Callable[[str], dict[str, Any]],
) -> None:
    # The person's input over the map goes to the host's window, not the desk's: the host says
    # so, or the station would lock under the hands of an agent using the map.
    lock = scenario("lieux")["lock"]
    assert lock == {
        "unlocked_while_used": True,
        "locked_after_idle": True,
        "map_visible_when_locked": False,
        "host_after_lock": False,
    }


def test_placing_a_new_place_on_the_map_survives_real_input_and_fills_its_position(
    scenario: Callable[[str], dict[str, Any]],
) -> None:
    result = scenario("epingle")
    pin = json.loads(result["pin_in_page"])
    assert result["form_position"] == [pin["lat"], pin["lng"]]
    assert 45.9 < pin["lat"] < 46.4 and -1.4 < pin["lng"] < -0.8
    assert result["pin_drawn"] == 1
    before, after = result["zoom"]
    assert after == before + 1
    assert result["host_after_closing"] is False
    assert result["host_process_after_closing"] is False


def test_a_map_host_that_dies_or_cannot_start_is_said_in_french_and_shown_again_later(
    scenario: Callable[[str], dict[str, Any]],
) -> None:
    result = scenario("panne")
    crash = result["after_crash"]
    assert crash["host"] is False and crash["crashes"] == 1 and crash["renderers"] == 0
    assert crash["sentence_shown"] is True
    assert crash["said"].startswith("La carte s'est arrêtée de façon inattendue.")
    assert result["restarted"] is True
    assert result["not_started"] == {
        "host": False,
        "said": "La carte n'a pas pu démarrer sur ce poste.",
    }
