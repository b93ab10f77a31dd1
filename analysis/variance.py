"""Linearised variance from PSU totals of influence values (R's `svyrecvar`).

With t_i the total of an estimator's influence values in PSU i, the variance is
V = Σ_h c_h Σ_{i∈h} (t_i − t̄_h)², with c_h = f_h n_h/(n_h − 1), f_h = (N_h − n_h)/N_h
(1 without population sizes) and n_h the PSUs of the whole design in stratum h. Strata
with a single PSU follow the design's lonely-PSU rule, exactly as survey 4.1 does. A
two-stage design with population sizes at both stages adds Σ_i (n_h/N_h) V_i, V_i the same
sum over the second-stage units of PSU i (strata: the PSUs), as R's recursion does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.design import Design


@dataclass(frozen=True)
class StratumRule:
    """Per stratum: the scale c_h, whether PSU totals are centred, and whether it is lonely."""

    scale: np.ndarray
    centred: np.ndarray
    lonely: np.ndarray  # single-PSU strata that the rule treats specially


def stratum_rule(design: Design) -> StratumRule:
    n_h = design.psus_in_stratum.astype(float)
    f = design.sampling_fraction_factor
    scale = np.where(n_h > 1, f * n_h / np.maximum(n_h - 1, 1), f)
    self_representing = f < 1e-7
    scale[self_representing] = 0.0
    if design.scale_factor is not None:
        scale = scale * design.scale_factor
    lonely = (n_h == 1) & ~self_representing
    centred = n_h > 1
    if design.lonely_psu == "adjust":
        # The lonely PSU's total is taken about zero, the mean of influence values overall.
        pass
    elif design.lonely_psu in ("remove", "certainty", "average"):
        # A single centred total is zero: the stratum adds nothing ("average" rescales).
        scale = np.where(lonely, 0.0, scale)
    return StratumRule(scale=scale, centred=centred, lonely=lonely)


def covariance(design: Design, totals: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Covariance matrix of the columns of `totals` (PSUs × k)."""
    rule = stratum_rule(design)
    starts = design.stratum_starts
    per_psu = np.repeat(np.sqrt(rule.scale), design.psus_in_stratum)[:, None]
    scaled = totals * per_psu
    sums = np.add.reduceat(totals, starts, axis=0)
    weight = np.where(rule.centred, rule.scale / design.psus_in_stratum, 0.0)[:, None]
    result = scaled.T @ scaled - (sums * weight).T @ sums
    if design.lonely_psu == "average" and rule.lonely.any():
        if present is None:
            present = np.ones((design.n_strata, totals.shape[1]), dtype=bool)
        rescale = np.sqrt(average_rescaling(rule, present))
        result = result * np.outer(rescale, rescale)
    return result


def average_rescaling(rule: StratumRule, present: np.ndarray) -> np.ndarray:
    """R's "average" rule: strata counted over strata with a usable variance.

    `present` (strata × ...) marks the strata an estimate's rows fall in; R counts only
    those (for a calibrated design, every stratum). An estimate whose strata all have a
    single PSU has no usable stratum: its variance is unknown (NaN), as in R.
    """
    lonely = rule.lonely.reshape((-1,) + (1,) * (present.ndim - 1))
    counted = present.sum(axis=0)
    usable = (present & ~lonely).sum(axis=0)
    unknown = np.where(counted > 0, np.nan, 1.0)
    return np.divide(counted, usable, out=unknown, where=usable > 0)


def influence_covariance(design: Design, scores: np.ndarray) -> np.ndarray:
    """Design covariance of the totals of row-level scores (rows × k, already weighted:
    w_k·z_k), as R's `svyrecvar`: after raking each score is first residualised on the
    margins with the weights before raking (the calibration form), then summed by PSU.
    """
    scores = np.asarray(scores, dtype=float).reshape(design.n, -1)
    calibration = design.calibration
    if calibration is not None:
        X = calibration.model_matrix
        d = calibration.base_weights
        active = design.weights > 0
        z = np.zeros_like(scores)
        z[active] = scores[active] / design.weights[active, None]
        beta = np.linalg.solve(X.T @ (X * d[:, None]), X.T @ (z * d[:, None]))
        scores = design.weights[:, None] * (z - X @ beta)
    totals = np.column_stack(
        [np.bincount(design.psu, weights=column, minlength=design.n_psu) for column in scores.T]
    )
    result = covariance(design, totals)
    if design.stage_two is not None:
        result = result + influence_covariance(design.stage_two, scores)
    return result
