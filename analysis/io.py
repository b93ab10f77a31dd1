"""Read response files (CSV or Parquet) into numpy columns, fast, with pyarrow."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis.errors import AnalysisError


def read_table(path: str | Path) -> dict[str, np.ndarray]:
    """Columns of a CSV or Parquet file as numpy arrays (numbers with NaN, or strings)."""
    path = Path(path)
    if not path.is_file():
        raise AnalysisError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            table = pq.read_table(path)
        else:
            import pyarrow as pa
            import pyarrow.csv as pc

            table = pc.read_csv(path, convert_options=pc.ConvertOptions(strings_can_be_null=True))
            del pa
    except Exception as error:  # pyarrow raises several types for unreadable files
        raise AnalysisError(
            f"{path}: cannot be read as {suffix.lstrip('.') or 'CSV'} "
            f"({str(error).splitlines()[0]})"
        ) from None
    return {name: _numpy(table.column(name)) for name in table.column_names}


def _numpy(column) -> np.ndarray:
    values = column.to_numpy()
    if values.dtype == object:
        return values
    return values


def numbers(values: np.ndarray, what: str) -> np.ndarray:
    """A numeric column, or an error naming the first row that is not a number."""
    if values.dtype.kind in "fiub":
        return values.astype(float)
    for row, value in enumerate(values, start=1):
        if value is None:
            continue
        try:
            float(value)
        except (TypeError, ValueError):
            raise AnalysisError(f"{what}, row {row}: {value!r} is not a number") from None
    return np.array([np.nan if v is None else float(v) for v in values])
