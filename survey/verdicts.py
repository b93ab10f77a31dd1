"""What a statistic means, in one plain sentence, before its technical figures.

A department head reads "2,5 points below the average of its group; not enough evidence
that it differs" where an evaluator reads "−2,5, Holm p = 0,801". A difference is called
clear only when both hold: its Holm-adjusted test is below 5%, and the agency's own 95%
interval leaves out the figure it is compared with. A verdict must survive its own
interval (METHODS.md §3a): an agency of 12 answers all satisfied has a standard error of
zero at the boundary, and a test on it means nothing, while its interval (71–100) says
the data cannot tell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from survey.i18n import decimal

LEVEL = 0.05


@dataclass(frozen=True)
class Verdict:
    sentence: str
    clear: bool  # a difference the data can tell
    difference: float | None  # points (0-100 scale)
    p_holm: float | None


def _reference(entry: Mapping[str, Any], comparison: Mapping[str, Any]) -> float | None:
    """The figure the agency is compared with, on the 0-1 scale."""
    if comparison.get("previous_estimate") is not None:
        return comparison["previous_estimate"]
    if entry.get("estimate") is None or comparison.get("difference") is None:
        return None
    return entry["estimate"] - comparison["difference"]


def is_clear(entry: Mapping[str, Any] | None, comparison: Mapping[str, Any] | None) -> bool:
    """A difference the data can tell: Holm p < 5% and the agency's own 95% interval
    does not contain the reference."""
    if not entry or not comparison or comparison.get("difference") is None:
        return False
    if entry.get("suppressed") or entry.get("not_estimable"):
        return False
    p = comparison.get("p_holm")
    if p is None or not p < LEVEL:
        return False
    low, high, reference = entry.get("ci_low"), entry.get("ci_high"), _reference(entry, comparison)
    if low is None or high is None or reference is None:
        return False
    return not low <= reference <= high


def versus_group(
    entry: Mapping[str, Any] | None, comparison: Mapping[str, Any] | None
) -> Verdict | None:
    """The agency against the plain mean of its ranking group."""
    if not entry or not comparison or comparison.get("difference") is None:
        return None
    if entry.get("suppressed"):
        return Verdict(_("Too few answers to compare with its group."), False, None, None)
    points = 100 * comparison["difference"]
    clear = is_clear(entry, comparison)
    size = decimal(abs(points), 1)
    if clear:
        sentence = (
            _("%(points)s points above the average of its group: a clear difference.", points=size)
            if points > 0
            else _(
                "%(points)s points below the average of its group: a clear difference.", points=size
            )
        )
    else:
        sentence = (
            _(
                "%(points)s points above the average of its group; "
                "not enough evidence that it differs.",
                points=size,
            )
            if points >= 0
            else _(
                "%(points)s points below the average of its group; "
                "not enough evidence that it differs.",
                points=size,
            )
        )
    return Verdict(sentence, clear, points, comparison.get("p_holm"))


def versus_previous(
    entry: Mapping[str, Any] | None, comparison: Mapping[str, Any] | None
) -> Verdict | None:
    """The agency against its figure (or its predecessors') in the previous campaign."""
    if not entry or not comparison or comparison.get("difference") is None:
        return None
    if entry.get("suppressed"):
        return Verdict(
            _("Too few answers to compare with the previous campaign."), False, None, None
        )
    points = 100 * comparison["difference"]
    clear = is_clear(entry, comparison)
    size = decimal(abs(points), 1)
    if clear:
        sentence = (
            _("Up %(points)s points since the previous campaign: a clear change.", points=size)
            if points > 0
            else _(
                "Down %(points)s points since the previous campaign: a clear change.", points=size
            )
        )
    else:
        sentence = (
            _(
                "Up %(points)s points since the previous campaign; "
                "not enough evidence of a change.",
                points=size,
            )
            if points >= 0
            else _(
                "Down %(points)s points since the previous campaign; "
                "not enough evidence of a change.",
                points=size,
            )
        )
    return Verdict(sentence, clear, points, comparison.get("p_holm"))


def index_sentence(entry: Mapping[str, Any] | None) -> str:
    """The index in words: its value and the range the data allows."""
    if not entry or entry.get("estimate") is None or entry.get("suppressed"):
        return _("Too few answers to publish an index.")
    value = decimal(100 * entry["estimate"], 1)
    if entry.get("ci_low") is None or entry.get("ci_high") is None:
        return _("%(value)s%% of answers satisfied.", value=value)
    return _(
        "%(value)s%% of answers satisfied; with 95%% confidence the true share lies between "
        "%(low)s%% and %(high)s%%.",
        value=value,
        low=decimal(100 * entry["ci_low"], 1),
        high=decimal(100 * entry["ci_high"], 1),
    )


def rank_sentence(rank: Mapping[str, Any] | None, size: int) -> str:
    """A rank with the ranks the data allows."""
    if not rank:
        return _("Not ranked.")
    if rank["low"] == rank["high"]:
        return _("Rank %(rank)s of %(size)s in its group.", rank=rank["rank"], size=size)
    return _(
        "Rank %(rank)s of %(size)s in its group; with the uncertainty of the survey it could "
        "be anywhere from %(low)s to %(high)s.",
        rank=rank["rank"],
        size=size,
        low=rank["low"],
        high=rank["high"],
    )
