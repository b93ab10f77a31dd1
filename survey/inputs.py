"""Numbers typed by people or put in URLs, read strictly.

`str.isdigit()` accepts "²" and "١٢", which `int()` then refuses or reads as something
the person did not type; and an id beyond the database's integer range ends as a
database error. Everything numeric from outside goes through here instead.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter
from wtforms import FloatField, IntegerField

# The largest id PostgreSQL's INTEGER holds (and far below SQLite's limit).
MAX_ID = 2**31 - 1


def whole_number(text: str | None, maximum: int = MAX_ID) -> int | None:
    """The whole number ≥ 0 written in ASCII digits, at most `maximum`; else None."""
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


_DECIMAL = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


def decimal_number(text: str | None) -> float | None:
    """A number in ASCII digits with a decimal comma (as Vietnamese writes it: 0,5) or a
    decimal point (0.5); else None. No thousands separators: "1.000" would be ambiguous."""
    text = (text or "").strip()
    if not _DECIMAL.fullmatch(text) or len(text) > 30:
        return None
    return float(text.replace(",", "."))


class DecimalNumberField(FloatField):
    """A form's decimal number, typed with a comma or a point, shown as the page's
    language writes it; other digits than ASCII are refused."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] is None or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = decimal_number(str(valuelist[0]))
        if self.data is None:
            raise ValueError(self.gettext("Not a number: type digits, with a decimal comma."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        from survey.i18n import number

        return number(self.data)


class WholeNumberField(IntegerField):
    """A form's whole number ≥ 0 in ASCII digits ("١٢" and "²" are refused, not read)."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] is None or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = whole_number(str(valuelist[0]))
        if self.data is None:
            raise ValueError(self.gettext("Not a whole number: type digits only."))


class SignedWholeNumberField(IntegerField):
    """A form's whole number, possibly negative, in ASCII digits: WTForms' IntegerField
    reads "١٢" as 12 (Python's int() does), which the person may not have meant."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] is None or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip()
        digits = text.removeprefix("-")
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 9):
            self.data = None
            raise ValueError(self.gettext("Not a whole number: type digits only."))
        self.data = int(text)


def record_id(text: str) -> int:
    """For `request.args.get(..., type=record_id)`: a ValueError gives the default."""
    number = whole_number(text)
    if number is None:
        raise ValueError(f"{text!r} is not an id")
    return number


class IdConverter(IntegerConverter):
    """`<int:...>` in routes: ASCII digits within the database's range, else 404."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
