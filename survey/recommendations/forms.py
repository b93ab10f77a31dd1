"""The forms of recommendations: the person's (after the survey, or keyed from paper) and
the agency's reply."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from survey.form_messages import Form
from survey.recommendations.models import MAX_REPLY, MAX_TEXT

# A Vietnamese mobile or landline: 0 then 9 or 10 digits, or +84 then 9 or 10; spaces,
# dots and dashes between digits are read past.
_PHONE = re.compile(r"^(?:\+84|0)\d{9,10}$")


def phone_number(text: str | None) -> str | None:
    """The phone as the gateway takes it (digits from 0: +84 read as 0), or None when not
    one."""
    if not text:
        return None
    compact = re.sub(r"[\s.\-()]", "", text)
    if not _PHONE.match(compact):
        return None
    return "0" + compact[3:] if compact.startswith("+84") else compact


class RecommendationForm(Form):
    text = TextAreaField(
        _l("Your recommendation"),
        description=_l(
            "What should the agency change or do better? Please do not write names, phone "
            "numbers or dossier numbers here: they are hidden before anyone reads it."
        ),
        validators=[DataRequired(), Length(max=MAX_TEXT)],
        render_kw={"rows": 6, "maxlength": MAX_TEXT},
    )
    service_field = SelectField(_l("Field of the service (optional)"), validators=[Optional()])
    theme = SelectField(_l("What it is about (optional)"), validators=[Optional()])
    wants_reply = BooleanField(_l("I would like a reply by SMS or e-mail"))
    phone = StringField(
        _l("Phone for the reply"),
        description=_l("Kept apart from your recommendation and erased 30 days after the reply."),
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    email = EmailField(
        _l("E-mail for the reply"),
        validators=[
            Optional(),
            Length(max=254),
            # One @, a dot in the domain, no spaces: what a gateway can send to.
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Invalid email address.")),
        ],
        render_kw={"autocomplete": "email"},
    )

    def validate_phone(self, field):
        if field.data and phone_number(field.data) is None:
            raise ValidationError(_l("A phone number is 10 or 11 digits, starting with 0 or +84."))

    def validate_wants_reply(self, field):
        if field.data and not (self.phone.data or self.email.data):
            raise ValidationError(_l("Leave a phone or an e-mail for the reply."))


class PaperRecommendationForm(RecommendationForm):
    """A recommendation written on a paper questionnaire, keyed by a surveyor."""

    agency = SelectField(_l("Agency"), validators=[DataRequired()])
    written_on = DateField(_l("Date written on the form"), validators=[DataRequired()])


class ReplyForm(Form):
    theme = SelectField(_l("Theme"), validators=[Optional()])
    reply = TextAreaField(
        _l("Reply"),
        validators=[DataRequired(), Length(max=MAX_REPLY)],
        render_kw={"rows": 6, "maxlength": MAX_REPLY},
    )


class WithholdForm(Form):
    reason = StringField(
        _l("Why it is kept off the public page"), validators=[DataRequired(), Length(max=1000)]
    )


class InboxFilter(Form):
    """The inbox's filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), validators=[Optional()])
    theme = SelectField(_l("Theme"), validators=[Optional()])
    field = SelectField(_l("Field"), validators=[Optional()])
    agency = StringField(_l("Agency"), validators=[Optional(), Length(max=64)])
