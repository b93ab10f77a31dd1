"""Printable A4 forms: the questionnaire version as the web shows it (same numbering and
codes), tick boxes with the codes surveyors key, skip instructions in words, and the
serial with its QR code on every page of every form."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import segno
from sqlalchemy import select

from survey.agencies.models import Service
from survey.extensions import db
from survey.i18n import localized
from survey.paper.models import Batch, PaperForm
from survey.pdf import render_pdf
from survey.questionnaires.conditions import Condition
from survey.questionnaires.definition import Definition
from survey.questionnaires.types import SatisfactionQuestion, SingleChoiceQuestion

WORDS = {
    "vi": {
        "only_if": "Chỉ trả lời nếu",
        "item": "câu",
        "is": "là",
        "or": "hoặc",
        "and": "và",
        "answered": "có trả lời",
        "blank": "để trống",
    },
    "en": {
        "only_if": "Answer only if",
        "item": "question",
        "is": "is",
        "or": "or",
        "and": "and",
        "answered": "is answered",
        "blank": "is left blank",
    },
}


def numbering(definition: Definition) -> dict[str, int]:
    """Item numbers as the web form shows them: 1, 2, ... across sections."""
    return {q.code: n for n, q in enumerate(definition.items, start=1)}


def skip_instruction(condition: Condition, definition: Definition, language: str = "vi") -> str:
    """A skip rule in words: 'Chỉ trả lời nếu câu 5 (A5) là 1 (Có)'."""
    words = WORDS[language]
    return f"{words['only_if']} {_describe(condition, definition, language)}."


def _describe(condition: Condition, definition: Definition, language: str) -> str:
    words = WORDS[language]
    if condition.all_of or condition.any_of:
        joiner = f" {words['and']} " if condition.all_of else f" {words['or']} "
        return joiner.join(
            _describe(c, definition, language) for c in condition.all_of + condition.any_of
        )
    number = numbering(definition)[condition.item]
    subject = f"{words['item']} {number} ({condition.item})"
    if condition.answered is not None:
        return f"{subject} {words['answered'] if condition.answered else words['blank']}"
    question = definition.item(condition.item)
    labels = _value_labels(question, definition, language)
    values = f" {words['or']} ".join(
        f"{v} ({labels[v]})" if v in labels else str(v) for v in condition.values
    )
    return f"{subject} {words['is']} {values}"


def _value_labels(question, definition: Definition, language: str) -> dict[int, str]:
    if isinstance(question, SatisfactionQuestion):
        return {
            level: localized(text, language)
            for level, text in zip(question.LEVELS, definition.satisfaction_scale, strict=True)
        }
    if isinstance(question, SingleChoiceQuestion):
        return {o.value: localized(o.label, language) for o in question.options}
    return {}


def forms_pdf(batch: Batch, forms: Sequence[PaperForm] | None = None, language="vi") -> bytes:
    """One printed form per serial of the batch (or of `forms`)."""
    definition = batch.campaign.questionnaire_version.definition()
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
    return render_pdf(
        "paper/forms.html",
        batch=batch,
        forms=[{"serial": f.serial, "qr": _small_qr(f.serial)} for f in forms],
        definition=definition,
        numbers=numbering(definition),
        instructions=instructions,
        services=printed_services,
        language=language,
    )


def _small_qr(serial: str) -> str:
    svg = segno.make(serial, error="m").svg_inline(scale=4, border=1)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
