"""Numbers typed by people or put in URLs, read strictly.

`str.isdigit()` accepts "²" and "١٢", which `int()` then refuses or reads as something
the person did not type; and an id beyond the database's integer range ends as a
database error. Everything numeric from outside goes through here instead.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# The largest id PostgreSQL's INTEGER holds (and far below SQLite's limit).
MAX_ID = 2**31 - 1


def whole_number(text: str | None, maximum: int = MAX_ID) -> int | None:
    """The whole number ≥ 0 written in ASCII digits, at most `maximum`; else None."""
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


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
