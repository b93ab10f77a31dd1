"""The household questionnaire (SIPAS since 2022) as data: three aspects, each a part of
the form with its components, one index over all of them, illustrative wording marked."""

from __future__ import annotations

import numpy as np

from analysis import Design, estimate_indices
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file

ASPECTS = {"CS": ["CS1", "CS2", "CS3"], "DV": ["DV1", "DV2"], "CB": ["YT", "GD"]}


def _definition():
    return load_file(QUESTIONNAIRE_DIR / "sipas-household.yaml")


def test_the_three_aspects_hold_their_components_and_one_index_covers_them():
    definition = _definition()
    index = definition.index
    assert [c.code for c in index.components] == [c for cs in ASPECTS.values() for c in cs]
    sections = {s.code: s for s in definition.sections}
    for aspect, components in ASPECTS.items():
        in_section = {q.component for q in sections[aspect].items if q.component}
        assert in_section == set(components), aspect
    assert definition.global_item.code == "HL"
    assert len(definition.satisfaction_items) == 16


def test_health_and_school_items_are_asked_of_households_that_used_them():
    definition = _definition()
    neither = {q.code for q in definition.visible_items({"A3": 2, "A4": 2})}
    assert not neither & {"YT1", "GD1"}
    both = {q.code for q in definition.visible_items({"A3": 1, "A4": 1})}
    assert {"YT1", "YT2", "YT3", "GD1", "GD2", "GD3"} <= both


def test_wording_not_taken_from_a_public_source_is_marked_illustrative():
    definition = _definition()
    assert "minh họa" in definition.title["vi"]
    for item in definition.satisfaction_items:
        assert "minh họa" in item.text["vi"], item.code
        assert "illustrative" in item.text["en"], item.code


def test_the_index_is_estimated_on_a_household_sample():
    """The scheme reads as the analysis takes it: households answering only the parts
    they used still count in the components they answered."""
    scheme = _definition().index.scheme
    rng = np.random.default_rng(4)
    n = 60
    answers = {code: rng.integers(1, 6, n).astype(float) for code in scheme.items}
    for code in ("YT1", "YT2", "YT3"):
        answers[code][: n // 2] = np.nan
    design = Design.from_columns(
        strata=np.repeat(["XA1", "XA2"], n // 2),
        psu=np.repeat([f"T{v}" for v in range(6)], n // 6),
        weights=np.full(n, 50.0),
    )
    table = estimate_indices(design, answers, scheme, None)
    overall = table.get("all", scheme.code)
    assert 0 < overall.estimate < 1
    assert overall.se > 0
