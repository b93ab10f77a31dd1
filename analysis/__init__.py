"""Design-based estimation of satisfaction indices; a library with no web dependencies.

The web app, the command line (`python -m analysis`) and evaluators' own scripts call the
same functions::

    design = Design.from_columns(strata=..., psu=..., weights=...)
    design = rake(design, {"gender": gender}, {"gender": {"F": 51_000, "M": 49_000}})
    table = estimate_indices(design, answers, IndexScheme.from_questionnaire(path), by=agency)
    table.get("SXD", "SIPAS").ci_low

Numbers agree with R's survey package (see tests/analysis/results/).
"""

from analysis.compare import (
    Comparison,
    RankInterval,
    compare_to_mean,
    compare_to_previous,
    design_degrees_of_freedom,
    holm,
    precision_flags,
    rank_intervals,
)
from analysis.design import LONELY_PSU_RULES, Calibration, Design
from analysis.drivers import Driver, key_drivers
from analysis.errors import AnalysisError, DesignError, WeightingError
from analysis.indices import (
    breakdowns,
    estimate_indices,
    estimate_means,
    option_shares,
    to_hundred,
)
from analysis.reliability import cronbach_alpha
from analysis.results import Estimate, IndexTable
from analysis.scheme import IndexScheme
from analysis.weights import base_weights, rake, trim_and_rake

__all__ = [
    "LONELY_PSU_RULES",
    "AnalysisError",
    "Calibration",
    "Comparison",
    "Design",
    "DesignError",
    "Driver",
    "Estimate",
    "IndexScheme",
    "IndexTable",
    "RankInterval",
    "WeightingError",
    "base_weights",
    "breakdowns",
    "compare_to_mean",
    "compare_to_previous",
    "cronbach_alpha",
    "design_degrees_of_freedom",
    "estimate_indices",
    "estimate_means",
    "holm",
    "key_drivers",
    "option_shares",
    "precision_flags",
    "rake",
    "rank_intervals",
    "to_hundred",
    "trim_and_rake",
]
