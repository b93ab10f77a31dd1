"""Printable A4 forms: the questionnaire version as the web shows it (same numbering and
codes), tick boxes with the codes surveyors key, skip instructions in words, and the
serial with its QR code on every page of every form.

Items that share a scale (the satisfaction items, part D's priorities) print as one grid,
a row per item and a box per level, as the national paper form does, so the form fits on
the two sides of one A4 sheet.

The body of a form is the same for every serial, so it is rendered once; what differs
(serial and QR code) is rendered for all serials in one light document of "stamps", and
each stamp page is laid over the body page it belongs to, the body kept once in the PDF
as a shared form XObject. A batch of 2,000 forms is then one layout of the
questionnaire instead of 2,000 (bench/paper_forms_bench.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import render_template
from sqlalchemy import select

from survey.agencies.models import Service
from survey.extensions import db
from survey.paper import stamp
from survey.paper.models import Batch, PaperForm
from survey.pdf import laid_out
from survey.questionnaires.wording import numbering, skip_instruction


def forms_pdf(batch: Batch, forms: Sequence[PaperForm] | None = None, language="vi") -> bytes:
    """One printed form per serial of the batch (or of `forms`)."""
    definition = batch.definition()
    numbers = sorted(batch.service_numbers, key=int)
    services = {
        s.id: s
        for s in db.session.scalars(
            select(Service).where(Service.id.in_(list(batch.service_numbers.values())))
        )
    }
    printed_services = [(int(n), services[batch.service_numbers[n]]) for n in numbers]
    instructions = {
        q.code: skip_instruction(q.show_if, definition, language)
        for q in definition.items
        if q.show_if is not None
    }
    forms = list(forms if forms is not None else batch.forms)
    document = laid_out(
        render_template(
            "paper/forms.html",
            batch=batch,
            forms=[{"serial": "", "qr": BLANK_IMAGE}],
            definition=definition,
            numbers=numbering(definition),
            blocks={s.code: blocks(s, definition) for s in definition.sections},
            instructions=instructions,
            services=printed_services,
            language=language,
        )
    )
    slots = _slots(document.pages[0])
    return stamp.stamped(document.write_pdf(), [f.serial for f in forms], slots)


GRID_MIN = 3  # fewer items sharing a scale print one by one


def _scale(item, definition) -> tuple | None:
    """The boxes of a one-answer coded item, as (code, label) pairs; None for others."""
    return None if item.multiple else item.coded_options(definition.satisfaction_scale)


def blocks(section, definition) -> list[dict]:
    """A section's items in print order: runs of at least GRID_MIN items with the same
    boxes become one grid ({"scale", "items"}), the rest stay single ({"item"})."""
    runs: list[tuple[tuple | None, list]] = []
    for item in section.items:
        scale = _scale(item, definition)
        if runs and scale is not None and runs[-1][0] == scale:
            runs[-1][1].append(item)
        else:
            runs.append((scale, [item]))
    printed: list[dict] = []
    for scale, items in runs:
        if scale is not None and len(items) >= GRID_MIN:
            printed.append({"scale": scale, "items": items})
        else:
            printed.extend({"item": item} for item in items)
    return printed


# A transparent pixel: the body keeps the QR code's place, the stamp fills it.
BLANK_IMAGE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
PX = 0.75  # WeasyPrint lays out in CSS pixels; PDF counts points


def _slots(page) -> stamp.Slots:
    """Where the first page of the body left room for the QR code and the serial."""
    found = {}
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        element = getattr(box, "element", None)
        name = element.get("class") if element is not None else None
        if name in ("qr-slot", "serial-slot"):
            found[name] = (
                box.content_box_x() * PX,
                page.height * PX - (box.content_box_y() + box.height) * PX,
                box.width * PX,
                box.height * PX,
            )
        stack.extend(getattr(box, "children", None) or [])
    return stamp.Slots(
        page_width=page.width * PX,
        page_height=page.height * PX,
        qr=found["qr-slot"],
        serial=found["serial-slot"],
    )
