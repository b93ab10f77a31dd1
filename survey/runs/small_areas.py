"""Small-area estimates for ranking groups of many small agencies (METHODS.md §4a).

Each run fits, per ranking group with at least MIN_AREAS agencies, the Fay–Herriot model
of analysis.small_areas to the agencies' direct overall indices, on the arcsine scale
with the group's design effect (a variance function that carries p(1 − p)), covariates
known for every agency of the group (ward or commune, the on-time rate of dossiers, the
log of the frame count), REML, EBLUPs with their second-order MSE, benchmarked to the
frame-weighted mean of the direct estimates. The results are stored with the run beside
the direct estimates; the reform league uses them only when the campaign says so, and
then the on-time rate, which the league scores itself, is left out of the model.

The earlier campaign's index is not a covariate: it is a survey estimate with an error
as large as today's (a commune's 30 answers then), which would attenuate its coefficient
and be missing from every MSE (Ybarra & Lohr 2008); METHODS.md §4a.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis import AnalysisError, fay_herriot_proportions
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
    # A league that takes these estimates scores the on-time rate itself (the PAR
    # framework's criterion 3.2): as a covariate too, it would count twice.
    in_league = campaign.league_estimate == "small_area"
    fitted = {}
    for group, codes in sorted(modelled.items()):
        # In the order they are tried; a later one is dropped first if collinear. Their
        # names are labelled on pages (labels.py, "small_area_covariate").
        candidates = {
            "ward": {c: float(agencies[c].kind == "ward") for c in codes},
            "on_time_rate": {c: 100 * on_time[c] for c in codes if c in on_time},
            "log_frame": {c: math.log(frames[c]) for c in codes if frames.get(c)},
        }
        excluded = {"on_time_rate": "league_criterion"} if in_league else {}
        try:
            fitted[group] = _fit_group(codes, rows, code, candidates, frames, excluded)
        except AnalysisError as error:
            # The direct estimates stand; the run says why the model is missing.
            fitted[group] = {"index": code, "error": str(error)}
    return fitted


def _fit_group(codes, rows, code, candidates, frames, excluded) -> dict[str, Any]:
    entries = [rows[c][code] for c in codes]
    direct = np.array([e["estimate"] for e in entries])
    variance = np.array([e["se"] ** 2 for e in entries])
    n = np.array([e["n"] for e in entries], dtype=float)
    used, dropped = [], dict(excluded)
    for name, values in candidates.items():
        if name in excluded:
            continue
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
            areas_fit = fay_herriot_proportions(
                direct, variance, n, matrix, names=used, areas=codes, benchmark_weights=weights
            )
            break
        except AnalysisError:
            if not used:
                raise
            dropped[used.pop()] = "collinear"
    fit = areas_fit.fit
    areas = {}
    for i, c in enumerate(codes):
        areas[c] = {
            # As every stored estimate: on the 0-1 scale, for the same page helpers.
            "estimate": float(areas_fit.estimate[i]),
            "se": float(areas_fit.se[i]),
            "ci_low": float(areas_fit.ci_low[i]),
            "ci_high": float(areas_fit.ci_high[i]),
            "n": int(n[i]),
            "direct": float(direct[i]),
            "direct_variance": float(variance[i]),
            # The model's own scale (arcsine): D_i, the EBLUP's MSE, x_i'β.
            "sampling_variance": float(areas_fit.sampling_variance[i]),
            "mse_arcsine": float(fit.mse[i]),
            "eblup": float(math.sin(fit.eblup[i]) ** 2),
            "shrinkage": float(fit.shrinkage[i]),
            # The share of the estimate that comes from the regression, 1 − γ_i.
            "regression_share": float(1.0 - fit.shrinkage[i]),
            # For the residual plot, the regression's prediction in points.
            "fitted": 100 * math.sin(fit.fitted[i]) ** 2,
            "residual": float(fit.residuals[i]),
        }
    return {
        "index": code,
        "scale": "arcsine square root, published as points (0-100)",
        "model": fit.as_model(),
        "covariates": used,
        "dropped": dropped,
        "variance_function": areas_fit.variance_function(),
        "areas": areas,
    }
