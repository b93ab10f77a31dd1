"""Reading what a surveyor keyed off a paper form: paper codes in, answers out.

The same skip rules as the web form decide which items count: an item the paper's answers
skip must be left empty (a value there is a keying slip or a respondent who ignored the
instruction, and either way a supervisor should look), and every shown coded item must be
keyed, with the no-answer code where the paper is blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from survey.questionnaires.definition import Definition
from survey.questionnaires.types import InvalidAnswer, PaperContext, Question


@dataclass
class Reading:
    answers: dict[str, Any] = field(default_factory=dict)  # item code -> stored answer
    shown: list[str] = field(default_factory=list)  # items the skip rules showed
    problems: dict[str, str] = field(default_factory=dict)  # item code -> message

    @property
    def ok(self) -> bool:
        return not self.problems


def read(definition: Definition, typed: Mapping[str, str], paper: PaperContext) -> Reading:
    """Check keyed values item by item in questionnaire order."""
    reading = Reading()
    for question in definition.items:
        value = str(typed.get(question.code, "") or "")
        if question.show_if is not None and not question.show_if.is_met(reading.answers):
            if value.strip():
                reading.problems[question.code] = _(
                    "This item is skipped by the earlier answers; leave it empty."
                )
            continue
        reading.shown.append(question.code)
        try:
            answer = question.parse_keyed(value, paper)
        except InvalidAnswer:
            reading.problems[question.code] = _message(question, value, paper)
            continue
        if answer is not None:
            reading.answers[question.code] = answer
    return reading


def _message(question: Question, value: str, paper: PaperContext) -> str:
    codes = question.paper_codes(paper)
    if codes is not None:
        if not value.strip():
            return _("Key a code; key %(code)s when the paper is blank.", code=paper.no_answer_code)
        return _(
            "%(value)s is not a code of this item (codes: %(codes)s).",
            value=value.strip(),
            codes=", ".join(str(c) for c in codes),
        )
    return question.keying_hint(paper)


DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d%m%Y", "%d/%m/%y", "%d%m%y")


def read_date(text: str, *, latest: date) -> date | None:
    """The interview date as written on the paper (day first, as Vietnamese forms are
    filled in): None when the paper leaves it blank, InvalidAnswer when it cannot be a
    date or lies after `latest` (today: a form is not answered in the future)."""
    text = "".join(text.split())
    if not text:
        return None
    for pattern in DATE_FORMATS:
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if day > latest:
            raise InvalidAnswer(text)
        return day
    raise InvalidAnswer(text)


def normalized(definition: Definition, typed: Mapping[str, str]) -> dict[str, str]:
    """The keyed values as stored: every item, stripped, multiple choices in order."""
    values = {}
    for question in definition.items:
        value = " ".join(str(typed.get(question.code, "") or "").split())
        if question.multiple and value:
            parts = value.replace(",", " ").replace("+", " ").split()
            value = " ".join(sorted(parts, key=lambda p: (len(p), p)))
        values[question.code] = value
    return values
