"""A questionnaire in words, the same on paper and on the web: item numbers, and skip
rules as instructions ("Chỉ trả lời nếu câu 10 là 1 (Có) hoặc 2 (…)")."""

from __future__ import annotations

from survey.questionnaires.conditions import Condition
from survey.questionnaires.definition import Definition

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


def skip_instruction(
    condition: Condition, definition: Definition, language: str = "vi", codes: bool = True
) -> str:
    """A skip rule in words: 'Chỉ trả lời nếu câu 5 (A5) là 1 (Có)' for paper and keyers;
    without `codes` for respondents on the web: 'Chỉ trả lời nếu câu 5 là 1 (Có)'."""
    words = WORDS[language]
    return f"{words['only_if']} {_describe(condition, definition, language, codes)}."


def _describe(condition: Condition, definition: Definition, language: str, codes: bool) -> str:
    words = WORDS[language]
    if condition.all_of or condition.any_of:
        joiner = f" {words['and']} " if condition.all_of else f" {words['or']} "
        return joiner.join(
            _describe(c, definition, language, codes) for c in condition.all_of + condition.any_of
        )
    number = numbering(definition)[condition.item]
    subject = f"{words['item']} {number}" + (f" ({condition.item})" if codes else "")
    if condition.answered is not None:
        return f"{subject} {words['answered'] if condition.answered else words['blank']}"
    question = definition.item(condition.item)
    labels = question.value_labels(definition.satisfaction_scale, language)
    values = f" {words['or']} ".join(
        f"{v} ({labels[v]})" if v in labels else str(v) for v in condition.values
    )
    return f"{subject} {words['is']} {values}"
