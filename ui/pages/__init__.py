"""The pages of the navigation rail, in order, and who may see them.

A page module is imported only when its page is first opened, so heavy dependencies (the web
engine, pandas) load only when needed. Each page class takes ``(ctx: AppContext, parent=None)``
and may define ``refresh()``, called when the page is shown again.

Importing a page's module costs mostly what it brings from outside ``ui``: domain modules and
their libraries (reportlab, qrcode and Pillow for the Pass pages: 0.5–1 s on a desk PC).
``backend_imports`` finds those by reading the sources of the page and of the ``ui`` modules it
imports (nothing is imported to find them), so that ``preload`` imports them in a worker thread
first; the page's own module, which creates Qt classes and may load the web engine, is then
imported on the GUI thread, where it finds its libraries already loaded. Modules outside ``ui``
import no Qt (a rule checked by ``lint-imports``), so they are safe to import off the GUI thread.
"""

from __future__ import annotations

import ast
import importlib
import sys
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from core.auth import Actor, Permission
from core.i18n import N_


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str  # N_()-marked; translated when shown
    permissions: tuple[Permission, ...]  # visible if the agent holds any of them anywhere
    module: str
    class_name: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("accueil", N_("Accueil"), (), "ui.pages.accueil", "AccueilPage"),
    PageSpec(
        "beneficiaires",
        N_("Bénéficiaires"),
        (Permission.DOSSIER_LIRE,),
        "ui.pages.beneficiaires",
        "BeneficiairesPage",
    ),
    PageSpec(
        "accompagnements",
        N_("Accompagnements"),
        (Permission.DOSSIER_LIRE,),
        "ui.pages.accompagnements",
        "AccompagnementsPage",
    ),
    PageSpec(
        "pass",
        N_("Pass numériques"),
        (Permission.PASS_EMETTRE, Permission.PASS_ENCAISSER, Permission.PASS_GERER),
        "ui.pages.pass_numerique",
        "PassPage",
    ),
    PageSpec(
        "mandats", N_("Mandats"), (Permission.MANDAT_GERER,), "ui.pages.mandats.page", "MandatsPage"
    ),
    PageSpec(
        "lieux",
        N_("Lieux"),
        (Permission.LIEUX_CONSULTER, Permission.LIEUX_GERER),
        "ui.pages.lieux",
        "LieuxPage",
    ),
    PageSpec(
        "fragilite", N_("Fragilité"), (Permission.FRAGILITE,), "ui.pages.fragilite", "FragilitePage"
    ),
    PageSpec(
        "statistiques",
        N_("Statistiques"),
        (Permission.STATISTIQUES,),
        "ui.pages.statistiques",
        "StatistiquesPage",
    ),
    PageSpec(
        "administration",
        N_("Administration"),
        (Permission.ADMINISTRER,),
        "ui.pages.administration",
        "AdministrationPage",
    ),
    PageSpec(
        "donnees_personnelles",
        N_("Données personnelles"),
        (Permission.DROITS_PERSONNES,),
        "ui.pages.donnees_personnelles",
        "DonneesPersonnellesPage",
    ),
)


def page_class(spec: PageSpec) -> Any | None:
    """Import the page's module now (the lazy loading above); None for a page not written yet."""
    try:
        module = importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        if exc.name != spec.module:
            raise
        return None
    return getattr(module, spec.class_name, None)


def visible_pages(actor: Actor) -> list[PageSpec]:
    """The pages of the rail for this agent: those whose permissions it holds somewhere."""
    return [
        spec
        for spec in PAGES
        if not spec.permissions or any(actor.can_anywhere(p) for p in spec.permissions)
    ]


# Held by whoever imports page dependencies, on either thread: a worker in ``preload`` or in
# Fragilité's preparation, the GUI thread while it imports a page's module after a preload. Two
# threads importing modules that import each other in opposite orders would otherwise meet in
# Python's import locks (a « deadlock detected » error); the GUI thread waits at most for the
# end of another page's preload, when two pages never opened are opened within a second.
IMPORT_LOCK = threading.RLock()

_UI_ROOT = Path(__file__).resolve().parent.parent
_NEVER_OFF_THREAD = ("PySide6", "shiboken6", "__feature__", "ui")


def _ui_source(module: str) -> Path | None:
    relative = Path(*module.split(".")[1:])
    for candidate in (_UI_ROOT / relative.with_suffix(".py"), _UI_ROOT / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module) -> list[tuple[str, tuple[str, ...]]]:
    """``(module, names)`` of the imports run when the module loads (not those in functions or
    under ``if TYPE_CHECKING``)."""
    found: list[tuple[str, tuple[str, ...]]] = []
    body: list[ast.stmt] = list(tree.body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.Import):
            found.extend((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, tuple(alias.name for alias in node.names)))
        elif isinstance(node, ast.If) and not _type_checking(node.test):
            body.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            body.extend(node.body)
    return found


@cache
def backend_imports(module: str) -> tuple[str, ...]:
    """The modules outside ``ui`` that importing ``module`` (a ``ui`` module) would import."""
    seen: set[str] = set()
    backend: list[str] = []
    queue = [module]
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        source = _ui_source(name)
        if source is None:
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"), str(source))
        for imported, names in _top_level_imports(tree):
            root = imported.split(".")[0]
            if root == "__future__":
                continue
            if root == "ui":
                queue.append(imported)
                queue.extend(f"{imported}.{n}" for n in names if _ui_source(f"{imported}.{n}"))
            elif root not in _NEVER_OFF_THREAD:
                backend.extend([imported, *(f"{imported}.{n}" for n in names)])
    return tuple(dict.fromkeys(backend))


def preload(modules: tuple[str, ...]) -> None:
    """Import ``modules`` (run in a worker thread); a name that is not a module is skipped, and a
    module that fails to import is left to fail again, with its traceback, on the GUI thread.

    Every domain's models are loaded first (once per process): a page's writes may name another
    domain's tables in their foreign keys, which SQLAlchemy must know to order a flush, and the
    desk starts without them (``domaines.py``)."""
    from core.domaine import all_models

    with IMPORT_LOCK:
        all_models()
        for name in modules:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except ImportError:
                continue
