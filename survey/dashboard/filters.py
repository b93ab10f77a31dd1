"""What an evaluator narrows a results table to: part of an agency's name or code, its
ranking group, and (for estimates) a precision flag. Read from the page's address, so a
filtered table can be bookmarked and works without JavaScript; the page's script filters
the same rows live as the evaluator types (static/js/tables.js)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from survey.agencies.models import Agency, RankingGroup
from survey.extensions import db
from survey.i18n import localized

# The flags a table of estimates can be narrowed to (value, label).
FLAGS = (
    ("", _l("all")),
    ("clear", _l("no flag")),
    ("low_precision", _l("low precision")),
    ("withheld", _l("withheld")),
)


def folded(text: str) -> str:
    """Text as a search compares it: case and Vietnamese accents do not matter
    ("dak lak" finds "Đắk Lắk")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def entry_flag(entry: Mapping[str, Any] | None) -> str:
    """An estimate's flag as the filter names it."""
    if not entry:
        return "withheld"
    if entry.get("suppressed") or entry.get("not_estimable"):
        return "withheld"
    return "low_precision" if entry.get("low_precision") else "clear"


@dataclass(frozen=True)
class Filter:
    text: str = ""
    group: str = ""
    flag: str = ""

    @classmethod
    def from_request(cls) -> Filter:
        flag = request.args.get("flag", "")
        return cls(
            text=request.args.get("q", "").strip()[:100],
            group=request.args.get("group", "")[:64],
            flag=flag if flag in dict(FLAGS) else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.text or self.group or self.flag)

    def keeps(self, agency: Agency, entry: Mapping[str, Any] | None = None) -> bool:
        if self.group and agency.ranking_group != self.group:
            return False
        if self.flag and entry_flag(entry) != self.flag:
            return False
        if self.text:
            wanted = folded(self.text)
            names = (agency.code, agency.name_vi, agency.name_en)
            return any(wanted in folded(name or "") for name in names)
        return True


def group_choices() -> list[tuple[str, str]]:
    """Ranking groups in the order announcements list them, by name."""
    groups = db.session.scalars(select(RankingGroup).order_by(RankingGroup.position)).all()
    return [(g.code, localized({"vi": g.name_vi, "en": g.name_en})) for g in groups]
