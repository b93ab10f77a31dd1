"""Staff accounts as an administered resource: import and export only (creating one by
hand shows its password once, on the users page). Described like the others in
survey/admin/resources.py, so the same import page and CSV checks serve it."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from survey.admin.fields import CodeField, FlagField
from survey.admin.resources import Resource, agency_by_code, offer_agencies
from survey.choices import choices
from survey.codes import CODE_PATTERN
from survey.extensions import db
from survey.form_messages import Form
from survey.users.models import User
from survey.users.services import hash_password


class UserImportForm(Form):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(CODE_PATTERN, message=_l("Letters, digits, . _ - only.")),
        ],
    )
    email = StringField(
        _l("E-mail"), validators=[Optional(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+$")]
    )
    role = SelectField(
        _l("Role"),
        choices=choices((r, r) for r in ("admin", "surveyor", "evaluator", "agency-viewer")),
    )
    agency_code = CodeField(_l("Agency"), choices=[], validators=[Optional()])
    active = FlagField(_l("Active"), default=True)


def _user_apply(user, data: dict) -> None:
    user.username, user.email = data["username"], data["email"] or None
    user.role, user.active = data["role"], data["active"]
    user.agency = agency_by_code(data["agency_code"])
    if user.password_hash is None:
        # An imported account gets no usable password: an administrator resets it and
        # hands it over, so no password ever travels in a spreadsheet.
        user.password_hash = hash_password(secrets.token_urlsafe(32))


def _user_check(form: UserImportForm) -> None:
    if form.role.data == "agency-viewer" and not form.agency_code.data:
        form.agency_code.errors.append(_l("An agency viewer needs an agency."))
        raise ValidationError


def _users_keep_an_administrator() -> str | None:
    from survey.users.services import lock_administrators

    if not lock_administrators():
        return str(_l("the import would leave no active administrator; keep at least one"))
    return None


def _find_user(data: dict):
    return db.session.scalar(select(User).where(User.username == data.get("username")))


USERS = Resource(
    name="users",
    singular="user",
    title=_l("Users"),
    model=User,
    form=UserImportForm,
    columns=(
        ("username", _l("User name"), lambda u: u.username),
        ("email", _l("E-mail"), lambda u: u.email),
        ("role", _l("Role"), lambda u: u.role),
        ("agency_code", _l("Agency"), lambda u: u.agency.code if u.agency else ""),
        ("active", _l("Active"), lambda u: u.active),
    ),
    labelled={"role": "role", "active": "yes_no"},
    search=(),
    order_by=None,
    find=_find_user,
    apply=_user_apply,
    prepare=lambda form: offer_agencies(form.agency_code, blank=True),
    check=_user_check,
    key=("username",),
    verify_import=_users_keep_an_administrator,
)
