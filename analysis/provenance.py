"""What the library takes from statsmodels, as each run records it.

Only what R agrees with: the design-based variances, degrees of freedom and small-area
fits are the library's own (statsmodels has no survey designs), see METHODS.md §8.
"""

STATSMODELS = (
    "WLS: key-driver coefficients and R²",
    "multipletests(method='holm'): Holm-adjusted p-values",
    "proportion_confint(method='beta'): Korn–Graubard intervals",
)
