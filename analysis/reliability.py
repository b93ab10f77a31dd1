"""Weighted Cronbach's α for each component of an index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from analysis.design import Design
from analysis.indices import answer_matrix
from analysis.scheme import IndexScheme


def cronbach_alpha(
    design: Design, answers: Mapping[str, Sequence], scheme: IndexScheme
) -> dict[str, float]:
    """α = k/(k−1) · (1 − Σ var_j / var_total) per component, with weighted variances over
    respondents who answered every item of the component; NaN for one-item components or
    fewer than two such respondents."""
    matrix = answer_matrix(answers, scheme, design.n).astype(float)
    alphas = {}
    for component, items in scheme.components.items():
        index = [scheme.items.index(i) for i in items]
        block = matrix[:, index]
        complete = (block > 0).all(axis=1) & (design.weights > 0)
        k = len(index)
        if k < 2 or complete.sum() < 2:
            alphas[component] = float("nan")
            continue
        w = design.weights[complete]
        block = block[complete]
        item_variance = _weighted_variance(block, w)
        total_variance = _weighted_variance(block.sum(axis=1, keepdims=True), w)[0]
        alphas[component] = float(k / (k - 1) * (1 - item_variance.sum() / total_variance))
    return alphas


def _weighted_variance(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    mean = weights @ values / weights.sum()
    return weights @ (values - mean) ** 2 / weights.sum()
