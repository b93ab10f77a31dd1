"""Design-based estimation of satisfaction indices; a library with no web dependencies.

The web app, the command line (`python -m analysis`) and evaluators' own scripts call the
same functions::

    design = Design.from_columns(strata=cells, psu=respondents, weights=weights)
    design = rake(design, {"gender": gender}, {"gender": {"F": 51_000, "M": 49_000}})
    table = estimate_indices(design, answers, IndexScheme.from_questionnaire(path), by=agency)
    table.get("SXD", "SIPAS").ci_low

Numbers agree with R's survey package (see tests/analysis/results/).
"""

from analysis.compare import (
    CombinedChange,
    Comparison,
    Precision,
    RankInterval,
    compare_combined,
    compare_to_mean,
    compare_to_previous,
    design_degrees_of_freedom,
    gaps,
    guarded_variance,
    holm,
    precision,
    precision_flags,
    rank_intervals,
    rank_intervals_of,
)
from analysis.design import LONELY_PSU_RULES, Calibration, Design
from analysis.drivers import Driver, DriverModel, key_drivers
from analysis.errors import AnalysisError, DesignError, WeightingError
from analysis.indices import (
    breakdowns,
    estimate_indices,
    estimate_means,
    option_shares,
)
from analysis.reliability import cronbach_alpha
from analysis.results import Estimate, IndexTable
from analysis.scheme import IndexScheme
from analysis.small_areas import (
    FayHerriot,
    ProportionAreas,
    fay_herriot,
    fay_herriot_proportions,
)
from analysis.weights import (
    MISSING_LEVEL,
    CellWeights,
    CollapsedCell,
    base_weights,
    cell_weights,
    margins_with_missing,
    rake,
    selection_weights,
    trim_and_rake,
)

__all__ = [
    "LONELY_PSU_RULES",
    "MISSING_LEVEL",
    "AnalysisError",
    "Calibration",
    "CellWeights",
    "CollapsedCell",
    "CombinedChange",
    "Comparison",
    "Design",
    "DesignError",
    "Driver",
    "DriverModel",
    "Estimate",
    "FayHerriot",
    "IndexScheme",
    "IndexTable",
    "Precision",
    "ProportionAreas",
    "RankInterval",
    "WeightingError",
    "base_weights",
    "breakdowns",
    "cell_weights",
    "compare_combined",
    "compare_to_mean",
    "compare_to_previous",
    "cronbach_alpha",
    "design_degrees_of_freedom",
    "estimate_indices",
    "estimate_means",
    "fay_herriot",
    "fay_herriot_proportions",
    "gaps",
    "guarded_variance",
    "holm",
    "key_drivers",
    "margins_with_missing",
    "option_shares",
    "precision",
    "precision_flags",
    "rake",
    "rank_intervals",
    "rank_intervals_of",
    "selection_weights",
    "trim_and_rake",
]
