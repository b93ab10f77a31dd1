"""How an index is built: its items, components, threshold and code.

Read from the `index` section and the satisfaction items of a questionnaire file, so the
analysis does not depend on the web app's questionnaire model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import AnalysisError


@dataclass(frozen=True)
class IndexScheme:
    """Satisfaction items grouped in components; an answer ≥ threshold counts as satisfied."""

    code: str
    threshold: int
    components: dict[str, tuple[str, ...]]
    scale: tuple[int, int] = (1, 5)

    def __post_init__(self) -> None:
        if not self.components:
            raise AnalysisError(f"index {self.code} has no components")
        for component, items in self.components.items():
            if not items:
                raise AnalysisError(f"component {component} of index {self.code} has no items")
        low, high = self.scale
        if not low < self.threshold <= high:
            raise AnalysisError(f"threshold {self.threshold} is not on the scale {low}–{high}")

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(item for items in self.components.values() for item in items)

    @classmethod
    def from_questionnaire(cls, path: str | Path) -> IndexScheme:
        """Read the index definition from a questionnaire YAML file."""
        path = Path(path)
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AnalysisError(f"{path}: no such questionnaire file") from None
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise AnalysisError(f"{path}: not a readable questionnaire ({error})") from None
        return cls.from_content(content, str(path))

    @classmethod
    def from_content(cls, content: Any, source: str = "questionnaire") -> IndexScheme:
        """The index of a questionnaire's content (its YAML, parsed): the one reading of
        which satisfaction items form which component, for this command line and for the
        web app's questionnaire definitions alike."""
        try:
            index = content["index"]
            global_item = index.get("global_item")
            components = {c["code"]: [] for c in index["components"]}
            for section in content["sections"]:
                for item in section["items"]:
                    if item.get("type") == "satisfaction" and item.get("code") != global_item:
                        if item.get("component") not in components:
                            raise AnalysisError(
                                f"{source}: item {item.get('code')} belongs to undeclared "
                                f"component {item.get('component')!r}"
                            )
                        components[item["component"]].append(item["code"])
            return cls(
                code=index["code"],
                threshold=int(index["threshold"]),
                components={c: tuple(items) for c, items in components.items()},
            )
        except (KeyError, TypeError) as error:
            raise AnalysisError(
                f"{source}: not a questionnaire with an index section (missing {error})"
            ) from None
