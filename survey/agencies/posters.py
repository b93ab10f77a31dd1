"""QR posters for service points: one A4 page per point, to print and put on the counter."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import segno

from survey.agencies.models import ServicePoint
from survey.pdf import render_pdf


def point_url(base_url: str, point: ServicePoint) -> str:
    return f"{base_url.rstrip('/')}/p/{point.code}"


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI, with high error correction (posters get scratched)."""
    svg = segno.make(text, error="h").svg_inline(scale=10, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def posters_pdf(points: Sequence[ServicePoint], base_url: str) -> bytes:
    pages = [
        {
            "point": point,
            "url": point_url(base_url, point),
            "qr": qr_data_uri(point_url(base_url, point)),
        }
        for point in points
    ]
    return render_pdf("pdf/posters.html", pages=pages)
