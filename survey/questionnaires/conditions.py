"""Skip rules (`show_if`): when an item is shown, as a test on earlier answers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Condition:
    """One of: item equals a value, item in values, item answered or not, all of, any of."""

    item: str | None = None
    values: tuple[int, ...] | None = None
    answered: bool | None = None
    all_of: tuple[Condition, ...] = ()
    any_of: tuple[Condition, ...] = ()

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> Condition:
        if "all" in raw:
            return cls(all_of=tuple(cls.from_raw(c) for c in raw["all"]))
        if "any" in raw:
            return cls(any_of=tuple(cls.from_raw(c) for c in raw["any"]))
        if "equals" in raw:
            return cls(item=raw["item"], values=(raw["equals"],))
        if "in" in raw:
            return cls(item=raw["item"], values=tuple(raw["in"]))
        return cls(item=raw["item"], answered=bool(raw["answered"]))

    def is_met(self, answers: Mapping[str, Any]) -> bool:
        """Evaluate on answers so far; a list answer (multiple choice) meets `in` by any value."""
        if self.all_of:
            return all(c.is_met(answers) for c in self.all_of)
        if self.any_of:
            return any(c.is_met(answers) for c in self.any_of)
        value = answers.get(self.item)
        given = value not in (None, "", [], ())
        if self.answered is not None:
            return given == self.answered
        if not given:
            return False
        chosen = value if isinstance(value, list | tuple) else [value]
        return any(v in self.values for v in chosen)

    def to_raw(self) -> dict[str, Any]:
        """The YAML form again (for the browser's live skip rules)."""
        if self.all_of:
            return {"all": [c.to_raw() for c in self.all_of]}
        if self.any_of:
            return {"any": [c.to_raw() for c in self.any_of]}
        if self.answered is not None:
            return {"item": self.item, "answered": self.answered}
        return {"item": self.item, "in": list(self.values)}

    def tests(self) -> Iterator[Condition]:
        """Every leaf test in this condition."""
        if self.all_of or self.any_of:
            for c in self.all_of + self.any_of:
                yield from c.tests()
        else:
            yield self
