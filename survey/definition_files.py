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


# Definitions are a few dozen kilobytes. The limits keep a hostile upload (a 500-byte
# "billion laughs" of nested aliases, or thousands of nested brackets) from costing
# gigabytes of memory or a RecursionError: it gets a message instead.
MAX_SOURCE_CHARS = 1_000_000
MAX_DEPTH = 40
MAX_ALIASES = 200
MAX_NODES = 100_000


class _TooBig(Exception):
    pass


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and nesting while it composes the document."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooBig(f"more than {MAX_ALIASES} aliases (*name)")
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _TooBig(f"nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded_size(content: Any) -> int:
    """Values counted as if every alias were written out, stopping past MAX_NODES."""
    count, stack = 0, [content]
    while stack and count <= MAX_NODES:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


def parse_yaml(source: str, name: str, error: type[DefinitionError]) -> Any:
    if len(source) > MAX_SOURCE_CHARS:
        raise error(name, [Problem("", f"larger than {MAX_SOURCE_CHARS:,} characters")])
    try:
        content = yaml.load(source, Loader=_LimitedLoader)  # noqa: S506 - a SafeLoader
    except _TooBig as too_big:
        raise error(name, [Problem("", f"not accepted: {too_big}")]) from None
    except yaml.YAMLError as yaml_error:
        mark = getattr(yaml_error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(yaml_error, "problem", None) or str(yaml_error)
        raise error(name, [Problem(where, f"not valid YAML: {problem}")]) from None
    if _expanded_size(content) > MAX_NODES:
        raise error(
            name, [Problem("", f"not accepted: more than {MAX_NODES:,} values once aliases expand")]
        )
    return content


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
