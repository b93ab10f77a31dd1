"""Synthetic communes for the Fay–Herriot reference (make_small_area_reference.R).

102 commune-level units as in the new Đắk Lắk (14 wards, 88 communes) with the covariates
the platform uses: ward or not, the predecessor's earlier index, the on-time rate of
dossiers and the log of the frame count. Each has a direct index on the 0–100 scale and
its design variance (roughly 600/n for n answers). Two areas have no answers, and one
case has so little between-area variance that REML puts it at zero (the second file).
Run from the repository root:  python tests/analysis/results/make_small_area_data.py
"""

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def communes(rng, m: int, spread: float) -> list[dict]:
    ward = (np.arange(m) < 14).astype(int)
    earlier = np.round(rng.normal(80, 6, m), 2)
    on_time = np.round(rng.uniform(0.6, 0.98, m), 3)
    frame = rng.integers(800, 40_000, m)
    n = rng.integers(25, 90, m)
    truth = 20 + 0.7 * earlier + 8 * on_time + 2.0 * ward + rng.normal(0, spread, m)
    variance = 600.0 / n * rng.uniform(0.7, 1.3, m)
    direct = truth + rng.normal(0, np.sqrt(variance))
    rows = []
    for i in range(m):
        missing = i in (40, 77)
        rows.append(
            {
                "area": f"X{i + 1:03d}",
                "direct": "" if missing else round(float(direct[i]), 4),
                "variance": "" if missing else round(float(variance[i]), 5),
                "ward": int(ward[i]),
                "earlier": float(earlier[i]),
                "on_time": float(on_time[i]),
                "log_frame": round(float(np.log(frame[i])), 6),
                "frame": int(frame[i]),
            }
        )
    return rows


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write(HERE / "small_areas.csv", communes(np.random.default_rng(20250701), 102, 3.0))
    write(HERE / "small_areas_flat.csv", communes(np.random.default_rng(7), 30, 0.01))
