"""A real X server for the tests that need one: the offscreen platform, which the rest of the
GUI suite uses, delivers no real hover and cannot run the web engine's maps."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A private Xvfb, started here whatever the machine has (no desktop is ever drawn on)."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb manque pour les tests des cartes : installer/system-deps.sh --with-tests")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        ready, _w, _x = select.select([read_end], [], [], 30)
        number = os.read(read_end, 16).decode().strip() if ready else ""
        if not number:
            pytest.fail("Xvfb n'a pas démarré en 30 s")
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(10)
