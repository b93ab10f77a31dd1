"""WTForms' own messages ("This field is required.") in the interface's language.

WTForms ships no Vietnamese catalogue, so a Vietnamese page showed its messages in
English. The messages our forms can produce are listed here, so that extraction puts them
in our catalogue, and every form of the platform (`Form`) asks our catalogue for them.
"""

from __future__ import annotations

from flask_babel import gettext, ngettext
from flask_wtf import FlaskForm

# Listed for extraction only (`make messages`); WTForms passes the English text at run
# time and `Translations` looks it up.
MESSAGES = (
    lambda: gettext("This field is required."),
    lambda: gettext("Invalid input."),
    lambda: gettext("Not a valid choice."),
    lambda: gettext("Invalid Choice: could not coerce."),
    lambda: gettext("Invalid choice(s): one or more data inputs could not be coerced."),
    lambda: gettext("Not a valid integer value."),
    lambda: gettext("Not a valid decimal value."),
    lambda: gettext("Not a valid date value."),
    lambda: gettext("Invalid email address."),
    lambda: gettext("Field must be equal to %(other_name)s."),
    lambda: gettext("Number must be at least %(min)s."),
    lambda: gettext("Number must be at most %(max)s."),
    lambda: gettext("Number must be between %(min)s and %(max)s."),
    lambda: gettext("Field must be between %(min)d and %(max)d characters long."),
    lambda: ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    ),
    lambda: ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    ),
    lambda: ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
)


class Translations:
    """What WTForms calls to translate its messages: our catalogue, without formatting
    (WTForms fills the placeholders itself)."""

    def gettext(self, string: str) -> str:
        return _catalogue().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalogue().ungettext(singular, plural, n)


def _catalogue():
    from flask_babel import get_translations

    return get_translations()


translations = Translations()


class Form(FlaskForm):
    """The platform's forms: Flask-WTF's, with WTForms' messages from our catalogue."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return translations
