"""Read response files (CSV or Parquet) into numpy columns, fast, with pyarrow."""

from __future__ import annotations

import csv
import os
import tempfile
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


def require_columns(table, path, options) -> None:
    """Each (option, column) given must name a column of the table; None is not given."""
    for option, column in options:
        if column is not None and column not in table:
            raise AnalysisError(
                f"column {column!r} (--{option}) is not in {path}; columns: {', '.join(table)}"
            )


def write_rows(handle, rows, columns) -> None:
    """Rows as CSV under a header, floats unrounded (repr round-trips) and an undefined
    value as an empty cell."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])


def write_table(path: Path, rows, columns) -> None:
    """`write_rows` into a file, atomically."""
    write_atomically(path, lambda handle: write_rows(handle, rows, columns))


def _cell(value):
    if isinstance(value, float):
        return "" if value != value else repr(float(value))
    return value


def write_atomically(path: Path, write) -> None:
    """`write(handle)` beside the target, then a rename: a failure never leaves half a
    file."""
    if not path.parent.is_dir():
        raise AnalysisError(f"{path}: its folder {path.parent} does not exist")
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
