"""Integer codes for label columns, fast on a million rows."""

from __future__ import annotations

import numpy as np


def factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique labels, code of each value), like np.unique(return_inverse=True).

    Small-range integers are coded with a bincount instead of a sort, and strings through
    pyarrow's dictionary encoding, both far faster than sorting a million labels.
    """
    values = np.asarray(values)
    if values.dtype.kind in "iu" and values.size:
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * values.size + 1024:
            shifted = values - low
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            lookup = np.cumsum(present) - 1
            return np.flatnonzero(present) + low, lookup[shifted]
    if values.dtype.kind == "f" and values.size and np.all(values == np.round(values)):
        labels, codes = factorize(values.astype(np.int64))
        return labels.astype(values.dtype), codes
    if values.dtype.kind in "OUS" and values.size > 10_000:
        try:
            import pyarrow as pa
        except ImportError:  # pragma: no cover - pyarrow is a dependency
            pa = None
        if pa is not None:
            encoded = pa.array(values.astype(str) if values.dtype.kind == "O" else values)
            encoded = encoded.dictionary_encode()
            labels = np.asarray(encoded.dictionary.to_pylist(), dtype=str)
            order = np.argsort(labels, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(order.size)
            return labels[order], rank[np.asarray(encoded.indices)]
    return np.unique(values, return_inverse=True)


def missing_labels(values) -> tuple[np.ndarray, np.ndarray]:
    """(labels, which are missing): None, "" and NaN are missing. Object arrays come back
    as text ("" where missing), so they can be sorted and factorized."""
    labels = np.asarray(values)
    if labels.dtype.kind == "f":
        return labels, np.isnan(labels)
    if labels.dtype.kind == "O":
        missing = np.array([v is None or v == "" or v != v for v in labels], dtype=bool)
        return np.where(missing, "", labels).astype(str), missing
    if labels.dtype.kind in "US":
        return labels, labels == labels.dtype.type()
    return labels, np.zeros(labels.size, dtype=bool)
