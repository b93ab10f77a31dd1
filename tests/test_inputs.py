"""Numbers from outside read strictly: ASCII digits only, within range, whatever field or
address they come through."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from survey.inputs import (
    DecimalNumberField,
    SignedWholeNumberField,
    WholeNumberField,
    decimal_number,
    whole_number,
)


class Numbers(Form):
    whole = WholeNumberField()
    signed = SignedWholeNumberField()
    decimal = DecimalNumberField()


@pytest.mark.parametrize("typed", ["١٢", "１２", "²", "𝟗", "9" * 40, "1e3", "0x1f", "12\n3"])
def test_digits_that_are_not_ascii_or_not_a_number_are_refused_in_every_field(app, typed):
    with app.test_request_context():
        form = Numbers(MultiDict({"whole": typed, "signed": typed, "decimal": typed}))
        assert not form.validate()
        assert set(form.errors) == {"whole", "signed", "decimal"}
    assert whole_number(typed) is None
    assert decimal_number(typed) is None


def test_ascii_numbers_are_read(app):
    with app.test_request_context():
        form = Numbers(MultiDict({"whole": "12", "signed": "-3", "decimal": "0,5"}))
        assert form.validate(), form.errors
        assert (form.whole.data, form.signed.data, form.decimal.data) == (12, -3, 0.5)
