"""Files a process holds locked while it lives: « this database is open here », « this backup is
being written ». The operating system releases the lock when the process ends, even killed, so a
lock file whose lock can be taken is a leftover, and what it stood for can be cleaned up.

``flock`` on POSIX (per open file, so two opens in one process exclude each other too), and
``msvcrt.locking`` on one byte far past the text on Windows (so the text stays readable).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import socket
import sys
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

_WINDOWS_LOCK_OFFSET = 1 << 20


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            handle.seek(0)
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def who_am_i() -> dict[str, object]:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = ""
    return {
        "poste": socket.gethostname(),
        "utilisateur": user,
        "pid": os.getpid(),
        "depuis": datetime.now(UTC).isoformat(timespec="seconds"),
    }


class HeldLock:
    """A lock file in ``folder`` held until ``release``, the object's collection, or the end of
    the process, whichever comes first."""

    def __init__(self, folder: Path, info: dict[str, object]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.verrou"
        handle = self.path.open("w+", encoding="utf-8")
        if not _try_lock(handle):  # a fresh unique name: only a broken filesystem refuses
            log.warning("lock file %s could not be locked", self.path.name)
        handle.write(json.dumps(info, ensure_ascii=False))
        handle.flush()
        self._finalizer = weakref.finalize(self, _release, handle, self.path)

    def release(self) -> None:
        self._finalizer()


def _release(handle: IO[str], path: Path) -> None:
    with contextlib.suppress(OSError):
        _unlock(handle)
    handle.close()
    path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Holder:
    path: Path
    info: dict[str, object]

    @property
    def pid(self) -> int:
        value = self.info.get("pid")
        return value if isinstance(value, int) else -1

    def describe(self) -> str:
        user = self.info.get("utilisateur")
        return f"{self.info.get('poste', '?')}" + (f" ({user})" if user else "")


def _read_info(path: Path) -> dict[str, object]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _scan(folder: Path) -> Iterator[tuple[Path, dict[str, object], bool]]:
    """Each lock file of ``folder``: its path, its text, and whether nobody holds it now."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.verrou")):
        info = _read_info(path)
        try:
            handle = path.open("r+", encoding="utf-8")
        except OSError:
            continue
        with handle:
            free = _try_lock(handle)
            if free:
                _unlock(handle)
        yield path, info, free


def live_holders(folder: Path) -> list[Holder]:
    """Lock files of ``folder`` still held by a living process; leftovers are removed."""
    held = []
    for path, info, free in _scan(folder):
        if free:
            path.unlink(missing_ok=True)
        else:
            held.append(Holder(path, info))
    return held


def leftovers(folder: Path) -> list[dict[str, object]]:
    """The text of lock files nobody holds any more (their process ended); the files removed."""
    found = []
    for path, info, free in _scan(folder):
        if free:
            found.append(info)
            path.unlink(missing_ok=True)
    return found


# --- files being written -------------------------------------------------------------------------


def _partials_folder() -> Path:
    from core import paths

    return paths.data_dir() / "en-cours"


def begin_partial(file: Path) -> HeldLock:
    """Declare ``file`` as being written by this process until the lock is released; if the
    process dies first, the next start removes the file (``clean_abandoned_partials``)."""
    return HeldLock(_partials_folder(), {**who_am_i(), "fichier": str(file)})


def clean_abandoned_partials() -> list[Path]:
    """Remove half-written files left by a process that was killed; returns them."""
    removed = []
    for info in leftovers(_partials_folder()):
        name = info.get("fichier")
        if isinstance(name, str) and name:
            path = Path(name)
            for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal")):
                if leftover.exists():
                    leftover.unlink(missing_ok=True)
                    removed.append(leftover)
    if removed:
        log.info("removed %d half-written files left by a killed process", len(removed))
    return removed


def open_locks_folder(database_file: Path) -> Path:
    """Where each process that has ``database_file`` open keeps its lock (next to the file,
    so that processes with different data directories still see each other)."""
    return database_file.with_name(database_file.name + ".ouvert")
