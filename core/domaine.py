"""The shape of what a domain hands to core: its models, its commands, its demonstration, its
self-test checks and its restore hook.

Core names no domain, not even in a string: ``domaines.py`` (next to ``main.py``) builds the list
of ``Domaine`` with plain imports and passes it to whatever in core works for every domain (the
demonstration, the self-test, the restore). The import graph then tells the truth.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData

from core.db import Base

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.auth import Actor
    from core.db import Database
    from core.models import Structure

# The parser is core.cli's FrenchParser, left as Any: core.cli receives the list of domains, so
# naming it here would make the two modules import each other.
Register = Callable[["argparse._SubParsersAction[Any]"], None]


@dataclass
class DemoSizes:
    beneficiaires: int = 300
    accompagnements: int | None = None  # default: about 4 per beneficiary
    passes: int | None = None


@dataclass
class DemoContext:
    """What each domain's demonstration receives (``core.demo`` makes it)."""

    sizes: DemoSizes
    rng: random.Random
    structures: dict[str, Structure]
    actors: dict[str, Actor]  # by login; "demo" holds every role
    created: dict[str, int] = field(default_factory=dict)


Populate = Callable[["Session", DemoContext], dict[str, int]]
AfterRestore = Callable[["Database"], str]


@dataclass(frozen=True)
class Autotest:
    """One self-test step: ``verifier`` works in a temporary folder and returns what it proved."""

    cle: str
    titre: str  # N_()-marked; translated when shown
    verifier: Callable[[Path], str]


@dataclass(frozen=True)
class Domaine:
    nom: str
    # Each loads one models module and returns it (plain imports in ``domaines.py``), called by
    # ``all_models``: a desk that never needs a domain's tables does not load its classes.
    modeles: tuple[Callable[[], ModuleType], ...] = ()
    cli: tuple[Register, ...] = ()
    demo: tuple[Populate, ...] = ()  # each in its own transaction; counts created, by label
    autotest: tuple[Autotest, ...] = ()
    apres_restauration: AfterRestore | None = None  # a sentence for the person who restored
    # Run by every desk when it opens its database (the GUI's start, « db apres-restauration »):
    # redo what a restore made outside Médianum (pg_restore) undid; "" when nothing was done.
    au_demarrage: AfterRestore | None = None


_installed: tuple[Domaine, ...] | None = None


def install(domaines: tuple[Domaine, ...]) -> None:
    """Called by ``domaines.py`` once its list is built (its models are then imported)."""
    global _installed
    _installed = domaines


def installed() -> tuple[Domaine, ...]:
    """The domains ``domaines.py`` installed (empty before it is imported)."""
    return _installed or ()


def run_start_hooks(db: Database, domaines: tuple[Domaine, ...] | None = None) -> list[str]:
    """Each domain's start-up work on the database just opened; the sentences worth showing."""
    said = []
    for domaine in installed() if domaines is None else domaines:
        if domaine.au_demarrage is not None:
            sentence = domaine.au_demarrage(db)
            if sentence:
                said.append(sentence)
    return said


def all_models() -> MetaData:
    """Every table of every domain, their models loaded on the first call. Refuses to answer
    before ``domaines.py`` is loaded: a partial answer would let an erasure miss another
    domain's rows without a word."""
    if _installed is None:
        raise RuntimeError("domaines.py was not imported: the domains' models are not all known")
    import core.models  # noqa: F401 - core's own tables belong to every database

    for domaine in _installed:
        for load in domaine.modeles:
            load()
    return Base.metadata
