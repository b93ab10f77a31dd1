"""What a run records beside its estimates, so that its pages and reports depend on it
alone ("a run is a record").

Each part is written by the package whose figures it holds and registered when the app
starts (survey/app.py), as job kinds are: the dossier records' timeliness, the response
rates of drawn invitations, the reform league (a layer above the runs). The run job
writes them once, right after the run's estimates, in the same transaction; pages and
reports read them through survey/results.py and never recompute them from live tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from survey import transactions
from survey.extensions import db
from survey.runs.models import AnalysisRun, RunSnapshot

# name -> writer(run, made) -> a JSON-ready value (None: nothing to record for this
# run). `made` holds what the run computed and does not store, while it is in memory:
# "table", the agencies' IndexTable with its covariances (the league's uncertainty).
PARTS: dict[str, Callable[[AnalysisRun, Mapping[str, Any]], Any]] = {}


def register(name: str, writer: Callable[[AnalysisRun, Mapping[str, Any]], Any]) -> None:
    PARTS[name] = writer


def record(analysis_run: AnalysisRun, made: Mapping[str, Any] | None = None) -> RunSnapshot:
    """Write every registered part of the run's snapshot (flushes; the caller commits)."""
    made = made or {}
    content = {name: write(analysis_run, made) for name, write in sorted(PARTS.items())}
    transactions.now_writing(db.session)
    snapshot = RunSnapshot(run_id=analysis_run.id, content=content)
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def part(analysis_run: AnalysisRun, name: str) -> Any:
    """One recorded part of the run's snapshot; None when the run has none (made before
    runs recorded it, or nothing to record)."""
    snapshot = analysis_run.snapshot
    return None if snapshot is None else snapshot.content.get(name)


def recorded(analysis_run: AnalysisRun) -> bool:
    """Whether the run recorded a snapshot (runs made before 0025 did not)."""
    return analysis_run.snapshot is not None
