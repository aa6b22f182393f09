"""The beneficiary's file reads the person's Pass numérique chequebooks: states, campaign, desk."""

from __future__ import annotations

import pytest

from core.auth import Actor
from core.errors import MedianumError, PermissionDenied
from core.models import Role
from pass_numerique import opposition
from pass_numerique.dossier import chequebooks_of
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import EtatPass
from pass_numerique.redemption import redeem
from tests.pass_numerique.conftest import TODAY, World, world  # noqa: F401  (fixture)


def _issue(w: World) -> tuple[int, list[str]]:
    with w.db.session() as s:
        chequier = issue_chequebook(s, w.accueil, w.beneficiaire_id, w.campagne_id, today=TODAY)
        book = chequebook_print(s, w.accueil, chequier.id, today=TODAY)
        return chequier.id, [p.qr_text for p in book.passes]


def test_the_file_counts_a_chequebooks_passes_by_state_with_its_campaign_and_desk(
    world: World,  # noqa: F811
) -> None:
    chequier_id, qr_texts = _issue(world)
    with world.db.session() as s:
        assert redeem(s, world.mediateur, qr_texts[0], today=TODAY).accepted
        assert redeem(s, world.mediateur, qr_texts[1], today=TODAY).accepted
    with world.db.session() as s:
        [fresh] = chequebooks_of(s, world.accueil, world.beneficiaire_id)
    assert (fresh.id, fresh.campagne, fresh.structure) == (
        chequier_id,
        "Pass numérique 2026",
        "Médiathèque test",
    )
    assert fresh.etats == {EtatPass.REMIS: 8, EtatPass.ENCAISSE: 2}
    assert fresh.etats_texte() == "8 remis, 2 encaissés"
    assert fresh.valeur_cents == 10 * 1000
    assert fresh.opposition_at is None
    with world.db.session() as s:
        opposition.oppose_chequebook(s, world.accueil, chequier_id)
    with world.db.session() as s:
        [opposed] = chequebooks_of(s, world.accueil, world.beneficiaire_id)
    assert opposed.etats == {EtatPass.ENCAISSE: 2, EtatPass.ANNULE: 8}
    assert opposed.etats_texte() == "2 encaissés, 8 annulés"
    assert opposed.opposition_at is not None


def test_a_person_without_chequebook_has_an_empty_list(world: World) -> None:  # noqa: F811
    with world.db.session() as s:
        assert chequebooks_of(s, world.accueil, world.beneficiaire_id) == []


def test_only_desk_agents_of_a_structure_seeing_the_file_read_its_chequebooks(
    world: World,  # noqa: F811
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    _issue(world)
    other_desk: Actor = make_agent((Role.ACCUEIL, world.association_id))
    with pytest.raises(PermissionDenied), world.db.session() as s:
        chequebooks_of(s, world.mediateur, world.beneficiaire_id)
    with pytest.raises(MedianumError), world.db.session() as s:
        chequebooks_of(s, other_desk, world.beneficiaire_id)
