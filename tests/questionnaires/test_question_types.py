"""Question types own what differs between them (survey/questionnaires/types.py).

No other module asks which type an item is, every type has its printed answer space, and
a type added as one class is asked on the web, keyed from paper, coded for the runs and
exported, without a change anywhere else.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask import render_template_string

from survey.paper import keying
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, Definition, load_file
from survey.questionnaires.types import (
    ExportColumn,
    FieldContext,
    InvalidAnswer,
    PaperContext,
    Question,
    _as_int,
)
from survey.responses import coded

SURVEY = Path(__file__).parents[2] / "survey"
TYPE_CLASSES = {cls.__name__ for cls in Question.registry.values()} | {"Question"}


def _type_checks(path: Path):
    """Where a module asks an item's type: isinstance with a question class, type(x)
    compared, or an item's type_name compared."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            named = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
            if named & TYPE_CLASSES:
                yield node.lineno, ast.unparse(node)
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
            if any(
                (isinstance(p, ast.Call) and getattr(p.func, "id", None) == "type")
                or (isinstance(p, ast.Attribute) and p.attr == "type_name")
                for p in parts
            ):
                yield node.lineno, ast.unparse(node)


def test_no_module_but_the_types_asks_an_items_type():
    found = [
        f"{path.relative_to(SURVEY)}:{line}: {text}"
        for path in sorted(SURVEY.rglob("*.py"))
        if path.name != "types.py"
        for line, text in _type_checks(path)
    ]
    templates = [
        f"{path.relative_to(SURVEY)}: {match.group(0)}"
        for path in sorted((SURVEY / "templates").rglob("*.html"))
        for match in re.finditer(r"type_name\s*(==|!=|in\b)[^%}]*", path.read_text("utf-8"))
    ]
    assert found + templates == []


def test_the_check_finds_a_type_check(tmp_path):
    """The check above can fail."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "if isinstance(q, NumberQuestion) or type(q) is X or q.type_name == 'n': pass",
        encoding="utf-8",
    )
    assert len(list(_type_checks(probe))) == 3


def test_every_type_has_its_printed_answer_space():
    for question_type in Question.registry.values():
        assert (SURVEY / "templates" / question_type.paper_template).is_file(), question_type


def _add_rating_type() -> None:
    """Registers a type, as a new class in types.py would (registration is by subclassing)."""

    @dataclass(frozen=True)
    class RatingQuestion(Question):
        """A type a test adds: 0 to 10, as a net-promoter question asks."""

        type_name: ClassVar[str] = "rating_test"
        coded: ClassVar[bool] = True
        paper_template: ClassVar[str] = "paper/items/number.html"

        def allowed_values(self):
            return tuple(range(11))

        def coerce(self, value: Any) -> int:
            rating = _as_int(value)
            if rating not in self.allowed_values():
                raise InvalidAnswer(f"{rating} is not from 0 to 10")
            return rating

        def paper_codes(self, paper: PaperContext):
            return (*self.allowed_values(), paper.no_answer_code)

        def parse_keyed(self, typed: str, paper: PaperContext):
            code = _as_int(typed)
            return None if code == paper.no_answer_code else self.coerce(code)

        def make_field(self, context: FieldContext):
            from wtforms import IntegerField

            return IntegerField(**self._labels(context))

        def export_columns(self, stored, language, scale):
            return [ExportColumn(self.code, self.text[language], stored.codes(self.code))]


@pytest.fixture
def with_rating():
    """The shipped citizens' questionnaire with a rating item of a new type at the end."""
    _add_rating_type()
    try:
        content = dict(load_file(QUESTIONNAIRE_DIR / "sipas-citizen.yaml").content)
        sections = [dict(s) for s in content["sections"]]
        sections[-1]["items"] = [
            *sections[-1]["items"],
            {"code": "NPS", "type": "rating_test", "text": {"vi": "Điểm", "en": "Score"}},
        ]
        content["sections"] = sections
        yield Definition.from_content(content)
    finally:
        Question.registry.pop("rating_test", None)


def test_a_type_added_as_one_class_goes_through_every_path(app, with_rating):
    definition = with_rating
    question = definition.item("NPS")
    # Coded for the runs: the coded text carries it after the shipped items.
    assert definition.coded_items[-1] == "NPS"
    text = coded.encode(definition.coded_items, {"NPS": 9})
    assert coded.decode(text.encode(), 1, len(definition.coded_items))[-1][0] == 9
    # Keyed from paper, with the shown items' no-answer codes where the paper is blank.
    paper = PaperContext(no_answer_code=definition.no_answer_code)
    typed = {q.code: str(definition.no_answer_code) for q in definition.items if q.coded}
    typed["NPS"] = "7"
    reading = keying.read(definition, typed, paper)
    assert reading.answers.get("NPS") == 7
    typed["NPS"] = str(definition.no_answer_code)
    assert "NPS" not in keying.read(definition, typed, paper).answers
    typed["NPS"] = "12"
    assert "NPS" in keying.read(definition, typed, paper).problems
    # Printed: its template renders in the paper form's context.
    with app.test_request_context():
        printed = render_template_string(
            "{% include item.paper_template %}", item=question, language="vi"
        )
    assert 'class="write"' in printed
    # Asked on the web and exported by its own columns.
    assert question.make_field(FieldContext(language="vi")) is not None

    class Stored:
        def codes(self, item):
            return [9, None]

    (column,) = question.export_columns(Stored(), "vi", definition.satisfaction_scale)
    assert (column.name, column.label, column.values) == ("NPS", "Điểm", [9, None])
