"""Bilingual texts from data files (`{"vi": ..., "en": ...}` mappings), and numbers as
the current language writes them."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import format_decimal, get_locale


def decimal(value: float, digits: int = 2) -> str:
    """96,04 in Vietnamese, 96.04 in English (the current, or forced, locale)."""
    return format_decimal(value, format="0." + "0" * digits if digits else "0")


def number(value: float) -> str:
    """A figure with the decimals it has, at most two (1,5 and 30 in Vietnamese): maximum
    points, shares typed by people."""
    return format_decimal(value, format="#,##0.##")


def count(value: int) -> str:
    """2.276 in Vietnamese, 2,276 in English."""
    return format_decimal(value, format="#,##0")


def current_language() -> str:
    """The language of the request ("vi" or "en"); Vietnamese outside any request."""
    locale = get_locale()
    return locale.language if locale else "vi"


def localized(text: Mapping[str, str] | str | None, language: str | None = None) -> str:
    """Return `text` in the current language, falling back to Vietnamese, the official one."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if language is None:
        language = current_language()
    return text.get(language) or text.get("vi") or next(iter(text.values()), "")


def named(record, code: str | None = None) -> str:
    """A named record (agency, campaign, service point…) as people read it: its name in the
    current language, its code after it when staff need it ("Sở Xây dựng (SXD)")."""
    name = localized({"vi": record.name_vi, "en": record.name_en})
    return f"{name} ({code})" if code else name
