"""Serial check characters and QR content, under property-based testing."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.db import Database
from pass_numerique import qr, serials
from pass_numerique.redemption import redeem
from tests.pass_numerique.conftest import TODAY, World

payloads = st.text(alphabet=serials.ALPHABET, min_size=10, max_size=10)


@given(payloads)
def test_every_payload_gets_check_characters_that_validate(payload: str) -> None:
    assert serials.is_valid(serials.with_check(payload))


@given(payloads, st.integers(0, 11), st.integers(1, 31))
def test_any_single_wrong_character_is_caught(payload: str, position: int, shift: int) -> None:
    serial = serials.with_check(payload)
    wrong = serials.ALPHABET[(serials.ALPHABET.index(serial[position]) + shift) % 32]
    typo = serial[:position] + wrong + serial[position + 1 :]
    assert not serials.is_valid(typo)
    assert serials.parse(typo) is None


@given(payloads, st.integers(0, 10))
def test_any_swap_of_two_neighbours_is_caught(payload: str, position: int) -> None:
    serial = serials.with_check(payload)
    a, b = serial[position], serial[position + 1]
    swapped = serial[:position] + b + a + serial[position + 2 :]
    assert (a == b) or not serials.is_valid(swapped)


def test_confusable_letters_read_as_digits_and_separators_are_ignored() -> None:
    serial = serials.with_check("0123456789")
    typed = "o" + serial[1:4].lower() + " - " + serial[4:]
    typed = typed.replace("1", "l")
    assert serials.parse(typed) == serial


def test_a_serial_is_printed_in_groups_of_four() -> None:
    assert serials.display("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"


def _content() -> qr.QrContent:
    return qr.QrContent("K7Q2", serials.with_check("7KQ4M2XD9F"), 3, 1000, date(2027, 1, 31))


def test_a_signed_qr_text_parses_back_to_its_content() -> None:
    key = Ed25519PrivateKey.generate()
    text = qr.sign(key, _content())
    content, signature, message = qr.parse(text)
    assert content == _content()
    key.public_key().verify(signature, message.encode())


@given(st.text(max_size=300))
def test_random_text_is_never_a_valid_qr(garbage: str) -> None:
    with pytest.raises(qr.QrRefused):
        qr.parse("MNP1:" + garbage)


@pytest.fixture
def issued(world: World) -> tuple[World, str]:
    from pass_numerique.issuance import chequebook_print, issue_chequebook

    with world.db.session() as s:
        chequier = issue_chequebook(
            s, world.accueil, world.beneficiaire_id, world.campagne_id, today=TODAY
        )
        return world, chequebook_print(s, world.accueil, chequier.id).passes[0].qr_text


def _scan(db: Database, world: World, text: str) -> bool:
    with db.session() as s:
        return redeem(s, world.mediateur, text, today=TODAY).accepted


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_qr_codes_are_never_accepted_and_never_crash(
    issued: tuple[World, str], data: st.DataObject
) -> None:
    world, genuine = issued
    position = data.draw(st.integers(0, len(genuine) - 1))
    replacement = data.draw(st.characters(codec="utf-8"))
    mutated = genuine[:position] + replacement + genuine[position + 1 :]
    if mutated.upper() == genuine.upper():
        return
    assert not _scan(world.db, world, mutated)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=st.text(max_size=200))
def test_random_scans_are_refused_as_unknown(issued: tuple[World, str], garbage: str) -> None:
    world, _genuine = issued
    assert not _scan(world.db, world, garbage)


def test_the_unused_bits_of_the_signature_cannot_be_flipped() -> None:
    text = qr.sign(Ed25519PrivateKey.generate(), _content())
    last = text[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    sibling = alphabet[alphabet.index(last) ^ 1]
    with pytest.raises(qr.QrRefused):
        qr.parse(text[:-1] + sibling)


def _respellings(text: str) -> list[str]:
    """Other spellings of a genuine text that Unicode folding or number parsing read the same."""
    head, kid, serial, campagne, valeur, jour, signature = text.split(":")
    arabic_one = "\u0661"  # ١ : a digit to ``\\d`` and to ``int()``
    found = [
        text.lower(),
        text.replace(serial, serial.lower()),
        ":".join((head, kid, serial, campagne.replace("3", "\u0663"), valeur, jour, signature)),
        ":".join((head, kid, serial, campagne, valeur.replace("1", arabic_one), jour, signature)),
        ":".join((head, kid, serial, "0" + campagne, valeur, jour, signature)),
        ":".join((head, kid, serial, campagne, "00" + valeur, jour, signature)),
        "\u0130" + text[1:] if text[0] == "I" else "mnp1" + text[4:],
    ]
    for plain, folded in (("S", "\u017f"), ("I", "\u0131"), ("K", "\u212a")):
        if plain in signature:
            found.append(text[: -len(signature)] + signature.replace(plain, folded, 1))
    return found


def test_a_signed_pass_has_exactly_one_accepted_spelling() -> None:
    key = Ed25519PrivateKey.generate()
    content = qr.QrContent("K7Q2", serials.with_check("7KQ4M2XD9F"), 3, 1000, date(2027, 1, 31))
    genuine = qr.sign(key, content)
    assert qr.parse(genuine + "\r\n")[0] == content  # what a scanner types after it is fine
    # Signatures with each folded letter, so every folding is tried at least once.
    texts = [genuine] + [qr.sign(Ed25519PrivateKey.generate(), content) for _i in range(40)]
    tried = 0
    for text in texts:
        for other in _respellings(text):
            assert other != text
            with pytest.raises(qr.QrRefused):
                qr.parse(other)
            tried += 1
    assert tried > 7 * len(texts)


def test_a_typed_serial_keeps_its_friendly_spelling() -> None:
    serial = serials.with_check("7KQ4M2XD9F")
    assert serials.parse(" 7kq4-m2xd-9f" + serial[-2:].lower() + " ") == serial
