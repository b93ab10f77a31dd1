import pytest

from analysis.errors import AnalysisError
from analysis.reform import Criterion, rank_with_ties, score

CRITERIA = [
    Criterion("1.1", 4),
    Criterion("1.2", 6),
    Criterion("8.1", 10, index="SIPAS"),
    Criterion("B", 2, bonus=True),
]


def test_points_are_summed_and_survey_criteria_take_max_times_index():
    result = score(CRITERIA, "A", {"1.1": 3.5, "1.2": 6, "B": 1}, {"SIPAS": 82.5})
    # 3.5 + 6 + 10 × 82.5 / 100 + 1 bonus = 18.75 of a maximum of 20 (the bonus is outside it)
    assert result.points["8.1"] == pytest.approx(8.25)
    assert result.total == pytest.approx(18.75)
    assert result.maximum == 20
    assert result.reform_index == pytest.approx(93.75)
    assert result.complete


def test_bonus_points_can_take_the_index_above_100():
    result = score(CRITERIA, "A", {"1.1": 4, "1.2": 6, "B": 2}, {"SIPAS": 100})
    assert result.reform_index == pytest.approx(110)


def test_missing_points_count_as_zero_and_are_listed():
    result = score(CRITERIA, "A", {"1.1": 4}, {"SIPAS": None})
    assert result.total == 4
    assert result.missing == ("1.2", "8.1", "B")
    assert not result.complete


@pytest.mark.parametrize("points", [-0.5, 4.01])
def test_entered_points_outside_zero_to_max_are_refused(points):
    with pytest.raises(AnalysisError, match=r"criterion 1\.1.*outside 0\.\.4"):
        score(CRITERIA, "A", {"1.1": points}, {})


def test_ties_share_a_rank_and_the_next_rank_is_skipped():
    ranks = rank_with_ties({"a": 91.2, "b": 88.0, "c": 88.0, "d": 70.0})
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_ties_are_judged_on_the_published_two_decimals():
    ranks = rank_with_ties({"a": 88.004, "b": 88.001, "c": 88.006})
    assert ranks == {"c": 1, "a": 2, "b": 2}


def test_standings_give_rank_intervals_and_tiers_the_data_can_tell_apart():
    import numpy as np

    from analysis.reform import standings

    indices = {"A": 90.0, "B": 89.5, "C": 70.0, "D": 50.0}
    se = np.array([2.0, 2.0, 0.5, 0.5])
    result = {s.agency: s for s in standings(indices, np.diag(se**2), [40, 40, 40, 40])}
    assert [result[c].rank for c in "ABCD"] == [1, 2, 3, 4]
    assert result["A"].tier == result["B"].tier == 1, "0.5 points apart with SE 2: a tie"
    assert (result["C"].tier, result["D"].tier) == (2, 3)
    assert result["B"].rank_low == 1
    assert result["A"].rank_high == 2
    assert result["C"].rank_low == result["C"].rank_high == 3
    assert result["A"].ci_low < 90 < result["A"].ci_high
    exact = standings({"A": 80.0, "B": 80.0, "C": 60.0}, np.zeros((3, 3)), [10, 10, 10])
    assert [(s.rank, s.rank_low, s.rank_high, s.tier) for s in exact] == [
        (1, 1, 1, 1),
        (1, 1, 1, 1),
        (3, 3, 3, 2),
    ]
