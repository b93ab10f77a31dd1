"""The direct reading of a plain post never accepts what the form refuses, and when it
accepts, it gives the form's answers exactly."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
from survey.questionnaires.fields import make_survey_form
from survey.questionnaires.types import FieldContext
from survey.responses import plain_post
from tests.respond.conftest import complete_answers

DEFINITION = load_file(QUESTIONNAIRE_DIR / "sipas-citizen.yaml")
SERVICES = ((11, "Cấp phép"), (12, "Thẩm định"))
CONTEXT = FieldContext("vi", DEFINITION.satisfaction_scale, SERVICES)
CODES = [q.code for q in DEFINITION.items]

# Values a post may carry: the page's own codes and the near misses a hand-made post or a
# robot sends (spaces, zeros, other digits, empty, non-ASCII digits, long text).
VALUES = (
    st.sampled_from(
        ["1", "2", "3", "4", "5", "6", "9", "11", "12", " 4", "04", "4 ", "", " ", "-1", "²", "x"]
    )
    | st.text(max_size=30)
    | st.just("y" * 2001)
)


def _form_reading(app, data: MultiDict):
    with app.test_request_context(method="POST"):
        form = make_survey_form(DEFINITION, "vi", SERVICES)(formdata=data, meta={"csrf": False})
        return form.answers() if form.validate() else None


def test_a_browsers_complete_post_is_read_directly_and_as_the_form_reads_it(app):
    data = MultiDict({**complete_answers(11, B4="1", PA1="5", PA2="4", PA3="3"), "E10": ""})
    plain = plain_post.plain_answers(DEFINITION, CONTEXT, data)
    assert plain is not None, "the usual post takes the direct path"
    assert plain == _form_reading(app, data)


def test_a_post_missing_a_required_answer_is_left_to_the_form(app):
    data = MultiDict(complete_answers(11, A1=None))
    assert plain_post.plain_answers(DEFINITION, CONTEXT, data) is None
    assert _form_reading(app, data) is None


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=st.booleans(),
    changes=st.dictionaries(
        st.sampled_from(CODES), st.lists(VALUES, min_size=0, max_size=3), max_size=8
    ),
)
def test_random_posts_are_never_read_otherwise_than_by_the_form(app, base, changes):
    data = MultiDict(complete_answers(11) if base else {})
    for code, values in changes.items():
        data.setlist(code, values)
    plain = plain_post.plain_answers(DEFINITION, CONTEXT, data)
    if plain is not None:
        assert plain == _form_reading(app, data), dict(data.lists())


@pytest.mark.parametrize(
    ("code", "values"),
    [
        (code, values)
        for code in ("A1", "B1", "TC1", "E10")
        for values in ([""], [" "], [" 4"], ["04"], ["9"], ["4", "5"], ["a "], ["a"], ["y" * 2001])
    ],
)
def test_each_near_miss_is_read_as_the_form_reads_it_or_left_to_it(app, code, values):
    data = MultiDict(complete_answers(11))
    data.setlist(code, values)
    plain = plain_post.plain_answers(DEFINITION, CONTEXT, data)
    if plain is not None:
        assert plain == _form_reading(app, data)
