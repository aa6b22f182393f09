"""A new installation from the command line (a shared server set up headless): the first
administrator and the territory, in one transaction whose first journal line is the journal's key
— what the first-start wizard does in the window."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.auth import create_agent
from core.errors import ConflictError
from core.i18n import _
from core.installation import needs_first_run
from core.journal_cle import seal_new_installation
from core.models import Role
from core.territory import configure_territory, default_preset


def create_installation(
    session: Session, login: str, display_name: str, password: str, territory_name: str = ""
) -> str | None:
    """Returns the journal key's id, or None when this desk has no keyring (unsealed)."""
    if not needs_first_run(session):
        raise ConflictError(
            _(
                "Cette base est déjà installée (administrateur et territoire existent) : "
                "connectez-vous avec un administrateur."
            )
        )
    sealed = seal_new_installation(session)
    preset = default_preset()
    configure_territory(
        session,
        None,
        territory_name.strip() or preset.nom,
        preset.siren,
        [c.code_insee for c in preset.communes],
    )
    create_agent(session, None, login, display_name, password, [(Role.ADMINISTRATEUR, None)])
    return sealed
