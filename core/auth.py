"""Agents, roles and permissions; password hashing (argon2) and lockout.

Use cases receive an ``Actor`` — who acts, with which grants, at which structure — and call
``require`` before doing anything. Hiding a button is a courtesy; this is the check.
"""

from __future__ import annotations

import enum
import re
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import journal
from core.db import utcnow
from core.errors import (
    AccountLockedError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from core.i18n import _, format_datetime
from core.models import Agent, AgentRole, AuditEntry, Role, Structure
from core.permissions import (
    ROLE_PERMISSIONS as ROLE_PERMISSIONS,
)
from core.permissions import (
    ROLE_TITLES as ROLE_TITLES,
)
from core.permissions import (
    Actor as Actor,
)
from core.permissions import (
    Permission as Permission,
)
from core.permissions import (
    require as require,
)
from core.permissions import (
    require_anywhere as require_anywhere,
)
from core.permissions import (
    role_title as role_title,
)

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
DEMO_LOGIN = "demo"

_hasher = PasswordHasher()


def actor_for(session: Session, agent: Agent, structure_id: int | None = None) -> Actor:
    grants = frozenset((r.role, r.structure_id) for r in agent.roles)
    if structure_id is None:
        sids = sorted(sid for _role, sid in grants if sid is not None)
        structure_id = sids[0] if sids else None
    return Actor(agent.id, agent.login, agent.display_name, grants, structure_id)


# --- passwords -------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str, *, demo: bool = False) -> None:
    if demo:
        return
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("Le mot de passe doit compter au moins {n} caractères.").format(
                n=MIN_PASSWORD_LENGTH
            ),
            field="password",
        )
    if password.lower() in {"demo", "password", "motdepasse", "12345678", "azertyui"}:
        raise ValidationError(_("Ce mot de passe est trop facile à deviner."), field="password")


def _is_demo_installation(session: Session) -> bool:
    from core.installation import is_demo

    return is_demo(session)


def password_matches(stored_hash: str, password: str) -> bool:
    """The slow argon2 check alone, touching no database: callers run it before opening a
    writing transaction and hand the hash they checked to ``authenticate``."""
    try:
        return bool(_hasher.verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def checked_hash(session: Session, login: str, password: str) -> str | None:
    """The agent's stored hash if ``password`` matches it, else None: argon2 (most of a second)
    run in a reading session, so that the writing transaction of ``authenticate`` that follows
    (``verified_hash``) holds the journal's single writer only for its few statements."""
    stored = stored_password_hash(session, login)
    return stored if stored is not None and password_matches(stored, password) else None


def stored_password_hash(session: Session, login: str) -> str | None:
    """The agent's stored argon2 hash (None for an unknown login): the read half of
    ``checked_hash``, for a caller that runs ``password_matches`` on another thread."""
    return session.scalar(
        select(Agent.password_hash).where(func.lower(Agent.login) == login.strip().lower())
    )


def authenticate(
    session: Session,
    login: str,
    password: str,
    structure_id: int | None = None,
    *,
    verified_hash: str | None = None,
) -> Actor:
    """Check a password; count failures and lock the account after too many.

    Unlike other use cases this one commits a failed attempt before raising: a wrong password must
    count even though the caller's unit of work is rolled back by the error. ``verified_hash``:
    the stored hash the password was already checked against (``password_matches``); if it is
    still the agent's, the check is not run again inside the caller's transaction.
    """
    # The row lock queues attempts on one account (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    # does): without it, parallel guesses all read « 0 failures » and none locks the account.
    agent = session.scalar(
        select(Agent)
        .where(func.lower(Agent.login) == login.strip().lower())
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    now = utcnow()
    wrong = AuthenticationError(_("Identifiant ou mot de passe incorrect."))
    if agent is None or not agent.active:
        raise wrong
    if agent.locked_until is not None and agent.locked_until > now:
        raise AccountLockedError(
            _(
                "Ce compte est verrouillé après trop d'essais jusqu'au {until}. Un "
                "administrateur peut le déverrouiller (page Administration, ou « agent unlock »)."
            ).format(until=format_datetime(agent.locked_until))
        )
    try:
        if verified_hash is None or verified_hash != agent.password_hash:
            _hasher.verify(agent.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        agent.failed_attempts += 1
        locked = agent.failed_attempts >= MAX_FAILED_ATTEMPTS
        if locked:
            agent.locked_until = now + LOCKOUT
            agent.failed_attempts = 0
        journal_connexion_echec(session, agent.id, verrouillage=locked)
        session.commit()
        if locked:
            raise AccountLockedError(
                _("Trop d'essais : ce compte est verrouillé pendant {minutes} minutes.").format(
                    minutes=int(LOCKOUT.total_seconds() // 60)
                )
            ) from None
        raise wrong from None
    if agent.login == DEMO_LOGIN and not _is_demo_installation(session):
        raise AuthenticationError(
            _("Le compte de démonstration est refusé sur une base de données réelle.")
        )
    if _hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
    agent.failed_attempts = 0
    agent.locked_until = None
    agent.last_login_at = now
    actor = actor_for(session, agent, structure_id)
    journal_connexion(session, actor, agent.id)
    return actor


# --- agent administration ----------------------------------------------------------------------

_LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


def create_agent(
    session: Session,
    actor: Actor | None,
    login: str,
    display_name: str,
    password: str,
    grants: list[tuple[Role, int | None]],
) -> Agent:
    """Create an agent. ``actor`` None is allowed only for the first administrator."""
    first_agent = session.scalar(select(func.count()).select_from(Agent)) == 0
    if actor is None:
        if not first_agent:
            raise PermissionDenied(_("Seul un administrateur peut créer un agent."))
    else:
        require(actor, Permission.ADMINISTRER)
    login = login.strip().lower()
    demo = _is_demo_installation(session)
    if not _LOGIN_RE.match(login):
        raise ValidationError(
            _(
                "L'identifiant doit faire de 2 à 80 caractères : lettres minuscules sans "
                "accent, chiffres, point, tiret."
            ),
            field="login",
        )
    if login == DEMO_LOGIN and not demo:
        raise ValidationError(
            _("L'identifiant « demo » est réservé aux bases de démonstration."), field="login"
        )
    if not display_name.strip():
        raise ValidationError(_("Le nom affiché est obligatoire."), field="display_name")
    check_password_strength(password, demo=demo)
    if session.scalar(select(Agent.id).where(Agent.login == login)) is not None:
        raise ConflictError(_("L'identifiant « {login} » est déjà pris.").format(login=login))
    agent = Agent(
        login=login, display_name=display_name.strip(), password_hash=hash_password(password)
    )
    session.add(agent)
    session.flush()
    _set_grants(session, agent, grants)
    journal_agent_creation(session, actor, agent.id, roles=_grants_json(grants))
    return agent


def _grants_json(grants: list[tuple[Role, int | None]]) -> list[list[object]]:
    return [[role.value, sid] for role, sid in sorted(grants, key=lambda g: (g[0], g[1] or 0))]


def _set_grants(session: Session, agent: Agent, grants: list[tuple[Role, int | None]]) -> None:
    for _role, sid in grants:
        if sid is not None and session.get(Structure, sid) is None:
            raise ValidationError(_("Structure inconnue."), field="structure")
    agent.roles.clear()
    session.flush()
    for role, sid in dict.fromkeys(grants):
        agent.roles.append(AgentRole(role=role, structure_id=sid))
    session.flush()


def _get_agent(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFoundError(_("Agent introuvable."))
    return agent


def set_agent_grants(
    session: Session, actor: Actor, agent_id: int, grants: list[tuple[Role, int | None]]
) -> None:
    require(actor, Permission.ADMINISTRER)
    agent = _get_agent(session, agent_id)
    if agent.id == actor.agent_id and not any(r is Role.ADMINISTRATEUR for r, _s in grants):
        raise ConflictError(_("Vous ne pouvez pas retirer votre propre rôle d'administrateur."))
    _set_grants(session, agent, grants)
    journal_agent_roles(session, actor, agent.id, roles=_grants_json(grants))


def reset_password(session: Session, actor: Actor, agent_id: int, new_password: str) -> None:
    """An administrator sets a new password (also unlocks the account)."""
    require(actor, Permission.ADMINISTRER)
    agent = _get_agent(session, agent_id)
    check_password_strength(new_password, demo=_is_demo_installation(session))
    agent.password_hash = hash_password(new_password)
    agent.failed_attempts = 0
    agent.locked_until = None
    agent.must_change_password = agent.id != actor.agent_id
    journal_agent_mot_de_passe(session, actor, agent.id)


def change_own_password(session: Session, actor: Actor, old: str, new: str) -> None:
    agent = _get_agent(session, actor.agent_id)
    try:
        _hasher.verify(agent.password_hash, old)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise AuthenticationError(_("L'ancien mot de passe est incorrect.")) from None
    check_password_strength(new, demo=_is_demo_installation(session))
    agent.password_hash = hash_password(new)
    agent.must_change_password = False
    journal_agent_mot_de_passe(session, actor, agent.id)


def unlock_agent(session: Session, actor: Actor, agent_id: int) -> None:
    """Lift a lockout after too many wrong passwords, without touching the password."""
    require(actor, Permission.ADMINISTRER)
    agent = _get_agent(session, agent_id)
    agent.failed_attempts = 0
    agent.locked_until = None
    journal_agent_deverrouillage(session, actor, agent.id)


def agent_by_login(session: Session, actor: Actor, login: str) -> Agent:
    require(actor, Permission.ADMINISTRER)
    agent = session.scalar(select(Agent).where(func.lower(Agent.login) == login.strip().lower()))
    if agent is None:
        raise NotFoundError(_("Agent introuvable."))
    return agent


def deactivate_agent(session: Session, actor: Actor, agent_id: int) -> None:
    """Agents are never deleted: the journal refers to them."""
    require(actor, Permission.ADMINISTRER)
    agent = _get_agent(session, agent_id)
    if agent.id == actor.agent_id:
        raise ConflictError(_("Vous ne pouvez pas désactiver votre propre compte."))
    agent.active = False
    journal_agent_desactivation(session, actor, agent.id)


def reactivate_agent(session: Session, actor: Actor, agent_id: int) -> None:
    require(actor, Permission.ADMINISTRER)
    agent = _get_agent(session, agent_id)
    agent.active = True
    journal_agent_reactivation(session, actor, agent.id)


def list_agents(session: Session, actor: Actor) -> list[Agent]:
    require(actor, Permission.ADMINISTRER)
    return list(session.scalars(select(Agent).order_by(Agent.display_name)))


def create_structure(
    session: Session,
    actor: Actor | None,
    nom: str,
    *,
    siret: str | None = None,
    adresse: str = "",
    code_postal: str = "",
    commune_insee: str | None = None,
) -> Structure:
    if actor is not None and not (
        actor.can_anywhere(Permission.ADMINISTRER) or actor.can_anywhere(Permission.PASS_GERER)
    ):
        raise PermissionDenied(
            _("Seuls un administrateur ou un coordinateur créent une structure.")
        )
    if not nom.strip():
        raise ValidationError(_("Le nom de la structure est obligatoire."), field="nom")
    if siret:
        from core.validation import validate_siret

        siret = validate_siret(siret)
        if session.scalar(select(Structure.id).where(Structure.siret == siret)) is not None:
            raise ConflictError(_("Une structure porte déjà ce SIRET."))
    structure = Structure(
        nom=nom.strip(),
        siret=siret or None,
        adresse=adresse.strip(),
        code_postal=code_postal.strip(),
        commune_insee=commune_insee,
    )
    session.add(structure)
    session.flush()
    journal_structure_creation(session, actor, structure.id)
    return structure


def list_structures(session: Session) -> list[Structure]:
    return list(session.scalars(select(Structure).order_by(Structure.nom)))


# --- journal actions of agents and structures -------------------------------------------------
# Here rather than in core.journal_actions: they are auth's own lines, and auth is what the journal
# module names as the actor's type.


class ActionAgent(enum.StrEnum):
    CONNEXION = "connexion"
    AGENT_CREATION = "agent.creation"
    AGENT_ROLES = "agent.roles"
    AGENT_MOT_DE_PASSE = "agent.mot_de_passe"
    AGENT_DEVERROUILLAGE = "agent.deverrouillage"
    AGENT_DESACTIVATION = "agent.desactivation"
    AGENT_REACTIVATION = "agent.reactivation"
    STRUCTURE_CREATION = "structure.creation"
    CONNEXION_ECHEC = "connexion.echec"


def journal_connexion(
    session: Session,
    actor: Actor,
    agent_id: int,
) -> AuditEntry:
    return journal.record(session, actor, ActionAgent.CONNEXION, "agent", agent_id)


def journal_agent_creation(
    session: Session,
    actor: Actor | None,
    agent_id: int,
    *,
    roles: list[list[object]],
) -> AuditEntry:
    """Without an actor (the first administrator, created at setup) the new agent signs."""
    return journal.record(
        session,
        actor,
        ActionAgent.AGENT_CREATION,
        "agent",
        agent_id,
        {"roles": roles},
        agent_id=agent_id if actor is None else None,
    )


def journal_agent_roles(
    session: Session,
    actor: Actor,
    agent_id: int,
    *,
    roles: list[list[object]],
) -> AuditEntry:
    return journal.record(
        session, actor, ActionAgent.AGENT_ROLES, "agent", agent_id, {"roles": roles}
    )


def journal_agent_mot_de_passe(
    session: Session,
    actor: Actor,
    agent_id: int,
) -> AuditEntry:
    return journal.record(session, actor, ActionAgent.AGENT_MOT_DE_PASSE, "agent", agent_id)


def journal_agent_deverrouillage(
    session: Session,
    actor: Actor,
    agent_id: int,
) -> AuditEntry:
    return journal.record(session, actor, ActionAgent.AGENT_DEVERROUILLAGE, "agent", agent_id)


def journal_agent_desactivation(
    session: Session,
    actor: Actor,
    agent_id: int,
) -> AuditEntry:
    return journal.record(session, actor, ActionAgent.AGENT_DESACTIVATION, "agent", agent_id)


def journal_agent_reactivation(
    session: Session,
    actor: Actor,
    agent_id: int,
) -> AuditEntry:
    return journal.record(session, actor, ActionAgent.AGENT_REACTIVATION, "agent", agent_id)


def journal_structure_creation(
    session: Session,
    actor: Actor | None,
    structure_id: int,
) -> AuditEntry:
    return journal.record(session, actor, ActionAgent.STRUCTURE_CREATION, "structure", structure_id)


def journal_connexion_echec(session: Session, agent_id: int, *, verrouillage: bool) -> AuditEntry:
    """Nobody is logged in yet: the line names the agent whose password failed."""
    return journal.record(
        session,
        None,
        ActionAgent.CONNEXION_ECHEC,
        "agent",
        agent_id,
        {"verrouillage": verrouillage},
        agent_id=agent_id,
    )
