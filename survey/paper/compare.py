"""Comparing two blind entries of one form, and saying afterwards who typed it wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Difference:
    item: str
    first: str
    second: str


def differences(
    items: Sequence[str], first: Mapping[str, str], second: Mapping[str, str]
) -> list[Difference]:
    """Items (in questionnaire order) where the two entries' normalized values differ."""
    return [
        Difference(item, first.get(item, ""), second.get(item, ""))
        for item in items
        if first.get(item, "") != second.get(item, "")
    ]


def attribute(difference: Difference, paper_value: str) -> tuple[bool, bool]:
    """(first wrong, second wrong) given what the paper says; both can be wrong."""
    return difference.first != paper_value, difference.second != paper_value
