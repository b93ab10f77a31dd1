"""Agency lineage: trends and "since the previous campaign" follow merges, splits and
renames, with earlier figures computed by hand here."""

from __future__ import annotations

import math
from datetime import date

import pytest

from survey.agencies import lineage
from survey.agencies.models import AgencySuccession
from survey.campaigns.models import FrameCount
from survey.extensions import db
from survey.results import trend
from survey.runs.lineage import Lineage
from survey.runs.services import _compare_with, stored_table
from tests import factories

CODE = "SIPAS"


def entry(estimate, se, n=50, df=20):
    return {
        CODE: {"estimate": estimate, "se": se, "df": df, "n": n, "ci_low": None, "ci_high": None}
    }


def succeed(before, after, kind="merge", share=1.0, on=date(2025, 7, 1)):
    db.session.add(
        AgencySuccession(
            predecessor=before, successor=after, kind=kind, share=share, effective_on=on
        )
    )
    db.session.flush()


def frames(campaign, counts):
    field = factories.service_field()
    for agency, dossiers in counts.items():
        db.session.add(
            FrameCount(campaign=campaign, agency=agency, service_field=field, dossiers=dossiers)
        )
    db.session.flush()


@pytest.fixture
def structure(db):
    """Three campaigns: 2022 and 2024 on the old structure (districts A, B, C;
    departments F, P, D), 2026 on the new one: M = A + B merged, C split into S1 (60%)
    and S2 (40%), F absorbed P keeping its code, D renamed R."""
    agencies = {
        code: factories.agency(code=code)
        for code in ("A", "B", "C", "F", "P", "D", "M", "S1", "S2", "R")
    }
    version = factories.questionnaire_version()
    c2022 = factories.campaign(
        questionnaire_version=version, period_start=date(2022, 1, 1), period_end=date(2022, 12, 31)
    )
    c2024 = factories.campaign(
        questionnaire_version=version, period_start=date(2024, 1, 1), period_end=date(2024, 12, 31)
    )
    c2026 = factories.campaign(
        questionnaire_version=version, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    a = agencies
    frames(
        c2022, {a["A"]: 1000, a["B"]: 3000, a["C"]: 2000, a["F"]: 500, a["P"]: 1500, a["D"]: 800}
    )
    frames(c2024, {a["A"]: 1000, a["B"]: 1000, a["C"]: 2000, a["F"]: 600, a["P"]: 200, a["D"]: 900})
    run2022 = factories.analysis_run(
        c2022,
        {
            "agencies": {
                "A": entry(0.70, 0.03),
                "B": entry(0.80, 0.04),
                "C": entry(0.75, 0.02),
                "F": entry(0.85, 0.02),
                "P": entry(0.65, 0.05),
                "D": entry(0.90, 0.01),
            }
        },
    )
    run2024 = factories.analysis_run(
        c2024,
        {
            "agencies": {
                "A": entry(0.72, 0.03),
                "B": entry(0.82, 0.04),
                "C": entry(0.78, 0.02),
                "F": entry(0.86, 0.02),
                "P": entry(0.70, 0.05),
                "D": entry(0.91, 0.01),
            }
        },
    )
    succeed(a["A"], a["M"])
    succeed(a["B"], a["M"])
    succeed(a["C"], a["S1"], "split", 0.6)
    succeed(a["C"], a["S2"], "split", 0.4)
    succeed(a["P"], a["F"], on=date(2025, 3, 1))
    succeed(a["D"], a["R"], "rename", on=date(2025, 3, 1))
    run2026 = factories.analysis_run(
        c2026,
        {
            "agencies": {
                "M": entry(0.79, 0.03),
                "S1": entry(0.81, 0.03),
                "S2": entry(0.70, 0.05),
                "F": entry(0.88, 0.02),
                "R": entry(0.93, 0.01),
            }
        },
    )
    return agencies, (run2022, run2024, run2026)


def test_a_merged_agency_is_compared_with_its_predecessors_weighted_by_dossiers(structure):
    _, (_, run2024, _run2026) = structure
    figure = Lineage().earlier_figure("M", run2024, CODE)
    # 2024 frame counts: A 1,000 and B 1,000 dossiers.
    assert figure.basis == "predecessors"
    assert figure.source_codes == ["A", "B"]
    assert figure.entry["estimate"] == pytest.approx(0.5 * 0.72 + 0.5 * 0.82)
    assert figure.entry["se"] == pytest.approx(math.sqrt(0.25 * 0.03**2 + 0.25 * 0.04**2))
    assert figure.entry["n"] == 100


def test_split_parts_inherit_their_parents_figure(structure):
    _, (_, run2024, _) = structure
    history = Lineage()
    for part in ("S1", "S2"):
        figure = history.earlier_figure(part, run2024, CODE)
        assert figure.basis == "predecessors"
        assert figure.entry["estimate"] == pytest.approx(0.78)
        assert figure.entry["se"] == pytest.approx(0.02)


def test_an_agency_that_absorbed_another_is_compared_with_both(structure):
    _, (_, run2024, _) = structure
    figure = Lineage().earlier_figure("F", run2024, CODE)
    assert figure.source_codes == ["F", "P"]
    assert figure.entry["estimate"] == pytest.approx((600 * 0.86 + 200 * 0.70) / 800)


def test_a_renamed_agency_carries_its_former_figure(structure):
    _, (_, run2024, _) = structure
    figure = Lineage().earlier_figure("R", run2024, CODE)
    assert figure.entry["estimate"] == pytest.approx(0.91)
    assert figure.source_codes == ["D"]


def test_the_trend_crosses_the_restructuring_with_each_campaigns_own_weights(structure):
    agencies, _ = structure
    points = trend(agencies["M"], CODE)
    assert [p.basis for p in points] == ["predecessors", "predecessors", "own"]
    # 2022: A 1,000 and B 3,000 dossiers.
    assert points[0].entry["estimate"] == pytest.approx(0.25 * 0.70 + 0.75 * 0.80)
    assert points[1].entry["estimate"] == pytest.approx(0.5 * 0.72 + 0.5 * 0.82)
    assert points[2].entry["estimate"] == pytest.approx(0.79)
    assert points[0].sources == ("A", "B")


def test_a_chain_of_successions_reaches_the_first_campaign(structure):
    """2027: M is renamed to N. N's 2022 figure is still A and B combined."""
    agencies, (run2022, _, _) = structure
    n = factories.agency(code="N")
    succeed(agencies["M"], n, "rename", on=date(2027, 1, 1))
    figure = Lineage().earlier_figure("N", run2022, CODE)
    assert figure.source_codes == ["A", "B"]
    assert figure.entry["estimate"] == pytest.approx(0.25 * 0.70 + 0.75 * 0.80)


def test_a_succession_before_the_earlier_campaign_is_not_followed(structure):
    """F absorbed P on 2025-03-01: against 2026's own run (begun after), F is itself."""
    _, (_, _, run2026) = structure
    assert Lineage().earlier_figure("F", run2026, CODE).basis == "own"


def test_since_the_previous_campaign_uses_lineage_and_names_new_agencies(structure):
    _agencies, (_, run2024, run2026) = structure
    factories.agency(code="NEW")
    run2026.results["agencies"]["NEW"] = entry(0.6, 0.05)
    table = stored_table(run2026.results, CODE)
    compared = {c["domain"]: c for c in _compare_with(run2024, table, CODE)["comparisons"]}
    assert compared["M"]["basis"] == "predecessors"
    assert compared["M"]["sources"] == ["A", "B"]
    assert compared["M"]["difference"] == pytest.approx(0.79 - 0.77)
    assert compared["M"]["se"] == pytest.approx(
        math.sqrt(0.03**2 + 0.25 * 0.03**2 + 0.25 * 0.04**2)
    )
    assert compared["R"]["basis"] == "predecessors"
    assert compared["NEW"]["basis"] == "new"
    assert compared["NEW"]["difference"] is None or math.isnan(compared["NEW"]["difference"])


def test_impossible_lineages_are_named():
    on = date(2025, 7, 1)
    cycle = [lineage.Link("A", "B", "merge", 1, on), lineage.Link("B", "A", "merge", 1, on)]
    assert "circle" in str(lineage.problems(cycle)[0])
    too_much = [
        lineage.Link("C", "S1", "split", 0.7, on),
        lineage.Link("C", "S2", "split", 0.5, on),
    ]
    assert "1.2" in str(lineage.problems(too_much)[0])
    partial_merge = [lineage.Link("A", "M", "merge", 0.5, on)]
    assert "(share 1)" in str(lineage.problems(partial_merge)[0])
    two_names = [lineage.Link("D", "R", "rename", 1, on), lineage.Link("D", "Q", "split", 0.0, on)]
    assert any("renamed" in str(p) for p in lineage.problems(two_names))


def test_a_part_split_off_an_agency_that_absorbed_another_inherits_the_whole(structure):
    """F absorbed P and gave a quarter of its work to a new Q on the same day: both F and
    Q are compared with F and P combined by their 2024 dossiers (a share passed on
    scales F's sources alike)."""
    agencies, (_, run2024, _) = structure
    q = factories.agency(code="Q")
    succeed(agencies["F"], q, "split", 0.25, on=date(2025, 3, 1))
    history = Lineage()
    composite = (600 * 0.86 + 200 * 0.70) / 800
    figure = history.earlier_figure("F", run2024, CODE)
    assert figure.entry["estimate"] == pytest.approx(composite)
    part = history.earlier_figure("Q", run2024, CODE)
    assert part.sources == (lineage.Source("F", 0.25), lineage.Source("P", 0.25))
    assert part.entry["estimate"] == pytest.approx(composite)
    assert part.basis == "predecessors"
