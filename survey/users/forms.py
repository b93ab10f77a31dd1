from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from survey.choices import choices
from survey.codes import CODE_PATTERN
from survey.form_messages import Form
from survey.labels import LABELS
from survey.users.models import ROLES

ROLE_LABELS = LABELS["role"]


USERNAME = [
    DataRequired(),
    Length(max=64),
    Regexp(CODE_PATTERN, message=_l("Letters, digits, . _ - only.")),
]


class SignInForm(Form):
    login = StringField(_l("User name or e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )


class UserForm(Form):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(CODE_PATTERN, message=_l("Letters, digits, . _ - only.")),
        ],
    )
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Role"), choices=choices((r, ROLE_LABELS[r]) for r in ROLES))
    agency_code = SelectField(_l("Agency"), choices=[], validate_choice=True)
    active = BooleanField(_l("Active"), default=True)
