"""Bilingual texts from data files: `{"vi": ..., "en": ...}` mappings."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale


def localized(text: Mapping[str, str] | str | None, language: str | None = None) -> str:
    """Return `text` in the current language, falling back to Vietnamese, the official one."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if language is None:
        locale = get_locale()
        language = locale.language if locale else "vi"
    return text.get(language) or text.get("vi") or next(iter(text.values()), "")
