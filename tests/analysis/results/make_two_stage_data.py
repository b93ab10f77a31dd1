"""Make the household sample (two stages) that R's two-stage reference values come from.

Run once: `python tests/analysis/results/make_two_stage_data.py`; the CSV it writes is
committed beside make_two_stage_reference.R, so the tests never need R. Communes are
strata, villages the PSUs drawn without replacement (population number per commune),
households the second-stage units (population number per village), one row each. Built
to reach every branch: a commune where every village was taken (the first stage adds
nothing, the second all of its variance), a commune with one village drawn (a lonely PSU),
a village with one household interviewed (a lonely second-stage unit), a village whose
every household was interviewed, and items asked of a minority.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ITEMS = {
    "TC": ["TC1", "TC2", "TC3", "TC4"],
    "TT": ["TT1", "TT2", "TT3", "TT4"],
    "CC": ["CC1", "CC2", "CC3", "CC4", "CC5"],
    "KQ": ["KQ1", "KQ2", "KQ3"],
    "PA": ["PA1", "PA2", "PA3"],
}
# commune: (villages in the commune, villages drawn)
COMMUNES = {"XA1": (10, 3), "XA2": (12, 4), "XA3": (6, 6), "XA4": (9, 1), "XA5": (14, 3)}


def main(seed: int = 20261208) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for commune, (villages, drawn) in COMMUNES.items():
        for v in range(drawn):
            village = f"{commune}-T{v + 1}"
            households = int(rng.integers(40, 220))
            interviewed = 6
            if commune == "XA2" and v == 0:
                interviewed = 1  # one household found at home: a lonely unit
            if commune == "XA5" and v == 2:
                households = interviewed = 5  # every household of a small hamlet
            effect = rng.normal(0.0, 0.6)
            for h in range(interviewed):
                rows.append((commune, village, f"H{h + 1:03d}", villages, households,
                             villages / drawn * households / interviewed, effect))  # fmt: skip
    n = len(rows)
    latent = np.array([r[6] for r in rows]) + rng.normal(0, 0.7, n)
    # Asked of a minority, and of at least the first household of each village (so that
    # every commune has some: R's svyby stops at a domain where nobody answered).
    feedback = (rng.random(n) < 0.3) | np.array([r[2] == "H001" for r in rows])
    # A second kind of domain, which cuts across villages: the respondent's gender.
    gender = rng.choice(["F", "M"], n, p=[0.55, 0.45])
    answers = {}
    for items in ITEMS.values():
        for code in items:
            value = 1 + np.searchsorted([-3.0, -2.0, -0.8, 1.2], latent + rng.logistic(0, 0.8, n))
            value = value.astype(float)
            value[rng.random(n) < 0.05] = np.nan
            if code.startswith("PA"):
                value[~feedback] = np.nan
            answers[code] = value
    columns = ["commune", "gender", "village", "household", "N_villages", "N_households", "weight"]
    with (HERE / "households.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns + [c for items in ITEMS.values() for c in items])
        for i, row in enumerate(rows):
            writer.writerow(
                [row[0], gender[i], row[1], row[2], row[3], row[4], repr(row[5])]
                + ["" if np.isnan(answers[c][i]) else int(answers[c][i])
                   for items in ITEMS.values() for c in items]
            )  # fmt: skip


if __name__ == "__main__":
    main()
