"""The pure parts: serials, reading keyed values, comparing entries, attributing errors."""

import pytest
from flask_babel import force_locale

from survey.paper import keying
from survey.paper.compare import Difference, attribute, differences
from survey.paper.serials import is_well_formed, make_serial, selected_for_verification
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
from survey.questionnaires.types import PaperContext
from tests.paper.conftest import paper_answers

DEFINITION = load_file(QUESTIONNAIRE_DIR / "sipas-citizen.yaml")
PAPER = PaperContext(no_answer_code=9, services=(101, 102))


def test_serials_carry_a_check_digit_that_catches_one_mistyped_digit():
    serial = make_serial("sxd", 123)
    assert serial.startswith("SXD-000123-")
    assert is_well_formed(serial)
    caught = 0
    for position in range(4, 10):  # each digit of the running number
        for digit in "0123456789":
            typo = serial[:position] + digit + serial[position + 1 :]
            if typo != serial:
                caught += not is_well_formed(typo)
    assert caught == 6 * 9


def test_the_verification_sample_is_reproducible_and_near_its_share():
    serials = [make_serial("A", n) for n in range(1, 5001)]
    first = [selected_for_verification("demo", s, 0.2) for s in serials]
    assert first == [selected_for_verification("demo", s, 0.2) for s in serials]
    assert 0.18 < sum(first) / len(first) < 0.22
    assert all(selected_for_verification("demo", s, 1.0) for s in serials[:50])


def test_a_complete_form_reads_into_answers_with_the_service_as_its_id(app):
    typed = paper_answers(DEFINITION, B1="2", TC1="9", A2="3")
    with app.app_context():
        reading = keying.read(DEFINITION, typed, PAPER)
    assert reading.ok, reading.problems
    assert reading.answers["B1"] == 102
    assert reading.answers["A2"] == 3
    assert "TC1" not in reading.answers, "the no-answer code stores nothing"


@pytest.mark.parametrize(
    ("overrides", "item", "message"),
    [
        ({"TC1": "7"}, "TC1", "7 is not a code of this item (codes: 1, 2, 3, 4, 5, 9)"),
        ({"TC1": ""}, "TC1", "Key a code; key 9 when the paper is blank."),
        ({"B1": "3"}, "B1", "3 is not a code of this item (codes: 1, 2, 9)"),
        ({"TC1": "x"}, "TC1", "x is not a code of this item"),
    ],
)
def test_wrong_codes_are_refused_with_the_codes_the_item_has(app, overrides, item, message):
    typed = paper_answers(DEFINITION, **overrides)
    with app.app_context(), force_locale("en"):
        reading = keying.read(DEFINITION, typed, PAPER)
    assert list(reading.problems) == [item]
    assert reading.problems[item].startswith(message)


def test_a_value_in_an_item_the_paper_skips_is_refused(app):
    typed = paper_answers(DEFINITION, B4="3")  # no feedback given: PA1–PA3 are skipped
    typed["PA1"] = "4"
    with app.app_context(), force_locale("en"):
        reading = keying.read(DEFINITION, typed, PAPER)
    assert reading.problems == {
        "PA1": "This item is skipped by the earlier answers; leave it empty."
    }
    assert "PA1" not in reading.shown


def test_entries_are_compared_after_normalising_spaces_and_choice_order():
    first = keying.normalized(DEFINITION, {"A1": " 1 ", "E10": "Tốt  lắm"})
    second = keying.normalized(DEFINITION, {"A1": "1", "E10": "Tốt lắm"})
    assert differences([q.code for q in DEFINITION.items], first, second) == []
    second["A1"] = "2"
    assert differences(["A1", "E10"], first, second) == [Difference("A1", "1", "2")]


@pytest.mark.parametrize(
    ("paper", "expected"), [("1", (False, True)), ("2", (True, False)), ("3", (True, True))]
)
def test_each_difference_is_attributed_to_whoever_differs_from_the_paper(paper, expected):
    assert attribute(Difference("A1", "1", "2"), paper) == expected
