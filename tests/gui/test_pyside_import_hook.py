"""PySide6's import hook, lightened by ``ui`` (memory and start-up of the desk, issue 11).

Once loaded, PySide6 asks of every module imported afterwards whether it uses PySide6; it read
the whole source through ``inspect.getsource``, and ``linecache`` then kept every line of every
module for the life of the process (33 MB of text once Fragilité had loaded scipy and pandas).
Each check runs in a fresh interpreter: the hook acts on modules imported for the first time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import linecache, sys
sys.path.insert(0, sys.argv[1])
import ui, ui.app  # the desk's start: SQLAlchemy and the models, then PySide6
import uses_qt, plain  # two modules imported after PySide6, each for the first time
import shibokensupport.feature as feature
print("LIGHT", feature._mod_uses_pyside is ui.mentions_pyside)
mine = ("uses_qt.py", "plain.py")
print("CACHED", sorted(k.rsplit("/", 1)[-1] for k in linecache.cache if k.endswith(mine)))
found = feature.pyside_feature_dict
print("DICT", "uses_qt" in found, found.get("plain", -1))
from __feature__ import snake_case  # noqa: F401 - the feature PySide6's hook exists for
from PySide6.QtCore import QObject
print("SNAKE", hasattr(QObject(), "object_name"))
"""


def _run(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "uses_qt.py").write_text("from PySide6.QtCore import QObject\n")
    (tmp_path / "plain.py").write_text("VALUE = 1\n")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)


def test_modules_imported_after_pyside_leave_no_source_in_memory(tmp_path: Path) -> None:
    seen = _run(tmp_path)
    assert seen["LIGHT"] == "True"
    assert seen["CACHED"] == "[]"


def test_pyside_still_tells_modules_that_use_it_and_its_features_still_work(
    tmp_path: Path,
) -> None:
    seen = _run(tmp_path)
    # The module naming PySide6 is registered for features, the plain one is not (-1).
    assert seen["DICT"] == "True -1"
    assert seen["SNAKE"] == "True"


def test_the_lightened_check_answers_from_the_file_bytes(tmp_path: Path) -> None:
    import types

    from ui import mentions_pyside

    qt = tmp_path / "qt_user.py"
    qt.write_text("import PySide6\n")
    other = tmp_path / "other.py"
    other.write_text("import json\n")
    compiled = types.ModuleType("compiled")
    compiled.__file__ = str(tmp_path / "compiled.cpython-311-x86_64-linux-gnu.so")
    for name, path in (("qt_user", qt), ("other", other)):
        module = types.ModuleType(name)
        module.__file__ = str(path)
        assert mentions_pyside(module) is (name == "qt_user")
    assert mentions_pyside(compiled) is False
    assert mentions_pyside(types.ModuleType("no_file")) is False
