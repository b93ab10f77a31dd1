"""Small-area estimates for ranking groups of many small agencies (METHODS.md §4a).

Each run fits, per ranking group with at least MIN_AREAS agencies, the Fay–Herriot model
of analysis.small_areas to the agencies' direct overall indices: variances smoothed by a
generalised variance function, covariates known for every agency of the group (ward or
commune, the earlier index through the lineage, the on-time rate of dossiers, the log
of the frame count), REML, EBLUPs with their second-order MSE, benchmarked to the
frame-weighted mean of the direct estimates. The results are stored with the run beside
the direct estimates; the reform league uses them only when the campaign says so.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis import AnalysisError, fay_herriot, smooth_variances
from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.dossiers.timeliness import for_campaign
from survey.extensions import db
from survey.runs.lineage import frame_totals

# "Many small agencies": below this many a group is left to its direct estimates (the
# between-area variance would rest on too few areas to be estimated usefully).
MIN_AREAS = 20
# An agency needs two answers for a direct variance to mean anything.
MIN_ANSWERS = 2
Z95 = 1.959963984540054


def fit_groups(
    campaign: Campaign,
    results: dict[str, Any],
    code: str,
    cutoff_day,
) -> dict[str, Any]:
    """The stored small-area results of a run: {group: {...}} for every group modelled."""
    rows = results["agencies"]
    agencies = {
        a.code: a for a in db.session.scalars(db.select(Agency).where(Agency.code.in_(list(rows))))
    }
    members: dict[str, list[str]] = {}
    for domain, entries in rows.items():
        entry = entries.get(code) or {}
        usable = (
            domain in agencies
            and entry.get("estimate") is not None
            and entry.get("se") is not None
            and (entry.get("n") or 0) >= MIN_ANSWERS
        )
        if usable:
            members.setdefault(agencies[domain].ranking_group, []).append(domain)
    modelled = {g: sorted(m) for g, m in members.items() if len(m) >= MIN_AREAS}
    if not modelled:
        return {}
    frames = frame_totals(campaign)
    timeliness = for_campaign(campaign, cutoff_day)
    on_time = {
        line.agency_code: line.on_time_rate
        for line in (timeliness.agencies if timeliness else [])
        if line.on_time_rate is not None
    }
    # The earlier index through the lineage, as the run's comparisons found it.
    earlier = {
        c["domain"]: 100 * c["previous_estimate"]
        for c in (results.get("previous") or {}).get("comparisons", [])
        if c.get("previous_estimate") is not None
    }
    fitted = {}
    for group, codes in sorted(modelled.items()):
        # In the order they are tried; a later one is dropped first if collinear. Their
        # names are labelled on pages (labels.py, "small_area_covariate").
        candidates = {
            "ward": {c: float(agencies[c].kind == "ward") for c in codes},
            "earlier_index": {c: earlier[c] for c in codes if c in earlier},
            "on_time_rate": {c: 100 * on_time[c] for c in codes if c in on_time},
            "log_frame": {c: math.log(frames[c]) for c in codes if frames.get(c)},
        }
        try:
            fitted[group] = _fit_group(codes, rows, code, candidates, frames)
        except AnalysisError as error:
            # The direct estimates stand; the run says why the model is missing.
            fitted[group] = {"index": code, "error": str(error)}
    return fitted


def _fit_group(codes, rows, code, candidates, frames) -> dict[str, Any]:
    entries = [rows[c][code] for c in codes]
    y = np.array([100 * e["estimate"] for e in entries])
    variance = np.array([(100 * e["se"]) ** 2 for e in entries])
    n = np.array([e["n"] for e in entries], dtype=float)
    smoothed, variance_function = smooth_variances(variance, n)
    used, dropped = [], {}
    for name, values in candidates.items():
        if len(values) < len(codes):
            dropped[name] = "missing"
        elif np.ptp([values[c] for c in codes]) == 0:
            dropped[name] = "constant"
        else:
            used.append(name)
    weights = np.array([frames.get(c, 0) for c in codes], dtype=float)
    if weights.sum() <= 0:
        weights = n
    while True:
        matrix = np.array([[candidates[name][c] for name in used] for c in codes]).reshape(
            len(codes), len(used)
        )
        try:
            fit = fay_herriot(
                y, smoothed, matrix, names=used, areas=codes, benchmark_weights=weights
            )
            break
        except AnalysisError:
            if not used:
                raise
            dropped[used.pop()] = "collinear"
    areas = {}
    for i, c in enumerate(codes):
        estimate = fit.benchmarked[i]
        half = Z95 * math.sqrt(fit.mse[i])
        areas[c] = {
            # As every stored estimate: on the 0-1 scale, for the same page helpers.
            "estimate": estimate / 100,
            "se": math.sqrt(fit.mse[i]) / 100,
            "ci_low": max(0.0, estimate - half) / 100,
            "ci_high": min(100.0, estimate + half) / 100,
            "n": int(n[i]),
            "direct": y[i] / 100,
            "direct_variance": variance[i],
            "smoothed_variance": smoothed[i],
            "eblup": fit.eblup[i] / 100,
            "mse": fit.mse[i],
            "shrinkage": fit.shrinkage[i],
            "fitted": fit.fitted[i],
            "residual": fit.residuals[i],
        }
    return {
        "index": code,
        "scale": "points (0-100)",
        "model": fit.as_model(),
        "covariates": used,
        "dropped": dropped,
        "variance_function": variance_function,
        "areas": areas,
    }
