"""Secrets (PostgreSQL password, signing keys) live in the OS keyring, nowhere else.

When no usable keyring exists the caller gets a clear French error: storing a secret in a plain
file instead would silently weaken the protection of vulnerable people's data.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from core.errors import KeyringUnavailableError
from core.i18n import _

SERVICE = "medianum"


def _backend() -> object:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        raise KeyringUnavailableError(
            _(
                "Aucun trousseau de clés du système n'est disponible (Gestionnaire "
                "d'identification Windows, GNOME Keyring, KWallet…). Médianum n'enregistre "
                "jamais un secret en clair : installez ou déverrouillez un trousseau, puis "
                "réessayez."
            )
        )
    return backend


def keyring_available() -> bool:
    try:
        _backend()
    except KeyringUnavailableError:
        return False
    return True


def get_secret(name: str) -> str | None:
    import keyring.errors

    backend = _backend()
    try:
        return backend.get_password(SERVICE, name)  # type: ignore[attr-defined, no-any-return]
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(
            _("Le trousseau de clés a refusé la lecture du secret ({error}).").format(error=exc)
        ) from exc


def get_optional(name: str) -> str | None:
    """Like ``get_secret`` but None when there is no keyring at all (e.g. trust auth)."""
    try:
        return get_secret(name)
    except KeyringUnavailableError:
        return None


def set_secret(name: str, value: str) -> None:
    import keyring.errors

    backend = _backend()
    try:
        backend.set_password(SERVICE, name, value)  # type: ignore[attr-defined]
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(
            _("Le trousseau de clés a refusé l'enregistrement du secret ({error}).").format(
                error=exc
            )
        ) from exc


def delete_secret(name: str) -> None:
    import keyring.errors

    backend = _backend()
    try:
        backend.delete_password(SERVICE, name)  # type: ignore[attr-defined]
    except keyring.errors.PasswordDeleteError:
        return


def postgres_secret_name(url: URL) -> str:
    return f"postgresql://{url.username or ''}@{url.host or ''}:{url.port or 5432}/{url.database}"
