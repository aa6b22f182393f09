"""Fixtures of the places tests: the synthetic files under data/ and a coordinator."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.auth import Actor
from core.models import Role

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def coordinateur(make_agent) -> Actor:  # type: ignore[no-untyped-def]
    return make_agent((Role.COORDINATEUR, None))  # type: ignore[no-any-return]


@pytest.fixture
def accueil(make_agent, db) -> Actor:  # type: ignore[no-untyped-def]
    from core.auth import create_structure

    with db.session() as s:
        structure = create_structure(
            s,
            None,
            "Médiathèque test",
            siret=None,
            adresse="1 rue",
            code_postal="17000",
            commune_insee="17300",
        )
        sid = structure.id
    return make_agent((Role.ACCUEIL, sid))  # type: ignore[no-any-return]
