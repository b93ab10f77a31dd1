"""Which agencies of an earlier structure an agency's earlier figure draws on.

The 2025 restructuring merged departments, dissolved the districts and made 102
commune-level units out of several hundred communes. An evaluator comparing a campaign
with the one before wants each agency that exists now set against what it replaced:

- an agency that existed then is its own predecessor (and if it absorbed others since,
  they are added to it: the Department of Finance of 2026 is the 2024 one plus Planning
  and Investment);
- a merged agency draws on all its predecessors, a renamed one on its former self;
- a part of a split agency draws on the agency it came from, for the share of its
  dossiers the part took over.

Chains are followed (a merged agency renamed later still reaches the agencies of the
first campaign), but only through successions that took effect after the earlier
campaign began: the structure of that campaign is where the walk stops.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from survey.agencies.models import Agency, AgencySuccession
from survey.extensions import db

# Rounding leeway for the shares of one agency's split parts (entered as 0.333, ...).
SHARE_SLACK = 1e-6
# Chains longer than this are a data error (or a cycle slipped past the checks).
MAX_DEPTH = 20


@dataclass(frozen=True)
class Link:
    predecessor: str
    successor: str
    kind: str
    share: float
    effective_on: date


@dataclass(frozen=True)
class Source:
    """An agency of the earlier structure, and the share of its work that now belongs to
    the agency asked about (the product of the shares along the chain)."""

    code: str
    share: float


def links() -> list[Link]:
    """Every active succession, by agency code."""
    before, after = aliased(Agency), aliased(Agency)
    rows = db.session.execute(
        select(
            before.code,
            after.code,
            AgencySuccession.kind,
            AgencySuccession.share,
            AgencySuccession.effective_on,
        )
        .join(before, AgencySuccession.predecessor_id == before.id)
        .join(after, AgencySuccession.successor_id == after.id)
        .where(AgencySuccession.active.is_(True))
        .order_by(AgencySuccession.effective_on, before.code, after.code)
    )
    return [Link(*row) for row in rows]


def sources(code: str, present: Iterable[str], chain: list[Link], since: date) -> list[Source]:
    """The agencies among `present` (those with a figure in the earlier campaign) that
    `code`'s earlier figure draws on, through successions effective after `since` (the
    earlier campaign's first day). Empty: the agency is new."""
    there = set(present)
    by_successor: dict[str, list[Link]] = defaultdict(list)
    for link in chain:
        if link.effective_on > since:
            by_successor[link.successor].append(link)
    found: dict[str, float] = defaultdict(float)

    def walk(current: str, share: float, path: tuple[str, ...]) -> None:
        if current in path or len(path) > MAX_DEPTH:
            return
        if current in there and share > SHARE_SLACK:
            found[current] += share
        for link in by_successor.get(current, ()):
            walk(link.predecessor, share * link.share, (*path, current))

    # An agency that continued is its own source, with what it absorbed. A share it
    # passed on since would scale all of them alike, which leaves the combined figure
    # as it is, so it is not applied; the part that left inherits the same composite.
    walk(code, 1.0, ())
    return [Source(c, s) for c, s in sorted(found.items())]


def basis(code: str, found: list[Source]) -> str:
    """How an agency's earlier figure was found: "own", "predecessors" or "new"."""
    if not found:
        return "new"
    if len(found) == 1 and found[0].code == code:
        return "own"
    return "predecessors"


@dataclass(frozen=True)
class Problem:
    """What makes a set of successions impossible, and the form field it concerns."""

    field: str  # "share", "kind" or "successor_code"
    message: str

    def __str__(self) -> str:
        return str(self.message)


def problems(chain: list[Link], names: Mapping[str, str] | None = None) -> list[Problem]:
    """What makes a set of successions impossible: a cycle, a rename that is not one to
    one, a merge or rename with a share below 1, split shares adding up to more than 1.
    Agencies are called by `names` (code -> how people read it), else by their codes."""
    codes = {code for link in chain for code in (link.predecessor, link.successor)}
    names = {code: (names or {}).get(code, code) for code in codes}
    found = []
    for link in chain:
        if link.kind in ("merge", "rename") and abs(link.share - 1.0) > SHARE_SLACK:
            found.append(
                Problem(
                    "share",
                    _l(
                        "%(before)s → %(after)s: a merge or a rename passes on all the work "
                        "(share 1).",
                        before=names[link.predecessor],
                        after=names[link.successor],
                    ),
                )
            )
    outgoing: dict[str, list[Link]] = defaultdict(list)
    for link in chain:
        outgoing[link.predecessor].append(link)
    for code, going in outgoing.items():
        total = sum(link.share for link in going)
        if total > 1.0 + SHARE_SLACK:
            found.append(
                Problem(
                    "share",
                    _l(
                        "%(code)s passes on more than all its work (shares add up to %(total)s).",
                        code=names[code],
                        total=format_decimal(total, format="#,##0.####"),
                    ),
                )
            )
        if any(link.kind == "rename" for link in going) and len(going) > 1:
            found.append(
                Problem(
                    "kind",
                    _l(
                        "%(code)s is renamed and also succeeded by another agency.",
                        code=names[code],
                    ),
                )
            )
    cycle = _cycle(chain)
    if cycle:
        found.append(
            Problem(
                "successor_code",
                _l(
                    "The successions go round in a circle: %(path)s.",
                    path=" → ".join(names[code] for code in cycle),
                ),
            )
        )
    return found


def named(chain: list[Link]) -> dict[str, str]:
    """Each agency of `chain` as people read it: its name in the reader's language and
    its code ("Sở Tài chính (STC)")."""
    from flask_babel import get_locale

    english = str(get_locale() or "vi") == "en"
    codes = {code for link in chain for code in (link.predecessor, link.successor)}
    rows = db.session.execute(
        select(Agency.code, Agency.name_vi, Agency.name_en).where(Agency.code.in_(codes))
    ).all()
    return {code: f"{en if english else vi} ({code})" for code, vi, en in rows}


def _cycle(chain: list[Link]) -> list[str] | None:
    following: dict[str, list[str]] = defaultdict(list)
    for link in chain:
        following[link.predecessor].append(link.successor)
    state: dict[str, int] = {}

    def visit(code: str, path: list[str]) -> list[str] | None:
        state[code] = 1
        for nxt in following.get(code, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [code, nxt]
            if nxt not in state:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[code] = 2
        return None

    for start in sorted(following):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None
