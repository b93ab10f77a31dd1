"""Load, check and read questionnaire definitions (YAML files validated by a JSON Schema).

Checking happens in two passes: the schema (shape and types), then cross-references that
a schema cannot express (unique codes, declared components, skip rules that point to
earlier items and to values those items can take). Every problem is reported with the
file, the item or section it concerns, and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from analysis.scheme import IndexScheme
from survey.definition_files import (
    DefinitionError,
    Problem,
    describe,
    parse_yaml,
    read_file,
    schema_errors,
    unique,
)
from survey.questionnaires.types import (
    Question,
    SatisfactionQuestion,
    ServiceQuestion,
    SingleChoiceQuestion,
)

QUESTIONNAIRE_DIR = Path(__file__).resolve().parents[2] / "questionnaires"
SCHEMA_PATH = QUESTIONNAIRE_DIR / "questionnaire.schema.json"


class QuestionnaireError(DefinitionError):
    """A questionnaire file is broken; `problems` lists every finding."""


@dataclass(frozen=True)
class Component:
    code: str
    name: Mapping[str, str]
    items: tuple[str, ...]


@dataclass(frozen=True)
class IndexSpec:
    code: str
    name: Mapping[str, str]
    threshold: int
    components: tuple[Component, ...]
    # The index as the analysis reads it (analysis/scheme.py reads every questionnaire's
    # index, here and on the command line); the components above name its parts.
    scheme: IndexScheme
    # The overall-satisfaction item outside the index (key drivers' outcome), if any.
    global_item: str | None = None


@dataclass(frozen=True)
class Section:
    code: str
    title: Mapping[str, str]
    items: tuple[Question, ...]
    description: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Definition:
    """A checked questionnaire, as every part of the platform reads it."""

    code: str
    respondent_type: str
    title: Mapping[str, str]
    no_answer_code: int
    satisfaction_scale: tuple[Mapping[str, str], ...]
    index: IndexSpec
    sections: tuple[Section, ...]
    content: Mapping[str, Any]

    @classmethod
    def from_content(cls, content: Mapping[str, Any]) -> Definition:
        """Build from already-checked content (as stored in a questionnaire version)."""
        sections = tuple(
            Section(
                code=s["code"],
                title=s["title"],
                description=s.get("description"),
                items=tuple(Question.from_raw(i, s["code"]) for i in s["items"]),
            )
            for s in content["sections"]
        )
        raw_index = content["index"]
        scheme = IndexScheme.from_content(content)
        components = tuple(
            Component(code=c["code"], name=c["name"], items=scheme.components[c["code"]])
            for c in raw_index["components"]
        )
        return cls(
            code=content["code"],
            respondent_type=content["respondent_type"],
            title=content["title"],
            no_answer_code=content["no_answer_code"],
            satisfaction_scale=tuple(content["satisfaction_scale"]),
            index=IndexSpec(
                code=raw_index["code"],
                name=raw_index["name"],
                threshold=raw_index["threshold"],
                components=components,
                global_item=raw_index.get("global_item"),
                scheme=scheme,
            ),
            sections=sections,
            content=content,
        )

    # Derived lists are cached on the (immutable) definition: the survey form reads them
    # on every request.
    @cached_property
    def items(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.items)

    def item(self, code: str) -> Question:
        for question in self.items:
            if question.code == code:
                return question
        raise KeyError(code)

    @cached_property
    def satisfaction_items(self) -> tuple[SatisfactionQuestion, ...]:
        """The index's items (every satisfaction item in a component), in questionnaire
        order."""
        in_index = set(self.index.scheme.items)
        return tuple(q for q in self.items if q.code in in_index)  # type: ignore[misc]

    @property
    def global_item(self) -> SatisfactionQuestion | None:
        """The overall-satisfaction item outside the index (the drivers' outcome)."""
        code = self.index.global_item
        return None if code is None else self.item(code)  # type: ignore[return-value]

    @property
    def expectation_items(self) -> tuple[SingleChoiceQuestion, ...]:
        """The items asking what should improve (the `expectations` section), if any."""
        spec = self.content.get("expectations")
        if not spec:
            return ()
        section = next(s for s in self.sections if s.code == spec["section"])
        return tuple(q for q in section.items if q.categorical)

    @property
    def priority_value(self) -> int | None:
        spec = self.content.get("expectations")
        return spec["priority_value"] if spec else None

    @cached_property
    def coded_items(self) -> tuple[str, ...]:
        """Codes of the items with one integer answer (satisfaction levels, single
        choices), in the order of their coded text."""
        return tuple(q.code for q in self.items if q.coded)

    @cached_property
    def service_item(self) -> ServiceQuestion | None:
        """The item whose answer is stored on the submission (the service used)."""
        return next((q for q in self.items if q.on_submission), None)

    def visible_items(self, answers: Mapping[str, Any]) -> list[Question]:
        """The items shown given `answers`; hidden items are neither required nor stored."""
        return [q for q in self.items if q.show_if is None or q.show_if.is_met(answers)]

    @property
    def content_hash(self) -> str:
        return content_hash(self.content)


def content_hash(content: Mapping[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_file(path: str | Path) -> Definition:
    """Read and check a questionnaire file; raise QuestionnaireError naming every problem."""
    return load_text(read_file(path, QuestionnaireError), str(path))


def load_text(source: str, name: str = "<questionnaire>") -> Definition:
    content = parse_yaml(source, name, QuestionnaireError)
    problems = check_content(content)
    if problems:
        raise QuestionnaireError(name, problems)
    return Definition.from_content(content)


def check_content(content: Any) -> list[Problem]:
    """Every problem in parsed YAML content, schema first, then cross-references."""
    if not isinstance(content, dict):
        return [Problem("", "the file must hold a mapping (keys such as code, title, sections)")]
    schema_problems = [
        Problem(_locate(content, list(error.absolute_path)), _describe(error))
        for error in schema_errors(SCHEMA_PATH, content)
    ]
    if schema_problems:
        return unique(schema_problems)
    return list(_check_references(content))


def _locate(content: Mapping[str, Any], path: list[Any]) -> str:
    """Turn a JSON path into words: `item TC9, field 'component'` rather than indices."""
    if len(path) >= 4 and path[0] == "sections" and path[2] == "items":
        section = content["sections"][path[1]]
        item = section["items"][path[3]]
        code = item.get("code") if isinstance(item, dict) else None
        label = f"item {code}" if isinstance(code, str) else f"item #{path[3] + 1}"
        label += f" (section {_section_name(section, path[1])})"
        rest = path[4:]
    elif len(path) >= 2 and path[0] == "sections":
        label = f"section {_section_name(content['sections'][path[1]], path[1])}"
        rest = path[2:]
    else:
        label, rest = "", path
    if rest:
        field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in rest)
        field = field.replace(".[", "[")
        label = f"{label}, field '{field}'" if label else f"field '{field}'"
    return label or "top level"


def _section_name(section: Any, index: int) -> str:
    code = section.get("code") if isinstance(section, dict) else None
    return code if isinstance(code, str) else f"#{index + 1}"


def _describe(error) -> str:
    if error.validator == "oneOf" and error.context:
        # A skip rule matched none of its forms: say which forms exist.
        return (
            "not a valid show_if condition; use {item, equals}, {item, in}, "
            "{item, answered}, {all: [...]} or {any: [...]}"
        )
    return describe(error)


def _check_references(content: Mapping[str, Any]) -> Iterable[Problem]:
    no_answer = content["no_answer_code"]
    components = [c["code"] for c in content["index"]["components"]]
    for code in {c for c in components if components.count(c) > 1}:
        yield Problem("index", f"component {code} is declared twice")

    global_item = content["index"].get("global_item")
    global_found = False
    section_codes: set[str] = set()
    earlier: dict[str, Mapping[str, Any]] = {}
    used_components: set[str] = set()
    service_items = []
    for section in content["sections"]:
        if section["code"] in section_codes:
            yield Problem(f"section {section['code']}", "section code used twice")
        section_codes.add(section["code"])
        for item in section["items"]:
            where = f"item {item['code']}"
            if item["code"] in earlier:
                yield Problem(where, "item code used twice")
            if item["code"] in components or item["code"] == content["index"]["code"]:
                yield Problem(where, "item code is also an index or component code")
            kind = item["type"]
            if kind == "satisfaction" and item["code"] == global_item:
                if "component" in item:
                    yield Problem(
                        where, "the global item stands outside the index: give it no component"
                    )
                global_found = True
            elif kind == "satisfaction" and "component" not in item:
                yield Problem(
                    where,
                    "a satisfaction item needs a component, unless it is the index's global_item",
                )
            elif kind == "satisfaction":
                if item["component"] not in components:
                    yield Problem(
                        where,
                        f"component {item['component']!r} is not declared under "
                        f"index.components ({', '.join(components)})",
                    )
                used_components.add(item["component"])
            question_type = Question.registry[kind]
            for problem in question_type.setting_problems(item, no_answer):
                yield Problem(where, problem)
            if question_type.on_submission:
                service_items.append(item["code"])
            if "show_if" in item:
                yield from _check_condition(where, item["show_if"], earlier)
            earlier[item["code"]] = item
    expectations = content.get("expectations")
    if expectations and expectations["section"] not in section_codes:
        yield Problem(
            "expectations", f"section {expectations['section']} is not a section of the file"
        )
    if global_item and not global_found:
        yield Problem("index", f"global_item {global_item} is not a satisfaction item of the file")
    for code in components:
        if code not in used_components:
            yield Problem(f"component {code}", "no satisfaction item belongs to it")
    if len(service_items) > 1:
        yield Problem(f"item {service_items[1]}", "only one item may ask for the service used")


def _check_condition(
    where: str, raw: Mapping[str, Any], earlier: Mapping[str, Mapping[str, Any]]
) -> Iterable[Problem]:
    for part in raw.get("all", []) + raw.get("any", []):
        yield from _check_condition(where, part, earlier)
    if "item" not in raw:
        return
    target = earlier.get(raw["item"])
    if target is None:
        yield Problem(
            where,
            f"show_if refers to item {raw['item']}, which is not an earlier item "
            "(a skip rule can only depend on items asked before it)",
        )
        return
    tested = [raw["equals"]] if "equals" in raw else raw.get("in", [])
    if not tested:
        return
    values = Question.from_raw(target, "").allowed_values()
    if values is None:
        yield Problem(
            where, f"show_if compares values of item {raw['item']}, which is not a coded item"
        )
        return
    allowed = set(values)
    for value in tested:
        if value not in allowed:
            yield Problem(
                where,
                f"show_if tests item {raw['item']} for {value}, which is not one of its "
                f"values ({', '.join(map(str, sorted(allowed)))})",
            )


def index_differences(first: Definition, second: Definition) -> list[str]:
    """How two questionnaires' index definitions differ (empty when they agree).

    A campaign's versions for citizens and organisations must measure the same index:
    its code, threshold, components and their items, the global item and the scale, so
    that the two kinds of answers are weighted together into one index per agency.
    """
    problems = []

    def compare(what: str, a, b) -> None:
        if a != b:
            problems.append(f"{what}: {a} ≠ {b}")

    compare("index code", first.index.code, second.index.code)
    compare("threshold", first.index.threshold, second.index.threshold)
    compare("global item", first.index.global_item, second.index.global_item)
    compare("scale points", len(first.satisfaction_scale), len(second.satisfaction_scale))
    compare("no-answer code", first.no_answer_code, second.no_answer_code)
    compare(
        "components",
        [c.code for c in first.index.components],
        [c.code for c in second.index.components],
    )
    theirs = {c.code: c.items for c in second.index.components}
    for component in first.index.components:
        if component.code in theirs:
            compare(
                f"items of {component.code}",
                ",".join(component.items),
                ",".join(theirs[component.code]),
            )
    return problems
