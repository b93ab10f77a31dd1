"""The province's theme codebook for recommendations (questionnaires/
recommendation-themes.yaml): bilingual, codes stored, names shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

THEMES_PATH = Path(__file__).resolve().parents[2] / "questionnaires" / "recommendation-themes.yaml"
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")


class ThemesError(Exception):
    """The codebook is broken: says which entry."""


@dataclass(frozen=True)
class Theme:
    code: str
    vi: str
    en: str

    def name(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


def read_themes(text: str) -> tuple[Theme, ...]:
    content = yaml.safe_load(text)
    entries = content.get("themes") if isinstance(content, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ThemesError("the codebook must hold a list 'themes'")
    found: list[Theme] = []
    for n, entry in enumerate(entries, start=1):
        code = entry.get("code") if isinstance(entry, dict) else None
        if not isinstance(code, str) or not _CODE.match(code):
            raise ThemesError(f"theme #{n}: a code in capitals (A-Z, 0-9, _) is needed")
        if any(t.code == code for t in found):
            raise ThemesError(f"theme {code}: code used twice")
        if not all(isinstance(entry.get(k), str) and entry[k].strip() for k in ("vi", "en")):
            raise ThemesError(f"theme {code}: a Vietnamese (vi) and an English (en) name")
        found.append(Theme(code, entry["vi"].strip(), entry["en"].strip()))
    return tuple(found)


@cache
def themes() -> tuple[Theme, ...]:
    return read_themes(THEMES_PATH.read_text(encoding="utf-8"))


def theme(code: str | None) -> Theme | None:
    return next((t for t in themes() if t.code == code), None)


def choices(language: str) -> list[tuple[str, str]]:
    return [(t.code, t.name(language)) for t in themes()]


def names(code: str) -> dict[str, str] | None:
    """The theme's names by language ({"vi": ..., "en": ...}); None when the code is not
    in the codebook (or empty: not yet classified)."""
    found = theme(code)
    return None if found is None else {"vi": found.vi, "en": found.en}
