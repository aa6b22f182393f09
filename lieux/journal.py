"""The journal actions of the places directory.

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


class ActionLieux(StrEnum):
    IMPORTATION = "lieux.import"
    MODIFIER = "lieux.modifier"
    CREER = "lieux.creer"
    EXPORTATION = "lieux.export"


def importation(
    session: Session,
    actor: Actor,
    *,
    format: str,
    crees: int,
    modifies: int,
    inchanges: int,
    ignores: int,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionLieux.IMPORTATION,
        "lieu",
        None,
        {
            "format": format,
            "crees": crees,
            "modifies": modifies,
            "inchanges": inchanges,
            "ignores": ignores,
        },
    )


def modifier(
    session: Session,
    actor: Actor,
    lieu_id: int,
    *,
    champs: list[str],
) -> AuditEntry:
    return journal.record(session, actor, ActionLieux.MODIFIER, "lieu", lieu_id, {"champs": champs})


def creer(
    session: Session,
    actor: Actor,
    lieu_id: int,
) -> AuditEntry:
    return journal.record(session, actor, ActionLieux.CREER, "lieu", lieu_id)


def exportation(
    session: Session,
    actor: Actor,
    *,
    format: str,
    n: int,
    sans_position: int | None = None,
) -> AuditEntry:
    details: dict[str, object] = {"format": format, "n": n}
    if sans_position is not None:
        details["sans_position"] = sans_position
    return journal.record(session, actor, ActionLieux.EXPORTATION, "lieu", None, details)
