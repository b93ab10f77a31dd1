"""A submission's coded answers in one short string, written with its answer rows.

The analysis needs every satisfaction level and single choice of every submission; reading
them back from the answer rows means pivoting some forty rows per submission (34 million
rows for a million forms). So each submission also carries them as fixed-width text: two
digits per coded item, in the questionnaire version's order, "--" when not answered.
The answer rows stay the record; this text is derived from the same coerced answers in
the same statement, never rewritten apart (responses/models.py refuses), and submissions
stored before it existed got theirs from their rows (migration 0024).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from survey.questionnaires.definition import Definition

WIDTH = 2  # codes are 0..99 (the questionnaire schema's limit)
MISSING = "-" * WIDTH


def coded_items(definition: Definition) -> list[str]:
    """Items with one integer answer: satisfaction levels and single choices."""
    return list(definition.coded_items)


def encode(codes: Sequence[str], answers: Mapping[str, object]) -> str:
    """The coded text of one submission from its coerced answers."""
    return "".join(
        f"{value:02d}" if isinstance(value, int) and not isinstance(value, bool) else MISSING
        for value in (answers.get(code) for code in codes)
    )


def encode_matrix(values: np.ndarray) -> list[str]:
    """Coded texts of many submissions from an n × k float matrix (NaN = not answered)."""
    n, k = values.shape
    digits = np.full((n, k, WIDTH), ord("-"), dtype=np.uint8)
    answered = ~np.isnan(values)
    whole = np.where(answered, values, 0).astype(np.int64)
    digits[..., 0] = np.where(answered, ord("0") + whole // 10, ord("-"))
    digits[..., 1] = np.where(answered, ord("0") + whole % 10, ord("-"))
    flat = digits.reshape(n, k * WIDTH).tobytes()
    step = k * WIDTH
    return [flat[i * step : (i + 1) * step].decode("ascii") for i in range(n)]


def decode(buffer: bytes, n: int, k: int) -> list[np.ndarray]:
    """One array per item (NaN = not answered) from n coded texts laid end to end.

    Separate arrays rather than one block, so that dropping rows later can free each
    item's old values as it goes; the work goes item by item for the same reason.
    """
    if n == 0:
        return [np.full(0, np.nan) for _ in range(k)]
    digits = np.frombuffer(buffer, dtype=np.uint8, count=n * k * WIDTH).reshape(n, k, WIDTH)
    items = []
    for j in range(k):
        tens, ones = digits[:, j, 0], digits[:, j, 1]
        answered = ones != ord("-")
        values = np.full(n, np.nan)
        values[answered] = (tens[answered] - ord("0")) * 10.0 + (ones[answered] - ord("0"))
        items.append(values)
    return items
