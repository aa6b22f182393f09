"""Keyring backends the self-test subprocesses load through PYTHON_KEYRING_BACKEND."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordSetError


class ProcessKeyring(KeyringBackend):
    """A working keyring that lives as long as the process."""

    priority = 10

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


class LockedKeyring(ProcessKeyring):
    """A keyring that exists but refuses every write, like a locked wallet."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("trousseau verrouillé")
