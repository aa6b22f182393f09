"""The journal actions of the fragility index.

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


class ActionFragilite(StrEnum):
    CALCUL = "fragilite.calcul"


def calcul(
    session: Session,
    actor: Actor,
    enquete_id: str,
    *,
    methodologie: str,
    enquete_sha256: str,
    marges_sha256: str | None,
    ponderation: str,
    repondants: int,
    lignes_exclues: int,
    communes: object,
) -> AuditEntry:
    return journal.record(
        session,
        actor,
        ActionFragilite.CALCUL,
        "enquete",
        enquete_id,
        {
            "methodologie": methodologie,
            "enquete_sha256": enquete_sha256,
            "marges_sha256": marges_sha256,
            "ponderation": ponderation,
            "repondants": repondants,
            "lignes_exclues": lignes_exclues,
            "communes": communes,
        },
    )
