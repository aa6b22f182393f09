"""Serials and QR contents pinned to values worked out by hand, not by the code under test.

The property tests beside this file prove the check is self-consistent; they would still pass if
the modulus or the radix changed, while every serial already printed on paper would then be
refused. These fixed values are the contract with the paper in people's hands.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pass_numerique import qr, serials
from pass_numerique.settlements import Settlement, SettlementLine, settlement_csv

# Worked out by hand (Crockford digits: 0-9 = 0-9, A=10 … T=26 … X=29, Y=30, Z=31; 1024 ≡ 3 and
# 2^10 ≡ 3 modulo 1021):
# - "0000000001": 1·1024 ≡ 3, so the check value is 1021 − 3 = 1018 = 31·32 + 26 → "ZT";
# - "0000000010": 32·1024 = 32768 = 32·1021 + 96, check 1021 − 96 = 925 = 28·32 + 29 → "WX";
# - "ZZZZZZZZZZ": (2^50 − 1)·1024 ≡ (3^5 − 1)·3 = 726, check 1021 − 726 = 295 = 9·32 + 7 → "97";
# - "0000000000": 0, check "00".
PRINTED_SERIALS = {
    "0000000001": "0000000001ZT",
    "0000000010": "0000000010WX",
    "ZZZZZZZZZZ": "ZZZZZZZZZZ97",
    "0000000000": "000000000000",
}


@pytest.mark.parametrize(("payload", "serial"), sorted(PRINTED_SERIALS.items()))
def test_a_serial_printed_on_paper_keeps_its_check_characters(payload: str, serial: str) -> None:
    assert serials.with_check(payload) == serial
    assert serials.is_valid(serial)
    assert serials.parse(serial) == serial


@pytest.mark.parametrize("serial", ["0000000001ZV", "0000000001YT", "1000000001ZT"])
def test_a_serial_with_one_wrong_character_is_refused(serial: str) -> None:
    assert not serials.is_valid(serial)
    assert serials.parse(serial) is None


@pytest.mark.parametrize(
    "text",
    ["0000000001Z", "0000000001ZTT", "0000000001ZU", "", "0000-0000-01ZT-0"],
)
def test_text_of_the_wrong_length_or_alphabet_is_not_a_serial(text: str) -> None:
    assert serials.parse(text) is None
    assert not serials.is_valid(text.replace("-", ""))


def test_a_serial_typed_with_dots_underscores_and_confusable_letters_is_read() -> None:
    assert serials.parse("oooo.oooo_oIzt") == "0000000001ZT"
    assert serials.parse("0000 0000 0lzt") == "0000000001ZT"
    assert serials.parse("zzzz-zzzz-zz97") == "ZZZZZZZZZZ97"


def test_a_serial_is_shown_as_three_groups_of_four() -> None:
    assert serials.display("0000000001ZT") == "0000-0000-01ZT"


def test_new_serials_are_twelve_valid_characters_and_differ() -> None:
    made = {serials.new_serial() for _ in range(50)}
    assert len(made) == 50
    assert all(len(s) == 12 and serials.is_valid(s) for s in made)


# RFC 8032, section 7.1, TEST 1: a published Ed25519 key pair, independent of this code.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def _november_content() -> qr.QrContent:
    return qr.QrContent("K7Q2", "0000000001ZT", 3, 1000, date(2027, 11, 30))


def test_the_signed_part_of_a_qr_code_is_the_documented_text() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    text = qr.sign(key, _november_content())
    message, _, signature = text.rpartition(":")
    assert message == "MNP1:K7Q2:0000000001ZT:3:1000:20271130"
    raw = base64.b32decode(signature + "=" * (-len(signature) % 8))
    # Verified with the published public key, not with anything this project derives.
    Ed25519PublicKey.from_public_bytes(RFC8032_PUBLIC).verify(raw, message.encode("ascii"))


def test_a_qr_code_reads_back_its_expiry_month_and_day() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    content, _, message = qr.parse(qr.sign(key, _november_content()))
    assert content.expire_le == date(2027, 11, 30)
    assert (content.campagne_id, content.valeur_cents, content.kid) == (3, 1000, "K7Q2")
    assert message == "MNP1:K7Q2:0000000001ZT:3:1000:20271130"


def test_a_qr_code_whose_serial_fails_its_check_is_refused_for_that_reason() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    forged = qr.QrContent("K7Q2", "0000000001ZV", 3, 1000, date(2027, 11, 30))
    with pytest.raises(qr.QrRefused) as refused:
        qr.parse(qr.sign(key, forged))
    assert refused.value.reason == "serial"


def test_a_qr_code_with_an_impossible_date_is_refused_as_malformed() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    text = qr.sign(key, _november_content()).replace("20271130", "20271131")
    with pytest.raises(qr.QrRefused) as refused:
        qr.parse(text)
    assert refused.value.reason == "format"


@pytest.mark.parametrize("text", ["0000000001Z", "0000000001ZTT", "0000000001ZU"])
def test_normalising_refuses_text_that_cannot_be_a_serial(text: str) -> None:
    # Normalising alone (before the check) already refuses a wrong length or a foreign letter.
    assert serials.normalize(text) is None


def test_a_settlement_statement_file_is_the_documented_text_for_the_funder() -> None:
    # The file the funder pays from: its columns, the redemption time in Paris (10:05 UTC on
    # 3 November is 11:05 in winter, 23:30 UTC on 31 March is 01:30 on 1 April in summer) and
    # amounts in euros with two decimals, worked out by hand.
    settlement = Settlement(
        pass_structure_id=1,
        structure="Association Lien",
        siret="12345678900018",
        iban="FR7630006000011234567890189",
        titulaire="Association Lien",
        mois="2026-11",
        lines=[
            SettlementLine(1, "0000000001ZT", datetime(2026, 11, 3, 10, 5, tzinfo=UTC), 1000),
            SettlementLine(2, "0000000010WX", datetime(2026, 3, 31, 23, 30, tzinfo=UTC), 1205),
        ],
    )
    assert settlement_csv(settlement) == (
        "structure;siret;mois;serial;encaisse_le;montant_euros\r\n"
        "Association Lien;12345678900018;2026-11;0000000001ZT;2026-11-03 11:05;10,00\r\n"
        "Association Lien;12345678900018;2026-11;0000000010WX;2026-04-01 01:30;12,05\r\n"
    )


def test_a_settlement_statement_file_of_a_structure_without_siret_leaves_the_column_empty() -> None:
    settlement = Settlement(
        pass_structure_id=1,
        structure="Association Lien",
        siret=None,
        iban="FR7630006000011234567890189",
        titulaire="Association Lien",
        mois="2026-11",
        lines=[SettlementLine(1, "0000000001ZT", datetime(2026, 11, 3, 10, 5, tzinfo=UTC), 7)],
    )
    assert settlement_csv(settlement).splitlines()[1] == (
        "Association Lien;;2026-11;0000000001ZT;2026-11-03 11:05;0,07"
    )
