"""The answers of a plainly complete form post, read without building the WTForms form.

Nearly every post of the survey is a form that a browser filled in from our own page:
each value is one of the codes the page offered, each required item is answered. For
those, building the questionnaire's WTForms form (some forty fields, each checking its
value against its choices) was the largest cost of storing an answer. `plain_answers`
reads such a post item by item (each question type's `read_posted`) and returns exactly
what the form's `answers()` would; for anything else (a missing answer, a value in any
other spelling, a text with spaces around it) it returns None and the form reads the
post, with its messages. It only ever accepts posts the form accepts:
tests/respond/test_plain_post.py checks that on random posts.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from survey.questionnaires.definition import Definition
from survey.questionnaires.types import NO_ANSWER, FieldContext


def plain_answers(
    definition: Definition, context: FieldContext, posted: MultiDict
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for question in definition.items:
        given = posted.getlist(question.code)
        if not given:
            continue
        value = question.read_posted(given, context)
        if value is None:
            return None
        if value is not NO_ANSWER:
            values[question.code] = value
    answers = {}
    for question in definition.visible_items(values):
        if question.code in values:
            answers[question.code] = values[question.code]
        elif question.required:
            return None
    return answers
