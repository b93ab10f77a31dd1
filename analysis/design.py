"""The sampling design: strata, PSUs nested in strata, weights, population sizes.

One `Design` goes into every estimator, as in R's survey package (`svydesign` with
`nest=TRUE`). Variances use the with-replacement (ultimate cluster) approximation unless
population sizes are given, and a rule for strata with a single PSU.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from analysis.errors import DesignError
from analysis.factorize import factorize, missing_labels

LONELY_PSU_RULES = ("adjust", "remove", "certainty", "average", "fail")


@dataclass(frozen=True)
class Calibration:
    """What the calibration (GREG) variance needs after raking: each row's margin cell (a
    combination of margin levels), the model matrix row of each cell (intercept and
    treatment dummies, as R's `model.matrix`), and the weights before raking.
    """

    cell: np.ndarray
    cell_matrix: np.ndarray
    base_weights: np.ndarray
    margins: tuple[str, ...] = ()

    @property
    def model_matrix(self) -> np.ndarray:
        return self.cell_matrix[self.cell]


@dataclass(frozen=True)
class Design:
    """A stratified cluster design over `n` responses.

    Build it with `Design.from_columns`. PSU codes are numbered so that each stratum's
    PSUs are contiguous, which lets the variance sum over strata with `reduceat`.
    """

    weights: np.ndarray
    stratum: np.ndarray  # stratum code of each row, 0..H-1
    psu: np.ndarray  # PSU code of each row, 0..P-1, contiguous within strata
    stratum_labels: tuple[str, ...]
    psu_labels: tuple[str, ...]
    psu_stratum: np.ndarray  # stratum code of each PSU
    psus_in_stratum: np.ndarray  # n_h: PSUs of the whole design in each stratum
    population_psus: np.ndarray | None  # N_h, or None (with replacement)
    lonely_psu: str = "adjust"
    calibration: Calibration | None = None
    stratum_starts: np.ndarray = field(repr=False, default=None)
    # A two-stage design (households within villages) with population sizes at both
    # stages: the second stage as a design of its own over the same rows, its strata the
    # first stage's PSUs and its PSUs the second-stage units (R's svyrecvar recursion).
    stage_two: Design | None = field(repr=False, default=None)
    # Per stratum, a factor on its variance: n_h/N_h of the first stage for the second
    # stage's strata (R multiplies the totals by √(n/N) before recursing).
    scale_factor: np.ndarray | None = field(repr=False, default=None)

    @classmethod
    def from_columns(
        cls,
        *,
        strata: Sequence | np.ndarray | None,
        psu: Sequence | np.ndarray,
        weights: Sequence | np.ndarray,
        fpc: Sequence | np.ndarray | None = None,
        lonely_psu: str = "adjust",
        ssu: Sequence | np.ndarray | None = None,
        fpc2: Sequence | np.ndarray | None = None,
    ) -> Design:
        """Check and encode the design columns.

        Parameters
        ----------
        strata, psu : array-like
            Stratum and PSU of each response; PSUs are nested in strata (the same PSU label
            in two strata is two PSUs). `strata=None` means a single stratum.
        weights : array-like of float
            Final sampling weights, finite and not negative. A zero weight keeps the row's
            PSU in the design but out of every estimate.
        fpc : array-like of float, optional
            Population number of PSUs in the row's stratum (R's `fpc`), constant within a
            stratum and at least its sampled PSUs; infinite for a stratum without correction.
        lonely_psu : {"adjust", "remove", "certainty", "average", "fail"}
            What a stratum with a single PSU contributes to variances (R's
            `options(survey.lonely.psu=)`); the same rule for a PSU with a single
            second-stage unit.
        ssu, fpc2 : array-like, optional
            A second stage: the second-stage unit of each row (a household within its
            village), nested in its PSU, and the population number of such units in the
            row's PSU. With `fpc`, `fpc2` is needed and the variance adds the second
            stage's, as R's `svydesign(ids = ~psu + ssu, fpc = ~fpc + fpc2)`; without
            `fpc` the first stage's PSU totals carry the whole variance (the ultimate
            cluster approximation), as in R, and the second stage changes nothing.
        """
        if lonely_psu not in LONELY_PSU_RULES:
            raise DesignError(
                f"lonely PSU rule {lonely_psu!r} is not one of {', '.join(LONELY_PSU_RULES)}"
            )
        weights = _weights(weights)
        n = weights.size
        if n == 0:
            raise DesignError("there are no responses to estimate from")
        if not weights.any():
            raise DesignError("every weight is zero: no response counts in any estimate")
        psu = _labels(psu, "PSU")
        strata = np.zeros(n, dtype=np.int64) if strata is None else _labels(strata, "stratum")
        if psu.size != n or strata.size != n:
            raise DesignError(
                f"the design columns differ in length: {n} weights, {strata.size} strata, "
                f"{psu.size} PSUs"
            )
        stratum_labels, stratum = factorize(strata)
        psu_values, psu_value_code = factorize(psu)
        # Nested PSUs are (stratum, PSU) pairs; sorting the pair key by stratum first makes
        # each stratum's PSUs contiguous.
        key = stratum.astype(np.int64) * psu_values.size + psu_value_code
        pair_keys, psu_code = factorize(key)
        psu_stratum = pair_keys // psu_values.size
        psu_labels = tuple(str(v) for v in psu_values[pair_keys % psu_values.size])
        psus_in_stratum = np.bincount(psu_stratum, minlength=stratum_labels.size)
        starts = np.concatenate(([0], np.cumsum(psus_in_stratum)[:-1]))

        population = None
        if fpc is not None:
            population = _population(fpc, stratum, stratum_labels, psus_in_stratum)
        design = cls(
            weights=weights,
            stratum=stratum,
            psu=psu_code,
            stratum_labels=tuple(str(s) for s in stratum_labels),
            psu_labels=psu_labels,
            psu_stratum=psu_stratum,
            psus_in_stratum=psus_in_stratum,
            population_psus=population,
            lonely_psu=lonely_psu,
            stratum_starts=starts,
        )
        if fpc2 is not None and ssu is None:
            raise DesignError("the second stage's population sizes (fpc2) need its units (ssu)")
        if ssu is not None and fpc is not None:
            if fpc2 is None:
                raise DesignError(
                    "with population sizes for the first stage (fpc) and a second stage "
                    "(ssu), the second stage's population sizes (fpc2) are needed too"
                )
            design = design._with_stage_two(ssu, fpc2)
        if lonely_psu == "fail":
            lonely = np.flatnonzero(
                (psus_in_stratum == 1) & (design.sampling_fraction_factor > 1e-7)
            )
            if lonely.size:
                h = lonely[0]
                raise DesignError(
                    f"stratum {design.stratum_labels[h]} has only one PSU "
                    f"({design.psu_labels[starts[h]]}) and the lonely PSU rule is 'fail'"
                )
        return design

    def _with_stage_two(self, ssu, fpc2) -> Design:
        """This design with its second stage: strata are this design's PSUs (by code),
        units the SSUs nested in them, population sizes N_i per PSU."""
        if self.lonely_psu == "average":
            # R's recursion then has no stratum to average over within a PSU with one
            # unit, and gives no variance at all.
            raise DesignError("the lonely PSU rule 'average' cannot take a second stage")
        # The second stage's strata are the first stage's PSUs, named as people know
        # them (the village), with the stratum where one name is used in two.
        labels = np.asarray(self.psu_labels, dtype=object)
        if len(set(self.psu_labels)) < self.n_psu:
            labels = np.asarray(
                [f"{self.stratum_labels[h]}/{label}"
                 for h, label in zip(self.psu_stratum, self.psu_labels, strict=True)],
                dtype=object,
            )  # fmt: skip
        try:
            stage_two = Design.from_columns(
                strata=labels[self.psu].astype(str), psu=ssu, weights=self.weights, fpc=fpc2,
                lonely_psu=self.lonely_psu,
            )  # fmt: skip
        except DesignError as error:
            message = (
                str(error).replace("stratum", "PSU").replace("(fpc)", "(fpc2)")
                .replace("one PSU", "one unit").replace("sampled PSUs", "sampled units")
            )  # fmt: skip
            raise DesignError(f"second stage: {message}") from None
        # R recurses on totals × √(n_h/N_h): the second stage's variance within a PSU of
        # stratum h counts n_h/N_h of it (all of it where every PSU was taken).
        with np.errstate(divide="ignore", invalid="ignore"):
            first = np.where(
                np.isinf(self.population_psus), 0.0, self.psus_in_stratum / self.population_psus
            )
        code_of = {str(label): k for k, label in enumerate(labels)}
        order = np.asarray([code_of[label] for label in stage_two.stratum_labels])
        stage_two = replace(stage_two, scale_factor=first[self.psu_stratum][order])
        return replace(self, stage_two=stage_two)

    @property
    def n(self) -> int:
        return int(self.weights.size)

    @property
    def n_psu(self) -> int:
        return int(self.psu_stratum.size)

    @property
    def n_strata(self) -> int:
        return int(self.psus_in_stratum.size)

    @property
    def sampling_fraction_factor(self) -> np.ndarray:
        """(N_h − n_h)/N_h per stratum: R's `f`; 1 without population sizes."""
        if self.population_psus is None:
            return np.ones(self.n_strata)
        # An infinite population (R's fpc = Inf) is a stratum left uncorrected.
        with np.errstate(invalid="ignore"):
            factor = (self.population_psus - self.psus_in_stratum) / self.population_psus
        return np.where(np.isinf(self.population_psus), 1.0, factor)

    def with_weights(self, weights: np.ndarray, calibration: Calibration | None) -> Design:
        stage_two = self.stage_two
        if stage_two is not None:
            if calibration is not None:
                raise DesignError("raking a two-stage design is not supported")
            stage_two = replace(stage_two, weights=weights)
        return replace(self, weights=weights, calibration=calibration, stage_two=stage_two)

    def describe(self) -> dict[str, object]:
        """The design in words and numbers, for a methods appendix."""
        return {
            "rows": self.n,
            "strata": self.n_strata,
            "psus": self.n_psu,
            "lonely_psu": self.lonely_psu,
            "strata_with_one_psu": int((self.psus_in_stratum == 1).sum()),
            "finite_population_correction": self.population_psus is not None,
            "second_stage_units": None if self.stage_two is None else self.stage_two.n_psu,
            "calibrated_to": list(self.calibration.margins) if self.calibration else [],
        }


def _weights(values) -> np.ndarray:
    try:
        weights = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raw = np.asarray(values, dtype=object)
        for row, value in enumerate(raw, start=1):
            try:
                float(value)
            except (TypeError, ValueError):
                raise DesignError(f"weight in row {row} is not a number: {value!r}") from None
        raise
    bad = np.flatnonzero(~np.isfinite(weights))
    if bad.size:
        raise DesignError(f"weight in row {bad[0] + 1} is missing or not finite")
    negative = np.flatnonzero(weights < 0)
    if negative.size:
        row = negative[0]
        raise DesignError(f"weight in row {row + 1} is negative ({weights[row]:g})")
    return weights


def _labels(values, what: str) -> np.ndarray:
    """Labels as a sortable array; missing labels (None, NaN, "") are refused by row."""
    labels, missing = missing_labels(values)
    if missing.any():
        raise DesignError(f"{what} in row {int(np.flatnonzero(missing)[0]) + 1} is missing")
    return labels


def _population(fpc, stratum, stratum_labels, psus_in_stratum) -> np.ndarray:
    try:
        values = np.asarray(fpc, dtype=float)
    except (TypeError, ValueError):
        raise DesignError("population sizes (fpc) must be numbers") from None
    # +inf: a stratum without correction (as R reads fpc = Inf).
    if np.isnan(values).any() or (values == -np.inf).any():
        row = int(np.flatnonzero(np.isnan(values) | (values == -np.inf))[0])
        raise DesignError(f"population size (fpc) in row {row + 1} is missing")
    population = np.zeros(stratum_labels.size)
    population[stratum] = values
    varying = np.flatnonzero(values != population[stratum])
    if varying.size:
        row = varying[0]
        raise DesignError(
            f"population size (fpc) varies within stratum {stratum_labels[stratum[row]]} "
            f"(row {row + 1})"
        )
    short = np.flatnonzero(population < psus_in_stratum)
    if short.size:
        h = short[0]
        raise DesignError(
            f"population size (fpc) {population[h]:g} of stratum {stratum_labels[h]} is "
            f"smaller than its {psus_in_stratum[h]} sampled PSUs"
        )
    return population
