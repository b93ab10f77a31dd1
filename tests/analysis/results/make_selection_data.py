"""Synthetic drawn invitations for the selection-weight reference (make_selection_reference.R).

Every selected invitation is a row: its agency, service field, the probability π it was
drawn with (two draws per cell at different rates), whether it was answered, whether
the dossier was late, and the answers of those who responded. Run from the repository
root:  python tests/analysis/results/make_selection_data.py
"""

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ITEMS = [
    "TC1",
    "TC2",
    "TC3",
    "TC4",
    "TT1",
    "TT2",
    "TT3",
    "TT4",
    "CC1",
    "CC2",
    "CC3",
    "CC4",
    "CC5",
    "KQ1",
    "KQ2",
    "KQ3",
    "PA1",
    "PA2",
    "PA3",
]
CELLS = [  # agency, field, invitations of each draw, π of each draw, response rate
    ("STNMT", "DD", (90, 70), (0.20, 0.35), 0.35),
    ("STNMT", "MT", (40, 30), (0.50, 0.60), 0.45),
    ("SXD", "XD", (60, 50), (0.25, 0.25), 0.40),
    ("SXD", "QH", (25, 20), (0.80, 1.00), 0.50),
    ("XA-EAKAR", "DD", (70, 60), (0.15, 0.30), 0.30),
    ("XA-EAKAR", "HT", (50, 40), (0.40, 0.40), 0.55),
]


def main() -> None:
    rng = np.random.default_rng(20261202)
    rows = []
    for agency, field, counts, probabilities, rate in CELLS:
        for count, probability in zip(counts, probabilities, strict=True):
            for _ in range(count):
                late = rng.random() < (0.4 if field == "DD" else 0.15)
                responded = rng.random() < rate
                row = {
                    "agency": agency,
                    "field": field,
                    "cell": f"{agency}|{field}",
                    "prob": probability,
                    "responded": int(responded),
                    "late": int(late),
                }
                level = rng.normal(3.9 - 0.7 * late, 0.8)
                feedback = rng.random() < 0.4
                for code in ITEMS:
                    value = ""
                    asked = responded and (feedback or not code.startswith("PA"))
                    if asked and rng.random() > 0.04:
                        value = int(np.clip(np.rint(level + rng.normal(0, 0.7)), 1, 5))
                    row[code] = value
                rows.append(row)
    with (HERE / "selection_sample.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
