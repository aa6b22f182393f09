"""Permissions, the roles that grant them, and who is acting.

A leaf of ``core``: it names no other module of the application but models, errors and i18n, so
that the journal (which writes the actor and checks the administrator's right on its key) and
auth (which journals logins) both read it without importing each other.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.errors import PermissionDenied
from core.i18n import _
from core.models import Role


class Permission(enum.StrEnum):
    DOSSIER_LIRE = "dossier.lire"  # see a beneficiary's file (names)
    DOSSIER_ECRIRE = "dossier.ecrire"  # create/update beneficiaries, needs, accompaniments
    DROITS_PERSONNES = "droits.personnes"  # right-of-access export, erasure, retention
    STATISTIQUES = "statistiques"  # aggregates, national exports
    PASS_EMETTRE = "pass.emettre"  # issue and print chequebooks, opposition
    PASS_ENCAISSER = "pass.encaisser"  # redeem passes for one's own structure
    PASS_GERER = "pass.gerer"  # campaigns, referenced structures, settlements, reports, batches
    MANDAT_GERER = "mandat.gerer"  # create, print, renew, revoke mandates
    LIEUX_CONSULTER = "lieux.consulter"
    LIEUX_GERER = "lieux.gerer"
    FRAGILITE = "fragilite"
    ADMINISTRER = "administrer"  # agents, roles, keys, backups, settings
    EXPORT_NOMINATIF = "export.nominatif"  # beneficiaries' names, phones, e-mails in a file


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ACCUEIL: frozenset(
        {
            Permission.DOSSIER_LIRE,
            Permission.DOSSIER_ECRIRE,
            Permission.DROITS_PERSONNES,
            Permission.STATISTIQUES,
            Permission.PASS_EMETTRE,
            Permission.LIEUX_CONSULTER,
        }
    ),
    Role.MEDIATEUR: frozenset(
        {
            Permission.DOSSIER_LIRE,
            Permission.DOSSIER_ECRIRE,
            Permission.STATISTIQUES,
            Permission.PASS_ENCAISSER,
            Permission.LIEUX_CONSULTER,
        }
    ),
    Role.AIDANT: frozenset(
        {
            Permission.DOSSIER_LIRE,
            Permission.DOSSIER_ECRIRE,
            Permission.DROITS_PERSONNES,
            Permission.STATISTIQUES,
            Permission.MANDAT_GERER,
            Permission.LIEUX_CONSULTER,
        }
    ),
    Role.COORDINATEUR: frozenset(
        {
            Permission.STATISTIQUES,
            Permission.PASS_GERER,
            Permission.LIEUX_CONSULTER,
            Permission.LIEUX_GERER,
            Permission.FRAGILITE,
        }
    ),
    Role.ADMINISTRATEUR: frozenset(
        {Permission.ADMINISTRER, Permission.DROITS_PERSONNES, Permission.LIEUX_CONSULTER}
    ),
    Role.EXPORT_NOMINATIF: frozenset({Permission.EXPORT_NOMINATIF}),
}

ROLE_TITLES: dict[Role, str] = {
    Role.ACCUEIL: "Agent d'accueil",
    Role.MEDIATEUR: "Médiateur numérique",
    Role.AIDANT: "Aidant",
    Role.COORDINATEUR: "Coordinateur",
    Role.ADMINISTRATEUR: "Administrateur",
    Role.EXPORT_NOMINATIF: "Export nominatif (droit accordé)",
}


def role_title(role: Role) -> str:
    return _(ROLE_TITLES[role])


@dataclass(frozen=True)
class Actor:
    """Who is acting: an agent, its grants, and the structure it is working for right now.

    A grant ``(role, None)`` applies in every structure (coordinators, administrators).
    """

    agent_id: int
    login: str
    display_name: str
    grants: frozenset[tuple[Role, int | None]]
    structure_id: int | None = None

    def roles_in(self, structure_id: int | None) -> frozenset[Role]:
        return frozenset(role for role, sid in self.grants if sid is None or sid == structure_id)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(role for role, _sid in self.grants)

    @property
    def structure_ids(self) -> frozenset[int]:
        return frozenset(sid for _role, sid in self.grants if sid is not None)

    def can(self, permission: Permission, structure_id: int | None = None) -> bool:
        """True if a role held in ``structure_id`` (default: the current one) grants it."""
        sid = self.structure_id if structure_id is None else structure_id
        return any(permission in ROLE_PERMISSIONS[r] for r in self.roles_in(sid))

    def can_anywhere(self, permission: Permission) -> bool:
        return any(permission in ROLE_PERMISSIONS[r] for r in self.roles)

    def structures_with(self, permission: Permission) -> frozenset[int] | None:
        """Structures where ``permission`` is held; None means every structure."""
        found: set[int] = set()
        for role, sid in self.grants:
            if permission in ROLE_PERMISSIONS[role]:
                if sid is None:
                    return None
                found.add(sid)
        return frozenset(found)

    def with_structure(self, structure_id: int | None) -> Actor:
        return Actor(self.agent_id, self.login, self.display_name, self.grants, structure_id)


def require(actor: Actor, permission: Permission, structure_id: int | None = None) -> None:
    if not actor.can(permission, structure_id):
        raise PermissionDenied(
            _("Vous n'avez pas le droit de faire cela ({permission}).").format(
                permission=permission.value
            )
        )


def require_anywhere(actor: Actor, permission: Permission) -> None:
    if not actor.can_anywhere(permission):
        raise PermissionDenied(
            _("Vous n'avez pas le droit de faire cela ({permission}).").format(
                permission=permission.value
            )
        )
