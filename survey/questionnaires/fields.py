"""The form built from a questionnaire definition, each item's field made by its type.

`make_survey_form` builds a form class at request time from a questionnaire version: the
web survey, the questionnaire preview and (with another template) the entry screen use it.
Skip rules are applied on the server: a hidden item is neither validated nor stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from survey.form_messages import Form
from survey.questionnaires.definition import Definition
from survey.questionnaires.types import FieldContext


class SurveyForm(Form):
    """A form whose fields are a questionnaire's items; see `make_survey_form`."""

    definition: Definition

    def raw_answers(self) -> dict[str, Any]:
        return {q.code: self[q.code].data for q in self.definition.items}

    def hidden_codes(self) -> set[str]:
        shown = {q.code for q in self.definition.visible_items(self.raw_answers())}
        return {q.code for q in self.definition.items} - shown

    def validate(self, extra_validators=None, only: frozenset[str] | None = None) -> bool:
        """Every visible item's checks, or those of the items in `only` (a step of the
        survey: the same checks, each reading the whole form, without the other steps')."""
        hidden = self.hidden_codes()
        valid = True
        for name, field in self._fields.items():
            if only is not None and name not in only:
                continue
            if name in hidden:
                field.errors = []
                continue
            extra = (extra_validators or {}).get(name, [])
            if not field.validate(self, extra):
                valid = False
        return valid

    def answers(self) -> dict[str, Any]:
        """Answers to visible items, without empty ones: what gets stored."""
        hidden = self.hidden_codes()
        result = {}
        for question in self.definition.items:
            value = self[question.code].data
            if question.code in hidden or value in (None, "", []):
                continue
            result[question.code] = value.strip() if isinstance(value, str) else value
        return result


def make_survey_form(
    definition: Definition,
    language: str,
    services: Sequence[tuple[int, str]] = (),
    base: type[SurveyForm] = SurveyForm,
) -> type[SurveyForm]:
    """A form class for `definition`, labelled in `language`."""
    context = FieldContext(language, definition.satisfaction_scale, services)
    attributes = {"definition": definition}
    for question in definition.items:
        attributes[question.code] = question.make_field(context)
    return type(f"SurveyForm_{definition.code}", (base,), attributes)
