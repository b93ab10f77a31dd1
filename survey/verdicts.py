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

from analysis.intervals import t_quantile
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
    if comparison and comparison.get("basis") == "split_part":
        return _split_part(comparison)
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


def _split_part(comparison: Mapping[str, Any]) -> Verdict:
    """A part of a split agency: beside what it came from, without a test (the parts of a
    district differ among themselves, so the district's figure is not each part's)."""
    from survey.labels import code_label

    names = "; ".join(code_label("agency", code) for code in comparison.get("sources", []))
    earlier = comparison.get("previous_estimate")
    if earlier is None:
        return Verdict(
            _("A part of %(names)s, which had no published index then.", names=names),
            False,
            None,
            None,
        )
    sentence = _(
        "A part of %(names)s, which as a whole scored %(value)s%% in the previous campaign; "
        "the parts are compared together with it, not each one.",
        names=names,
        value=decimal(100 * earlier, 1),
    )
    return Verdict(sentence, False, None, None)


def split_sentence(change: Mapping[str, Any]) -> str:
    """The parts of a split agency combined, against the agency they came from."""
    from survey.labels import code_label

    parts = "; ".join(code_label("agency", code) for code in change["domains"])
    points = decimal(abs(100 * change["difference"]), 1)
    # Clear only when the parts' own combined interval also leaves out the earlier figure.
    half = float(t_quantile(change["df"], 1 - LEVEL)) * change["se"]
    clear = (
        change.get("p_holm") is not None
        and change["p_holm"] < LEVEL
        and abs(change["estimate"] - change["earlier"]) > half
    )
    words = {
        (True, True): _("up %(points)s points: a clear change"),
        (True, False): _("down %(points)s points: a clear change"),
        (False, True): _("up %(points)s points; not enough evidence of a change"),
        (False, False): _("down %(points)s points; not enough evidence of a change"),
    }[(clear, change["difference"] >= 0)]
    return _(
        "%(parent)s, split into %(parts)s: the parts together %(change)s.",
        parent=code_label("agency", change["parent"]),
        parts=parts,
        change=words % {"points": points},
    )


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
