"""Reform-score frameworks: which criteria, how many points, where the points come from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.reform import Criterion
from survey.definition_files import (
    DefinitionError,
    Problem,
    describe,
    parse_yaml,
    read_file,
    schema_errors,
    unique,
)
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, content_hash

FRAMEWORK_DIR = QUESTIONNAIRE_DIR / "frameworks"
SCHEMA_PATH = FRAMEWORK_DIR / "framework.schema.json"
DEMO_FRAMEWORK = FRAMEWORK_DIR / "dak-lak-par.yaml"


class FrameworkError(DefinitionError):
    """A framework file is broken; `problems` lists every finding."""


@dataclass(frozen=True)
class FrameworkCriterion:
    code: str
    field: str
    text: Mapping[str, str]
    max_points: float
    index: str | None
    bonus: bool

    @property
    def entered(self) -> bool:
        """Points are typed by evaluators rather than taken from the survey."""
        return self.index is None


@dataclass(frozen=True)
class FrameworkField:
    code: str
    title: Mapping[str, str]
    criteria: tuple[FrameworkCriterion, ...]

    @property
    def maximum(self) -> float:
        return sum(c.max_points for c in self.criteria if not c.bonus)


@dataclass(frozen=True)
class Framework:
    code: str
    title: Mapping[str, str]
    fields: tuple[FrameworkField, ...]
    content: Mapping[str, Any]

    @classmethod
    def from_content(cls, content: Mapping[str, Any]) -> Framework:
        fields = tuple(
            FrameworkField(
                code=f["code"],
                title=f["title"],
                criteria=tuple(
                    FrameworkCriterion(
                        code=str(c["code"]),
                        field=f["code"],
                        text=c["text"],
                        max_points=float(c["max_points"]),
                        index=c.get("index"),
                        bonus=bool(c.get("bonus", False)),
                    )
                    for c in f["criteria"]
                ),
            )
            for f in content["fields"]
        )
        return cls(code=content["code"], title=content["title"], fields=fields, content=content)

    @property
    def criteria(self) -> tuple[FrameworkCriterion, ...]:
        return tuple(c for f in self.fields for c in f.criteria)

    def criterion(self, code: str) -> FrameworkCriterion:
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        raise KeyError(code)

    @property
    def maximum(self) -> float:
        return sum(f.maximum for f in self.fields)

    @property
    def survey_indices(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.index for c in self.criteria if c.index))

    def for_scoring(self) -> list[Criterion]:
        return [Criterion(c.code, c.max_points, c.index, c.bonus) for c in self.criteria]

    @property
    def content_hash(self) -> str:
        return content_hash(self.content)


def load_file(path: str | Path) -> Framework:
    """Read and check a framework file; raise FrameworkError naming every problem."""
    return load_text(read_file(path, FrameworkError), str(path))


def load_text(source: str, name: str = "<framework>") -> Framework:
    content = parse_yaml(source, name, FrameworkError)
    problems = check_content(content)
    if problems:
        raise FrameworkError(name, problems)
    return Framework.from_content(content)


def check_content(content: Any) -> list[Problem]:
    if not isinstance(content, dict):
        return [Problem("", "the file must hold a mapping (keys code, title, fields)")]
    problems = [
        Problem(_locate(content, list(error.absolute_path)), describe(error))
        for error in schema_errors(SCHEMA_PATH, content)
    ]
    if problems:
        return unique(problems)
    return list(_check_references(content))


def _locate(content: Mapping[str, Any], path: list[Any]) -> str:
    """`criterion 3.2 (field F3), field 'max_points'` rather than list indices."""
    label, rest = "", path
    if len(path) >= 2 and path[0] == "fields":
        field = content["fields"][path[1]]
        code = field.get("code") if isinstance(field, dict) else None
        label = f"field {code}" if isinstance(code, str) else f"field #{path[1] + 1}"
        rest = path[2:]
        if len(path) >= 4 and path[2] == "criteria" and isinstance(field, dict):
            criterion = field["criteria"][path[3]]
            code = criterion.get("code") if isinstance(criterion, dict) else None
            name = f"criterion {code}" if isinstance(code, str) else f"criterion #{path[3] + 1}"
            label = f"{name} ({label})"
            rest = path[4:]
    if rest:
        where = ".".join(str(p) for p in rest)
        label = f"{label}, key '{where}'" if label else f"key '{where}'"
    return label or "top level"


def _check_references(content: Mapping[str, Any]) -> Iterable[Problem]:
    fields: set[str] = set()
    criteria: set[str] = set()
    maximum = 0.0
    for field in content["fields"]:
        if field["code"] in fields:
            yield Problem(f"field {field['code']}", "field code used twice")
        fields.add(field["code"])
        for criterion in field["criteria"]:
            if criterion["code"] in criteria:
                yield Problem(f"criterion {criterion['code']}", "criterion code used twice")
            criteria.add(criterion["code"])
            if not criterion.get("bonus", False):
                maximum += criterion["max_points"]
    if maximum <= 0:
        yield Problem("fields", "every criterion is a bonus; the maximum would be 0")
