"""Result objects: every estimate with its SE, CI, degrees of freedom, n and design effect."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

LEVELS = ("item", "component", "overall")


@dataclass(frozen=True)
class Estimate:
    domain: str
    level: str
    code: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    n: int
    deff: float

    @property
    def effective_n(self) -> float:
        return self.n / self.deff if self.deff > 0 else float("nan")


@dataclass(frozen=True)
class IndexTable:
    """Estimates for every domain (rows of the arrays) and statistic (columns).

    Share-satisfied indices are proportions (0–1); mean scores are on the answer scale.
    `covariance(code)` gives the between-domain covariance matrix of one statistic.
    """

    statistic: str  # "satisfied" or "mean"
    index_code: str
    domains: tuple[str, ...]
    levels: tuple[str, ...]
    codes: tuple[str, ...]
    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    deff: np.ndarray
    df: np.ndarray  # domains × statistics: of the rows that answered each (R's degf)
    rows: np.ndarray  # domain rows in the sample (R's nrow of the domain subset)
    ci_method: str
    ci_level: float
    design: dict[str, Any]
    _covariance: Any = field(default=None, repr=False, compare=False)
    _combination_covariance: Any = field(default=None, repr=False, compare=False)

    def column(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise KeyError(f"no statistic {code!r}; known: {', '.join(self.codes)}") from None

    def domain_index(self, domain: str) -> int:
        try:
            return self.domains.index(str(domain))
        except ValueError:
            raise KeyError(f"no domain {domain!r}") from None

    def get(self, domain: str, code: str) -> Estimate:
        d, c = self.domain_index(domain), self.column(code)
        return Estimate(
            domain=self.domains[d],
            level=self.levels[c],
            code=code,
            estimate=float(self.estimate[d, c]),
            se=float(self.se[d, c]),
            ci_low=float(self.ci_low[d, c]),
            ci_high=float(self.ci_high[d, c]),
            df=int(self.df[d, c]),
            n=int(self.n[d, c]),
            deff=float(self.deff[d, c]),
        )

    def __iter__(self):
        for domain in self.domains:
            for code in self.codes:
                yield self.get(domain, code)

    def covariance(self, code: str) -> np.ndarray:
        """Domains × domains covariance of statistic `code`, from the same PSU totals."""
        return self._covariance(self.column(code))

    def combination_covariance(self, coefficients: Mapping[str, float]) -> np.ndarray:
        """Domains × domains covariance of Σ_c a_c θ_c, a linear combination of the
        statistics (the survey points of a reform framework: max points × index), with
        the covariances between statistics within a domain kept."""
        vector = np.zeros(len(self.codes))
        for code, value in coefficients.items():
            vector[self.column(code)] = value
        return self._combination_covariance(vector)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([e.__dict__ for e in self])
