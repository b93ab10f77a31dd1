"""Definition files (questionnaires, reform frameworks): YAML checked by a JSON Schema.

Shared by every kind of definition so that they all report problems the same way: the
file, where in it, and what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class DefinitionError(Exception):
    """A definition file is broken; `problems` lists every finding."""

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(f"{source}: {p}" for p in self.problems))


def read_file(path: str | Path, error: type[DefinitionError]) -> str:
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(str(path), [Problem("", "no such file")]) from None
    except UnicodeDecodeError as decode_error:
        raise error(
            str(path), [Problem("", f"not UTF-8 text (byte {decode_error.start})")]
        ) from None


def parse_yaml(source: str, name: str, error: type[DefinitionError]) -> Any:
    try:
        return yaml.safe_load(source)
    except yaml.YAMLError as yaml_error:
        mark = getattr(yaml_error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(yaml_error, "problem", None) or str(yaml_error)
        raise error(name, [Problem(where, f"not valid YAML: {problem}")]) from None


@cache
def validator(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(schema_path: Path, content: Any):
    """The schema's findings in document order."""
    return sorted(validator(schema_path).iter_errors(content), key=lambda e: list(e.path))


def describe(error) -> str:
    """A schema finding in words a questionnaire author understands."""
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key")
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"{error.instance!r} is not one of: {allowed}"
    if error.validator == "pattern":
        return (
            f"{error.instance!r} is not a valid code (letters, digits and _; start with a letter)"
        )
    return error.message


def unique(problems: Iterable[Problem]) -> list[Problem]:
    seen: dict[tuple[str, str], Problem] = {}
    for p in problems:
        seen.setdefault((p.where, p.message), p)
    return list(seen.values())
