"""The composition root (domaines.py): core names no domain, and the wiring it does reaches the
domains as data."""

from __future__ import annotations

import ast
import json
import re
from datetime import date
from pathlib import Path

import pytest

from core.auth import Actor
from core.cli import CliContext, run_handler
from core.db import Database
from core.models import Role
from domaines import DOMAINES
from lieux.importation import analyser_fichier, importer_lieux
from main import build_parser
from pass_numerique.structures import ReferencementData, reference_structure
from tests.pass_numerique.conftest import IBAN, synthetic_siret

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_PACKAGES = ("mediation", "pass_numerique", "lieux", "fragilite")


def _names_a_domain_module(text: str) -> bool:
    # « fragilite » alone is also a permission's name: a module is named with its package.
    if not re.fullmatch(rf"(?:{'|'.join(DOMAIN_PACKAGES)})(?:\.\w+)+", text):
        return False
    path = ROOT.joinpath(*text.split("."))
    return path.is_dir() or path.with_suffix(".py").exists()


def test_core_names_no_domain_module_not_even_in_a_string_nor_imports_by_name() -> None:
    """The import contracts (make lint) see imports; a module named in a string loaded with
    importlib would hide from them, which is how core reached the domains before domaines.py."""
    found = []
    for source in sorted((ROOT / "core").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            where = f"{source.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if _names_a_domain_module(node.value):
                    found.append(f"{where} {node.value!r}")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] == "importlib" for n in names):
                    found.append(f"{where} importlib")
    assert found == []


def test_every_domain_package_is_in_the_registry_with_its_models() -> None:
    listed = {load().__name__ for d in DOMAINES for load in d.modeles}
    on_disk = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for package in ("core", *DOMAIN_PACKAGES)
        for p in (ROOT / package).rglob("*models.py")
    }
    assert listed == on_disk


def test_the_map_written_by_the_command_line_rings_the_places_where_passes_are_accepted(
    db: Database,
    make_agent,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    coordinateur: Actor = make_agent((Role.COORDINATEUR, None), login="coord")
    with db.session() as s:
        importer_lieux(s, coordinateur, analyser_fichier(ROOT / "tests/lieux/data/exemple_v1.csv"))
        reference_structure(
            s,
            coordinateur,
            ReferencementData(
                siret=synthetic_siret(2),
                nom="Association test",
                iban=IBAN,
                titulaire="Association test",
                actif_du=date(2026, 1, 1),
                lieu_id="structure-2",
            ),
        )
    monkeypatch.setenv("MEDIANUM_AGENT", "coord")
    monkeypatch.setenv("MEDIANUM_PASSWORD", "mot-de-passe-solide")
    out = tmp_path / "carte.html"
    args = build_parser().parse_args(["lieux", "map", "--out", str(out)])
    assert run_handler(CliContext(args, domaines=DOMAINES, _db=db), args.handler) == 0
    places = re.search(r"var P = (\[.*?\]);\n", out.read_text(encoding="utf-8"))
    assert places is not None
    # Compact rows of lieux.carte._place_data: the name third, the Pass numérique flag 13th.
    ringed = [place[2] for place in json.loads(places.group(1)) if place[12] == 1]
    assert ringed == ["Médiathèque des Salines"]
