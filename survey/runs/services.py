"""Run the analysis of a campaign: screen, weight, estimate, store an immutable run."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from typing import Any

import numpy as np
from sqlalchemy import and_, insert, select

from analysis import (
    AnalysisError,
    Design,
    IndexScheme,
    IndexTable,
    breakdowns,
    compare_to_mean,
    compare_to_previous,
    cronbach_alpha,
    design_degrees_of_freedom,
    estimate_indices,
    estimate_means,
    gaps,
    key_drivers,
    option_shares,
    precision_flags,
    provenance,
    rank_intervals,
)
from analysis.compare import compare_combined, holm, units_less_strata
from survey import local_time, transactions
from survey.agencies.lineage import SHARE_SLACK
from survey.agencies.models import Agency
from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.db import utcnow
from survey.extensions import db
from survey.questionnaires.definition import Definition
from survey.questionnaires.models import QuestionnaireVersion
from survey.responses.models import Submission, SubmissionReview
from survey.runs import extract, screening, small_areas, snapshots
from survey.runs.design import DesignDeclarationError, declared, make_design, outside_sample
from survey.runs.lineage import Lineage, frame_totals
from survey.runs.models import AnalysisRun, RunFlag


class RunError(Exception):
    """The run cannot be made; the message says why (a cell without frame counts, ...)."""


def scheme_of(definition: Definition) -> IndexScheme:
    """The index as the analysis reads it."""
    return definition.index.scheme


def run(
    campaign: Campaign,
    *,
    actor: str,
    user_id: int | None = None,
    margins: Mapping[str, Mapping[str, float]] | None = None,
    progress: Callable[[str, int], None] = lambda step, percent: None,
) -> AnalysisRun:
    """Screen the campaign's submissions, estimate every index, store the run.

    The run never writes its inputs: its screening verdicts are stored with it (run_flag),
    and people's decisions (exclude, keep despite a flag) are read and honoured. Flushes
    the run and its flags; the caller commits. `progress(step, percent)` is told each
    step as it starts (a job shows it; it is called before anything is written).
    """
    clock, timings = time.perf_counter(), {}
    progress("reading", 5)
    loaded = _load(campaign)
    timings["load"] = time.perf_counter() - clock
    progress("screening", 30)
    sieve = _screen(campaign, loaded)
    timings["screen"] = time.perf_counter() - clock
    progress("estimating", 45)
    computed: dict[str, Any] = {}  # what the run computes and does not store (snapshots')
    try:
        made = make_design(campaign, loaded.data, margins, declaration=sieve.declaration)
        results = _estimate(campaign, loaded, made, computed, progress)
    except (AnalysisError, DesignDeclarationError) as error:
        raise RunError(str(error)) from None
    timings["estimate"] = time.perf_counter() - clock
    progress("storing", 90)
    analysis_run = _store(
        campaign, loaded, sieve, made, results, timings, actor=actor, user_id=user_id
    )
    progress("recording", 95)
    # The snapshot reads the dossier records at length before it writes one row.
    transactions.now_reading(db.session)
    snapshots.record(analysis_run, computed)
    audit.record(
        "analysis.run",
        "analysis_run",
        analysis_run.id,
        actor=actor,
        user_id=user_id,
        after={"campaign": campaign.code, "hash": analysis_run.data_hash},
    )
    return analysis_run


@dataclass
class _Loaded:
    """What a run read: the submissions up to its cut-off and their questionnaires."""

    cutoff: datetime
    definitions: dict[int, Definition]
    definition: Definition  # the reference version's: its index is the run's
    data: extract.RunInput
    ids_seen: np.ndarray  # every submission read, before any was set aside
    received_by_channel: dict[str, int]


def _load(campaign: Campaign) -> _Loaded:
    cutoff = utcnow()
    definitions = extract.definitions_of(campaign, cutoff)
    # The index is the reference version's; every version of the campaign measures it.
    data = extract.load(campaign.id, definitions, cutoff)
    return _Loaded(
        cutoff,
        definitions,
        definitions[campaign.questionnaire_version_id],
        data,
        data.ids.copy(),
        _by_channel(data.channel),
    )


@dataclass
class _Sieve:
    """What screening set aside, and why: people's decisions, the rules' flags, and
    answers outside a drawn sample."""

    decisions: dict[int, str]
    excluded: np.ndarray  # by a person's decision
    screened: screening.Screening
    kept: set[int]  # flagged, kept by a person's decision
    declaration: Any
    outside: np.ndarray  # not from a drawn invitation, under selection weighting


def _screen(campaign: Campaign, loaded: _Loaded) -> _Sieve:
    """Set aside what people excluded, what the rules flag (unless a person kept it) and
    what lies outside the declared sample; `loaded.data` keeps the rest."""
    data = loaded.data
    decisions = _decisions(campaign)
    excluded = np.isin(data.ids, [i for i, d in decisions.items() if d == "exclude"])
    data.keep_only(~excluded)
    screened = screening.screen(
        data,
        loaded.definition,
        (campaign.period_start, campaign.period_end),
        local_days=local_time.local_days(data.submitted_at),
    )
    kept = {i for i, d in decisions.items() if d == "keep"}
    data.keep_only(~np.isin(data.ids, list(screened.flagged - kept)))
    if len(data) == 0:
        raise RunError("no valid submissions to analyse")
    declaration = declared(campaign)
    outside = outside_sample(data, declaration)
    data.keep_only(~outside)
    if len(data) == 0:
        raise RunError("no answers from drawn invitations to analyse")
    return _Sieve(decisions, excluded, screened, kept, declaration, outside)


def _estimate(campaign, loaded: _Loaded, made, computed: dict, progress) -> dict[str, Any]:
    """Every estimate and comparison of the run, then the small-area fits."""
    results = estimate(
        made.design,
        loaded.data,
        loaded.definition,
        previous=previous_run(campaign),
        profiles=list(loaded.definitions.values()),
        frames=frame_totals(campaign),
        keep=computed,
    )
    progress("small_areas", 80)
    results["small_areas"] = small_areas.fit_groups(
        campaign,
        _clean(results),
        scheme_of(loaded.definition).code,
        local_time.local(loaded.cutoff).date(),
    )
    return results


def _store(
    campaign, loaded: _Loaded, sieve: _Sieve, made, results, timings, *, actor, user_id
) -> AnalysisRun:
    """The run and its screening verdicts (flushed; the caller commits)."""
    # Run as a job on SQLite, the reading is over: what follows writes (a no-op elsewhere).
    transactions.now_writing(db.session)
    definition, data, screened = loaded.definition, loaded.data, sieve.screened
    parameters = {
        "design": made.parameters,
        # The version each respondent type answered (and any other the data holds).
        "versions": {
            **{str(i): None for i in loaded.definitions},
            **{str(v.id): kind for kind, v in campaign.versions.items()},
        },
        "ci": "logit",
        "level": 0.95,
        "threshold": definition.index.threshold,
        # What the estimates took from statsmodels (beside its version, in `versions`).
        "statsmodels": list(provenance.STATSMODELS),
    }
    analysis_run = AnalysisRun(
        campaign_id=campaign.id,
        # The reference version (the index's); parameters["versions"] lists them all.
        questionnaire_version_id=campaign.questionnaire_version_id,
        cutoff_at=loaded.cutoff,
        user_id=user_id,
        actor=actor,
        data_hash=data_hash(data, campaign, parameters),
        parameters=parameters,
        versions={name: version(name) for name in ("numpy", "scipy", "statsmodels")},
        timings={k: round(v, 3) for k, v in timings.items()},
        screening={
            "counts": screened.counts,
            "flagged": len(screened.flagged),
            "kept_despite_flag": len(screened.flagged & sieve.kept),
            "excluded_by_decision": int(sieve.excluded.sum()),
            # Not from a drawn invitation, under selection weighting (no π).
            "outside_sample": int(sieve.outside.sum()),
            "used": len(data),
            # Received up to the cut-off, and used after screening: pages and reports show
            # both, labelled, so the two never look like a contradiction.
            "received_by_channel": loaded.received_by_channel,
            "used_by_channel": _by_channel(data.channel),
        },
        results=_clean(results),
    )
    db.session.add(analysis_run)
    db.session.flush()
    _store_flags(analysis_run, screened, _decisions_in(sieve.decisions, loaded.ids_seen))
    return analysis_run


def _by_channel(channels: np.ndarray) -> dict[str, int]:
    found, counts = np.unique(channels.astype(str), return_counts=True)
    return {str(c): int(n) for c, n in zip(found, counts, strict=True)}


def used_by(analysis_run: AnalysisRun):
    """A condition on Submission: the submissions the run used (its inputs, exactly)."""
    set_aside = select(RunFlag.submission_id).where(
        RunFlag.run_id == analysis_run.id, RunFlag.set_aside
    )
    return and_(
        Submission.campaign_id == analysis_run.campaign_id,
        Submission.submitted_at <= analysis_run.cutoff_at,
        Submission.id.not_in(set_aside),
    )


def _decisions_in(decisions: dict[int, str], ids: np.ndarray) -> dict[int, str]:
    """The decisions about submissions the run read (not those after its cut-off)."""
    decided = np.fromiter(decisions, dtype=np.int64, count=len(decisions))
    read = decided[np.isin(decided, ids)]
    return {int(i): decisions[int(i)] for i in read}


def _decisions(campaign: Campaign) -> dict[int, str]:
    return dict(
        db.session.execute(
            select(SubmissionReview.submission_id, SubmissionReview.decision)
            .join(Submission, Submission.id == SubmissionReview.submission_id)
            .where(Submission.campaign_id == campaign.id)
        ).all()
    )


def _store_flags(
    analysis_run: AnalysisRun, screened: screening.Screening, decisions: dict[int, str]
) -> None:
    """What the run set aside or flagged, and the decisions it honoured, with the run."""
    listed = sorted(set(screened.reasons) | set(decisions))
    rows = [
        {
            "run_id": analysis_run.id,
            "submission_id": submission_id,
            "rules": ",".join(screened.reasons.get(submission_id, ())),
            "decision": decisions.get(submission_id),
        }
        for submission_id in listed
    ]
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(RunFlag), rows[start : start + 10_000])


def estimate(
    design: Design,
    data: extract.RunInput,
    definition: Definition,
    previous: AnalysisRun | None = None,
    profiles: list[Definition] | None = None,
    frames: Mapping[str, int] | None = None,
    keep: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every estimate of a run. `definition` gives the index; `profiles`, the definitions
    whose single-choice items are profiled (every version's: citizens' age, organisations'
    kind), the definition's own when not given."""
    scheme = scheme_of(definition)
    answers = data.answers
    table = estimate_indices(design, answers, scheme, data.agency)
    if keep is not None:
        keep["table"] = table
    province = estimate_indices(design, answers, scheme, None)
    means = estimate_means(design, answers, scheme, data.agency)
    groups = dict(db.session.execute(select(Agency.code, Agency.ranking_group)).all())
    members_of: dict[str, list[str]] = {}
    for domain in table.domains:
        members_of.setdefault(groups.get(domain) or "", []).append(domain)
    ranks = {
        group: [r.__dict__ for r in rank_intervals(table, scheme.code, domains=members)]
        for group, members in sorted(members_of.items())
    }
    design_df = design_degrees_of_freedom(design)
    comparisons = [
        {**c.__dict__, "group": group, "reference": "group_mean"}
        for group, members in sorted(members_of.items())
        for c in compare_to_mean(table, scheme.code, design_df=design_df, domains=members)
    ]
    return {
        "agencies": _table_rows(table, means, precision_flags(table)),
        "province": _table_rows(
            province, estimate_means(design, answers, scheme, None), precision_flags(province)
        )["all"],
        "ranks": ranks,
        "comparisons": comparisons,
        "breakdowns": {
            name: _table_rows(t, None, precision_flags(t))
            for name, t in breakdowns(
                design,
                answers,
                scheme,
                {
                    "channel": data.channel,
                    "respondent_type": data.respondent_type,
                },
            ).items()
        },
        "previous": _compare_with(previous, table, scheme.code, design, data, frames),
        # Citizens' and organisations' indices of each agency (the agency's own index,
        # above, weights both by their dossiers).
        "by_type": _by_type(design, data, scheme),
        # Profiles and what respondents want improved: shares of each answer value of
        # the single-choice items, per agency and for the province ("all").
        "options": _option_shares(design, data, profiles or [definition]),
        "reliability": cronbach_alpha(design, answers, scheme),
        "drivers": _drivers(design, data, definition, scheme),
        "timeliness_gap": _timeliness_gap(design, data, scheme),
        "design": design.describe(),
    }


def _timeliness_gap(design: Design, data: extract.RunInput, scheme) -> list[dict[str, Any]]:
    """Per agency, the overall index of answers about dossiers returned on time minus that
    of answers about late ones (answers from drawn invitations carry the dossier's
    timeliness), with its SE from the domains' covariance and a t interval on the smaller
    domain's degrees of freedom (METHODS.md §5). Empty without such answers."""
    known = data.dossier_timeliness != ""
    if not known.any():
        return []
    domains = np.where(
        known, np.char.add(np.char.add(data.agency.astype(str), "|"), data.dossier_timeliness), None
    )
    table = estimate_indices(design, data.answers, scheme, domains)
    agencies = sorted(set(data.agency[known].tolist()))
    # On the smaller side's degrees of freedom: two late answers cannot borrow the
    # agency's 158 (R: degf of each domain's subset, the smaller taken).
    df = {
        a: min(
            units_less_strata(design, (data.agency == a) & (data.dossier_timeliness == kind))
            for kind in ("on_time", "late")
        )
        for a in agencies
    }
    return [
        {**gap.__dict__, "n_on_time": gap.n_first, "n_late": gap.n_second}
        for gap in gaps(table, scheme.code, "on_time", "late", df=df)
    ]


def _drivers(design: Design, data: extract.RunInput, definition: Definition, scheme):
    """Key drivers of the global item (HL), or why there are none."""
    global_item = definition.global_item
    if global_item is None or global_item.code not in data.answers:
        return {"components": [], "left_out": list(scheme.components), "outcome": None}
    try:
        model = key_drivers(design, data.answers, scheme, outcome=data.answers[global_item.code])
    except AnalysisError as error:
        return {
            "components": [],
            "left_out": list(scheme.components),
            "outcome": global_item.code,
            "error": str(error),
        }
    return {
        "components": [d.__dict__ for d in model.drivers],
        "left_out": model.left_out,
        "outcome": global_item.code,
        "n": model.n,
        "df": model.df,
        "r_squared": model.r_squared,
    }


def _by_type(design: Design, data: extract.RunInput, scheme) -> dict[str, Any]:
    """Per respondent type, each agency's index over that type's answers alone: domains
    agency × type of the same design (the weights within each type are its own cells'),
    so each is what `svyby(~..., ~interaction(agency, type))` gives."""
    types = sorted(set(data.respondent_type.tolist()))
    domains = np.char.add(
        np.char.add(data.agency.astype(str), "|"), data.respondent_type.astype(str)
    )
    table = estimate_indices(design, data.answers, scheme, domains)
    rows = _table_rows(table, None, precision_flags(table))
    split: dict[str, dict[str, Any]] = {kind: {} for kind in types}
    for domain, entries in rows.items():
        agency, kind = domain.rsplit("|", 1)
        split[kind][agency] = entries
    return split


def _option_shares(design: Design, data: extract.RunInput, definitions: list[Definition]):
    choices = {
        q.code: data.answers[q.code]
        for definition in definitions
        for q in definition.items
        if q.categorical and q.code in data.answers
    }
    return {
        **option_shares(design, choices, data.agency),
        **option_shares(design, choices, None),
    }


def previous_run(campaign: Campaign) -> AnalysisRun | None:
    """The latest run of an earlier campaign on the same reference questionnaire."""
    version = campaign.questionnaire_version
    return db.session.scalar(
        select(AnalysisRun)
        .join(Campaign, AnalysisRun.campaign_id == Campaign.id)
        .join(QuestionnaireVersion, AnalysisRun.questionnaire_version_id == QuestionnaireVersion.id)
        .where(
            QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
            Campaign.period_end < campaign.period_start,
        )
        .order_by(Campaign.period_end.desc(), AnalysisRun.id.desc())
        .limit(1)
    )


def _compare_with(
    previous: AnalysisRun | None,
    table: IndexTable,
    code: str,
    design: Design | None = None,
    data: extract.RunInput | None = None,
    frames: Mapping[str, int] | None = None,
):
    """Each agency's change of the overall index since the previous campaign's run,
    against its own earlier figure or its predecessors' combined (survey/runs/lineage.py);
    an agency with neither is "new" and has no change.

    A part of a split agency is not tested against the whole of what it came from (the
    parts of a district differ among themselves today, so the district's figure is not
    each part's earlier level): it is shown beside it, and the test is of all the parts
    combined by their dossiers against the agency they came from (`splits`)."""
    if previous is None:
        return None
    history = Lineage()
    figures = {d: history.earlier_figure(d, previous, code) for d in table.domains}
    split_parts = {
        d for d, f in figures.items() if any(s.share < 1 - SHARE_SLACK for s in f.sources)
    }
    tested = {d: f for d, f in figures.items() if f.entry is not None and d not in split_parts}
    earlier = {d: {code: f.entry} for d, f in tested.items()}
    comparisons = [
        {
            **c.__dict__,
            "basis": figures[c.domain].basis,
            "sources": figures[c.domain].source_codes,
            "previous_estimate": (figures[c.domain].entry or {}).get("estimate"),
        }
        for c in compare_to_previous(table, stored_table({"agencies": earlier}, code), code)
        if c.domain in tested or figures[c.domain].basis == "new"
    ]
    # Split parts: beside the agency they came from, no test.
    comparisons += [
        {
            "domain": d,
            "difference": None,
            "se": None,
            "t": None,
            "df": None,
            "p_value": None,
            "p_holm": None,
            "boundary": False,
            "basis": "split_part",
            "sources": figures[d].source_codes,
            "previous_estimate": (figures[d].entry or {}).get("estimate"),
        }
        for d in sorted(split_parts)
    ]
    return {
        "campaign": previous.campaign.code,
        "run": previous.id,
        "comparisons": comparisons,
        "splits": _split_changes(
            previous, table, code, figures, split_parts, design, data, frames or {}
        ),
    }


def _split_changes(previous, table, code, figures, split_parts, design, data, frames) -> list[dict]:
    """Each agency of the previous campaign that was split, against all its parts now
    combined by their dossiers (R's svycontrast of the parts' means), Holm-adjusted."""
    parts_of: dict[str, list[str]] = {}
    for part in sorted(split_parts):
        sources = figures[part].sources
        if len(sources) == 1:  # a pure part: it came from this one agency alone
            parts_of.setdefault(sources[0].code, []).append(part)
    earlier_rows = previous.results.get("agencies") or {}
    found = []
    for parent, parts in sorted(parts_of.items()):
        entry = (earlier_rows.get(parent) or {}).get(code) or {}
        present = [p for p in parts if not np.isnan(table.get(p, code).estimate)]
        if entry.get("estimate") is None or entry.get("se") is None or not present:
            continue
        weights = {p: frames.get(p) or table.get(p, code).n for p in present}
        rows = np.isin(data.agency, present) if data is not None else None
        parts_df = units_less_strata(design, rows) if rows is not None else 1
        change = compare_combined(
            table,
            code,
            weights,
            earlier=entry["estimate"],
            earlier_se=entry["se"],
            df=min(parts_df, entry.get("df") or parts_df),
        )
        found.append({"parent": parent, **change.__dict__, "domains": list(change.domains)})
    for record, adjusted in zip(found, holm([f["p_value"] for f in found]), strict=True):
        record["p_holm"] = float(adjusted)
    return found


def stored_table(results: Mapping[str, Any], code: str) -> IndexTable:
    """One statistic of a stored run as an IndexTable. A run stores no covariances
    between agencies, so its domains are taken as independent (exact when each agency is
    its own stratum, as the campaign designs have it)."""
    domains = tuple(d for d, rows in results["agencies"].items() if code in rows)

    def column(key, default=np.nan):
        values = [results["agencies"][d][code].get(key) for d in domains]
        return np.array([default if v is None else v for v in values], dtype=float)[:, None]

    n = column("n", 0)
    se = column("se")
    return IndexTable(
        statistic="satisfied",
        index_code=code,
        domains=domains,
        levels=("overall",),
        codes=(code,),
        estimate=column("estimate"),
        se=se,
        ci_low=column("ci_low"),
        ci_high=column("ci_high"),
        n=n,
        deff=column("deff"),
        df=column("df"),
        rows=n[:, 0],
        ci_method="logit",
        ci_level=0.95,
        design={},
        _covariance=lambda c: np.diag(np.nan_to_num(se[:, c]) ** 2),
    )


def _table_rows(table, means, flags) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for d, domain in enumerate(table.domains):
        entries = {}
        for c, code in enumerate(table.codes):
            # A withheld estimate publishes no interval at all (evaluators still see the
            # estimate, with the reason it is withheld).
            withheld = bool(flags["suppressed"][d, c])
            entry = {
                "level": table.levels[c],
                "estimate": table.estimate[d, c],
                "se": table.se[d, c],
                "ci_low": None if withheld else table.ci_low[d, c],
                "ci_high": None if withheld else table.ci_high[d, c],
                "n": int(table.n[d, c]),
                "deff": table.deff[d, c],
                "df": int(table.df[d, c]),
                "low_precision": bool(flags["low_precision"][d, c]),
                "suppressed": bool(flags["suppressed"][d, c]),
                "not_estimable": bool(flags["not_estimable"][d, c]),
                # Why it is marked or withheld: [["n", 12], ["df", 2], ...]
                "precision": [list(reason) for reason in flags["reasons"][d, c]],
            }
            if means is not None:
                m = means.domain_index(domain)
                entry["mean"] = means.estimate[m, c]
                entry["mean_se"] = means.se[m, c]
            entries[code] = entry
        rows[domain] = entries
    return rows


def _clean(value):
    """JSON-ready: numpy numbers to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def data_hash(data: extract.RunInput, campaign: Campaign, parameters: dict) -> str:
    """SHA-256 of exactly what the estimates depend on, in a fixed order."""
    digest = hashlib.sha256()
    digest.update(data.ids.tobytes())
    for column in (data.agency, data.point, data.field, data.channel, data.respondent_type):
        digest.update("\x1f".join(column.tolist()).encode())
    for code in sorted(data.answers):
        digest.update(code.encode())
        digest.update(np.nan_to_num(data.answers[code], nan=-1).tobytes())
    frames = sorted(
        (f.agency.code, f.service_field.code, f.dossiers) for f in campaign.frame_counts
    )
    digest.update(json.dumps([frames, parameters], sort_keys=True).encode())
    return digest.hexdigest()
