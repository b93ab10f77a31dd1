import numpy as np
import pytest

from analysis import (
    Design,
    WeightingError,
    base_weights,
    cell_weights,
    margins_with_missing,
    rake,
    selection_weights,
    trim_and_rake,
)


def test_base_weights_are_dossiers_over_responses_per_cell():
    cells = ["SXD|land", "SXD|land", "SXD|civil", "BMT|land"]
    frame = {"SXD|land": 100, "SXD|civil": 30, "BMT|land": 7, "unused": 5}
    assert base_weights(cells, frame).tolist() == [50.0, 50.0, 30.0, 7.0]


def test_a_cell_without_a_frame_count_is_named():
    with pytest.raises(WeightingError, match=r"no frame count for weighting cell\(s\) BMT\|land"):
        base_weights(["SXD|land", "BMT|land"], {"SXD|land": 10})


def test_a_frame_count_below_the_responses_is_named():
    with pytest.raises(WeightingError, match=r"SXD\|land \(1 dossiers, 2 responses\)"):
        base_weights(["SXD|land", "SXD|land"], {"SXD|land": 1})


@pytest.fixture
def small():
    rng = np.random.default_rng(7)
    n = 300
    return {
        "design": Design.from_columns(strata=None, psu=np.arange(n), weights=rng.uniform(1, 4, n)),
        "gender": rng.choice(["F", "M"], n),
        "age": rng.choice(["young", "middle", "old"], n),
    }


TARGETS = {
    "gender": {"F": 510.0, "M": 490.0},
    "age": {"young": 300.0, "middle": 400.0, "old": 300.0},
}


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({"gender": {"F": 510.0}}, "respondents with gender=M .* have no population margin"),
        (
            {"gender": {"F": 500.0, "M": 400.0, "X": 100.0}},
            "margin cell gender=X has no respondents",
        ),
        (
            {
                "gender": {"F": 510.0, "M": 490.0},
                "age": {"young": 10.0, "middle": 10.0, "old": 10.0},
            },
            "add up to different population totals",
        ),
        ({"gender": {"F": 0.0, "M": 1000.0}}, "gender=F must have a positive target"),
        ({"region": {"north": 1.0}}, "margin variable\\(s\\) region have no column"),
    ],
)
def test_bad_margins_are_refused_with_the_cell_named(small, targets, message):
    with pytest.raises(WeightingError, match=message):
        rake(small["design"], {"gender": small["gender"], "age": small["age"]}, targets)


def test_raking_that_cannot_converge_lists_the_margins(small):
    with pytest.raises(WeightingError, match=r"did not converge in 2 iterations: .*gender=F"):
        rake(
            small["design"],
            {"gender": small["gender"], "age": small["age"]},
            TARGETS,
            max_iterations=2,
        )


def test_raked_weights_keep_what_the_variance_needs(small):
    raked = rake(small["design"], {"gender": small["gender"], "age": small["age"]}, TARGETS)
    assert raked.calibration.margins == ("gender", "age")
    np.testing.assert_array_equal(raked.calibration.base_weights, small["design"].weights)
    # Intercept plus one dummy per extra level: 1 + 1 + 2 columns.
    assert raked.calibration.model_matrix.shape == (300, 4)
    assert raked.weights[small["age"] == "middle"].sum() == pytest.approx(400, rel=1e-10)


def test_trimming_bounds_the_raking_factors_and_keeps_the_margins(small):
    variables = {"gender": small["gender"], "age": small["age"]}
    untrimmed = rake(small["design"], variables, TARGETS)
    factor = untrimmed.weights / small["design"].weights
    upper = float(np.quantile(factor, 0.95))
    trimmed = trim_and_rake(small["design"], variables, TARGETS, lower=0.5, upper=upper)
    trimmed_factor = trimmed.weights / small["design"].weights
    assert trimmed_factor.max() <= upper * (1 + 1e-12)
    assert trimmed_factor.min() >= 0.5
    assert factor.max() > upper
    assert trimmed.weights[small["gender"] == "F"].sum() == pytest.approx(510, rel=1e-9)


def test_impossible_trimming_is_refused(small):
    with pytest.raises(WeightingError, match="did not settle"):
        trim_and_rake(
            small["design"],
            {"gender": small["gender"], "age": small["age"]},
            TARGETS,
            lower=0.999,
            upper=1.001,
            max_iterations=50,
        )


def test_an_empty_cell_is_collapsed_into_the_rest_of_its_agency():
    cells = ["A|land"] * 4 + ["A|civil"] * 2 + ["B|land"] * 5
    frames = {"A|land": 400, "A|civil": 100, "A|post": 500, "B|land": 50, "B|civil": 0, "C|x": 70}
    group = {cell: cell.split("|")[0] for cell in frames}
    result = cell_weights(cells, frames, group)
    # A's 500 post dossiers go to land and civil in proportion 4:1; A still totals 1,000.
    assert result.weights[:4] == pytest.approx([(400 + 400) / 4] * 4)
    assert result.weights[4:6] == pytest.approx([(100 + 100) / 2] * 2)
    assert result.weights[:6].sum() == pytest.approx(1000)
    assert result.weights[6:].sum() == pytest.approx(50)
    assert [(c.cell, c.group, c.dossiers) for c in result.collapsed] == [("A|post", "A", 500)]
    assert result.unrepresented == {"C": 70}


def test_collapsing_still_refuses_cells_without_frame_counts_or_with_too_few():
    with pytest.raises(WeightingError, match="no frame count for weighting cell"):
        cell_weights(["A|land", "A|x"], {"A|land": 10}, {"A|land": "A"})
    with pytest.raises(WeightingError, match="below the number of responses"):
        cell_weights(["A|land"] * 3, {"A|land": 2, "A|civil": 100}, {"A|land": "A", "A|civil": "A"})


def test_missing_answers_to_a_margin_become_a_level_at_their_share():
    weights = np.array([1.0, 1.0, 2.0, 4.0, 2.0])
    gender = np.array(["F", "M", "", None, "F"], dtype=object)
    variables, targets = margins_with_missing(
        {"gender": gender}, {"gender": {"F": 51, "M": 49}}, weights
    )
    assert variables["gender"].tolist() == ["F", "M", "missing", "missing", "F"]
    assert targets["gender"]["missing"] == pytest.approx(6.0)
    assert targets["gender"]["F"] == pytest.approx(0.51 * 4)
    assert sum(targets["gender"].values()) == pytest.approx(weights.sum())


def test_a_margin_level_called_missing_is_refused():
    with pytest.raises(WeightingError, match="reserved"):
        margins_with_missing({"g": np.array(["a"])}, {"g": {"missing": 1, "a": 1}}, np.ones(1))


def test_a_type_without_respondents_folds_into_the_agency_and_a_silent_agency_is_listed():
    frames = {"A|F|citizen": 100.0, "A|F|organisation": 50.0, "B|F|citizen": 30.0}
    group_of = {cell: "|".join(cell.split("|")[::2]) for cell in frames}
    parent_of = {group: group.split("|")[0] for group in group_of.values()}
    cells = np.array(["A|F|citizen"] * 4)
    weighting = cell_weights(cells, frames, group_of, parent_of)
    # A's four citizens carry its 150 dossiers; B answered nothing and cannot be folded.
    np.testing.assert_allclose(weighting.weights, [37.5] * 4)
    assert [(c.cell, c.group) for c in weighting.collapsed] == [("A|organisation", "A")]
    assert weighting.unrepresented == {"B": 30.0}
    # Without parents, the organisations of A are a group of their own, unrepresented.
    flat = cell_weights(cells, frames, group_of)
    np.testing.assert_allclose(flat.weights, [25.0] * 4)
    assert flat.unrepresented == {"A|organisation": 50.0, "B|citizen": 30.0}


def test_selection_weighting_names_answer_cells_where_no_invitation_was_drawn():
    selected = {"A|land|citizen": 40.0}
    group = {"A|land|citizen": "A|citizen"}
    cells = ["A|land|citizen", "A|civil|citizen", "A|land|organisation"]
    with pytest.raises(WeightingError) as raised:
        selection_weights(cells, np.array([0.5, 0.5, 0.5]), selected, group)
    message = str(raised.value)
    assert message.startswith("selection weighting:")
    assert "A|civil|citizen, A|land|organisation" in message
    assert "A|land|citizen," not in message
