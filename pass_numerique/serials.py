"""Pass serial numbers a person can read, type and check.

A serial is 10 random characters of Crockford's base 32 (no I, L, O, U: nothing to confuse with
1 and 0) followed by 2 check characters, shown in groups of four: ``7KQ4-M2XD-9F3A``.

Check: the 12 characters read as one base-32 number must be a multiple of the prime 1021 (the
idea of ISO 7064 MOD 97-10, used by IBANs, carried over to radix 32). Since 1021 is prime and
larger than 31:
- changing one character by ``d`` (0 < |d| < 32) changes the number by ``d·32^k``, never a
  multiple of 1021;
- swapping neighbours ``a`` and ``b`` changes it by ``(a−b)·31·32^k``, never a multiple either.
The two check characters encode a value below 1021 < 32², so every payload has exactly one.
Random payloads (50 bits) also make a serial impossible to guess.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding: letters people confuse with digits read as those digits.
_ALIASES = {"O": "0", "I": "1", "L": "1"}
MODULUS = 1021
PAYLOAD_LENGTH = 10
LENGTH = PAYLOAD_LENGTH + 2
_SEPARATORS = re.compile(r"[\s\-_.]")
_CANONICAL = re.compile(r"[0-9A-HJKMNP-TV-Z]{12}", re.ASCII)
# Crockford's digits onto Python's base-32 digits: int() then reads a serial in C.
_TO_INT_DIGITS = str.maketrans(ALPHABET, "0123456789abcdefghijklmnopqrstuv")


def _number(chars: str) -> int:
    n = 0
    for ch in chars:
        n = n * 32 + _VALUE[ch]
    return n


def check_characters(payload: str) -> str:
    remainder = (_number(payload) * 1024) % MODULUS
    value = (MODULUS - remainder) % MODULUS
    return ALPHABET[value // 32] + ALPHABET[value % 32]


def with_check(payload: str) -> str:
    return payload + check_characters(payload)


def new_serial() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
    return with_check(payload)


def normalize(text: str) -> str | None:
    """The canonical serial typed in ``text`` (spaces, dashes and case ignored), or None when
    it is not made of serial characters of the right length."""
    cleaned = _SEPARATORS.sub("", text).upper()
    cleaned = "".join(_ALIASES.get(ch, ch) for ch in cleaned)
    if len(cleaned) != LENGTH or any(ch not in _VALUE for ch in cleaned):
        return None
    return cleaned


def is_canonical(text: str) -> bool:
    """Already in canonical form (what a file written by Médianum holds): no normalising."""
    return _CANONICAL.fullmatch(text) is not None


def all_canonical(texts: Iterable[str]) -> bool:
    """``is_canonical`` of each, without a Python step per text (a batch holds 100,000)."""
    return all(map(_CANONICAL.fullmatch, texts))


def is_valid(serial: str) -> bool:
    """True if ``serial`` (canonical form) passes its check characters."""
    if _CANONICAL.fullmatch(serial) is None:
        return False
    return int(serial.translate(_TO_INT_DIGITS), 32) % MODULUS == 0


def parse(text: str) -> str | None:
    """A typed serial, normalised and checked; None if it is not a valid serial."""
    serial = normalize(text)
    return serial if serial is not None and is_valid(serial) else None


def display(serial: str) -> str:
    return "-".join(serial[i : i + 4] for i in range(0, len(serial), 4))
