"""The automatic sign-in's password check, started before the desk loads its libraries.

The automatic sign-in (``MEDIANUM_AGENT``/``MEDIANUM_PASSWORD``, accepted on a demonstration
database only: the start-up benchmark, scripted screenshots) knows the password from the first
instant, whereas an agent types it while the desk loads. So that this path, too, checks the
password while the libraries load rather than after, this module reads the agent's stored hash
with the standard library's ``sqlite3`` (read-only, before SQLAlchemy is imported) and runs the
argon2 check on a thread: argon2 releases the GIL, so the check and the imports overlap.

It decides nothing: ``ui.app._automatic_actor`` reads the hash again in its own session and uses
this answer only for that same hash (a check is a pure function of the hash and the password);
the demonstration rule, the lockout and the journal line stay with ``core.auth.authenticate``.
A shared PostgreSQL database, a settings file naming one, or any problem reading the file: no
early check, the usual path runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from dataclasses import dataclass, field

from core import paths

# Niceness of the checking thread (Linux): below the main thread, which loads the desk meanwhile.
_NICER = 10


@dataclass
class EarlyCheck:
    """The answer for one stored hash, once the thread has run."""

    stored_hash: str
    password: str
    _thread: threading.Thread | None = None
    _matches: list[bool] = field(default_factory=list)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._check, name="sign-in (early)", daemon=True)
        self._thread.start()

    def _check(self) -> None:
        # argon2 releases the GIL but runs its four lanes on threads of its own, which would
        # take both cores of a desk PC from the imports this check overlaps: on Linux this
        # thread, and the lane threads it starts, yield to the desk's main thread.
        if hasattr(os, "setpriority"):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICER)
        # Imported here: the argon2 bindings load on this thread, not before the desk's own
        # imports. Any PasswordHasher verifies any argon2 hash: the parameters are in the hash.
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            self._matches.append(bool(PasswordHasher().verify(self.stored_hash, self.password)))
        except (VerificationError, InvalidHashError):  # VerifyMismatchError is one of them
            self._matches.append(False)

    def matches(self, stored_hash: str, password: str) -> bool | None:
        """The check's answer if it was for this hash and password (waiting for it), else None."""
        if stored_hash != self.stored_hash or password != self.password or self._thread is None:
            return None
        self._thread.join()
        return self._matches[0] if self._matches else None


def _shared_database_configured() -> bool:
    """True when the desk may use another database than its SQLite file (or cannot tell)."""
    if os.environ.get("MEDIANUM_DATABASE_URL"):
        return True
    settings = paths.settings_file()
    if not settings.exists():
        return False
    try:
        values = json.loads(settings.read_text(encoding="utf-8")).get("values", {})
        return bool(str(values.get("database_url") or "").strip())
    except (OSError, ValueError, AttributeError):
        return True  # the usual path reads the file again and says what is wrong


def start_from_environment() -> EarlyCheck | None:
    """Start the automatic sign-in's check if the environment asks for one; else None."""
    login = os.environ.get("MEDIANUM_AGENT")
    password = os.environ.get("MEDIANUM_PASSWORD")
    if not (login and password):
        return None
    try:
        if _shared_database_configured():
            return None
        database = paths.database_file()
        if not database.exists():
            return None
        # Read-only, through a URI so that a missing file is not created.
        connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            row = connection.execute(
                # As core.auth.stored_password_hash: the login compared without case or spaces.
                "SELECT password_hash FROM agent WHERE lower(login) = ?",
                (login.strip().lower(),),
            ).fetchone()
        finally:
            connection.close()
    except Exception:  # noqa: BLE001 - anything here only means: no early check
        return None
    if row is None or not isinstance(row[0], str):
        return None
    check = EarlyCheck(row[0], password)
    check.start()
    return check
