"""The journal actions of core's territory and self-test (agents' and structures' are in core.auth,
the journal key's in core.journal).

The enum's values are the action strings stored in the journal: existing databases and the
journal's readers rely on them, so a value never changes. One function per action keeps the
entity and the details of each line in one place, checked by mypy.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from core import journal
from core.models import AuditEntry

if TYPE_CHECKING:
    from core.auth import Actor


class ActionCore(StrEnum):
    TERRITOIRE_CONFIGURATION = "territoire.configuration"
    AUTOTEST = "autotest"
    ROLE_APPLICATIF = "db.role_applicatif"


def territoire_configuration(
    session: Session,
    actor: Actor | None,
    territory_id: int,
    *,
    siren: str | None,
    communes: list[str],
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionCore.TERRITOIRE_CONFIGURATION,
        "territory",
        territory_id,
        {"siren": siren, "communes": communes},
    )


def autotest(
    session: Session,
    actor: Actor | None,
    autotest_id: int,
    *,
    etape: str,
) -> AuditEntry:
    return journal.record(
        session, actor, ActionCore.AUTOTEST, "autotest", autotest_id, {"etape": etape}
    )


def role_applicatif(session: Session, actor: Actor, *, nom: str, mot_de_passe: bool) -> AuditEntry:
    """The desks' PostgreSQL role created or its rights re-applied (never its password)."""
    return journal.record(
        session,
        actor,
        ActionCore.ROLE_APPLICATIF,
        "role",
        nom,
        {"nom": nom, "mot_de_passe_change": mot_de_passe},
    )
