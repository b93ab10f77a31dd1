"""Synthetic answers for the verdict references (make_verdict_reference.R): a ranking group
with an agency whose 12 answers are all satisfied (an estimate at the boundary), a district
of the earlier campaign split into two communes now, and an agency whose answers about late
dossiers are few. One satisfaction item Q1 (1-5); element design, strata = agency × field,
weights = dossiers / answers of the cell. Run from the repository root:
    python tests/analysis/results/make_verdict_data.py
"""

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# campaign, agency, field, answers, dossiers, share satisfied, late answers
CELLS = [
    ("now", "FULL", "A", 7, 140, 1.00, 0),
    ("now", "FULL", "B", 5, 60, 1.00, 0),
    ("now", "MID1", "A", 22, 300, 0.80, 0),
    ("now", "MID1", "B", 18, 200, 0.75, 0),
    ("now", "MID2", "A", 30, 500, 0.70, 0),
    ("now", "MID2", "B", 20, 150, 0.65, 0),
    ("now", "LOW", "A", 16, 260, 0.55, 0),
    ("now", "LOW", "B", 14, 90, 0.60, 0),
    ("now", "P1", "A", 25, 400, 0.85, 0),
    ("now", "P2", "A", 35, 900, 0.65, 0),
    ("now", "GAP", "A", 40, 800, 0.80, 4),
    ("then", "PARENT", "A", 60, 1500, 0.70, 0),
]


def main() -> None:
    rng = np.random.default_rng(20261207)
    rows = []
    for campaign, agency, field, answers, dossiers, share, late in CELLS:
        satisfied = rng.random(answers) < share
        values = np.where(satisfied, rng.integers(4, 6, answers), rng.integers(1, 4, answers))
        if share >= 1:
            values = rng.integers(4, 6, answers)
        for k in range(answers):
            rows.append(
                {
                    "campaign": campaign,
                    "agency": agency,
                    "stratum": f"{agency}|{field}",
                    "psu": f"{campaign}-{agency}-{field}-{k}",
                    "weight": dossiers / answers,
                    "dossiers": dossiers,
                    "timeliness": "late" if k < late else "on_time",
                    "Q1": int(values[k]),
                }
            )
    with (HERE / "verdict_data.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
