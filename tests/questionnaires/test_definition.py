from pathlib import Path

import pytest
import yaml

from survey.questionnaires.definition import (
    QUESTIONNAIRE_DIR,
    QuestionnaireError,
    load_file,
    load_text,
)
from survey.questionnaires.types import InvalidAnswer, Question

SHIPPED = ["sipas-citizen.yaml", "sipas-organisation.yaml"]
CRITERIA = {
    "TC": ["TC1", "TC2", "TC3", "TC4"],
    "TT": ["TT1", "TT2", "TT3", "TT4"],
    "CC": ["CC1", "CC2", "CC3", "CC4", "CC5"],
    "KQ": ["KQ1", "KQ2", "KQ3"],
    "PA": ["PA1", "PA2", "PA3"],
}


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_questionnaires_have_the_nineteen_criteria_in_five_components(name):
    definition = load_file(QUESTIONNAIRE_DIR / name)
    assert definition.index.code == "SIPAS"
    assert definition.index.threshold == 4
    assert {c.code: list(c.items) for c in definition.index.components} == CRITERIA
    assert len(definition.satisfaction_items) == 19


@pytest.mark.parametrize("name", SHIPPED)
def test_feedback_items_are_asked_only_of_people_who_gave_or_wanted_to_give_feedback(name):
    definition = load_file(QUESTIONNAIRE_DIR / name)
    base = {"B4": 3}
    shown = {q.code for q in definition.visible_items(base)}
    assert not shown & set(CRITERIA["PA"])
    for gave in (1, 2):
        shown = {q.code for q in definition.visible_items({"B4": gave})}
        assert set(CRITERIA["PA"]) <= shown


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_questionnaires_ask_the_service_used_and_the_expectations(name):
    definition = load_file(QUESTIONNAIRE_DIR / name)
    assert definition.service_item is not None
    expectations = [f"E{n}" for n in range(1, 10)]
    for code in expectations:
        assert [o.value for o in definition.item(code).options] == [1, 2, 3]
    assert definition.item("E10").type_name == "long_text"


def test_citizen_and_organisation_versions_share_item_codes_but_not_wording():
    citizen = load_file(QUESTIONNAIRE_DIR / "sipas-citizen.yaml")
    organisation = load_file(QUESTIONNAIRE_DIR / "sipas-organisation.yaml")
    assert citizen.respondent_type == "citizen"
    assert organisation.respondent_type == "organisation"
    assert "tổ chức" in organisation.item("TT2").text["vi"]
    assert "người dân" in citizen.item("TT2").text["vi"]


def test_the_content_hash_ignores_comments_and_layout():
    source = (QUESTIONNAIRE_DIR / "sipas-citizen.yaml").read_text(encoding="utf-8")
    reflowed = "# a new comment\n" + yaml.safe_dump(yaml.safe_load(source), allow_unicode=True)
    assert load_text(reflowed).content_hash == load_text(source).content_hash


def test_any_change_of_meaning_changes_the_hash():
    source = (QUESTIONNAIRE_DIR / "sipas-citizen.yaml").read_text(encoding="utf-8")
    changed = source.replace("threshold: 4", "threshold: 5")
    assert load_text(changed).content_hash != load_text(source).content_hash


def _broken(mutate) -> str:
    content = yaml.safe_load((QUESTIONNAIRE_DIR / "sipas-citizen.yaml").read_text("utf-8"))
    mutate(content)
    return yaml.safe_dump(content, allow_unicode=True)


def _item(content, code):
    return next(i for s in content["sections"] for i in s["items"] if i["code"] == code)


BROKEN = [
    (
        "unknown component",
        lambda c: _item(c, "TC2").update(component="XX"),
        ["item TC2", "component 'XX' is not declared"],
    ),
    (
        "skip rule pointing forward",
        lambda c: _item(c, "B4").update(show_if={"item": "TC1", "equals": 1}),
        ["item B4", "show_if refers to item TC1", "not an earlier item"],
    ),
    (
        "skip rule on an unknown item",
        lambda c: _item(c, "PA1").update(show_if={"item": "Z9", "in": [1]}),
        ["item PA1", "show_if refers to item Z9"],
    ),
    (
        "skip rule on a value the item cannot take",
        lambda c: _item(c, "PA2").update(show_if={"item": "B4", "in": [1, 7]}),
        ["item PA2", "tests item B4 for 7", "not one of its values (1, 2, 3)"],
    ),
    (
        "malformed skip rule",
        lambda c: _item(c, "PA2").update(show_if={"item": "B4", "above": 1}),
        ["item PA2", "show_if", "not a valid show_if condition"],
    ),
    (
        "duplicate item code",
        lambda c: _item(c, "TC3").update(code="TC2"),
        ["item TC2", "item code used twice"],
    ),
    (
        "unknown item type",
        lambda c: _item(c, "A1").update(type="slider"),
        ["item A1", "'slider' is not one of"],
    ),
    (
        "missing English text",
        lambda c: _item(c, "CC4")["text"].pop("en"),
        ["item CC4", "field 'text'", "'en' is a required property"],
    ),
    (
        "option value equal to the no-answer code",
        lambda c: _item(c, "A1")["options"].append({"value": 9, "label": {"vi": "X", "en": "X"}}),
        ["item A1", "option value 9 is the paper no-answer code"],
    ),
    (
        "duplicate option value",
        lambda c: _item(c, "A1")["options"].append({"value": 1, "label": {"vi": "X", "en": "X"}}),
        ["item A1", "option value 1 is used twice"],
    ),
    (
        "component without items",
        lambda c: c["index"]["components"].append({"code": "ZZ", "name": {"vi": "Z", "en": "Z"}}),
        ["component ZZ", "no satisfaction item belongs to it"],
    ),
    (
        "satisfaction item without a component",
        lambda c: _item(c, "KQ1").pop("component"),
        ["item KQ1", "a satisfaction item needs a component, unless it is the index's global_item"],
    ),
    (
        "global item inside a component",
        lambda c: _item(c, "HL").__setitem__("component", "KQ"),
        ["item HL", "the global item stands outside the index: give it no component"],
    ),
    (
        "global item that is not there",
        lambda c: c["index"].__setitem__("global_item", "ZZ9"),
        ["index", "global_item ZZ9 is not a satisfaction item of the file"],
    ),
    (
        "unknown key on an item",
        lambda c: _item(c, "TT1").update(colour="red"),
        ["item TT1", "unknown key", "'colour'"],
    ),
    (
        "threshold out of the scale",
        lambda c: c["index"].update(threshold=6),
        ["field 'index.threshold'", "6 is greater than the maximum of 5"],
    ),
    (
        "bad item code",
        lambda c: _item(c, "E10").update(code="10 comments"),
        ["is not a valid code"],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [(m, e) for _, m, e in BROKEN], ids=[name for name, *_ in BROKEN]
)
def test_a_broken_questionnaire_gets_an_error_naming_file_item_and_problem(
    mutate, expected, tmp_path
):
    path = tmp_path / "broken.yaml"
    path.write_text(_broken(mutate), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_file(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message


def test_yaml_syntax_errors_give_the_line_and_column(tmp_path):
    path = tmp_path / "syntax.yaml"
    path.write_text("code: x\ntitle: {vi: a, en: b\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"syntax.yaml: line 3, column 1: not valid YAML"):
        load_file(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [("- a list\n", "must hold a mapping"), ("", "must hold a mapping")],
)
def test_a_file_that_is_not_a_mapping_is_refused(content, message, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=message):
        load_file(path)


def test_a_missing_or_binary_file_is_refused_clearly(tmp_path):
    with pytest.raises(QuestionnaireError, match="no such file"):
        load_file(tmp_path / "absent.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"code: \xff\xfe")
    with pytest.raises(QuestionnaireError, match="not UTF-8"):
        load_file(binary)


def _question(raw):
    return Question.from_raw({"code": "Q", "text": {"vi": "q", "en": "q"}, **raw}, "S")


CHOICE = {
    "type": "single_choice",
    "options": [
        {"value": 1, "label": {"vi": "a", "en": "a"}},
        {"value": 2, "label": {"vi": "b", "en": "b"}},
    ],
}


@pytest.mark.parametrize(
    ("raw", "given", "stored"),
    [
        ({"type": "satisfaction", "component": "TC"}, "4", 4),
        ({"type": "satisfaction", "component": "TC"}, 1, 1),
        (CHOICE, 2, 2),
        ({**CHOICE, "type": "multiple_choice"}, ["2", 1, 2], [1, 2]),
        ({"type": "number", "min": 0, "max": 10}, "7", 7),
        ({"type": "short_text", "max_length": 5}, "  abc ", "abc"),
        ({"type": "long_text"}, "Ý kiến", "Ý kiến"),
    ],
)
def test_answers_are_coerced_to_their_stored_form(raw, given, stored):
    assert _question(raw).coerce(given) == stored


@pytest.mark.parametrize(
    ("raw", "given", "message"),
    [
        ({"type": "satisfaction", "component": "TC"}, 6, "not a level of the 1–5 scale"),
        ({"type": "satisfaction", "component": "TC"}, "x", "not a whole number"),
        ({"type": "satisfaction", "component": "TC"}, True, "not a whole number"),
        (CHOICE, 3, "not one of the options"),
        ({**CHOICE, "type": "multiple_choice", "max_choices": 1}, [1, 2], "at most 1"),
        ({"type": "number", "min": 0, "max": 10}, 11, "above the maximum 10"),
        ({"type": "number", "min": 0}, -1, "below the minimum 0"),
        ({"type": "short_text", "max_length": 3}, "abcd", "longer than 3"),
    ],
)
def test_answers_that_do_not_fit_are_refused_with_a_reason(raw, given, message):
    with pytest.raises(InvalidAnswer, match=message):
        _question(raw).coerce(given)


def test_nested_skip_rules_combine_all_and_any():
    question = _question(
        {
            "type": "short_text",
            "show_if": {
                "all": [
                    {"item": "A", "in": [1, 2]},
                    {"any": [{"item": "B", "answered": True}, {"item": "C", "equals": 3}]},
                ]
            },
        }
    )
    assert question.show_if.is_met({"A": 1, "B": "x"})
    assert question.show_if.is_met({"A": 2, "C": 3})
    assert not question.show_if.is_met({"A": 1})
    assert not question.show_if.is_met({"A": 3, "B": "x"})
    assert question.show_if.is_met({"A": [3, 1], "C": 3}), "a list answer matches any value"


@pytest.mark.parametrize(
    "schema", ["questionnaire.schema.json", "frameworks/framework.schema.json"]
)
def test_schema_files_are_themselves_valid_json_schemas(schema):
    from survey.definition_files import validator

    assert validator(Path(QUESTIONNAIRE_DIR / schema)) is not None
