"""A living database for the GUI tests of the whole interface: the demonstration, filled once per
test module by the ``demo`` command's own code, copied for each test, and the ``demo`` agent who
holds every role."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from core.auth import Actor, actor_for
from core.db import Database
from core.demo import DemoSizes, create_demo
from core.models import Agent
from domaines import DOMAINES
from tests.conftest import MemoryKeyring
from ui.style import apply_font_scale, apply_style

DEMO_BENEFICIAIRES = 60


@pytest.fixture(scope="module")
def demo_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[tuple[str, str], str]]:
    """The demonstration database file and the keyring secrets it was created with."""
    home = tmp_path_factory.mktemp("demo-home")
    previous = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MEDIANUM_HOME", str(home))
            patch.delenv("MEDIANUM_DATABASE_URL", raising=False)
            create_demo(DemoSizes(beneficiaires=DEMO_BENEFICIAIRES), DOMAINES)
    finally:
        keyring.set_keyring(previous)
    return home / "medianum.sqlite3", dict(store.store)


@pytest.fixture
def demo_db(
    demo_template: tuple[Path, dict[tuple[str, str], str]],
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
) -> Iterator[Database]:
    path, secrets = demo_template
    copy = tmp_path / "demo.sqlite3"
    shutil.copyfile(path, copy)
    memory_keyring.store.update(secrets)
    database = Database(f"sqlite:///{copy}")
    yield database
    database.dispose()


@pytest.fixture
def demo_agent(demo_db: Database) -> Actor:
    """The demonstration agent: every role, on the territory and in every structure."""
    with demo_db.read_session() as session:
        agent = session.scalars(select(Agent).where(Agent.login == "demo")).one()
        return actor_for(session, agent)


@pytest.fixture(params=[100, 150], ids=["police-100", "police-150"])
def font_scale(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[int]:
    """The application's text size setting and style sheet, as ``run_gui`` applies them; put
    back to 100 % and no style sheet afterwards."""
    percent = int(request.param)
    apply_font_scale(qapp, percent)
    apply_style(qapp)
    yield percent
    qapp.setStyleSheet("")
    apply_font_scale(qapp, 100)
