"""The pages of the navigation rail, in order, and who may see them.

A page module is imported only when its page is first opened, so heavy dependencies (the web
engine, pandas) load only when needed. Each page class takes ``(ctx: AppContext, parent=None)``
and may define ``refresh()``, called when the page is shown again.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from core.auth import Permission
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
