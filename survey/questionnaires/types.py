"""Question types: one class per type, registered by the name the YAML uses.

Each class owns everything that differs between types, so that no other module asks
which type an item is:

- checking and storing an answer (`coerce`; where it is stored: `on_submission`, and
  whether the runs read it from the coded text: `coded`);
- the web form (`make_field`, and `read_posted` for a plain post);
- paper: the printed boxes (`paper_template`), the codes a surveyor may key
  (`paper_codes`), reading what was keyed (`parse_keyed`) and what to say when it cannot
  be read (`keying_hint`);
- the labels of its codes (`coded_options`: paper boxes, skip instructions, codebooks);
- the columns of a responses export (`export_columns`);
- the synthetic answers of the demo (`synthetic`, which asks a maker for the kind of
  answer the type takes).

Adding a type is one class here, its branch in `questionnaire.schema.json` and its paper
template in templates/paper/items/.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    Field,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from survey.choices import choices
from survey.i18n import localized
from survey.inputs import SignedWholeNumberField
from survey.questionnaires.conditions import Condition

Text = Mapping[str, str]
REQUIRED = _l("Please answer this question.")
# What `read_posted` returns for an empty text box, as browsers send one: no answer.
NO_ANSWER = object()


@dataclass(frozen=True)
class FieldContext:
    """What a field needs beyond its question: the language and the choices of the day."""

    language: str
    scale: Sequence[Text] = ()  # labels of the satisfaction levels
    services: Sequence[tuple[int, str]] = ()  # the agency's services (id, name)


@dataclass(frozen=True)
class PaperContext:
    """What keying from paper needs besides the item: the no-answer code and the services
    as numbered on the printed form (service ids in printed order)."""

    no_answer_code: int
    services: Sequence[int] = ()


class ScaleField(RadioField):
    """A rating scale: one radio group whose options are ordered levels, shown on a phone
    as one row of numbered buttons with the words of the two ends beneath (each option
    keeps its full words for screen readers)."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InvalidAnswer(ValueError):
    """An answer does not fit its item; the message says why."""


@dataclass(frozen=True)
class Option:
    value: int
    label: Text


@dataclass(frozen=True)
class ExportColumn:
    """One column of a responses export: its name, label, one value per submission and
    the labels of its codes (None for numbers and text)."""

    name: str
    label: str
    values: Any
    value_labels: Mapping[int, str] | None = None


class StoredAnswers(Protocol):
    """The answers of many submissions to one questionnaire, as an export reads them:
    one value per submission, missing where there is none."""

    def codes(self, item: str) -> Any:
        """A coded item's codes (whole numbers)."""

    def numbers(self, item: str) -> Any:
        """A number item's values."""

    def texts(self, item: str) -> Any:
        """What was written in a text item."""

    def ticked(self, item: str, value: int) -> Any:
        """1 where an option of a multiple choice was ticked, 0 where it was not while the
        item was answered."""


class AnswerMaker(Protocol):
    """Makes a sample's synthetic answers to one item (the demo's model of respondents);
    a type asks for the kind of answer it takes and returns what it was given."""

    def levels(self, question: SatisfactionQuestion) -> Any: ...

    def choices(self, question: SingleChoiceQuestion) -> Any: ...

    def comments(self, question: LongTextQuestion) -> Any: ...


@dataclass(frozen=True)
class Question:
    type_name: ClassVar[str]
    registry: ClassVar[dict[str, type[Question]]] = {}
    # The answer is a column of the submission, not an answer row (the service: the
    # weights and breakdowns read it there).
    on_submission: ClassVar[bool] = False
    # One whole-number code per answer, so the runs read it from the submission's coded
    # text (responses/coded.py) rather than from the answer rows.
    coded: ClassVar[bool] = False
    # One of named options: pages and reports show the shares of each option.
    categorical: ClassVar[bool] = False
    # The respondent's own words: masked for personal data wherever they leave the
    # database, and (long ones) quoted as comments in reports.
    written: ClassVar[bool] = False
    comment: ClassVar[bool] = False
    # The printed question's answer space (templates/paper/items/).
    paper_template: ClassVar[str] = "paper/items/line.html"

    code: str
    text: Text
    section: str
    required: bool = False
    help: Text | None = None
    show_if: Condition | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Question.registry[cls.type_name] = cls

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any], section: str) -> Question:
        question_type = cls.registry[raw["type"]]
        show_if = raw.get("show_if")
        return question_type(
            code=raw["code"],
            text=raw["text"],
            section=section,
            required=bool(raw.get("required", False)),
            help=raw.get("help"),
            show_if=Condition.from_raw(show_if) if show_if else None,
            **question_type.settings_from_raw(raw),
        )

    @classmethod
    def settings_from_raw(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    @classmethod
    def setting_problems(cls, raw: Mapping[str, Any], no_answer_code: int) -> Iterable[str]:
        """What is wrong with an item's settings beyond the schema's shapes."""
        return ()

    @property
    def multiple(self) -> bool:
        """Whether an answer is a list of values (stored as one row per value)."""
        return False

    def allowed_values(self) -> Sequence[int] | None:
        """The integer codes an answer may take, or None when it is not a coded item."""
        return None

    def coerce(self, value: Any) -> Any:
        """Check one answer and return it in its stored form, or raise InvalidAnswer."""
        raise NotImplementedError

    def make_field(self, context: FieldContext) -> Field:
        """The WTForms field that asks this question, labelled in the context's language."""
        raise NotImplementedError

    def read_posted(self, given: list[str], context: FieldContext) -> Any:
        """The answer of a plain post, read without the form: the values a browser sends
        from our own page, in exactly the form the page wrote them. None for anything
        else, so that the form reads it and says what is wrong (responses/plain_post.py;
        it must never accept what the form refuses)."""
        return None

    def coded_options(self, scale: Sequence[Text]) -> tuple[tuple[int, Text], ...] | None:
        """The codes of a coded item with their labels (the boxes on paper, the words of a
        skip instruction); None for other items."""
        return None

    def value_labels(self, scale: Sequence[Text], language: str) -> dict[int, str]:
        """The coded options' labels in `language` (skip instructions, codebooks)."""
        return {
            value: localized(label, language) for value, label in self.coded_options(scale) or ()
        }

    def paper_codes(self, paper: PaperContext) -> Sequence[int] | None:
        """The codes a surveyor may key for this item from paper (None: free input)."""
        return None

    def parse_keyed(self, typed: str, paper: PaperContext) -> Any:
        """The answer from what was keyed off a paper form; None when it has none.

        Coded items must be keyed (the no-answer code when the paper is blank); free
        items may be left empty.
        """
        typed = typed.strip()
        return self.coerce(typed) if typed else None

    def keying_hint(self, paper: PaperContext) -> str:
        """What to tell a surveyor whose keyed value cannot be read (coded items list
        their codes instead)."""
        return _("This value cannot be read.")

    def export_columns(
        self, stored: StoredAnswers, language: str, scale: Sequence[Text]
    ) -> list[ExportColumn]:
        """The item's columns in a responses export, labelled in `language`."""
        return []

    def synthetic(self, maker: AnswerMaker) -> Any:
        """The demo's answers to this item, from `maker`; None for an item the demo leaves
        unanswered."""
        return None

    def _labels(self, context: FieldContext) -> dict[str, Any]:
        return {
            "label": localized(self.text, context.language),
            "description": localized(self.help, context.language) if self.help else "",
        }

    def _presence(self) -> list:
        return [InputRequired(message=REQUIRED)] if self.required else [Optional()]


def _coded_column(
    question: Question, stored: StoredAnswers, language: str, scale: Sequence[Text]
) -> list[ExportColumn]:
    return [
        ExportColumn(
            question.code,
            localized(question.text, language),
            stored.codes(question.code),
            question.value_labels(scale, language),
        )
    ]


def _keyed_code(question: Question, typed: str, paper: PaperContext) -> int | None:
    typed = typed.strip()
    if not typed:
        raise InvalidAnswer("key a code, or the no-answer code when the paper is blank")
    code = _as_int(typed)
    if code not in question.paper_codes(paper):
        raise InvalidAnswer(f"{code} is not a code of this item")
    return None if code == paper.no_answer_code else code


def _one_code(given: list[str], allowed: Sequence[int]) -> int | None:
    """One of `allowed`, posted exactly as the page wrote it ("4", not " 4" or "04")."""
    if len(given) != 1:
        return None
    text = given[0]
    return next((code for code in allowed if str(code) == text), None)


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidAnswer(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        digits = text.removeprefix("-")
        # ASCII digits only: "²".isdigit() is true, and int() then fails.
        if digits and digits.isascii() and digits.isdigit() and len(digits) <= 9:
            return int(text)
    raise InvalidAnswer(f"{value!r} is not a whole number")


@dataclass(frozen=True)
class SatisfactionQuestion(Question):
    """The 5-level scale, from 1 (very dissatisfied) to 5 (very satisfied)."""

    type_name: ClassVar[str] = "satisfaction"
    coded: ClassVar[bool] = True
    paper_template: ClassVar[str] = "paper/items/satisfaction.html"
    LEVELS: ClassVar[tuple[int, ...]] = (1, 2, 3, 4, 5)
    component: str = ""  # empty for the global item, which is outside the index

    @classmethod
    def settings_from_raw(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {"component": raw.get("component", "")}

    def allowed_values(self) -> Sequence[int]:
        return self.LEVELS

    def paper_codes(self, paper: PaperContext) -> Sequence[int]:
        return (*self.allowed_values(), paper.no_answer_code)

    def parse_keyed(self, typed: str, paper: PaperContext) -> Any:
        return _keyed_code(self, typed, paper)

    def coerce(self, value: Any) -> int:
        level = _as_int(value)
        if level not in self.LEVELS:
            raise InvalidAnswer(f"{level} is not a level of the 1–5 scale")
        return level

    def read_posted(self, given: list[str], context: FieldContext) -> Any:
        return _one_code(given, self.LEVELS)

    def coded_options(self, scale: Sequence[Text]) -> tuple[tuple[int, Text], ...]:
        return tuple(zip(self.LEVELS, scale, strict=True))

    def export_columns(
        self, stored: StoredAnswers, language: str, scale: Sequence[Text]
    ) -> list[ExportColumn]:
        return _coded_column(self, stored, language, scale)

    def synthetic(self, maker: AnswerMaker) -> Any:
        return maker.levels(self)

    def make_field(self, context: FieldContext) -> Field:
        levels = choices(
            (level, localized(text, context.language))
            for level, text in zip(self.LEVELS, context.scale, strict=True)
        )
        return ScaleField(
            choices=levels, coerce=int, validators=self._presence(), **self._labels(context)
        )


@dataclass(frozen=True)
class SingleChoiceQuestion(Question):
    type_name: ClassVar[str] = "single_choice"
    coded: ClassVar[bool] = True
    categorical: ClassVar[bool] = True
    paper_template: ClassVar[str] = "paper/items/options.html"
    options: tuple[Option, ...] = ()

    @classmethod
    def settings_from_raw(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {"options": tuple(Option(o["value"], o["label"]) for o in raw["options"])}

    @classmethod
    def setting_problems(cls, raw: Mapping[str, Any], no_answer_code: int) -> Iterable[str]:
        values = [o["value"] for o in raw["options"]]
        for value in sorted({v for v in values if values.count(v) > 1}):
            yield f"option value {value} is used twice"
        if no_answer_code in values:
            yield f"option value {no_answer_code} is the paper no-answer code"

    def allowed_values(self) -> Sequence[int]:
        return tuple(o.value for o in self.options)

    def paper_codes(self, paper: PaperContext) -> Sequence[int]:
        return (*self.allowed_values(), paper.no_answer_code)

    def parse_keyed(self, typed: str, paper: PaperContext) -> Any:
        return _keyed_code(self, typed, paper)

    def coerce(self, value: Any) -> int:
        choice = _as_int(value)
        if choice not in self.allowed_values():
            raise InvalidAnswer(f"{choice} is not one of the options")
        return choice

    def choices(self, context: FieldContext) -> list:
        return choices((o.value, localized(o.label, context.language)) for o in self.options)

    def read_posted(self, given: list[str], context: FieldContext) -> Any:
        return _one_code(given, self.allowed_values())

    def coded_options(self, scale: Sequence[Text]) -> tuple[tuple[int, Text], ...]:
        return tuple((o.value, o.label) for o in self.options)

    def export_columns(
        self, stored: StoredAnswers, language: str, scale: Sequence[Text]
    ) -> list[ExportColumn]:
        return _coded_column(self, stored, language, scale)

    def synthetic(self, maker: AnswerMaker) -> Any:
        return maker.choices(self)

    def make_field(self, context: FieldContext) -> Field:
        return RadioField(
            choices=self.choices(context),
            coerce=int,
            validators=self._presence(),
            **self._labels(context),
        )


@dataclass(frozen=True)
class MultipleChoiceQuestion(SingleChoiceQuestion):
    type_name: ClassVar[str] = "multiple_choice"
    coded: ClassVar[bool] = False  # several codes: answer rows only
    categorical: ClassVar[bool] = False
    max_choices: int | None = None

    @classmethod
    def settings_from_raw(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().settings_from_raw(raw), "max_choices": raw.get("max_choices")}

    @property
    def multiple(self) -> bool:
        return True

    def parse_keyed(self, typed: str, paper: PaperContext) -> Any:
        """Several option numbers separated by spaces, commas or +; the no-answer code alone."""
        parts = typed.replace(",", " ").replace("+", " ").split()
        if not parts:
            raise InvalidAnswer("key the ticked numbers, or the no-answer code")
        if parts == [str(paper.no_answer_code)]:
            return None
        return self.coerce(parts)

    def read_posted(self, given: list[str], context: FieldContext) -> Any:
        codes = {str(v): v for v in self.allowed_values()}
        if len(set(given)) != len(given) or any(v not in codes for v in given):
            return None
        if self.max_choices is not None and len(given) > self.max_choices:
            return None
        return [codes[v] for v in given]

    def coerce(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value]
        choices = sorted({SingleChoiceQuestion.coerce(self, v) for v in values})
        if self.max_choices is not None and len(choices) > self.max_choices:
            raise InvalidAnswer(f"at most {self.max_choices} options may be chosen")
        return choices

    def export_columns(
        self, stored: StoredAnswers, language: str, scale: Sequence[Text]
    ) -> list[ExportColumn]:
        """One 0/1 column per option, empty where the item was not answered."""
        label = localized(self.text, language)
        return [
            ExportColumn(
                f"{self.code}_{option.value}",
                f"{label}: {localized(option.label, language)}",
                stored.ticked(self.code, option.value),
                {0: "0", 1: "1"},
            )
            for option in self.options
        ]

    def synthetic(self, maker: AnswerMaker) -> Any:
        return None

    def make_field(self, context: FieldContext) -> Field:
        validators = self._presence()
        if self.max_choices is not None:
            validators.append(_at_most(self.max_choices))
        return MultiCheckboxField(
            choices=self.choices(context),
            coerce=int,
            validators=validators,
            **self._labels(context),
        )


def _at_most(limit: int):
    def check(form, field) -> None:
        if field.data and len(field.data) > limit:
            raise ValidationError(_l("Choose at most %(count)s.", count=limit))

    return check


@dataclass(frozen=True)
class NumberQuestion(Question):
    type_name: ClassVar[str] = "number"
    paper_template: ClassVar[str] = "paper/items/number.html"
    min: int | None = None
    max: int | None = None
    unit: Text | None = None

    @classmethod
    def settings_from_raw(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {"min": raw.get("min"), "max": raw.get("max"), "unit": raw.get("unit")}

    @classmethod
    def setting_problems(cls, raw: Mapping[str, Any], no_answer_code: int) -> Iterable[str]:
        if raw.get("min", 0) > raw.get("max", raw.get("min", 0)):
            yield "min is greater than max"

    def read_posted(self, given: list[str], context: FieldContext) -> Any:
        text = given[0]
        if len(given) != 1 or not (text.isascii() and text.isdigit()) or len(text) > 9:
            return None
        value = int(text)
        if str(value) != text:  # "04": the form reads it, this reading does not
            return None
        if (self.min is not None and value < self.min) or (
            self.max is not None and value > self.max
        ):
            return None
        return value

    def keying_hint(self, paper: PaperContext) -> str:
        return _(
            "Key a whole number from %(min)s to %(max)s.",
            min="…" if self.min is None else self.min,
            max="…" if self.max is None else self.max,
        )

    def export_columns(
        self, stored: StoredAnswers, language: str, scale: Sequence[Text]
    ) -> list[ExportColumn]:
        return [ExportColumn(self.code, localized(self.text, language), stored.numbers(self.code))]

    def coerce(self, value: Any) -> int:
        number = _as_int(value)
        if self.min is not None and number < self.min:
            raise InvalidAnswer(f"{number} is below the minimum {self.min}")
        if self.max is not None and number > self.max:
            raise InvalidAnswer(f"{number} is above the maximum {self.max}")
        return number

    def make_field(self, context: FieldContext) -> Field:
        return SignedWholeNumberField(
            validators=[*self._presence(), NumberRange(min=self.min, max=self.max)],
            **self._labels(context),
        )


@dataclass(frozen=True)
class ShortTextQuestion(Question):
    type_name: ClassVar[str] = "short_text"
    written: ClassVar[bool] = True
    DEFAULT_MAX_LENGTH: ClassVar[int] = 200
    max_length: int = 200

    @classmethod
    def settings_from_raw(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {"max_length": raw.get("max_length", cls.DEFAULT_MAX_LENGTH)}

    def read_posted(self, given: list[str], context: FieldContext) -> Any:
        value = given[0]
        if len(given) == 1 and value == "":
            return NO_ANSWER
        if len(given) != 1 or value != value.strip() or len(value) > self.max_length:
            return None
        return value

    def keying_hint(self, paper: PaperContext) -> str:
        return _("At most %(count)s characters.", count=self.max_length)

    def export_columns(
        self, stored: StoredAnswers, language: str, scale: Sequence[Text]
    ) -> list[ExportColumn]:
        return [ExportColumn(self.code, localized(self.text, language), stored.texts(self.code))]

    def coerce(self, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidAnswer(f"{value!r} is not text")
        text = value.strip()
        if len(text) > self.max_length:
            raise InvalidAnswer(f"the text is longer than {self.max_length} characters")
        return text

    def make_field(self, context: FieldContext) -> Field:
        return StringField(
            validators=[*self._presence(), Length(max=self.max_length)], **self._labels(context)
        )


@dataclass(frozen=True)
class LongTextQuestion(ShortTextQuestion):
    type_name: ClassVar[str] = "long_text"
    comment: ClassVar[bool] = True
    paper_template: ClassVar[str] = "paper/items/lines.html"
    DEFAULT_MAX_LENGTH: ClassVar[int] = 2000
    max_length: int = 2000

    def synthetic(self, maker: AnswerMaker) -> Any:
        return maker.comments(self)

    def make_field(self, context: FieldContext) -> Field:
        return TextAreaField(
            validators=[*self._presence(), Length(max=self.max_length)], **self._labels(context)
        )


@dataclass(frozen=True)
class ServiceQuestion(Question):
    """The administrative procedure used, chosen from the agency's list.

    Its answer is the service's id and is stored on the submission, not as an answer row,
    because the weights and the breakdowns use it.
    """

    type_name: ClassVar[str] = "service"
    on_submission: ClassVar[bool] = True
    paper_template: ClassVar[str] = "paper/items/service.html"

    def coerce(self, value: Any) -> int:
        return _as_int(value)

    def read_posted(self, given: list[str], context: FieldContext) -> Any:
        return _one_code(given, [service_id for service_id, _ in context.services])

    def paper_codes(self, paper: PaperContext) -> Sequence[int]:
        return (*range(1, len(paper.services) + 1), paper.no_answer_code)

    def parse_keyed(self, typed: str, paper: PaperContext) -> Any:
        """The service's number on the printed form, turned into the service's id."""
        number = _keyed_code(self, typed, paper)
        return None if number is None else paper.services[number - 1]

    def make_field(self, context: FieldContext) -> Field:
        return RadioField(
            choices=choices(context.services),
            coerce=int,
            validators=self._presence(),
            **self._labels(context),
        )
