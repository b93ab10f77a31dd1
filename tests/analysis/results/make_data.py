"""Make the small survey sample that the R reference values are computed from.

Run once: `python tests/analysis/results/make_data.py`; the CSV files it writes are
committed next to the R script that reads them (make_reference.R), so the tests never
need R. The sample is built to exercise every branch of the variance estimator:
strata with a single PSU, PSUs shared by two agencies, item non-response, the feedback
items asked of a minority, unequal weights, finite-population sizes and raking margins.
"""

from __future__ import annotations

import warnings
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


def main(seed: int = 20261126) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    agencies = list("ABCDEFGH")
    # Strata 1..10, each with a number of PSUs; strata 9 and 10 have a single PSU.
    psus_per_stratum = {1: 6, 2: 5, 3: 7, 4: 4, 5: 6, 6: 5, 7: 3, 8: 4, 9: 1, 10: 1}
    psu_id = 0
    for stratum, count in psus_per_stratum.items():
        for _ in range(count):
            psu_id += 1
            size = int(rng.integers(15, 60))
            # Most PSUs serve one agency; every third also serves the next agency.
            home = agencies[(stratum - 1) % len(agencies)]
            neighbour = agencies[stratum % len(agencies)]
            effect = rng.normal(0.0, 0.5)
            for _ in range(size):
                agency = neighbour if psu_id % 3 == 0 and rng.random() < 0.4 else home
                rows.append((agency, stratum, psu_id, effect))
    n = len(rows)
    agency = np.array([r[0] for r in rows])
    stratum = np.array([r[1] for r in rows])
    psu = np.array([r[2] for r in rows])
    psu_effect = np.array([r[3] for r in rows])
    field = rng.choice(["land", "civil"], n, p=[0.4, 0.6])
    gender = rng.choice(["F", "M"], n, p=[0.55, 0.45])
    age = rng.choice(["18-34", "35-49", "50-60", "60+"], n, p=[0.3, 0.35, 0.2, 0.15])
    latent = psu_effect + rng.normal(0, 0.7, n) + np.where(field == "land", -0.4, 0.0)
    feedback = rng.random(n) < 0.3
    answers = {}
    for items in ITEMS.values():
        for code in items:
            value = 1 + np.searchsorted([-3.0, -2.0, -0.8, 1.2], latent + rng.logistic(0, 0.8, n))
            value = value.astype(float)
            value[rng.random(n) < 0.05] = np.nan
            if code.startswith("PA"):
                value[~feedback] = np.nan
            answers[code] = value
    # Base weights: dossiers per agency x field over responses in that cell.
    weight = np.empty(n)
    for a in agencies:
        for f in ("land", "civil"):
            cell = (agency == a) & (field == f)
            dossiers = rng.integers(300, 3000)
            weight[cell] = dossiers / cell.sum()
    # The global satisfaction item (HL), outside the index: driven by the same latent
    # satisfaction, more by the civil servant (CC) than by access (TC); drawn last so that
    # the columns above stay as they were.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows with no answer: NaN
        component_mean = {
            c: np.nanmean(np.column_stack([answers[i] for i in items]), axis=1)
            for c, items in ITEMS.items()
            if c != "PA"
        }
    drive = (
        0.15 * component_mean["TC"]
        + 0.2 * component_mean["TT"]
        + 0.45 * component_mean["CC"]
        + 0.3 * component_mean["KQ"]
    )
    overall = np.clip(np.round(drive - 0.3 + rng.normal(0, 0.6, n)), 1, 5)
    overall[rng.random(n) < 0.04] = np.nan
    population = {s: c * 4 for s, c in psus_per_stratum.items()}
    population[10] = 1  # a self-representing stratum (its only PSU is the population)
    fpc = np.array([population[s] for s in stratum])

    header = ["agency", "stratum", "psu", "weight", "fpc", "field", "gender", "age_band"]
    header += [c for items in ITEMS.values() for c in items] + ["HL"]
    with (HERE / "responses.csv").open("w", encoding="utf-8") as out:
        out.write(",".join(header) + "\n")
        for k in range(n):
            values = [
                agency[k],
                str(stratum[k]),
                str(psu[k]),
                repr(float(weight[k])),
                str(fpc[k]),
                field[k],
                gender[k],
                age[k],
            ]
            for items in ITEMS.values():
                for code in items:
                    v = answers[code][k]
                    values.append("" if np.isnan(v) else str(int(v)))
            values.append("" if np.isnan(overall[k]) else str(int(overall[k])))
            out.write(",".join(values) + "\n")

    # Raking targets: the weighted sample margins, moved a little.
    with (HERE / "margins.csv").open("w", encoding="utf-8") as out:
        out.write("variable,level,target\n")
        total = weight.sum() * 1.03
        for variable, values, shares in (
            ("gender", gender, {"F": 0.51, "M": 0.49}),
            ("age_band", age, {"18-34": 0.33, "35-49": 0.31, "50-60": 0.2, "60+": 0.16}),
        ):
            for level, share in shares.items():
                assert (values == level).any()
                out.write(f"{variable},{level},{float(total * share)!r}\n")


if __name__ == "__main__":
    main()
