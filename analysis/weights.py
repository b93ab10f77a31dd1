"""Weights: base weights from frame counts, raking to population margins, trimming.

Base weight of a response in weighting cell s (by default agency × service field) is
N_s / n_s: the dossiers the cell handled over the responses it got; a cell with dossiers
but no respondents is collapsed into the rest of its agency (`cell_weights`). Raking
adjusts base weights by iterative proportional fitting until every margin matches its
population total; the result carries what the calibration (GREG) variance needs.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.design import Calibration, Design
from analysis.errors import WeightingError
from analysis.factorize import missing_labels


def base_weights(
    cells: Sequence[Hashable],
    frame_counts: Mapping[Hashable, float],
    *,
    checked: Mapping[Hashable, float] | None = None,
) -> np.ndarray:
    """N_s / n_s for each response, from the cell it falls in.

    Raises WeightingError naming every cell that has responses but no frame count, or a
    frame count of zero or below its number of responses (in `checked`, the counts as
    entered, when `frame_counts` were adjusted from them).
    """
    labels, code, counts = np.unique(np.asarray(cells), return_inverse=True, return_counts=True)
    checked = frame_counts if checked is None else checked
    missing = [str(label) for label in labels if label not in checked]
    if missing:
        raise WeightingError(
            f"no frame count for weighting cell(s) {', '.join(missing)}: enter the number "
            "of dossiers each cell handled"
        )
    entered = np.array([float(checked[label]) for label in labels])
    short = [
        f"{label} ({total:g} dossiers, {n} responses)"
        for label, total, n in zip(labels, entered, counts, strict=True)
        if not total >= n
    ]
    if short:
        raise WeightingError(
            f"frame count below the number of responses in cell(s) {', '.join(short)}"
        )
    totals = np.array([float(frame_counts[label]) for label in labels])
    return (totals / counts)[code]


@dataclass(frozen=True)
class CollapsedCell:
    """A weighting cell with dossiers but no respondents, and where its dossiers went."""

    cell: str
    group: str
    dossiers: float


@dataclass(frozen=True)
class CellWeights:
    weights: np.ndarray
    collapsed: tuple[CollapsedCell, ...]  # empty cells folded into their group's others
    unrepresented: dict[str, float]  # groups with dossiers but no respondent at all


def cell_weights(
    cells: Sequence[Hashable],
    frame_counts: Mapping[Hashable, float],
    group_of: Mapping[Hashable, Hashable],
    parent_of: Mapping[Hashable, Hashable] | None = None,
) -> CellWeights:
    """Base weights N_s / n_s, with empty cells collapsed into the rest of their group.

    A cell s of group g (an agency) with dossiers but no respondents cannot stand for
    itself; its dossiers are spread over g's responding cells in proportion to their own
    frame counts: N'_s = N_s · N_g / Σ_{responding s' in g} N_s'. The group's total
    stays N_g, so an agency keeps its frame count whatever cells went unanswered. A group
    with no respondent at all cannot be collapsed into another (it is a domain of its
    own) and is listed as unrepresented.

    With `parent_of` (group → parent: agency × respondent type → agency), a group with
    no respondent is collapsed the same way one level up, into its parent's responding
    groups in proportion to their totals: N''_s = N'_s · N_p / Σ_{responding g' in p} N_g'.
    So an agency with organisations' dossiers but no organisation answering keeps its
    total, carried by its citizens; groups that answered keep their own totals. Only a
    parent with no respondent at all is then unrepresented (listed by the parent).
    """
    labels, counts = np.unique(np.asarray(cells), return_counts=True)
    responding = {label: int(n) for label, n in zip(labels.tolist(), counts.tolist(), strict=True)}
    group_totals: dict[Hashable, float] = {}
    answered_totals: dict[Hashable, float] = {}
    for cell, dossiers in frame_counts.items():
        group = group_of[cell]
        group_totals[group] = group_totals.get(group, 0.0) + float(dossiers)
        if cell in responding:
            answered_totals[group] = answered_totals.get(group, 0.0) + float(dossiers)
    collapsed = [
        CollapsedCell(str(cell), str(group_of[cell]), float(dossiers))
        for cell, dossiers in sorted(frame_counts.items(), key=lambda item: str(item[0]))
        if dossiers > 0 and cell not in responding and group_of[cell] in answered_totals
    ]
    silent = {
        group: total
        for group, total in sorted(group_totals.items(), key=lambda item: str(item[0]))
        if total > 0 and not answered_totals.get(group)
    }
    # One level up: each group's factor N_p / Σ responding N_g' (1 without parents).
    parent_factor: dict[Hashable, float] = {}
    unrepresented: dict[str, float] = {}
    if parent_of is None:
        unrepresented = {str(group): total for group, total in silent.items()}
    else:
        parent_totals: dict[Hashable, float] = {}
        parent_answered: dict[Hashable, float] = {}
        for group, total in group_totals.items():
            parent = parent_of[group]
            parent_totals[parent] = parent_totals.get(parent, 0.0) + total
            if answered_totals.get(group):
                parent_answered[parent] = parent_answered.get(parent, 0.0) + total
        for group, total in silent.items():
            parent = parent_of[group]
            if parent_answered.get(parent):
                collapsed.append(CollapsedCell(str(group), str(parent), float(total)))
        for parent, total in sorted(parent_totals.items(), key=lambda item: str(item[0])):
            if total > 0 and not parent_answered.get(parent):
                unrepresented[str(parent)] = total
        parent_factor = {
            parent: parent_totals[parent] / answered
            for parent, answered in parent_answered.items()
            if answered > 0
        }
    scaled = {}
    for cell in responding:
        if cell in frame_counts:
            group = group_of[cell]
            share = answered_totals[group]
            factor = group_totals[group] / share if share > 0 else 1.0
            if parent_of is not None:
                factor *= parent_factor.get(parent_of[group], 1.0)
            scaled[cell] = float(frame_counts[cell]) * factor
    weights = base_weights(cells, scaled, checked=frame_counts)
    return CellWeights(weights=weights, collapsed=tuple(collapsed), unrepresented=unrepresented)


def selection_weights(
    cells: Sequence[Hashable],
    probabilities: np.ndarray,
    selected: Mapping[Hashable, float],
    group_of: Mapping[Hashable, Hashable],
    parent_of: Mapping[Hashable, Hashable] | None = None,
) -> CellWeights:
    """Design weights 1/π adjusted for nonresponse within weighting cells.

    For respondent k of cell c, selected with probability π_k:
    w_k = (1/π_k) · S_c / Σ_{respondents j of c} (1/π_j), where S_c = Σ 1/π over
    everyone selected in c (respondents or not). Each cell's weights sum to S_c, the
    estimated number of dossiers in its frame; within a cell they keep the proportions
    of 1/π. Cells with selections but no respondent are collapsed into the rest of their
    group exactly as `cell_weights` collapses frame counts (`selected` plays N_s).
    """
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.size and not (
        np.all(np.isfinite(probabilities)) and np.all((probabilities > 0) & (probabilities <= 1))
    ):
        raise WeightingError("every selection probability must lie in (0, 1]")
    inverse = 1.0 / probabilities
    labels, code = np.unique(np.asarray(cells), return_inverse=True)
    undrawn = [str(label) for label in labels if label not in selected]
    if undrawn:
        raise WeightingError(
            "selection weighting: answers in weighting cell(s) "
            f"{', '.join(undrawn)} came through invitations, but no invitation of that cell "
            "was drawn (an answer's agency, service field and respondent type must be its "
            "invitation's); weight by frame counts or correct the invitations"
        )
    # The cells' sums of 1/π over respondents, with equal-weight cell totals from
    # cell_weights (which does the collapsing and the checks) turned back into S'_c.
    equal = cell_weights(cells, selected, group_of, parent_of)
    totals = np.bincount(code, weights=equal.weights, minlength=labels.size)  # S'_c
    responding = np.bincount(code, weights=inverse, minlength=labels.size)
    weights = inverse * (totals / responding)[code]
    return CellWeights(
        weights=weights, collapsed=equal.collapsed, unrepresented=equal.unrepresented
    )


MISSING_LEVEL = "missing"


def margins_with_missing(
    variables: Mapping[str, Sequence[Hashable]],
    targets: Mapping[str, Mapping[Hashable, float]],
    weights: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, float]]]:
    """Margins as shares of the weights' total, with a level for missing answers.

    Population margins (gender, age band) are known as shares; they are scaled to the
    total of `weights` (the dossiers the base weights stand for), so that they agree with
    an agency margin in dossiers. Respondents who left a margin variable unanswered (None,
    "" or NaN) form a level "missing" whose target is their share before raking; the other
    levels share the rest in the population's proportions.
    """
    active = weights > 0
    total = float(weights[active].sum())
    out_variables: dict[str, np.ndarray] = {}
    out_targets: dict[str, dict[str, float]] = {}
    for variable, levels in targets.items():
        if variable not in variables:
            raise WeightingError(f"margin variable(s) {variable} have no column")
        raw, missing = missing_labels(np.asarray(variables[variable], dtype=object))
        values = np.where(missing, MISSING_LEVEL, raw)
        given = {str(level): float(t) for level, t in levels.items()}
        if MISSING_LEVEL in given:
            raise WeightingError(
                f"margin {variable} has a level named {MISSING_LEVEL!r}; it is reserved for "
                "respondents who did not answer"
            )
        given_sum = sum(given.values())
        if not given_sum > 0:
            raise WeightingError(f"the targets of margin {variable} add up to {given_sum:g}")
        missing_weight = float(weights[active & missing].sum())
        scale = (total - missing_weight) / given_sum
        out_targets[variable] = {level: t * scale for level, t in given.items()}
        if missing_weight > 0:
            out_targets[variable][MISSING_LEVEL] = missing_weight
        out_variables[variable] = values
    return out_variables, out_targets


def rake(
    design: Design,
    variables: Mapping[str, Sequence[Hashable]],
    targets: Mapping[str, Mapping[Hashable, float]],
    *,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
    bounds: tuple[float, float] | None = None,
) -> Design:
    """Rake the design's weights to population `targets` (totals per level of each variable).

    Converges when every margin is within `tolerance` relative error, or raises
    WeightingError listing the margins that did not converge. Levels present in the data
    but not in the targets, or in the targets with no respondents, are errors that name them.
    The returned design keeps the weights before raking for the calibration variance.
    """
    base = design.weights
    codes, level_names = _margin_codes(variables, targets, base)
    totals = [np.array([float(targets[v][level]) for level in level_names[v]]) for v in codes]
    _check_totals(targets, totals, level_names)

    weights = base.copy()
    active = base > 0
    for _ in range(max_iterations):
        for code, total in zip(codes.values(), totals, strict=True):
            current = np.bincount(code[active], weights=weights[active], minlength=total.size)
            weights[active] *= (total / current)[code[active]]
            if bounds is not None:
                weights[active] = base[active] * np.clip(weights[active] / base[active], *bounds)
        errors = _margin_errors(weights, active, codes, totals)
        if max(e.max() for e in errors) <= tolerance:
            break
    else:
        unmet = [
            f"{variable}={level} (relative error {error:.2e})"
            for (variable, names), err in zip(level_names.items(), errors, strict=True)
            for level, error in zip(names, err, strict=True)
            if error > tolerance
        ]
        raise WeightingError(
            f"raking did not converge in {max_iterations} iterations: {', '.join(unmet)}"
        )
    cell, cell_matrix = _cells(codes, totals)
    calibration = Calibration(
        cell=cell, cell_matrix=cell_matrix, base_weights=base, margins=tuple(codes)
    )
    return design.with_weights(weights, calibration)


def trim_and_rake(
    design: Design,
    variables: Mapping[str, Sequence[Hashable]],
    targets: Mapping[str, Mapping[Hashable, float]],
    *,
    lower: float = 0.0,
    upper: float = np.inf,
    tolerance: float = 1e-10,
    max_iterations: int = 20_000,
) -> Design:
    """Rake with the raking factors (final / base weight) kept within [lower, upper].

    Each proportional-fitting step is followed by clipping the factors to the bounds, so
    extreme weights are trimmed and the margins re-met in the same iteration; it stops when
    every margin is within `tolerance` with every factor in bounds, or raises
    WeightingError (bounds too tight for the margins).
    """
    if not lower < 1 < upper:
        raise WeightingError(f"trimming bounds must surround 1, got [{lower}, {upper}]")
    try:
        return rake(
            design,
            variables,
            targets,
            tolerance=tolerance,
            max_iterations=max_iterations,
            bounds=(lower, upper),
        )
    except WeightingError as error:
        if "did not converge" not in str(error):
            raise
        raise WeightingError(
            f"trimming to [{lower}, {upper}] and raking did not settle; widen the bounds ({error})"
        ) from None


def _margin_codes(variables, targets, weights):
    unknown = sorted(set(targets) - set(variables))
    if unknown:
        raise WeightingError(f"margin variable(s) {', '.join(unknown)} have no column")
    active = weights > 0
    codes: dict[str, np.ndarray] = {}
    names: dict[str, list] = {}
    for variable in targets:
        values = np.asarray(variables[variable]).astype(str)
        levels = [str(level) for level in targets[variable]]
        if values.size != weights.size:
            raise WeightingError(
                f"margin variable {variable} has {values.size} values, not {weights.size}"
            )
        seen = set(np.unique(values[active]).tolist())
        stray = sorted(seen - set(levels))
        if stray:
            rows = np.flatnonzero(active & (values == stray[0]))
            raise WeightingError(
                f"respondents with {variable}={stray[0]} (row {rows[0] + 1}) have no "
                f"population margin; margins of {variable}: {', '.join(levels)}"
            )
        empty = [level for level in levels if level not in seen]
        if empty:
            raise WeightingError(
                f"margin cell {variable}={empty[0]} has no respondents; merge it with "
                "another level or drop it"
            )
        codes[variable] = _encode(values, levels)
        names[variable] = list(targets[variable])
    return codes, names


def _encode(values: np.ndarray, levels: list[str]) -> np.ndarray:
    """Level index of each value (0 for rows outside the estimation, which never count)."""
    uniques, inverse = np.unique(values, return_inverse=True)
    position = {level: i for i, level in enumerate(levels)}
    return np.array([position.get(u, 0) for u in uniques])[inverse]


def _check_totals(targets, totals, level_names) -> None:
    sums = [t.sum() for t in totals]
    for variable, total in zip(level_names, totals, strict=True):
        bad = [
            str(level) for level, t in zip(level_names[variable], total, strict=True) if not t > 0
        ]
        if bad:
            raise WeightingError(f"margin {variable}={bad[0]} must have a positive target")
    if max(sums) - min(sums) > 1e-9 * max(sums):
        described = ", ".join(f"{v}: {s:,.6g}" for v, s in zip(level_names, sums, strict=True))
        raise WeightingError(
            f"the margins add up to different population totals ({described}); raking "
            "cannot meet them all"
        )


def _margin_errors(weights, active, codes, totals):
    return [
        np.abs(np.bincount(code[active], weights=weights[active], minlength=total.size) - total)
        / total
        for code, total in zip(codes.values(), totals, strict=True)
    ]


def _cells(codes, totals) -> tuple[np.ndarray, np.ndarray]:
    """Each row's margin cell, and per cell the intercept plus treatment dummies (first
    level dropped), the rows of R's `model.matrix(~ var1 + var2)`."""
    sizes = [total.size for total in totals]
    key = np.zeros(next(iter(codes.values())).size, dtype=np.int64)
    for code, size in zip(codes.values(), sizes, strict=True):
        key = key * size + code
    cells, cell = np.unique(key, return_inverse=True)
    levels = []
    for size in reversed(sizes):
        levels.append(cells % size)
        cells = cells // size
    levels.reverse()
    columns = [np.ones(levels[0].size)]
    for level, size in zip(levels, sizes, strict=True):
        columns += [(level == value).astype(float) for value in range(1, size)]
    return cell, np.column_stack(columns)
