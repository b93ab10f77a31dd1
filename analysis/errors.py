"""Errors the analysis raises for bad input; each message names the column, row or cell."""


class AnalysisError(ValueError):
    """Input the estimators cannot use; the message says what and where."""


class DesignError(AnalysisError):
    """The sampling design is malformed (weights, strata, PSUs, population sizes)."""


class WeightingError(AnalysisError):
    """Weights cannot be computed: a cell without a frame count, an empty margin, no convergence."""
