"""Synthetic answers of citizens and organisations for the respondent-type reference
(make_respondent_type_reference.R).

Three agencies, cells agency × service field × respondent type with their frame counts
(dossiers). Industry and Trade serves mostly organisations; the commune has one
organisation cell with dossiers and no respondent (collapsed within the agency's
organisations) and the construction department has organisations' dossiers but no
organisation answering at all (collapsed into its citizens). Run from the repository
root:  python tests/analysis/results/make_respondent_type_data.py
"""

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
COMPONENTS = {
    "TC": ("TC1", "TC2", "TC3", "TC4"),
    "TT": ("TT1", "TT2", "TT3", "TT4"),
    "CC": ("CC1", "CC2", "CC3", "CC4", "CC5"),
    "KQ": ("KQ1", "KQ2", "KQ3"),
    "PA": ("PA1", "PA2", "PA3"),
}
ITEMS = [code for items in COMPONENTS.values() for code in items]
CELLS = [  # agency, field, respondent type, dossiers, respondents
    ("SCT", "TM", "citizen", 400, 24),
    ("SCT", "TM", "organisation", 2600, 70),
    ("SCT", "CN", "organisation", 900, 31),
    ("SCT", "CN", "citizen", 120, 9),
    ("SXD", "XD", "citizen", 1500, 60),
    ("SXD", "QH", "citizen", 300, 18),
    ("SXD", "XD", "organisation", 450, 0),
    ("XA-EAKAR", "DD", "citizen", 2100, 75),
    ("XA-EAKAR", "HT", "citizen", 1300, 52),
    ("XA-EAKAR", "DD", "organisation", 150, 14),
    ("XA-EAKAR", "HT", "organisation", 60, 0),
]


def main() -> None:
    rng = np.random.default_rng(20261205)
    rows = []
    for agency, field, kind, _dossiers, respondents in CELLS:
        for _ in range(respondents):
            row = {
                "agency": agency,
                "field": field,
                "respondent_type": kind,
                "cell": f"{agency}|{field}|{kind}",
            }
            # Organisations a little less satisfied than citizens, as the national survey
            # found; land a little less than the rest.
            level = rng.normal(3.9 - 0.4 * (kind == "organisation") - 0.3 * (field == "DD"), 0.8)
            feedback = rng.random() < 0.4
            for code in ITEMS:
                value = ""
                asked = feedback or not code.startswith("PA")
                if asked and rng.random() > 0.05:
                    value = int(np.clip(np.rint(level + rng.normal(0, 0.7)), 1, 5))
                row[code] = value
            rows.append(row)
    with (HERE / "respondent_types.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with (HERE / "respondent_type_frames.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["agency", "field", "respondent_type", "cell", "dossiers"])
        for agency, field, kind, dossiers, _n in CELLS:
            writer.writerow([agency, field, kind, f"{agency}|{field}|{kind}", dossiers])


if __name__ == "__main__":
    main()
