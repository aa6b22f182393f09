"""Each campaign signs its passes with its own key: whoever holds one campaign's key (a partner
office, a stolen laptop) cannot make passes of another campaign that any desk would accept."""

from __future__ import annotations

from sqlalchemy import select, text, update

from core import secrets
from pass_numerique import keys, qr
from pass_numerique.campagnes import last_valid_day
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import Chequier, PassCampagne, PassCle
from pass_numerique.redemption import redeem, verify_scan
from tests.pass_numerique.conftest import TODAY, World


def _other_campaign(world: World) -> int:
    with world.db.read_session() as s:
        found = s.scalar(select(PassCampagne.id).where(PassCampagne.nom == "Autre campagne"))
    assert found is not None
    return found


def _issue(world: World, campagne_id: int, prenom: str) -> tuple[int, list[str]]:
    beneficiaire = world.add_beneficiaire(prenom=prenom, nom="Test")
    with world.db.session() as s:
        chequier = issue_chequebook(s, world.accueil, beneficiaire, campagne_id, today=TODAY)
        book = chequebook_print(s, world.accueil, chequier.id, today=TODAY)
        return chequier.id, [p.qr_text for p in book.passes]


def _kid(qr_text: str) -> str:
    return qr_text.split(":")[1]


def test_each_campaign_signs_its_chequebooks_with_its_own_key(world: World) -> None:
    other = _other_campaign(world)
    _a, texts_a = _issue(world, world.campagne_id, "Alice")
    _b, texts_b = _issue(world, other, "Bruno")
    assert _kid(texts_a[0]) != _kid(texts_b[0])
    with world.db.read_session() as s:
        assert keys.campaign_keys(s) == {
            world.campagne_id: _kid(texts_a[0]),
            other: _kid(texts_b[0]),
        }
        tied = {k.kid: k.campagne_id for k in keys.list_keys(s)}
    assert tied == {_kid(texts_a[0]): world.campagne_id, _kid(texts_b[0]): other}


def test_a_qr_code_signed_with_another_campaigns_key_is_refused(world: World) -> None:
    """The attack: the office holding campaign B's key signs, with it, a pass of campaign A
    (serial, campaign, value and expiry all right): the signature is genuine, the key is not
    A's, so no desk accepts it; the same pass typed by its serial still works."""
    other = _other_campaign(world)
    _chequier_a, texts_a = _issue(world, world.campagne_id, "Alice")
    _b, texts_b = _issue(world, other, "Bruno")
    serial = texts_a[3].split(":")[2]
    with world.db.session() as s:
        key_b = s.scalar(select(PassCle).where(PassCle.kid == _kid(texts_b[0])))
        assert key_b is not None
        private_b = keys.private_key(s, key_b)
        campagne = s.get(PassCampagne, world.campagne_id)
        assert campagne is not None
        forged = qr.sign(
            private_b,
            qr.QrContent(key_b.kid, serial, world.campagne_id, 1000, last_valid_day(campagne)),
        )
    with world.db.session() as s:
        assert verify_scan(s, world.mediateur, forged, today=TODAY).code == "inconnu"
    with world.db.session() as s:
        refused = redeem(s, world.mediateur, forged, today=TODAY)
    assert (refused.accepted, refused.code) == (False, "inconnu")
    with world.db.session() as s:
        assert redeem(s, world.mediateur, texts_a[3], today=TODAY).accepted


def test_rotating_one_campaigns_key_leaves_the_other_campaigns_key_signing(world: World) -> None:
    other = _other_campaign(world)
    _a, texts_a = _issue(world, world.campagne_id, "Alice")
    _b, texts_b = _issue(world, other, "Bruno")
    with world.db.session() as s:
        new = keys.rotate_key(s, world.coordinateur, world.campagne_id)
        new_kid = new.kid
    assert secrets.get_secret(f"pass-signature-{_kid(texts_a[0])}") is None
    assert secrets.get_secret(f"pass-signature-{_kid(texts_b[0])}") is not None
    with world.db.read_session() as s:
        assert keys.campaign_keys(s) == {world.campagne_id: new_kid, other: _kid(texts_b[0])}
    _c, texts_c = _issue(world, other, "Chloé")
    assert _kid(texts_c[0]) == _kid(texts_b[0])
    with world.db.session() as s:
        assert redeem(s, world.mediateur, texts_a[0], today=TODAY).accepted


def test_a_key_from_before_campaign_keys_still_verifies_and_is_retired_by_the_first_campaign_key(
    world: World,
) -> None:
    """A database upgraded with one key shared by two campaigns keeps it untied: what it signed
    stays valid, and the first campaign key created retires it (private half destroyed)."""
    chequier_id, texts = _issue(world, world.campagne_id, "Alice")
    old_kid = _kid(texts[0])
    with world.db.session() as s:
        s.execute(update(PassCle).values(campagne_id=None))
    with world.db.session() as s:
        assert keys.campaign_keys(s) == {}
        assert redeem(s, world.mediateur, texts[0], today=TODAY).accepted
    _b, texts_b = _issue(world, _other_campaign(world), "Bruno")
    assert _kid(texts_b[0]) != old_kid
    assert secrets.get_secret(f"pass-signature-{old_kid}") is None
    with world.db.session() as s:
        statut = s.scalar(select(PassCle.statut).where(PassCle.kid == old_kid))
        assert statut == "retiree"
        # A reprint of the old chequebook is signed by its own campaign's key now.
        reprint = chequebook_print(s, world.accueil, chequier_id, today=TODAY)
        cle_of_book = s.scalar(select(Chequier.cle_id).where(Chequier.id == chequier_id))
    assert _kid(reprint.passes[1].qr_text) not in (old_kid, _kid(texts_b[0]))
    assert cle_of_book is not None
    with world.db.session() as s:
        assert redeem(s, world.mediateur, texts[2], today=TODAY).accepted
        assert redeem(s, world.mediateur, reprint.passes[1].qr_text, today=TODAY).accepted


def test_the_upgrade_ties_a_key_to_its_only_campaign_and_leaves_a_shared_key_untied(
    world: World,
) -> None:
    """The data step of migration pass_0003, run on rows as a database before it held them:
    keys without a campaign, one used by a single campaign, one shared by two."""
    import importlib.util

    from core.paths import MIGRATIONS_DIR

    spec = importlib.util.spec_from_file_location(
        "pass_0003", MIGRATIONS_DIR / "versions" / "pass_0003_cles_par_campagne.py"
    )
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    other = _other_campaign(world)
    _a, texts_a = _issue(world, world.campagne_id, "Alice")
    _b, texts_b = _issue(world, other, "Bruno")
    chequier_c, _texts_c = _issue(world, other, "Chloé")
    shared, own = _kid(texts_a[0]), _kid(texts_b[0])
    with world.db.session() as s:
        shared_id = s.scalar(select(PassCle.id).where(PassCle.kid == shared))
        s.execute(update(Chequier).where(Chequier.id == chequier_c).values(cle_id=shared_id))
        s.execute(update(PassCle).values(campagne_id=None))
    with world.db.session() as s:
        s.execute(text(migration.TIE_KEYS))
    with world.db.read_session() as s:
        tied = {k.kid: k.campagne_id for k in keys.list_keys(s)}
    assert tied == {shared: None, own: other}


def test_the_key_made_for_a_campaigns_first_chequebook_is_journalled_under_the_issuing_agent(
    world: World,
) -> None:
    from core.models import AuditEntry
    from pass_numerique.journal import ActionPass

    other = _other_campaign(world)
    _issue(world, other, "Chloé")
    with world.db.read_session() as s:
        made = s.execute(
            select(AuditEntry.agent_id, AuditEntry.details).where(
                AuditEntry.action == ActionPass.CLE_CREEE.value
            )
        ).all()
    agents = [agent for agent, details in made if details.get("campagne_id") == other]
    assert agents == [world.accueil.agent_id]
