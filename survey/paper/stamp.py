"""Serials and QR codes stamped onto a form body rendered once.

Every page of the output draws the body page (one shared form XObject, so 2,000 forms
cost one body in the file) and then its stamp: the serial at the top right of every
page, and on the first page the QR code and the serial in the places the body left
free. Serials are ASCII (AGENCY-NNNNNN-C), so the stamp uses the PDF's built-in
Helvetica Bold and needs no embedded font; the QR code is drawn as filled squares.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf
import segno

MM = 72 / 25.4
HEADER_SIZE = 11  # pt, as the body's @top-right header
SERIAL_SIZE = 13  # pt, as the body's .serial
RIGHT_MARGIN = 14 * MM
TOP_MARGIN = 18 * MM  # as the @page margin of templates/paper/forms.html
# Helvetica Bold advance widths (per 1,000 units of the font size) of what serials use.
WIDTHS = {
    **dict.fromkeys("0123456789", 556),
    "-": 333, ".": 278, "_": 556,
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
               (722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
                667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611), strict=True)),
    **dict(zip("abcdefghijklmnopqrstuvwxyz",
               (556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
                611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500), strict=True)),
}  # fmt: skip


@dataclass(frozen=True)
class Slots:
    """Page size and the free places on the body's first page: (x, y, width, height) in
    PDF points from the bottom left."""

    page_width: float
    page_height: float
    qr: tuple[float, float, float, float]
    serial: tuple[float, float, float, float]


def text_width(text: str, size: float) -> float:
    return sum(WIDTHS.get(c, 611) for c in text) * size / 1000


def _text(text: str, x: float, y: float, size: float) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT /S {size} Tf {x:.2f} {y:.2f} Td ({escaped}) Tj ET\n"


def _qr(serial: str, box: tuple[float, float, float, float]) -> str:
    x0, y0, width, height = box
    rows = list(segno.make(serial, error="m").matrix)
    border = 1
    modules = len(rows) + 2 * border
    side = min(width, height) / modules
    top = y0 + height - border * side
    squares = [
        f"{x0 + (border + c) * side:.2f} {top - (r + 1) * side:.2f} {side:.2f} {side:.2f} re"
        for r, row in enumerate(rows)
        for c, dark in enumerate(row)
        if dark
    ]
    return "0 g\n" + "\n".join(squares) + "\nf\n"


def page_stamp(serial: str, slots: Slots, first: bool) -> bytes:
    header_x = slots.page_width - RIGHT_MARGIN - text_width(serial, HEADER_SIZE)
    header_y = slots.page_height - TOP_MARGIN / 2 - HEADER_SIZE * 0.35
    ops = ["0 g\n", _text(serial, header_x, header_y, HEADER_SIZE)]
    if first:
        ops.append(_qr(serial, slots.qr))
        x, y, _width, height = slots.serial
        ops.append(_text(serial, x, y + (height - SERIAL_SIZE * 0.72) / 2, SERIAL_SIZE))
    return "".join(ops).encode("ascii")


def stamped(body: bytes, serials: Sequence[str], slots: Slots) -> bytes:
    """One copy of the body's pages per serial, each with its stamp."""
    with pikepdf.open(io.BytesIO(body)) as form, pikepdf.new() as output:
        shared = [output.copy_foreign(page.as_form_xobject()) for page in form.pages]
        font = output.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type1,
                BaseFont=pikepdf.Name("/Helvetica-Bold"),
                Encoding=pikepdf.Name.WinAnsiEncoding,
            )
        )
        size = (slots.page_width, slots.page_height)
        for serial in serials:
            for number, body_page in enumerate(shared):
                page = output.add_blank_page(page_size=size)
                page.Resources = pikepdf.Dictionary(
                    XObject=pikepdf.Dictionary(B=body_page),
                    Font=pikepdf.Dictionary(S=font),
                )
                content = b"q /B Do Q\n" + page_stamp(serial, slots, first=number == 0)
                page.Contents = output.make_stream(content)
        buffer = io.BytesIO()
        output.save(buffer, compress_streams=True)
        return buffer.getvalue()
