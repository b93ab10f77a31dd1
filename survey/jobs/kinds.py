"""The kinds of job, each declared by the package whose work it is.

The jobs package runs, follows and retries jobs; it knows no package's work. Each
package that has long work declares a `Kind` (what to run, who may follow it, where a
finished job leads) and the app registers it when it starts (survey/app.py), so the
dependencies point one way: packages use jobs, jobs uses none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kind:
    name: str  # as stored in job.kind (one of models.JOB_KINDS)
    work: Callable[[Any], dict[str, Any]]  # Job -> its result; raises JobFailed
    # Roles that may follow such a job besides administrators: those of the page that
    # starts it. With `by_agency`, an agency viewer follows only their agency's jobs.
    followers: tuple[str, ...] = ()
    by_agency: bool = False
    # Where a finished job leads instead of its own page (a response), if anywhere.
    landing: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Periodic:
    """Housekeeping every worker runs on a schedule (harmless when several do)."""

    name: str  # the task's name, e.g. "survey.close_ended_campaigns"
    minute: str  # crontab minute field: "*" every minute, "17" once an hour
    run: Callable[[], str | None]  # returns what to log, if anything


@dataclass(frozen=True)
class Work:
    """Work a page asks for: what the jobs package starts (or joins, when a job does the
    same `key` already) and the page then follows (jobs/views.py start). Packages say
    what work they want; only views turn it into a response."""

    kind: str
    key: str  # the same key is the same work: joined while running, its file reused
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Kept:
    """A file made before, served as it is instead of starting its work again."""

    name: str
    content: bytes
    mimetype: str


KINDS: dict[str, Kind] = {}
PERIODIC: dict[str, Periodic] = {}


def register(*kinds: Kind | Periodic) -> None:
    for kind in kinds:
        (PERIODIC if isinstance(kind, Periodic) else KINDS)[kind.name] = kind
