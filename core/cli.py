"""Command-line plumbing shared by every domain, and the core commands (db, agent, demo).

Each domain package adds its commands in its own ``cli.py`` through ``register(subparsers)``;
``main.py`` collects them. Exit status: 0 success, 1 refused or invalid input (French message on
stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core import paths
from core.auth import Actor
from core.db import Database, environment_error
from core.domaine import Domaine
from core.errors import AuthenticationError, MedianumError, ValidationError
from core.i18n import _
from core.models import Role

log = logging.getLogger(__name__)

Handler = Callable[["CliContext"], int | None]


def _french_argparse() -> None:
    """argparse's own texts in French: the standard library ships no French catalog for them."""
    table = {
        "usage: ": "utilisation : ",
        "positional arguments": "arguments",
        "options": "options",
        "show this help message and exit": "afficher cette aide et quitter",
        "the following arguments are required: %s": "arguments obligatoires manquants : %s",
        "unrecognized arguments: %s": "arguments non reconnus : %s",
        "invalid choice: %(value)r (choose from %(choices)s)": (
            "choix invalide : %(value)r (possibles : %(choices)s)"
        ),
        "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
        "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
        "expected one argument": "une valeur attendue",
        "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    }
    argparse._ = lambda text: table.get(text, text)  # type: ignore[attr-defined]


_french_argparse()


class FrenchParser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self.add_argument(
            "-h", "--help", action="help", default=argparse.SUPPRESS, help=_("afficher cette aide")
        )


@dataclass
class CliContext:
    args: argparse.Namespace
    json_output: bool = False
    # The list of domains, handed by main.py from domaines.py (core names none of them).
    domaines: tuple[Domaine, ...] = ()
    _db: Database | None = field(default=None, repr=False)
    _verified_hash: str | None = field(default=None, repr=False)

    def database(self) -> Database:
        if self._db is None:
            from core import migrate

            db = Database()
            try:
                migrate.upgrade(db)
            except BaseException:
                # Refused (a newer database) or failed: its connection goes back to the server
                # now, not whenever the garbage collector finds the engine.
                db.dispose()
                raise
            self._db = db
        return self._db

    @contextmanager
    def session(self) -> Iterator[Session]:
        self._check_password_early()
        with self.database().session() as session:
            yield session

    def _check_password_early(self) -> None:
        """argon2 takes most of a second: checked before the writing transaction opens, so that
        scripted commands running at once do not queue behind each other's check (SQLite has
        one writer) and time out as « base occupée »."""
        login = os.environ.get("MEDIANUM_AGENT")
        password = os.environ.get("MEDIANUM_PASSWORD")
        if not login or password is None or self._verified_hash is not None:
            return
        from sqlalchemy import func, select

        from core.auth import password_matches
        from core.models import Agent

        with self.database().read_session() as session:
            stored = session.scalar(
                select(Agent.password_hash).where(func.lower(Agent.login) == login.strip().lower())
            )
        if stored is not None and password_matches(stored, password):
            self._verified_hash = stored

    def actor(self, session: Session, structure_id: int | None = None) -> Actor:
        """Who a headless command acts as: MEDIANUM_AGENT/MEDIANUM_PASSWORD, or asked."""
        from core.auth import authenticate

        login = os.environ.get("MEDIANUM_AGENT")
        password = os.environ.get("MEDIANUM_PASSWORD")
        if not login:
            if not sys.stdin.isatty():
                raise AuthenticationError(
                    _("Indiquez l'agent avec MEDIANUM_AGENT et MEDIANUM_PASSWORD.")
                )
            login = input(_("Identifiant : "))
        if password is None:
            password = getpass.getpass(_("Mot de passe : "))
        sid = structure_id if structure_id is not None else getattr(self.args, "structure", None)
        return authenticate(
            session,
            login,
            password,
            sid if isinstance(sid, int) else None,
            verified_hash=self._verified_hash,
        )

    def emit(self, data: Any, text: str | None = None) -> None:
        if self.json_output:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        elif text is not None:
            print(text)


def run_handler(ctx: CliContext, handler: Handler) -> int:
    try:
        result = handler(ctx)
        return 0 if result is None else result
    except MedianumError as exc:
        return _refuse(ctx, exc)
    except Exception as exc:
        # The last line of defence: an error is sorted by its codes, logged, said in French.
        known = environment_error(exc)
        if known is not None:
            log.error("command stopped by the environment", exc_info=True)
            return _refuse(ctx, known)
        log.error("unexpected error in command %s", ctx.args.__dict__.get("command"), exc_info=True)
        print(
            _(
                "Erreur inattendue de Médianum : rien n'a été envoyé ; le détail est écrit dans "
                "{log}. Transmettez ce fichier à votre administrateur si l'erreur revient."
            ).format(log=_log_path()),
            file=sys.stderr,
        )
        return 1
    finally:
        if ctx._db is not None:
            ctx._db.dispose()


def _refuse(ctx: CliContext, exc: MedianumError) -> int:
    if ctx.json_output:
        print(json.dumps({"erreur": str(exc)}, ensure_ascii=False))
    print(_("Refusé : {message}").format(message=exc), file=sys.stderr)
    return exc.exit_code


def _log_path() -> str:
    try:
        return str(paths.log_file())
    except MedianumError:
        return "logs/medianum.log"


def parse_grants(values: list[str]) -> list[tuple[Role, int | None]]:
    """« accueil@3 » = role accueil in structure 3; « coordinateur » = territory-wide."""
    grants: list[tuple[Role, int | None]] = []
    for value in values:
        role_text, _sep, sid = value.partition("@")
        try:
            role = Role(role_text.strip())
        except ValueError:
            raise ValidationError(
                _("Rôle inconnu : « {role} » (possibles : {roles}).").format(
                    role=role_text, roles=", ".join(r.value for r in Role)
                )
            ) from None
        grants.append((role, int(sid) if sid else None))
    return grants


# --- core commands ---------------------------------------------------------------------------


def _db_upgrade(ctx: CliContext) -> int:
    from core import migrate
    from core.role_applicatif import reapply_after_upgrade

    db = Database()
    try:
        backup = migrate.upgrade(db)
        role = None
        if db.url.get_backend_name() == "postgresql":
            with db.session() as session:
                role = reapply_after_upgrade(session)
        notice = _key_notice(db)
    finally:
        db.dispose()
    ctx.emit(
        {"sauvegarde": str(backup) if backup else None, "journal": notice, "role": role},
        _("Base de données à jour.")
        + (_(" Sauvegarde préalable : {path}").format(path=backup) if backup else "")
        + (
            "\n" + _("Droits du rôle applicatif « {role} » appliqués.").format(role=role)
            if role
            else ""
        )
        + (f"\n{notice}" if notice else ""),
    )
    return 0


def _db_verify_journal(ctx: CliContext) -> int:
    from core.journal import Anchor, desk_anchor, verify_journal

    db = ctx.database()
    anchors = [Anchor.parse(text, _("donnée en argument")) for text in ctx.args.ancre]
    own = desk_anchor(db.url)
    if own is not None:
        anchors.append(own)
    with db.read_session() as session:
        report = verify_journal(session, anchors)
    ctx.emit(
        {
            "entrees": report.count,
            "intact": report.ok,
            "scelle": report.keyed,
            "ancres": report.anchors_checked,
            "problemes": report.problems,
        },
        _verify_text(report),
    )
    return 0 if report.ok else 1


def _verify_text(report: Any) -> str:
    if not report.ok:
        return "\n".join(
            [_("Journal ALTÉRÉ ({n} problèmes) :").format(n=len(report.problems)), *report.problems]
        )
    lines = [
        _("Journal intact : {n} entrées vérifiées, {a} ancres concordantes.").format(
            n=report.count, a=report.anchors_checked
        )
    ]
    if not report.keyed:
        lines.append(
            _(
                "Attention : le journal n'est pas scellé par une clé ; quelqu'un qui détient le "
                "fichier de la base pourrait le recalculer. Un administrateur le scelle avec "
                "« db journal-cle rotation »."
            )
        )
    return "\n".join(lines)


def _db_journal_key(ctx: CliContext) -> int:
    from core import journal, journal_cle

    fichier = getattr(ctx.args, "fichier", None)
    if ctx.args.operation == "importer":
        if fichier:
            kid = journal_cle.import_key_file(Path(fichier))
        else:
            kid = journal_cle.import_key_text(
                os.environ.get("MEDIANUM_JOURNAL_CLE")
                or getpass.getpass(_("Clé du journal (identifiant:secret) : "))
            )
        ctx.emit({"cle": kid}, _("Clé du journal {kid} importée.").format(kid=kid))
        return 0
    with ctx.session() as session:
        actor = ctx.actor(session)
        if ctx.args.operation == "rotation":
            kid = journal.rotate_journal_key(session, actor)
            ctx.emit({"cle": kid}, _("Nouvelle clé du journal : {kid}.").format(kid=kid))
        elif fichier:
            kid = journal_cle.export_key_file(session, actor, Path(fichier))
            ctx.emit(
                {"cle": kid, "fichier": fichier},
                _(
                    "Clé du journal {kid} écrite dans {path} : portez ce fichier sur chaque "
                    "poste de la base partagée, importez-le, puis détruisez-le."
                ).format(kid=kid, path=fichier),
            )
        else:
            kid, secret_hex = journal.export_journal_key(session, actor)
            ctx.emit({"cle": kid, "secret": secret_hex}, f"{kid}:{secret_hex}")
    return 0


def _key_notice(db: Database) -> str | None:
    """Said after ``db upgrade``: an unsealed journal, or a key this desk lacks."""
    from core.journal_cle import key_state

    with db.read_session() as session:
        return key_state(session).message()


def _db_application_role(ctx: CliContext) -> int:
    from core.role_applicatif import create_application_role

    if ctx.database().url.get_backend_name() != "postgresql":
        raise MedianumError(
            _(
                "Le rôle applicatif concerne une base PostgreSQL partagée ; une base SQLite "
                "n'a pas de rôles."
            )
        )
    password: str | None = None
    if not ctx.args.sans_mot_de_passe:
        password = os.environ.get("MEDIANUM_NEW_PASSWORD") or getpass.getpass(
            _("Mot de passe du rôle applicatif : ")
        )
        if not password:
            raise ValidationError(_("Le mot de passe du rôle applicatif est vide."))
    with ctx.session() as session:
        actor = ctx.actor(session)
        name = create_application_role(session, actor, ctx.args.nom, password)
    ctx.emit(
        {"role": name},
        _(
            "Rôle applicatif « {role} » prêt : les postes s'y connectent (adresse de la base "
            "avec ce nom d'utilisateur) ; il ne peut ni vider une table, ni modifier ou "
            "supprimer le journal et les remboursements validés, ni retirer un déclencheur."
        ).format(role=name),
    )
    return 0


def _db_backup(ctx: CliContext) -> int:
    from core.backup import backup_sqlite, timestamped_name

    db = ctx.database()
    if not db.is_sqlite or not db.url.database:
        raise MedianumError(
            _("La sauvegarde intégrée concerne SQLite ; pour PostgreSQL, utilisez pg_dump.")
        )
    target = backup_sqlite(
        Path(db.url.database), Path(ctx.args.dossier) / timestamped_name("sauvegarde")
    )
    ctx.emit({"fichier": str(target)}, _("Sauvegarde écrite : {path}").format(path=target))
    return 0


def _db_after_restore(ctx: CliContext) -> int:
    """What a desk redoes on a database restored outside Médianum (``pg_restore``): the same
    work each desk's start does, run on demand by the administrator who restored."""
    from core.domaine import run_start_hooks

    db = Database()
    try:
        said = run_start_hooks(db, tuple(ctx.domaines))
    finally:
        db.dispose()
    ctx.emit(
        {"apres_restauration": said},
        "\n".join(said)
        or _("Rien à réappliquer : la base connaît déjà les effacements de ce poste."),
    )
    return 0


def _db_restore(ctx: CliContext) -> int:
    from core import migrate
    from core.backup import after_restore, restore_sqlite

    db = Database()
    if not db.is_sqlite or not db.url.database:
        db.dispose()
        raise MedianumError(
            _(
                "La restauration intégrée concerne SQLite ; pour PostgreSQL, pg_restore, puis "
                "« medianum db apres-restauration » sur chaque poste (chaque poste le fait aussi "
                "à son démarrage)."
            )
        )
    target = Path(db.url.database)
    db.dispose()
    safety = restore_sqlite(Path(ctx.args.fichier), target)
    restored = Database()
    try:
        migrate.upgrade(restored)
        replayed = after_restore(restored, ctx.domaines)
    except MedianumError as exc:
        raise MedianumError(
            _("{problem} La base d'avant la restauration est conservée : {path}").format(
                problem=exc, path=safety
            )
        ) from exc
    finally:
        restored.dispose()
    ctx.emit(
        {
            "restaure": str(ctx.args.fichier),
            "copie_de_securite": str(safety) if safety else None,
            "apres_restauration": replayed,
        },
        "\n".join(
            [
                _("Base restaurée depuis {file}.").format(file=ctx.args.fichier)
                + (
                    _(" L'ancienne base est conservée : {path}").format(path=safety)
                    if safety
                    else ""
                ),
                *replayed,
            ]
        ),
    )
    return 0


def _installation(ctx: CliContext) -> int:
    from core.journal_cle import no_keyring_notice
    from core.premier_demarrage import create_installation

    password = os.environ.get("MEDIANUM_NEW_PASSWORD")
    if password is None:
        password = getpass.getpass(_("Mot de passe du premier administrateur : "))
        if getpass.getpass(_("Mot de passe (confirmation) : ")) != password:
            raise ValidationError(_("Les deux mots de passe ne sont pas identiques."))
    with ctx.session() as session:
        sealed = create_installation(
            session, ctx.args.login, ctx.args.nom, password, ctx.args.territoire
        )
    ctx.emit(
        {"administrateur": ctx.args.login, "cle_journal": sealed},
        "\n".join(
            [
                _("Installation créée : administrateur {login}.").format(login=ctx.args.login),
                _("Journal scellé par la clé {kid}, gardée dans le trousseau de ce poste.").format(
                    kid=sealed
                )
                if sealed
                else no_keyring_notice(),
            ]
        ),
    )
    return 0


def _agent_create(ctx: CliContext) -> int:
    from core.auth import create_agent

    password = os.environ.get("MEDIANUM_NEW_PASSWORD") or getpass.getpass(
        _("Mot de passe du nouvel agent : ")
    )
    with ctx.session() as session:
        actor = ctx.actor(session)
        agent = create_agent(
            session, actor, ctx.args.login, ctx.args.nom, password, parse_grants(ctx.args.role)
        )
        ctx.emit(
            {"id": agent.id, "login": agent.login},
            _("Agent créé : {login}").format(login=agent.login),
        )
    return 0


def _agent_list(ctx: CliContext) -> int:
    from core.auth import list_agents

    with ctx.session() as session:
        actor = ctx.actor(session)
        agents = list_agents(session, actor)
        rows = [
            {
                "id": a.id,
                "login": a.login,
                "nom": a.display_name,
                "actif": a.active,
                "roles": [[r.role.value, r.structure_id] for r in a.roles],
            }
            for a in agents
        ]
    ctx.emit(
        rows,
        "\n".join(
            f"{r['id']:>4}  {r['login']:<20} {r['nom']:<30} "
            + ("" if r["actif"] else _("(désactivé) "))
            + ", ".join(f"{role}@{sid}" if sid else str(role) for role, sid in r["roles"])  # type: ignore[attr-defined]
            for r in rows
        ),
    )
    return 0


def _agent_deactivate(ctx: CliContext) -> int:
    from core.auth import deactivate_agent

    with ctx.session() as session:
        actor = ctx.actor(session)
        deactivate_agent(session, actor, ctx.args.id)
    ctx.emit({"id": ctx.args.id, "actif": False}, _("Agent désactivé."))
    return 0


def _agent_unlock(ctx: CliContext) -> int:
    from core.auth import agent_by_login, unlock_agent

    with ctx.session() as session:
        actor = ctx.actor(session)
        agent = agent_by_login(session, actor, ctx.args.login)
        unlock_agent(session, actor, agent.id)
        login = agent.login
    ctx.emit(
        {"login": login, "verrouille": False}, _("Compte {login} déverrouillé.").format(login=login)
    )
    return 0


def _demo(ctx: CliContext) -> int:
    from core.demo import DemoSizes, create_demo

    sizes = DemoSizes(
        beneficiaires=ctx.args.beneficiaires,
        accompagnements=ctx.args.accompagnements,
        passes=ctx.args.passes,
    )
    summary = create_demo(sizes, ctx.domaines, only_if_absent=ctx.args.si_absente)
    ctx.emit(summary, summary.get("message", ""))
    return 0


def register(sub: argparse._SubParsersAction[FrenchParser]) -> None:
    db = sub.add_parser("db", help=_("base de données : mise à jour, sauvegarde, journal"))
    dbs = db.add_subparsers(dest="db_command", required=True, metavar="COMMANDE")
    dbs.add_parser("upgrade", help=_("mettre la base à jour (sauvegarde préalable)")).set_defaults(
        handler=_db_upgrade
    )
    p = dbs.add_parser("verify-journal", help=_("vérifier que le journal n'a pas été altéré"))
    p.add_argument(
        "--ancre",
        action="append",
        default=[],
        help=_("ancre imprimée sur un remboursement ou un rapport (numéro:empreinte)"),
    )
    p.set_defaults(handler=_db_verify_journal)
    p = dbs.add_parser("journal-cle", help=_("clé qui scelle le journal (administrateur)"))
    p.add_argument(
        "operation",
        choices=("rotation", "exporter", "importer"),
        help=_(
            "rotation : nouvelle clé (scelle aussi un journal qui n'en a pas encore) ; "
            "exporter/importer : la porter sur un autre poste"
        ),
    )
    p.add_argument(
        "--fichier",
        help=_("exporter : fichier où écrire la clé ; importer : fichier à lire"),
    )
    p.set_defaults(handler=_db_journal_key)
    p = dbs.add_parser(
        "role-applicatif",
        help=_("PostgreSQL : créer le rôle aux droits réduits des postes (propriétaire)"),
    )
    p.add_argument("--nom", default="medianum_app", help=_("nom du rôle (medianum_app)"))
    p.add_argument(
        "--sans-mot-de-passe",
        action="store_true",
        help=_("ne pas définir de mot de passe (authentification par le système)"),
    )
    p.set_defaults(handler=_db_application_role)
    p = dbs.add_parser("backup", help=_("copie cohérente de la base SQLite, même en service"))
    p.add_argument("dossier", help=_("dossier de destination"))
    p.set_defaults(handler=_db_backup)
    p = dbs.add_parser("restore", help=_("restaurer une sauvegarde vérifiée (Médianum fermé)"))
    p.add_argument("fichier", help=_("fichier de sauvegarde"))
    p.set_defaults(handler=_db_restore)
    p = dbs.add_parser(
        "apres-restauration",
        help=_("après un pg_restore : réappliquer les effacements faits à ce poste"),
    )
    p.set_defaults(handler=_db_after_restore)

    p = sub.add_parser(
        "installation",
        help=_("nouvelle installation sans fenêtre : premier administrateur et territoire"),
    )
    p.add_argument("login", help=_("identifiant du premier administrateur"))
    p.add_argument("nom", help=_("nom affiché"))
    p.add_argument(
        "--territoire", default="", help=_("nom du territoire (par défaut : le prédéfini)")
    )
    p.set_defaults(handler=_installation)

    agent = sub.add_parser("agent", help=_("agents : création, liste, désactivation"))
    ag = agent.add_subparsers(dest="agent_command", required=True, metavar="COMMANDE")
    p = ag.add_parser("create", help=_("créer un agent (mot de passe demandé)"))
    p.add_argument("login", help=_("identifiant"))
    p.add_argument("nom", help=_("nom affiché"))
    p.add_argument(
        "--role",
        action="append",
        default=[],
        help=_("rôle, éventuellement dans une structure : accueil@3, coordinateur…"),
    )
    p.set_defaults(handler=_agent_create)
    ag.add_parser("list", help=_("lister les agents")).set_defaults(handler=_agent_list)
    p = ag.add_parser("unlock", help=_("déverrouiller un compte après trop d'essais"))
    p.add_argument("login", help=_("identifiant"))
    p.set_defaults(handler=_agent_unlock)
    p = ag.add_parser("deactivate", help=_("désactiver un agent (jamais supprimé)"))
    p.add_argument("id", type=int)
    p.set_defaults(handler=_agent_deactivate)

    p = sub.add_parser("demo", help=_("créer une base de démonstration (données fictives)"))
    p.add_argument("--beneficiaires", type=int, default=300, help=_("nombre de bénéficiaires"))
    p.add_argument("--accompagnements", type=int, default=None, help=_("nombre d'accompagnements"))
    p.add_argument("--passes", type=int, default=None, help=_("nombre de pass à émettre"))
    p.add_argument(
        "--si-absente",
        action="store_true",
        help=_("ne rien faire si une base existe déjà"),
    )
    p.set_defaults(handler=_demo)
