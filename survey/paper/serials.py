"""Form serials: the agency code, a running number and a check digit (SXD-000123-4).

The check digit (Luhn, as on payment cards) catches a mistyped digit and most swapped
neighbours at the keyboard, before the serial is even looked up.
"""

from __future__ import annotations

import hashlib
import re

from survey.codes import CODE_CHARACTERS

# The agency's code may itself hold dashes: the number and check digit are the last two
# parts. (Serials are read upper-cased.)
_SERIAL = re.compile(rf"^(?P<agency>[{CODE_CHARACTERS}]+)-(?P<number>\d{{6}})-(?P<check>\d)$")


def luhn_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def make_serial(agency_code: str, number: int) -> str:
    digits = f"{number:06d}"
    return f"{agency_code.upper()}-{digits}-{luhn_digit(digits)}"


def normalize(typed: str) -> str:
    """What a keyer typed, as a serial: case and spaces do not matter."""
    return "".join(typed.split()).upper()


def is_well_formed(serial: str) -> bool:
    match = _SERIAL.match(serial)
    return bool(match) and luhn_digit(match["number"]) == int(match["check"])


def selected_for_verification(campaign_code: str, serial: str, share: float) -> bool:
    """Whether a form is keyed twice: a fixed draw from its serial, so the sample is the
    same whenever it is asked and cannot be steered by the order forms are keyed in."""
    if share >= 1:
        return True
    draw = int(hashlib.sha256(f"{campaign_code}|{serial}".encode()).hexdigest()[:8], 16)
    return draw / 2**32 < share
