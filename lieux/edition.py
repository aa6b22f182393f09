"""Creating and editing one place by hand, with the same checks and normalisations as an import."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import Actor, Permission, require
from core.errors import ConflictError, NotFoundError, ValidationError
from core.i18n import _
from lieux import journal as journal_lieux
from lieux.importation import Genre, verifier_valeurs
from lieux.models import Lieu
from lieux.schema import load_schema


def lire_lieu(session: Session, actor: Actor, lieu_id: int) -> Lieu:
    require(actor, Permission.LIEUX_CONSULTER)
    lieu = session.get(Lieu, lieu_id)
    if lieu is None:
        raise NotFoundError(_("Ce lieu n'existe plus."))
    return lieu


def enregistrer_lieu(
    session: Session, actor: Actor, valeurs: Mapping[str, Any], lieu_id: int | None = None
) -> Lieu:
    """Create (``lieu_id`` None) or update a place from schema-named values; journalled."""
    require(actor, Permission.LIEUX_GERER)
    raw = {k: v for k, v in valeurs.items() if v not in (None, "")}
    raw.setdefault("date_maj", date.today().isoformat())
    ligne = verifier_valeurs(raw)
    for remark in ligne.remarques:
        if remark.genre is Genre.INVALIDE:
            title = load_schema().field(remark.colonne).title
            raise ValidationError(f"{title} : {remark.message}", field=remark.colonne)
    values = {n: ligne.valeurs.get(n) for n in load_schema().names if n != "id"}
    same_id = session.scalars(select(Lieu).where(Lieu.identifiant == ligne.identifiant)).first()
    if lieu_id is None:
        if same_id is not None:
            raise ConflictError(_("Un lieu porte déjà cet identifiant."))
        lieu = Lieu(identifiant=ligne.identifiant, **values)
        session.add(lieu)
        session.flush()
        journal_lieux.creer(session, actor, lieu.id)
        return lieu
    lieu = lire_lieu(session, actor, lieu_id)
    if same_id is not None and same_id.id != lieu.id:
        raise ConflictError(_("Un lieu porte déjà cet identifiant."))
    changed = [n for n, v in values.items() if getattr(lieu, n) != v]
    if lieu.identifiant != ligne.identifiant:
        changed.insert(0, "id")
        lieu.identifiant = ligne.identifiant
    for name in changed:
        if name != "id":
            setattr(lieu, name, values[name])
    session.flush()
    journal_lieux.modifier(session, actor, lieu.id, champs=changed)
    return lieu
