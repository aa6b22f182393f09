"""Errors that are the user's or the environment's fault, each carrying a French message.

Anything else that escapes a use case is a bug: it is logged with its traceback and shown in the
crash dialog. The GUI and the CLI show a ``MedianumError`` message as it is.
"""

from __future__ import annotations


class MedianumError(Exception):
    """A refusal or an environment problem the user can act on; ``str(err)`` is the message."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(MedianumError):
    """Bad input: the message says which field and why; ``field`` names it when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(MedianumError):
    pass


class PermissionDenied(MedianumError):
    pass


class AuthenticationError(MedianumError):
    pass


class AccountLockedError(AuthenticationError):
    pass


class DatabaseLockedError(MedianumError):
    pass


class DatabaseCorruptError(MedianumError):
    """The database file is damaged or is not a database (SQLITE_CORRUPT, NOTADB, XX001)."""


class DatabaseInUseError(MedianumError):
    """Another Médianum process has the database open (a restore would lose its writes)."""


class DatabaseTooNewError(MedianumError):
    pass


class DatabaseUnavailableError(MedianumError):
    pass


class DataDirectoryError(MedianumError):
    pass


class KeyringUnavailableError(MedianumError):
    pass


class ConflictError(MedianumError):
    """The request clashes with the current state (already done, already exists, changed)."""
