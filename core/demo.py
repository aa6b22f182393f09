"""Demonstration database: synthetic agents, structures and, through each domain's ``demo``
module, beneficiaries, accompaniments, passes, mandates, places and a survey.

Every name here is invented. A demonstration database says so on every window title and accepts
the ``demo`` agent (password ``demo``, every role), which a real database refuses.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import actor_for, create_agent, create_structure
from core.db import Database
from core.domaine import DemoContext as DemoContext
from core.domaine import DemoSizes as DemoSizes
from core.domaine import Domaine
from core.errors import ConflictError
from core.i18n import _
from core.installation import DEMO_KEY, DEMO_UNFINISHED_KEY, get_setting, is_demo, put_setting
from core.journal_cle import no_keyring_notice, seal_new_installation
from core.models import Agent, Role
from core.territory import configure_territory, default_preset

log = logging.getLogger(__name__)

DEMO_AGENTS = (
    # login, display name, roles (structure key or None), password
    ("accueil", "Camille Accueil (démo)", [(Role.ACCUEIL, "mediatheque")], "accueil"),
    ("mediateur", "Sacha Médiateur (démo)", [(Role.MEDIATEUR, "association")], "mediateur"),
    ("aidant", "Dominique Aidant (démo)", [(Role.AIDANT, "france_services")], "aidant"),
    ("coordinateur", "Alix Coordinateur (démo)", [(Role.COORDINATEUR, None)], "coordinateur"),
    ("admin", "Claude Administrateur (démo)", [(Role.ADMINISTRATEUR, None)], "admin"),
)

DEMO_STRUCTURES = {
    "mediatheque": ("Médiathèque centrale (démo)", "17300", "17000", "1 place des Livres"),
    "france_services": ("France Services Quartier Nord (démo)", "17300", "17000", "2 rue du Port"),
    "association": ("Association Clic Solidaire (démo)", "17028", "17440", "3 allée des Tilleuls"),
    "cyberbase": ("Espace numérique de Lagord (démo)", "17200", "17140", "4 rue des Écoles"),
}


def _demo_structure_siret(index: int) -> str:
    """Synthetic SIRETs with a valid Luhn key (not real establishments)."""
    from core.validation import luhn_ok

    base = f"99900000{index:02d}000"
    for last in range(10):
        candidate = base + str(last)
        if luhn_ok(candidate):
            return candidate
    raise AssertionError("unreachable: one of ten digits always completes a Luhn number")


def create_demo(
    sizes: DemoSizes, domaines: Sequence[Domaine], only_if_absent: bool = False
) -> dict[str, Any]:
    """Core's agents and structures, then each domain's ``demo`` in the order given (the order
    of ``domaines.py``, where a domain comes after those it depends on)."""
    from core import migrate  # alembic and mako: only for creating a demonstration

    db = Database()
    try:
        migrate.upgrade(db)
        with db.read_session() as session:
            unfinished = is_demo(session) and bool(get_setting(session, DEMO_UNFINISHED_KEY))
        if unfinished:
            db = _discard_unfinished_demo(db)
        with db.session() as session:
            has_agents = (session.scalar(select(func.count()).select_from(Agent)) or 0) > 0
            if has_agents:
                if only_if_absent:
                    return {"message": _("Base existante conservée."), "cree": False}
                if not is_demo(session):
                    raise ConflictError(
                        _(
                            "Ce dossier contient une base réelle : la démonstration ne s'y "
                            "installe pas. Choisissez un autre dossier avec MEDIANUM_HOME."
                        )
                    )
                raise ConflictError(
                    _("Une base de démonstration existe déjà ici ; supprimez-la pour repartir.")
                )
            # The journal's first line is its key: every line of the demonstration is sealed.
            sealed = seal_new_installation(session)
            put_setting(session, DEMO_KEY, True)
            put_setting(session, DEMO_UNFINISHED_KEY, True)
            preset = default_preset()
            configure_territory(
                session, None, preset.nom, preset.siren, [c.code_insee for c in preset.communes]
            )
            structures = {}
            for i, (key, (nom, insee, cp, adresse)) in enumerate(DEMO_STRUCTURES.items()):
                structures[key] = create_structure(
                    session,
                    None,
                    nom,
                    siret=_demo_structure_siret(i + 1),
                    adresse=adresse,
                    code_postal=cp,
                    commune_insee=insee,
                )
            every_role: list[tuple[Role, int | None]] = [(role, None) for role in Role] + [
                (role, s.id)
                for s in structures.values()
                for role in (Role.ACCUEIL, Role.MEDIATEUR, Role.AIDANT)
            ]
            demo_agent = create_agent(
                session, None, "demo", "Agent de démonstration", "demo", every_role
            )
            actors = {"demo": actor_for(session, demo_agent)}
            admin_actor = actors["demo"]
            for login, name, roles, password in DEMO_AGENTS:
                grants = [(r, structures[k].id if k else None) for r, k in roles]
                agent = create_agent(session, admin_actor, login, name, password, grants)
                actors[login] = actor_for(session, agent)
            ctx = DemoContext(sizes, random.Random(20261123), structures, actors)
        for domaine in domaines:
            for populate in domaine.demo:
                with db.session() as session:
                    ctx.created.update(populate(session, ctx) or {})
            log.info("demo of %s done", domaine.nom)
        with db.session() as session:
            put_setting(session, DEMO_UNFINISHED_KEY, False)
        lines = [
            _("Base de démonstration créée dans {path}.").format(path=db.url.database or db.url)
        ]
        lines += [f"  {k} : {v}" for k, v in ctx.created.items()]
        lines.append(
            _("Journal scellé par la clé {kid}, gardée dans le trousseau de ce poste.").format(
                kid=sealed
            )
            if sealed
            else no_keyring_notice()
        )
        lines.append(
            _("Agents : demo/demo (tous les rôles), ")
            + ", ".join(f"{login}/{pw}" for login, _n, _r, pw in DEMO_AGENTS)
        )
        return {"message": "\n".join(lines), "cree": True, "cle_journal": sealed, **ctx.created}
    finally:
        db.dispose()


def _discard_unfinished_demo(db: Database) -> Database:
    """A demo killed half-way (agents, no beneficiaries) is removed and started over: kept, it
    would be what ``demo --si-absente`` opens from then on."""
    from core.backup import refuse_if_open_elsewhere
    from core.journal import GENESIS_HASH, save_desk_anchor

    database_file = db.sqlite_file
    if database_file is None:
        raise ConflictError(
            _(
                "Une démonstration inachevée occupe cette base partagée : videz-la, puis "
                "relancez la démonstration."
            )
        )
    refuse_if_open_elsewhere(database_file)
    db.dispose()
    for path in (database_file, *(Path(f"{database_file}{s}") for s in ("-wal", "-shm"))):
        path.unlink(missing_ok=True)
    save_desk_anchor(db.url, 0, GENESIS_HASH, force=True)  # the old chain is gone on purpose
    log.info("unfinished demonstration database removed, starting over")
    fresh = Database(db.url)
    from core import migrate

    migrate.upgrade(fresh, backup=False)
    return fresh


def demo_session_check(session: Session) -> bool:
    return is_demo(session)
