"""The composition root: every domain of Médianum, with its models, commands, demonstration,
self-test checks and restore hook. ``main.py`` hands this list to core; it is the only place that
names every domain, with plain imports, so that the import graph shows the whole wiring.

The order matters: a domain comes after those it depends on (the demonstration of the Pass
numérique issues chequebooks to the beneficiaries that mediation created).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from core.domaine import Autotest, Domaine, install
from core.i18n import N_

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from sqlalchemy.orm import Session

    from core.db import Database
    from core.domaine import DemoContext


# Each domain's models, loaded when every table is needed (``core.domaine.all_models``): the
# commands and the desk's pages load them before their first query, whereas a desk opening on
# its home page needs none of them (SQLAlchemy's declarative scan of these classes was a sixth of
# its start-up). Plain import statements, so that the import graph still shows the wiring.
def _core_models() -> ModuleType:
    import core.models

    return core.models


def _mediation_models() -> ModuleType:
    import mediation.models

    return mediation.models


def _mandat_models() -> ModuleType:
    import mediation.mandats.models

    return mediation.mandats.models


def _lieux_models() -> ModuleType:
    import lieux.models

    return lieux.models


def _pass_models() -> ModuleType:
    import pass_numerique.models

    return pass_numerique.models


# Commands, self-test checks and restore hooks are imported when they run, not when the desk
# starts: the window needs only the models, and the command modules pull in the spreadsheet
# and PDF writers (about a third of the start-up imports). The imports stay plain statements, so
# the import graph (lint-imports) still shows the wiring.
def _core_cli(sub: argparse._SubParsersAction[Any]) -> None:
    import selftest
    from core import cli

    cli.register(sub)
    selftest.register(sub)


def _mediation_cli(sub: argparse._SubParsersAction[Any]) -> None:
    from mediation import cli, stats_cli
    from mediation.mandats import cli as mandat_cli

    cli.register(sub)
    stats_cli.register(sub)
    mandat_cli.register(sub)


def _lieux_cli(sub: argparse._SubParsersAction[Any]) -> None:
    from lieux import cli
    from pass_numerique.structures import lieux_references

    # The map rings the places of the Pass numérique: handed over as a function, so that lieux
    # does not import pass_numerique.
    cli.register(sub, lieux_pass=lieux_references)


def _pass_cli(sub: argparse._SubParsersAction[Any]) -> None:
    from pass_numerique import cli

    cli.register(sub)


def _fragilite_cli(sub: argparse._SubParsersAction[Any]) -> None:
    from fragilite import cli

    cli.register(sub)


def _check_mandate(folder: Path) -> str:
    import selftest

    return selftest.check_mandate(folder)


def _check_map(folder: Path) -> str:
    import selftest

    return selftest.check_map(folder)


def _check_chequebook(folder: Path) -> str:
    import selftest

    return selftest.check_chequebook(folder)


def _mediation_after_restore(db: Database) -> str:
    from mediation import droits

    return droits.after_restore(db)


def _mediation_at_start(db: Database) -> str:
    from mediation.demarrage import nothing_to_redo

    # Asked first without the models: on nearly every start there is nothing to redo.
    if nothing_to_redo(db):
        return ""
    from mediation import droits

    return droits.at_start(db)


# The demonstrations import their data generators (pandas for the survey) only when a demo is
# made, so that every command does not pay for them.
def _mediation_demo(session: Session, demo: DemoContext) -> dict[str, int]:
    from mediation import demo as mediation_demo

    return mediation_demo.populate(session, demo)


def _mandat_demo(session: Session, demo: DemoContext) -> dict[str, int]:
    from mediation.mandats import demo as mandat_demo

    return mandat_demo.populate(session, demo)


def _lieux_demo(session: Session, demo: DemoContext) -> dict[str, int]:
    from lieux import demo as lieux_demo

    return lieux_demo.populate(session, demo)


def _pass_demo(session: Session, demo: DemoContext) -> dict[str, int]:
    from pass_numerique import demo as pass_demo

    return pass_demo.populate(session, demo)


def _fragilite_demo(session: Session, demo: DemoContext) -> dict[str, int]:
    from fragilite import demo as fragilite_demo

    return fragilite_demo.populate(session, demo)


DOMAINES: tuple[Domaine, ...] = (
    Domaine("core", modeles=(_core_models,), cli=(_core_cli,)),
    Domaine(
        "mediation",
        modeles=(_mediation_models, _mandat_models),
        cli=(_mediation_cli,),
        demo=(_mediation_demo, _mandat_demo),
        autotest=(Autotest("mandat", N_("PDF du mandat"), _check_mandate),),
        # A restored backup must not bring back the people erased since it was made.
        apres_restauration=_mediation_after_restore,
        # A database restored outside Médianum (pg_restore) is caught at each desk's start.
        au_demarrage=_mediation_at_start,
    ),
    Domaine(
        "lieux",
        modeles=(_lieux_models,),
        cli=(_lieux_cli,),
        demo=(_lieux_demo,),
        autotest=(Autotest("carte", N_("Carte hors ligne des lieux"), _check_map),),
    ),
    Domaine(
        "pass_numerique",
        modeles=(_pass_models,),
        cli=(_pass_cli,),
        demo=(_pass_demo,),
        autotest=(Autotest("chequier", N_("PDF du chéquier Pass numérique"), _check_chequebook),),
    ),
    Domaine(
        "fragilite",
        cli=(_fragilite_cli,),
        demo=(_fragilite_demo,),
    ),
)

install(DOMAINES)
