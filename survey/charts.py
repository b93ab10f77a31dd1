"""Charts as inline SVG made on the server: no JavaScript, no CDN, and the same markup
goes into the dashboard and into the PDF reports.

Every chart is black and greys only (it must survive grey printing and photocopying),
draws text at a readable size, and carries a title for screen readers; pages put the
numbers in a table next to it as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_decimal
from markupsafe import Markup, escape

FONT = "font-family=\"'DejaVu Sans', 'Noto Sans', Arial, sans-serif\""
LABEL_WIDTH = 270
PLOT_WIDTH = 420
ROW_HEIGHT = 22
TOP = 28
BOTTOM = 26


@dataclass(frozen=True)
class Interval:
    """One row of a dot-and-whisker chart, on the 0–100 scale."""

    label: str
    estimate: float | None
    low: float | None = None
    high: float | None = None
    muted: bool = False  # low precision: drawn as an open circle


def _scale(low: float, high: float):
    def x(value: float) -> float:
        return LABEL_WIDTH + (value - low) / (high - low) * PLOT_WIDTH

    return x


def _axis_range(values: Sequence[float], floor_step: float = 10) -> tuple[float, float]:
    """From a round number below the smallest value to 100: small differences stay visible
    without exaggerating them (the axis is labelled)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    low = min(finite, default=0)
    start = max(0.0, math.floor((low - 5) / floor_step) * floor_step)
    return start, 100.0 if max(finite, default=100) <= 100 else math.ceil(max(finite) / 10) * 10


def _frame(width: float, height: float, title: str, body: list[str]) -> Markup:
    # Safe: every text that reaches `body` went through escape(); numbers are formatted.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" class="chart" {FONT} '
        f'font-size="12"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _gridlines(
    x, low: float, high: float, top: float, bottom: float, labels_on_top: bool = False
) -> list[str]:
    step = 10 if high - low > 30 else 5
    body = []
    tick = low
    while tick <= high + 1e-9:
        position = x(tick)
        body.append(
            f'<line x1="{position:.1f}" y1="{top}" x2="{position:.1f}" y2="{bottom}" '
            'stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{position:.1f}" y="{bottom + 15}" text-anchor="middle" '
            f'fill="#333">{_shown(tick, "0.##")}</text>'
        )
        if labels_on_top:
            body.append(
                f'<text x="{position:.1f}" y="{top - 4}" text-anchor="middle" '
                f'fill="#333">{_shown(tick, "0.##")}</text>'
            )
        tick += step
    return body


# A chart of more rows than this repeats its axis labels at the top: its bottom is
# screens away from its first rows.
LONG_CHART = 25


def interval_chart(
    rows: Sequence[Interval], *, title: str, reference: float | None = None, reference_label=""
) -> Markup:
    """Dot-and-whisker rows: estimate and 95% interval per agency (or campaign).

    `reference` draws a dashed vertical line (the province's index) labelled at the top.
    """
    values = [v for r in rows for v in (r.estimate, r.low, r.high) if v is not None]
    if reference is not None:
        values.append(reference)
    low, high = _axis_range(values)
    x = _scale(low, high)
    long = len(rows) > LONG_CHART
    top = TOP + (16 if long else 0)
    height = top + ROW_HEIGHT * len(rows) + BOTTOM
    body = _gridlines(x, low, high, top - 6, top + ROW_HEIGHT * len(rows), labels_on_top=long)
    if reference is not None:
        position = x(reference)
        body.append(
            f'<line x1="{position:.1f}" y1="{top - 8}" x2="{position:.1f}" '
            f'y2="{top + ROW_HEIGHT * len(rows)}" stroke="#000" stroke-dasharray="4 3"/>'
            f'<text x="{position:.1f}" y="{12 if long else top - 12}" text-anchor="middle">'
            f"{escape(reference_label)} {_shown(reference, '0.0')}</text>"
        )
    for i, row in enumerate(rows):
        y = top + ROW_HEIGHT * i + ROW_HEIGHT / 2
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_shorten(row.label))}</text>"
        )
        if row.estimate is None:
            body.append(f'<text x="{LABEL_WIDTH + 4}" y="{y + 4:.1f}" fill="#555">—</text>')
            continue
        if row.low is not None and row.high is not None:
            body.append(
                f'<line x1="{x(row.low):.1f}" y1="{y:.1f}" x2="{x(row.high):.1f}" y2="{y:.1f}" '
                'stroke="#000" stroke-width="1.5"/>'
            )
            for end in (row.low, row.high):
                body.append(
                    f'<line x1="{x(end):.1f}" y1="{y - 4:.1f}" x2="{x(end):.1f}" '
                    f'y2="{y + 4:.1f}" stroke="#000" stroke-width="1.5"/>'
                )
        fill = "#fff" if row.muted else "#000"
        body.append(
            f'<circle cx="{x(row.estimate):.1f}" cy="{y:.1f}" r="4.5" fill="{fill}" '
            'stroke="#000" stroke-width="1.5"/>'
        )
    return _frame(LABEL_WIDTH + PLOT_WIDTH + 20, height, title, body)


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> Markup:
    """Horizontal bars with their value written at the end (counts, shares)."""
    largest = max((v for _label, v in rows), default=0) or 1
    height = 8 + ROW_HEIGHT * len(rows) + 8
    body = []
    for i, (label, value) in enumerate(rows):
        y = 8 + ROW_HEIGHT * i
        width = value / largest * (PLOT_WIDTH - 60)
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(_shorten(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{ROW_HEIGHT - 6}" '
            'fill="#595959"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">'
            f"{_shown(value, '#,##0')}{escape(unit)}</text>"
        )
    return _frame(LABEL_WIDTH + PLOT_WIDTH + 20, height, title, body)


def priority_matrix(points: Sequence[tuple], *, title: str, x_label: str, y_label: str) -> Markup:
    """Importance (x) against performance (y, 0–100) per component, split at the means:
    high importance and low performance (bottom right) is where to act first. A point
    (label, x, y, x_low, x_high) draws the importance's interval as a horizontal bar."""
    # Wide enough for a component's name beside the rightmost point.
    width, height, left, bottom, top, right = 720, 320, 60, 270, 20, 440
    if not points:
        return _frame(width, height, title, [])
    importance = [p[1] for p in points]
    performance = [p[2] for p in points]
    reach = [p[4] for p in points if len(p) > 4 and p[4] is not None]
    x_low, x_high = min(0.0, min(importance)), max([*importance, *reach]) * 1.15 or 1
    y_low, y_high = _axis_range(performance)

    def x(value):
        return left + (value - x_low) / (x_high - x_low) * (right - left)

    def y(value):
        return bottom - (value - y_low) / (y_high - y_low) * (bottom - top)

    mean_x = sum(importance) / len(importance)
    mean_y = sum(performance) / len(performance)
    body = [
        f'<rect x="{x(mean_x):.1f}" y="{y(mean_y):.1f}" width="{right - x(mean_x):.1f}" '
        f'height="{bottom - y(mean_y):.1f}" fill="#e6e6e6"/>',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#000"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#000"/>',
        f'<line x1="{x(mean_x):.1f}" y1="{top}" x2="{x(mean_x):.1f}" y2="{bottom}" '
        'stroke="#000" stroke-dasharray="4 3"/>',
        f'<line x1="{left}" y1="{y(mean_y):.1f}" x2="{right}" y2="{y(mean_y):.1f}" '
        'stroke="#000" stroke-dasharray="4 3"/>',
        f'<text x="{(left + right) / 2}" y="{bottom + 34}" text-anchor="middle">'
        f"{escape(x_label)}</text>",
        f'<text x="14" y="{(top + bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(top + bottom) / 2})">{escape(y_label)}</text>',
        f'<text x="{left - 6}" y="{bottom}" text-anchor="end">{_shown(y_low, "0.##")}</text>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end">{_shown(y_high, "0.##")}</text>',
    ]
    for label, importance_value, performance_value, *interval in points:
        if len(interval) == 2 and None not in interval:
            low, high = interval
            body.append(
                f'<line x1="{x(low):.1f}" y1="{y(performance_value):.1f}" x2="{x(high):.1f}" '
                f'y2="{y(performance_value):.1f}" stroke="#000" stroke-width="1.5"/>'
            )
        body.append(
            f'<circle cx="{x(importance_value):.1f}" cy="{y(performance_value):.1f}" r="5" '
            'fill="#000"/>'
            f'<text x="{x(importance_value) + 8:.1f}" y="{y(performance_value) + 4:.1f}">'
            f"{escape(_shorten(label, 38))}</text>"
        )
    return _frame(width, height + 20, title, body)


def _shorten(label: str, limit: int = 36) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str,
) -> Markup:
    """A grid of 0–100 values, darker where lower (where attention is needed), each cell
    with its number so the map reads in grey print; blank where there is no value."""
    cell_width, cell_height, left, top = 56, 17, 250, 24
    finite = [v for row in values for v in row if v is not None]
    low, high = (min(finite), max(finite)) if finite else (0.0, 100.0)
    span = (high - low) or 1.0
    body = []
    for j, column in enumerate(columns):
        body.append(
            f'<text x="{left + cell_width * j + cell_width / 2:.1f}" y="{top - 8}" '
            f'text-anchor="middle" font-weight="bold">{escape(column)}</text>'
        )
    for i, (label, row) in enumerate(zip(rows, values, strict=True)):
        y = top + cell_height * i
        body.append(
            f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{escape(_shorten(label, 38))}'
            "</text>"
        )
        for j, value in enumerate(row):
            x = left + cell_width * j
            if value is None:
                body.append(
                    f'<rect x="{x}" y="{y}" width="{cell_width}" height="{cell_height}" '
                    'fill="#fff" stroke="#bbb"/>'
                )
                continue
            # Lightest grey at the best value, dark at the worst; text flips to white.
            darkness = 1 - (value - low) / span
            grey = round(235 - 175 * darkness)
            ink = "#fff" if grey < 130 else "#000"
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_width}" height="{cell_height}" '
                f'fill="rgb({grey},{grey},{grey})" stroke="#fff"/>'
                f'<text x="{x + cell_width / 2:.1f}" y="{y + 12}" text-anchor="middle" '
                f'fill="{ink}">{_shown(value, "0.0")}</text>'
            )
    width = left + cell_width * len(columns) + 10
    height = top + cell_height * len(rows) + 10
    return _frame(width, height, title, body)


def _shown(value: float, pattern: str) -> str:
    """A number on a chart as the page's language writes it (83,3 in Vietnamese), like
    the text around the chart."""
    return format_decimal(value, format=pattern)


def residual_plot(
    points: Sequence[tuple[float, float]], *, title: str, x_label: str, y_label: str
) -> Markup:
    """Standardised residuals (y) against fitted values (x) of a model, with the zero line
    and ±2 bands: points outside the bands, or a curve, say the model misses something."""
    width, height, left, bottom, top, right = 460, 300, 60, 250, 20, 440
    if not points:
        return _frame(width, height, title, [])
    xs = [p[0] for p in points]
    reach = max(3.0, max(abs(p[1]) for p in points) * 1.1)
    x_low, x_high = min(xs), max(xs)
    if x_high == x_low:
        x_low, x_high = x_low - 1, x_high + 1
    pad = (x_high - x_low) * 0.05
    x_low, x_high = x_low - pad, x_high + pad

    def x(value):
        return left + (value - x_low) / (x_high - x_low) * (right - left)

    def y(value):
        return bottom - (value + reach) / (2 * reach) * (bottom - top)

    body = [
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#000"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#000"/>',
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{right}" y2="{y(0):.1f}" stroke="#000"/>',
    ]
    for band, sign in ((-2, "−"), (2, "+")):  # a true minus sign, as in print
        body.append(
            f'<line x1="{left}" y1="{y(band):.1f}" x2="{right}" y2="{y(band):.1f}" '
            'stroke="#000" stroke-dasharray="4 3"/>'
            f'<text x="{left - 6}" y="{y(band) + 4:.1f}" text-anchor="end">{sign}2</text>'
        )
    body += [
        f'<text x="{left - 6}" y="{y(0) + 4:.1f}" text-anchor="end">0</text>',
        f'<text x="{left}" y="{bottom + 16}" text-anchor="middle">{x_low:.0f}</text>',
        f'<text x="{right}" y="{bottom + 16}" text-anchor="middle">{x_high:.0f}</text>',
        f'<text x="{(left + right) / 2}" y="{bottom + 34}" text-anchor="middle">'
        f"{escape(x_label)}</text>",
        f'<text x="14" y="{(top + bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(top + bottom) / 2})">{escape(y_label)}</text>',
    ]
    for fitted, residual in points:
        body.append(f'<circle cx="{x(fitted):.1f}" cy="{y(residual):.1f}" r="3" fill="#000"/>')
    return _frame(width, height + 20, title, body)
