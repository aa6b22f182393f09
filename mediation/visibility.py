"""Who sees which beneficiaries: the rule in one place, as SQL filters other modules reuse.

- Names (a beneficiary's file) are visible to an agent holding ``DOSSIER_LIRE`` in the
  beneficiary's structure (the one that registered them). Territory-wide desk roles see every
  structure.
- Aggregates (statistics, counts by genre, age band…) are visible in the structures where the
  agent holds ``STATISTIQUES``: a coordinator holds it territory-wide but no desk role, so it sees
  aggregates and never names — unless it also holds a desk role in a structure, which gives the
  names of that structure only.
- Erased beneficiaries never appear in name lists; their anonymous values stay in aggregates.

Statistics, exports and the GUI list models build their queries with these filters rather than
re-deriving the rule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.orm import Session

from core.auth import Actor, Permission
from core.errors import NotFoundError, PermissionDenied
from core.i18n import _
from mediation.models import Accompagnement, Beneficiaire


def named_structure_ids(actor: Actor) -> frozenset[int] | None:
    """Structures whose beneficiaries' names the actor sees; None means every structure."""
    return actor.structures_with(Permission.DOSSIER_LIRE)


def aggregate_structure_ids(actor: Actor) -> frozenset[int] | None:
    """Structures whose aggregates the actor sees; None means every structure."""
    return actor.structures_with(Permission.STATISTIQUES)


def can_see_names(actor: Actor, structure_id: int) -> bool:
    ids = named_structure_ids(actor)
    return ids is None or structure_id in ids


def _in_structures(column: Any, ids: frozenset[int] | None) -> ColumnElement[bool]:
    if ids is None:
        return true()
    if not ids:
        return false()
    clause: ColumnElement[bool] = column.in_(sorted(ids))
    return clause


def beneficiaire_filter(
    actor: Actor, *, include_erased: bool = False, use_structure_index: bool = True
) -> ColumnElement[bool]:
    """WHERE clause on ``Beneficiaire``: the files whose names the actor may see.

    ``use_structure_index=False`` writes the test so that no index can answer it: name searches
    and name-sorted pages must walk the name indexes, and SQLite would otherwise prefer the
    structure index and sort a whole structure's rows."""
    column: Any = (
        Beneficiaire.structure_id if use_structure_index else Beneficiaire.structure_id + 0
    )
    clause = _in_structures(column, named_structure_ids(actor))
    if not include_erased:
        clause = clause & Beneficiaire.efface.is_(False)
    return clause


def beneficiaire_aggregate_filter(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause on ``Beneficiaire`` for counts and statistics (erased ones included)."""
    return _in_structures(Beneficiaire.structure_id, aggregate_structure_ids(actor))


def accompagnement_filter(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause on ``Accompagnement`` for aggregates: activities of the actor's structures."""
    return _in_structures(Accompagnement.structure_id, aggregate_structure_ids(actor))


def accompagnement_named_filter(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause on ``Accompagnement`` for lists that show participants' names."""
    return _in_structures(Accompagnement.structure_id, named_structure_ids(actor))


def require_visible(actor: Actor, beneficiaire: Beneficiaire) -> None:
    if not can_see_names(actor, beneficiaire.structure_id):
        raise PermissionDenied(
            _("Ce dossier appartient à une structure dont vous ne voyez pas les bénéficiaires.")
        )


def load_visible(session: Session, actor: Actor, beneficiaire_id: int) -> Beneficiaire:
    """The beneficiary, or NotFoundError / PermissionDenied (erased files are not found)."""
    found = session.get(Beneficiaire, beneficiaire_id)
    if found is None or found.efface:
        raise NotFoundError(_("Bénéficiaire introuvable (n° {id}).").format(id=beneficiaire_id))
    require_visible(actor, found)
    return found
