"""Form serials: the agency code, a running number and a check digit (SXD-000123-4).

An organisation's form carries T ("tổ chức") before its number (SXD-T000124-2), so the
serial says which form it is: the keyer sees it, and keying checks it against the batch.
The agency's forms of both kinds share one run of numbers.

The check digit (Luhn, as on payment cards) catches a mistyped digit and most swapped
neighbours at the keyboard, before the serial is even looked up.
"""

from __future__ import annotations

import hashlib
import re

from survey.codes import CODE_CHARACTERS

# The agency's code may itself hold dashes: the number and check digit are the last two
# parts. (Serials are read upper-cased.)
_SERIAL = re.compile(
    rf"^(?P<agency>[{CODE_CHARACTERS}]+)-(?P<kind>T?)(?P<number>\d{{6}})-(?P<check>\d)$"
)
KIND_MARKS = {"citizen": "", "organisation": "T"}


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


def make_serial(agency_code: str, number: int, respondent_type: str = "citizen") -> str:
    digits = f"{number:06d}"
    mark = KIND_MARKS[respondent_type]
    return f"{agency_code.upper()}-{mark}{digits}-{luhn_digit(digits)}"


def number_of(serial: str) -> int:
    """The running number of a serial made here (its second part from the end)."""
    return int(serial.split("-")[-2].lstrip("T"))


def respondent_type_of(serial: str) -> str | None:
    """Whose form a well-formed serial is (None when it is not well formed)."""
    match = _SERIAL.match(serial)
    if not match:
        return None
    return "organisation" if match["kind"] else "citizen"


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
