"""Run the analysis of a campaign: screen, weight, estimate, store an immutable run."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

import numpy as np
from sqlalchemy import select, update

from analysis import (
    AnalysisError,
    Design,
    IndexScheme,
    IndexTable,
    base_weights,
    breakdowns,
    compare_to_mean,
    compare_to_previous,
    cronbach_alpha,
    design_degrees_of_freedom,
    estimate_indices,
    estimate_means,
    key_drivers,
    option_shares,
    precision_flags,
    rake,
    rank_intervals,
)
from survey.agencies.models import Agency
from survey.audit import services as audit
from survey.campaigns.models import Campaign
from survey.db import utcnow
from survey.extensions import db
from survey.questionnaires.definition import Definition
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.types import SingleChoiceQuestion
from survey.responses.models import Submission
from survey.runs import extract, screening
from survey.runs.models import AnalysisRun

LONELY_PSU = "adjust"


class RunError(Exception):
    """The run cannot be made; the message says why (a cell without frame counts, ...)."""


def scheme_of(definition: Definition) -> IndexScheme:
    return IndexScheme(
        code=definition.index.code,
        threshold=definition.index.threshold,
        components={c.code: c.items for c in definition.index.components},
    )


def run(
    campaign: Campaign,
    *,
    actor: str,
    user_id: int | None = None,
    margins: Mapping[str, Mapping[str, float]] | None = None,
) -> AnalysisRun:
    """Screen the campaign's valid submissions, estimate every index, store the run.

    Flushes the run and the screening flags; the caller commits.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    cutoff = utcnow()
    definition = campaign.questionnaire_version.definition()
    data = extract.load(campaign.id, definition, cutoff)
    timings["load"] = time.perf_counter() - clock

    screened = screening.screen(data, definition, (campaign.period_start, campaign.period_end))
    by_reason: dict[str, list[int]] = {}
    for submission_id, reasons in screened.reasons.items():
        by_reason.setdefault("screening: " + ", ".join(reasons), []).append(submission_id)
    for reason, ids in by_reason.items():
        for start in range(0, len(ids), 10_000):
            db.session.execute(
                update(Submission)
                .where(Submission.id.in_(ids[start : start + 10_000]))
                .values(status="flagged", status_reason=reason)
            )
    keep = ~np.isin(data.ids, list(screened.flagged))
    data.keep_only(keep)
    if len(data) == 0:
        raise RunError("no valid submissions to analyse")
    timings["screen"] = time.perf_counter() - clock

    try:
        design = make_design(campaign, data, margins)
        results = estimate(design, data, definition, previous=previous_run(campaign))
    except AnalysisError as error:
        raise RunError(str(error)) from None
    timings["estimate"] = time.perf_counter() - clock

    parameters = {
        "lonely_psu": LONELY_PSU,
        "ci": "logit",
        "level": 0.95,
        "strata": "agency",
        "psu": "service point",
        "weighting_cell": "agency × service field",
        "margins": {k: dict(v) for k, v in (margins or {}).items()},
        "threshold": definition.index.threshold,
    }
    analysis_run = AnalysisRun(
        campaign_id=campaign.id,
        questionnaire_version_id=campaign.questionnaire_version_id,
        cutoff_at=cutoff,
        user_id=user_id,
        actor=actor,
        data_hash=data_hash(data, campaign, parameters),
        parameters=parameters,
        versions={name: version(name) for name in ("numpy", "scipy", "statsmodels")},
        timings={k: round(v, 3) for k, v in timings.items()},
        screening={"counts": screened.counts, "flagged": len(screened.flagged), "used": len(data)},
        results=_clean(results),
    )
    db.session.add(analysis_run)
    db.session.flush()
    audit.record(
        "analysis.run",
        "analysis_run",
        analysis_run.id,
        actor=actor,
        user_id=user_id,
        after={"campaign": campaign.code, "hash": analysis_run.data_hash},
    )
    return analysis_run


def make_design(campaign: Campaign, data: extract.RunInput, margins=None) -> Design:
    frames = {f"{f.agency.code}|{f.service_field.code}": f.dossiers for f in campaign.frame_counts}
    cells = np.char.add(np.char.add(data.agency.astype(str), "|"), data.field.astype(str))
    weights = base_weights(cells, frames)
    design = Design.from_columns(
        strata=data.agency, psu=data.point, weights=weights, lonely_psu=LONELY_PSU
    )
    if margins:
        variables = {}
        for variable in margins:
            if variable not in data.answers:
                raise RunError(f"margin variable {variable} is not a coded item")
            values = data.answers[variable]
            variables[variable] = np.where(np.isnan(values), "", values.astype(int).astype(str))
        design = rake(design, variables, margins)
    return design


def estimate(
    design: Design,
    data: extract.RunInput,
    definition: Definition,
    previous: AnalysisRun | None = None,
) -> dict[str, Any]:
    scheme = scheme_of(definition)
    answers = data.answers
    table = estimate_indices(design, answers, scheme, data.agency)
    province = estimate_indices(design, answers, scheme, None)
    means = estimate_means(design, answers, scheme, data.agency)
    flags = precision_flags(table)
    groups = dict(db.session.execute(select(Agency.code, Agency.ranking_group)).all())
    ranks = {}
    for group in sorted({groups.get(d, "") for d in table.domains}):
        members = [d for d in table.domains if groups.get(d, "") == group]
        ranks[group] = [r.__dict__ for r in rank_intervals(table, scheme.code, domains=members)]
    alphas = cronbach_alpha(design, answers, scheme)
    try:
        drivers, left_out = key_drivers(design, answers, scheme)
        driver_rows = [d.__dict__ for d in drivers]
    except AnalysisError:
        driver_rows, left_out = [], list(scheme.components)
    return {
        "agencies": _table_rows(table, means, flags),
        "province": _table_rows(
            province, estimate_means(design, answers, scheme, None), precision_flags(province)
        )["all"],
        "ranks": ranks,
        "comparisons": [
            c.__dict__
            for c in compare_to_mean(
                table, scheme.code, design_df=design_degrees_of_freedom(design)
            )
        ],
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
        "previous": _compare_with(previous, table, scheme.code),
        # Profiles and what respondents want improved: shares of each answer value of
        # the single-choice items, per agency and for the province ("all").
        "options": _option_shares(design, data, definition),
        "reliability": alphas,
        "drivers": {"components": driver_rows, "left_out": left_out},
        "design": design.describe(),
    }


def _option_shares(design: Design, data: extract.RunInput, definition: Definition):
    choices = {
        q.code: data.answers[q.code]
        for q in definition.items
        if type(q) is SingleChoiceQuestion and q.code in data.answers
    }
    return {
        **option_shares(design, choices, data.agency),
        **option_shares(design, choices, None),
    }


def previous_run(campaign: Campaign) -> AnalysisRun | None:
    """The latest run of the campaign before this one on the same questionnaire."""
    version = campaign.questionnaire_version
    return db.session.scalar(
        select(AnalysisRun)
        .join(Campaign, AnalysisRun.campaign_id == Campaign.id)
        .join(QuestionnaireVersion, Campaign.questionnaire_version_id == QuestionnaireVersion.id)
        .where(
            QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
            Campaign.period_end < campaign.period_start,
        )
        .order_by(Campaign.period_end.desc(), AnalysisRun.id.desc())
        .limit(1)
    )


def _compare_with(previous: AnalysisRun | None, table: IndexTable, code: str):
    """Each agency's change of the overall index since the previous campaign's run."""
    if previous is None:
        return None
    return {
        "campaign": previous.campaign.code,
        "run": previous.id,
        "comparisons": [
            c.__dict__
            for c in compare_to_previous(table, stored_table(previous.results, code), code)
        ],
    }


def stored_table(results: Mapping[str, Any], code: str) -> IndexTable:
    """One statistic of a stored run as an IndexTable (without covariances)."""
    domains = tuple(d for d, rows in results["agencies"].items() if code in rows)

    def column(key, default=np.nan):
        values = [results["agencies"][d][code].get(key) for d in domains]
        return np.array([default if v is None else v for v in values], dtype=float)[:, None]

    n = column("n", 0)
    return IndexTable(
        statistic="satisfied",
        index_code=code,
        domains=domains,
        levels=("overall",),
        codes=(code,),
        estimate=column("estimate"),
        se=column("se"),
        ci_low=column("ci_low"),
        ci_high=column("ci_high"),
        n=n,
        deff=column("deff"),
        df=column("df")[:, 0],
        rows=n[:, 0],
        ci_method="logit",
        ci_level=0.95,
        design={},
    )


def _table_rows(table, means, flags) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for d, domain in enumerate(table.domains):
        entries = {}
        for c, code in enumerate(table.codes):
            entry = {
                "level": table.levels[c],
                "estimate": table.estimate[d, c],
                "se": table.se[d, c],
                "ci_low": table.ci_low[d, c],
                "ci_high": table.ci_high[d, c],
                "n": int(table.n[d, c]),
                "deff": table.deff[d, c],
                "df": int(table.df[d]),
                "low_precision": bool(flags["low_precision"][d, c]),
                "suppressed": bool(flags["suppressed"][d, c]),
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
