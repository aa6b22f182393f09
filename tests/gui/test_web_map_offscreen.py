"""Without a window system (the offscreen platform of most GUI tests) a map starts no map host
and says why, in French, without a Qt warning."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from ui import map_host
from ui.widgets.web_map import WebMap


def test_a_map_without_a_window_system_starts_nothing_and_says_why(
    qtbot: Any, tmp_path: Path
) -> None:
    page = tmp_path / "carte.html"
    page.write_text("<html><body>Carte</body></html>", encoding="utf-8")
    web_map = WebMap("Carte des lieux")
    qtbot.addWidget(web_map)
    web_map.load(page)
    web_map.resize(500, 300)
    web_map.show()
    qtbot.wait(200)
    assert web_map.host is None
    assert web_map.status.isVisible()
    assert "ne peut pas s'afficher ici" in web_map.status.text()
    # A caller waiting for a value (the pin editor's « Utiliser cette position ») gets None.
    answers: list[Any] = []
    web_map.run_script("1 + 1", answers.append)
    qtbot.waitUntil(lambda: answers == [None], timeout=2000)
    assert not [m for m in sys.modules if "QtWebEngine" in m]


def test_the_map_host_is_started_through_main_or_the_bundle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command = map_host.host_command()
    assert command[0] == sys.executable
    assert Path(command[1]).name == "main.py" and Path(command[1]).is_file()
    assert command[2] == map_host.MAP_HOST_COMMAND
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert map_host.host_command() == [sys.executable, map_host.MAP_HOST_COMMAND]
