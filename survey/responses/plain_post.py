"""The answers of a plainly complete form post, read without building the WTForms form.

Nearly every post of the survey is a form that a browser filled in from our own page:
each value is one of the codes the page offered, each required item is answered. For
those, building the questionnaire's WTForms form (some forty fields, each checking its
value against its choices) was the largest cost of storing an answer. `plain_answers`
reads such a post directly and returns exactly what the form's `answers()` would; for
anything else (a missing answer, a value in any other spelling, a text with spaces around
it) it returns None and the form reads the post, with its messages. It only ever accepts
posts the form accepts: tests/respond/test_plain_post.py checks that on random posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from werkzeug.datastructures import MultiDict

from survey.questionnaires.definition import Definition
from survey.questionnaires.types import (
    MultipleChoiceQuestion,
    NumberQuestion,
    Question,
    SatisfactionQuestion,
    ServiceQuestion,
    ShortTextQuestion,
    SingleChoiceQuestion,
)

NO_ANSWER = object()  # an empty text box, as browsers send one


def plain_answers(
    definition: Definition, readers: list, posted: MultiDict
) -> dict[str, Any] | None:
    """`readers`: from `readers(definition, service ids)`, made once per form."""
    values: dict[str, Any] = {}
    for question, read in readers:
        given = posted.getlist(question.code)
        if not given:
            continue
        value = read(given)
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


def readers(definition: Definition, service_ids: Sequence[int]) -> list:
    return [(q, _reader(q, tuple(service_ids))) for q in definition.items]


def _reader(question: Question, service_ids: tuple[int, ...]):
    """A function from the posted values of one item to its answer, or None to let the
    form decide."""
    if isinstance(question, MultipleChoiceQuestion):
        codes = {str(o.value): o.value for o in question.options}
        limit = question.max_choices

        def several(given: list[str]):
            if len(set(given)) != len(given) or any(v not in codes for v in given):
                return None
            if limit is not None and len(given) > limit:
                return None
            return [codes[v] for v in given]

        return several
    if isinstance(question, SatisfactionQuestion | SingleChoiceQuestion | ServiceQuestion):
        if isinstance(question, ServiceQuestion):
            allowed = service_ids
        else:
            allowed = question.allowed_values()
        codes = {str(value): value for value in allowed}
        return lambda given: codes.get(given[0]) if len(given) == 1 else None
    if isinstance(question, NumberQuestion):

        def number(given: list[str]):
            text = given[0]
            if len(given) != 1 or not (text.isascii() and text.isdigit()) or len(text) > 9:
                return None
            value = int(text)
            if str(value) != text:
                return None
            if (question.min is not None and value < question.min) or (
                question.max is not None and value > question.max
            ):
                return None
            return value

        return number
    if isinstance(question, ShortTextQuestion):

        def text(given: list[str]):
            value = given[0]
            if len(given) == 1 and value == "":
                return NO_ANSWER
            if len(given) != 1 or value != value.strip():
                return None
            return value if len(value) <= question.max_length else None

        return text
    return lambda given: None  # a type this reader does not know: the form reads it
