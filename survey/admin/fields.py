"""Form pieces shared by the administration forms."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import ValidationError

from survey.extensions import db


class CodeField(SelectField):
    """A choice among codes of other records (agency, field); unknown codes are named.

    `accepted`, when set, are codes valid beyond those offered: the picker offers what is
    in use (active agencies), a file or an older record may still name the others."""

    accepted: frozenset[str] = frozenset()

    def pre_validate(self, form) -> None:
        if self.data in (None, "") and not self.flags.required:
            return
        if self.data not in {choice.value for choice in self.choices} | self.accepted:
            raise ValidationError(_l("Unknown code %(code)s.", code=self.data))


class FlagField(BooleanField):
    """A yes/no field that reads CSV's true/false, 1/0, yes/no."""

    false_values = ("false", "0", "no", "n", "")


class Unique:
    """The value is not used by another record of `model` (ignoring the one being edited),
    whatever its case: "sxd" beside "SXD" would be two agencies people read as one, and
    QR codes are read in any case."""

    def __init__(self, model, column: str):
        self.model, self.column = model, column

    def __call__(self, form, field) -> None:
        column = getattr(self.model, self.column)
        editing = getattr(form, "_obj", None)
        cache = getattr(form, "_unique_cache", None)
        if cache is not None:
            # An import: every value of the column read once, by its lower case.
            taken = cache.get((self.model, self.column))
            if taken is None:
                taken = cache[(self.model, self.column)] = {}
                for id_, value in db.session.execute(select(self.model.id, column)):
                    taken.setdefault((value or "").lower(), []).append((id_, value))
            others = taken.get((field.data or "").lower(), [])
        else:
            others = db.session.execute(
                select(self.model.id, column).where(
                    func.lower(column) == (field.data or "").lower()
                )
            ).all()
        for other_id, value in others:
            if editing is None or other_id != editing.id:
                raise ValidationError(_l("%(value)s is already used.", value=value))


class DayField(DateField):
    """A date that also takes the ISO text a record's CSV row holds (the edit form starts
    from that row)."""

    def process_data(self, value) -> None:
        if isinstance(value, str) and value:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                value = None
        super().process_data(value)
