"""The composition root: every domain of Médianum, with its models, commands, demonstration,
self-test checks and restore hook. ``main.py`` hands this list to core; it is the only place that
names every domain, with plain imports, so that the import graph shows the whole wiring.

The order matters: a domain comes after those it depends on (the demonstration of the Pass
numérique issues chequebooks to the beneficiaries that mediation created).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import core.models
import lieux.models
import mediation.mandats.models
import mediation.models
import pass_numerique.models
import selftest
from core import cli as core_cli
from core.domaine import Autotest, Domaine, install
from core.i18n import N_
from fragilite import cli as fragilite_cli
from lieux import cli as lieux_cli
from mediation import cli as mediation_cli
from mediation import droits, stats_cli
from mediation.mandats import cli as mandat_cli
from pass_numerique import cli as pass_cli
from pass_numerique.structures import lieux_references

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.domaine import DemoContext

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
    Domaine("core", modeles=(core.models,), cli=(core_cli.register, selftest.register)),
    Domaine(
        "mediation",
        modeles=(mediation.models, mediation.mandats.models),
        cli=(mediation_cli.register, stats_cli.register, mandat_cli.register),
        demo=(_mediation_demo, _mandat_demo),
        autotest=(Autotest("mandat", N_("PDF du mandat"), selftest.check_mandate),),
        # A restored backup must not bring back the people erased since it was made.
        apres_restauration=droits.after_restore,
        # A database restored outside Médianum (pg_restore) is caught at each desk's start.
        au_demarrage=droits.at_start,
    ),
    Domaine(
        "lieux",
        modeles=(lieux.models,),
        # The map rings the places of the Pass numérique: handed over as a function, so that
        # lieux does not import pass_numerique.
        cli=(partial(lieux_cli.register, lieux_pass=lieux_references),),
        demo=(_lieux_demo,),
        autotest=(Autotest("carte", N_("Carte hors ligne des lieux"), selftest.check_map),),
    ),
    Domaine(
        "pass_numerique",
        modeles=(pass_numerique.models,),
        cli=(pass_cli.register,),
        demo=(_pass_demo,),
        autotest=(
            Autotest("chequier", N_("PDF du chéquier Pass numérique"), selftest.check_chequebook),
        ),
    ),
    Domaine(
        "fragilite",
        cli=(fragilite_cli.register,),
        demo=(_fragilite_demo,),
    ),
)

install(DOMAINES)
