"""Why a genuine-looking QR code is refused, pinned to the reason the check gives."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from pass_numerique import keys, qr
from pass_numerique.issuance import chequebook_print, issue_chequebook
from pass_numerique.models import PassCampagne, PassCle
from tests.pass_numerique.conftest import TODAY, World


def _first_qr_text(world: World, campagne_id: int, prenom: str) -> str:
    beneficiaire = world.add_beneficiaire(prenom=prenom, nom="Test")
    with world.db.session() as s:
        chequier = issue_chequebook(s, world.accueil, beneficiaire, campagne_id, today=TODAY)
        return chequebook_print(s, world.accueil, chequier.id, today=TODAY).passes[0].qr_text


def test_a_qr_code_signed_with_another_campaigns_key_is_refused_for_that_reason(
    world: World,
) -> None:
    """Campaign B's genuine key signs a pass of campaign A: the signature verifies, the key is
    not A's, and the check says so (« campagne »), not « signature »."""
    with world.db.read_session() as s:
        other = s.scalar(select(PassCampagne.id).where(PassCampagne.nom == "Autre campagne"))
    assert other is not None
    serial = _first_qr_text(world, world.campagne_id, "Alice").split(":")[2]
    kid_b = _first_qr_text(world, other, "Bruno").split(":")[1]
    with world.db.session() as s:
        key_b = s.scalar(select(PassCle).where(PassCle.kid == kid_b))
        assert key_b is not None
        forged = qr.sign(
            keys.private_key(s, key_b),
            qr.QrContent(kid_b, serial, world.campagne_id, 1000, date(2027, 1, 31)),
        )
    with world.db.session() as s, pytest.raises(qr.QrRefused) as refused:
        qr.verify(s, forged)
    assert refused.value.reason == "campagne"


# RFC 8032, section 7.1, TEST 1: a published secret key, so every signed text below is fixed.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


def _genuine() -> str:
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    return qr.sign(key, qr.QrContent("K7Q2", "0000000001ZT", 3, 1000, date(2027, 11, 30)))


def _reason(text: str) -> str:
    with pytest.raises(qr.QrRefused) as refused:
        qr.parse(text)
    return refused.value.reason


def test_a_qr_text_missing_its_expiry_is_refused_as_malformed() -> None:
    head, kid, serial, campagne, valeur, _jour, signature = _genuine().split(":")
    assert _reason(":".join((head, kid, serial, campagne, valeur, signature))) == "format"


def test_a_qr_text_with_the_value_written_with_leading_zeros_is_refused_as_malformed() -> None:
    head, kid, serial, campagne, valeur, jour, signature = _genuine().split(":")
    assert valeur == "1000"
    respelt = ":".join((head, kid, serial, campagne, "01000", jour, signature))
    assert _reason(respelt) == "format"


def test_a_signature_with_its_unused_bits_set_is_refused_as_malformed() -> None:
    # 64 bytes in base 32 end on a character carrying 2 bits and 3 unused ones (A, I, Q or Y
    # with the unused bits at zero): the next letter of the alphabet sets one of them.
    text = _genuine()
    last = text[-1]
    assert last in "AIQY"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    assert _reason(text[:-1] + alphabet[alphabet.index(last) + 1]) == "format"


@pytest.mark.parametrize("noise", ["\u00a0", "\x0b", "\x0c", "\u2003"])
def test_only_what_a_scanner_types_around_a_qr_text_is_ignored(noise: str) -> None:
    """Spaces, tabs and line ends may come with a scan; a non-breaking space, a form feed or a
    vertical tab are another text, neither routed to the QR check nor read as the pass."""
    text = _genuine()
    assert qr.parse(" \t" + text + "\r\n")[0].serial == "0000000001ZT"
    assert qr.looks_like_qr("\r\n " + text)
    assert not qr.looks_like_qr(noise + text)
    assert _reason(text + noise) == "format"
    assert _reason(noise + text) == "format"
