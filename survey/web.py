"""What every staff page uses, whatever its package: the one-click confirmation form (its
CSRF token protects a button), the CSV upload form, and who is acting (for the audit
trail). Kept here so that no package imports another's views for them."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf.file import FileField, FileRequired

from survey.form_messages import Form


class ConfirmForm(Form):
    """An empty form: its CSRF token protects one-click actions."""


class ImportForm(Form):
    file = FileField(validators=[FileRequired()])


def actor() -> dict:
    """The signed-in user, as audit records and services name who acted."""
    return {"actor": current_user.username, "user_id": current_user.id}
