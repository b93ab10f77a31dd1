"""One page of a query's results, for the staff lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func, select

from survey.extensions import db
from survey.inputs import whole_number


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def paginate(query: Select, *order_by, size: int = 25) -> Page:
    """The page of `query` named by ?page= (1 when absent or nonsense)."""
    number = max(whole_number(request.args.get("page"), maximum=10**6) or 1, 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(*order_by).limit(size).offset((number - 1) * size)
    ).all()
    return Page(items=list(items), total=total, number=number, size=size)
