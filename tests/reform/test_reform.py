import re
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from survey.audit.models import AuditEvent
from survey.csv_files import CsvError
from survey.reform import services
from survey.reform.framework import DEMO_FRAMEWORK, FrameworkError, load_file, load_text
from survey.reform.models import ReformFramework, ReformPoints
from tests import factories
from tests.reform.conftest import SMALL_FRAMEWORK, agency, previous_of, store_run


def test_the_demo_framework_is_valid_and_worth_100_points():
    framework = load_file(DEMO_FRAMEWORK)
    assert framework.maximum == 100
    assert "SIPAS" in framework.survey_indices


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("max_points: 6", "max_points: -6"), "criterion 1.2 (field F1), key 'max_points'"),
        (('code: "1.2"', 'code: "1.1"'), "criterion 1.1: criterion code used twice"),
        (("code: F8", "code: F1"), "field F1: field code used twice"),
        (("index: SIPAS", "index: SIPAS, weight: 2"), "unknown key ('weight' was unexpected)"),
        (("fields:", "fields: []\nx:"), "unknown key"),
    ],
)
def test_broken_frameworks_are_refused_naming_the_place(change, message):
    with pytest.raises(FrameworkError) as error:
        load_text(SMALL_FRAMEWORK.replace(*change), "small.yaml")
    assert message in str(error.value)
    assert str(error.value).startswith("small.yaml: ")


def test_importing_the_same_framework_twice_stores_it_once(db):
    factories.questionnaire_version()  # the questionnaire that computes its SIPAS index
    first, new = services.import_framework(text=SMALL_FRAMEWORK, actor="test")
    again, new_again = services.import_framework(text=SMALL_FRAMEWORK + "\n# comment\n", actor="t")
    assert (new, new_again) == (True, False)
    assert first.id == again.id
    changed, _ = services.import_framework(
        text=SMALL_FRAMEWORK.replace("max_points: 4", "max_points: 5"), actor="test"
    )
    assert changed.id != first.id


def test_points_are_saved_with_vietnamese_decimal_commas_and_audited(small_campaign, db):
    s1 = agency(small_campaign, "S1")
    changed = services.save_points(
        small_campaign, {(s1, "1.1"): ("4", "3,5")}, actor="test", user_id=None
    )
    assert changed == 1
    row = db.session.get(ReformPoints, (small_campaign.id, s1.id, "1.1"))
    assert (row.self_points, row.appraised_points) == (4.0, 3.5)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reform.points")).one()
    assert event.after == {"self_points": 4.0, "appraised_points": 3.5}
    # Saving the same values again is not a change and leaves no second event.
    assert (
        services.save_points(small_campaign, {(s1, "1.1"): ("4", "3.5")}, actor="t", user_id=None)
        == 0
    )


@pytest.mark.parametrize(
    ("criterion", "values", "column", "message"),
    [
        ("1.1", ("5", ""), "self_points", "more than the maximum of 4 points"),
        ("1.1", ("", "-1"), "appraised_points", "is not a number of points"),
        ("1.1", ("", "1.555"), "appraised_points", "is not a number of points"),
        ("1.1", ("abc", ""), "self_points", "is not a number of points"),
        ("9.9", ("1", "1"), "criterion", "is not a criterion of the framework"),
        ("8.1", ("1", "1"), "criterion", "takes its points from the survey index SIPAS"),
    ],
)
def test_bad_points_are_refused_and_nothing_is_saved(
    small_campaign, db, criterion, values, column, message
):
    s1 = agency(small_campaign, "S1")
    with pytest.raises(services.PointsError) as error, force_locale("en"):
        services.save_points(
            small_campaign,
            {(s1, "1.2"): ("6", "6"), (s1, criterion): values},
            actor="test",
            user_id=None,
        )
    assert list(error.value.problems) == [("S1", criterion, column)]
    assert message in error.value.problems[("S1", criterion, column)]
    assert db.session.scalars(select(ReformPoints)).all() == []


def test_a_points_file_is_imported_whole(small_campaign, db):
    data = (
        b"agency_code,criterion,self_points,appraised_points\nS1,1.1,4,3.5\nS1,1.2,6,5\nH1,1.1,,2\n"
    )
    assert services.import_points(small_campaign, data, actor="test", user_id=None) == 3
    assert len(db.session.scalars(select(ReformPoints)).all()) == 3


def test_a_points_file_with_one_bad_row_changes_nothing_and_names_each_row(small_campaign, db):
    data = (
        b"agency_code,criterion,self_points,appraised_points\n"
        b"S1,1.1,4,3.5\nXX,1.1,1,1\nS1,1.2,7,5\nS1,1.1,1,1\n"
    )
    with pytest.raises(CsvError) as error:
        services.import_points(small_campaign, data, actor="test", user_id=None)
    problems = [(p.row, p.column) for p in error.value.problems]
    # Every bad row at once: the unknown agency, the value over the maximum, the duplicate.
    assert problems == [(3, "agency_code"), (4, "self_points"), (5, "criterion")]
    assert db.session.scalars(select(ReformPoints)).all() == []


def _enter(campaign, points):
    services.save_points(
        campaign,
        {(agency(campaign, code), c): ("", str(v)) for (code, c), v in points.items()},
        actor="test",
        user_id=None,
    )


def test_the_league_scores_ranks_within_groups_and_shares_ties(small_campaign, db):
    _enter(
        small_campaign,
        {
            ("S1", "1.1"): 4,
            ("S1", "1.2"): 5,
            ("S2", "1.1"): 3,
            ("S2", "1.2"): 6,
            ("S2", "B"): 1,
            ("H1", "1.1"): 2,
            ("H1", "1.2"): 2,
            ("H2", "1.1"): 4,
        },
    )
    store_run(small_campaign, {"S1": 0.90, "S2": 0.80, "H1": 0.50, "H2": 0.40})
    league = services.league(small_campaign)
    # S1: 4 + 5 + 9 = 18 → 90 %; S2: 3 + 6 + 8 + 1 bonus = 18 → 90 %: a shared first place.
    departments = league.groups["departments"]
    assert [(r.agency.code, r.rank, r.score.reform_index) for r in departments] == [
        ("S1", 1, pytest.approx(90.0)),
        ("S2", 1, pytest.approx(90.0)),
    ]
    districts = league.groups["districts"]
    # H1: 2 + 2 + 5 = 9 → 45 %; H2: 4 + 4 = 8 → 40 %, with 1.2 missing.
    assert [(r.agency.code, r.rank) for r in districts] == [("H1", 1), ("H2", 2)]
    assert districts[1].score.missing == ("1.2", "B")
    assert list(league.groups) == ["departments", "districts"]


def test_without_a_run_the_survey_criteria_are_missing_not_hidden(small_campaign, db):
    _enter(small_campaign, {("S1", "1.1"): 4})
    row = services.league(small_campaign).row("S1")
    assert row.score.total == 4
    assert "8.1" in row.score.missing


def test_the_league_is_compared_with_the_previous_period(small_campaign, db):
    before = previous_of(small_campaign, code="prev")
    services.save_points(
        before, {(agency(before, "S1"), "1.1"): ("", "2")}, actor="test", user_id=None
    )
    store_run(before, {"S1": 0.5})
    _enter(small_campaign, {("S1", "1.1"): 4})
    store_run(small_campaign, {"S1": 0.9})
    league = services.league(small_campaign)
    assert league.previous.code == "prev"
    row = league.row("S1")
    # before: 2 + 5 = 7 → 35 %; now: 4 + 9 = 13 → 65 %
    assert row.previous_index == pytest.approx(35)
    assert row.change == pytest.approx(30)
    assert row.previous_rank == 1
    assert league.row("S2").change == pytest.approx(0)


def test_a_campaign_without_framework_has_no_league(db):
    from tests import factories

    assert services.league(factories.campaign()) is None


def test_cli_imports_a_framework_and_points_and_prints_the_league(
    runner, small_campaign, db, tmp_path
):
    framework = tmp_path / "f.yaml"
    framework.write_text(SMALL_FRAMEWORK.replace("max_points: 6", "max_points: 7"), "utf-8")
    result = runner.invoke(
        args=["reform", "import", str(framework), "--campaign", small_campaign.code]
    )
    assert result.exit_code == 0, result.output
    assert "11 points" not in result.output
    assert "21 points" in result.output
    points = tmp_path / "p.csv"
    points.write_text("agency_code,criterion,self_points,appraised_points\nS1,1.2,7,7\n", "utf-8")
    result = runner.invoke(
        args=["reform", "points", "--campaign", small_campaign.code, "--file", str(points)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["reform", "league", "--campaign", small_campaign.code])
    assert result.exit_code == 0, result.output
    assert "S1" in result.output
    assert "33.33" in result.output


def test_cli_reports_a_broken_points_file_and_imports_nothing(runner, small_campaign, db, tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("agency_code,criterion,self_points,appraised_points\nS1,1.2,9,9\n", "utf-8")
    result = runner.invoke(
        args=["reform", "points", "--campaign", small_campaign.code, "--file", str(points)]
    )
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert "2, " in result.output  # the row, in the default language
    assert "appraised_points" in result.output
    assert db.session.scalars(select(ReformPoints)).all() == []


def test_frameworks_cannot_be_edited_once_stored(db):
    factories.questionnaire_version()
    framework, _ = services.import_framework(text=SMALL_FRAMEWORK, actor="test")
    framework.code = "other"
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    assert (
        db.session.scalars(select(ReformFramework).where(ReformFramework.code == "other")).all()
        == []
    )


def test_before_any_run_there_is_no_league_on_the_pages_and_a_provisional_one_printed(
    runner, small_campaign, client, login_as, db
):
    """The league is made by a run (a run is a record): before any, the pages say so and
    rank nothing; the command line prints the points so far, without ranks."""
    assert services.league(small_campaign).provisional
    db.session.commit()
    login_as("evaluator")
    page = client.get(f"/results/{small_campaign.code}?lang=en").get_data(as_text=True)
    assert "No analysis run yet: the league is made by the analysis run" in page
    assert '<table class="league"' not in page
    agency_page = client.get(f"/results/{small_campaign.code}/agencies/S1?lang=en")
    assert "No analysis run yet: the reform index comes" in agency_page.get_data(as_text=True)
    printed = runner.invoke(args=["reform", "league", "--campaign", small_campaign.code]).output
    assert "provisional: no analysis run yet" in printed
    assert not re.search(r"^\s+1\s+S", printed, re.M), "no rank is printed"


def test_a_criterion_takes_the_on_time_rate_of_the_dossier_records(db):
    """index: ON_TIME: points = maximum × the agency's share of dossiers returned on time
    in the campaign's period (3 of 4 → 7.5 of 10); an agency without records misses it."""
    from datetime import date, timedelta

    from survey.dossiers.models import DossierRecord
    from tests import factories

    text = SMALL_FRAMEWORK.replace("index: SIPAS", "index: ON_TIME")
    fast, slow = factories.agency(code="F"), factories.agency(code="N")
    field = factories.service_field(code="DD")
    service = factories.service(agency=fast, field=field)
    campaign = factories.campaign(
        agencies=[fast, slow], period_start=date(2026, 1, 1), period_end=date(2026, 6, 30)
    )
    framework, _ = services.import_framework(text=text, actor="test")
    services.set_framework(campaign, framework, actor="test")
    for i, late_days in enumerate((0, 0, 0, 3, 0)):
        returned = date(2026, 3, 1) if i < 4 else date(2026, 8, 1)  # the last: outside
        db.session.add(
            DossierRecord(
                dossier_code=f"R{i}",
                agency_id=fast.id,
                service_id=service.id,
                channel="counter",
                received_on=date(2026, 2, 1),
                due_on=returned - timedelta(days=late_days),
                returned_on=returned,
                result="approved",
            )
        )
    db.session.flush()
    store_run(campaign, {"F": 0.5, "N": 0.5})
    league = services.league(campaign)
    assert league.row("F").score.total == pytest.approx(7.5)
    assert "8.1" in league.row("N").score.missing


def test_the_league_takes_small_area_estimates_only_when_the_campaign_says_so(small_campaign, db):
    direct = {"S1": 0.90, "S2": 0.80, "H1": 0.50, "H2": 0.40}
    stored = factories.analysis_run(
        small_campaign,
        {
            "agencies": {code: {"SIPAS": {"estimate": value}} for code, value in direct.items()},
            "small_areas": {
                "districts": {
                    "index": "SIPAS",
                    "areas": {
                        "H1": {"estimate": 0.46, "shrinkage": 0.25},
                        "H2": {"estimate": 0.44, "shrinkage": 0.6},
                    },
                }
            },
        },
    )
    assert services.league(small_campaign).row("H1").score.total == pytest.approx(5)
    small_campaign.league_estimate = "small_area"
    db.session.flush()
    league = services.league(small_campaign)
    assert league.row("H1").score.total == pytest.approx(4.6)
    assert league.row("H2").score.total == pytest.approx(4.4)
    # Departments were not modelled: their direct estimates stand.
    assert league.row("S1").score.total == pytest.approx(9)
    # The league says how much of each modelled score the regression supplies: (1 - γ)
    # of the points the small-area index earns (here all of the district's points).
    from survey.reform.recorded import run_record

    rows = {r["agency"]: r for g in run_record(stored, {})["groups"].values() for r in g}
    assert rows["H1"]["regression_share"] == pytest.approx(0.75)
    assert rows["H2"]["regression_share"] == pytest.approx(0.4)
    assert rows["S1"]["regression_share"] is None


def test_the_league_compares_a_merged_agency_with_its_predecessors_and_marks_new_ones(
    small_campaign, db
):
    """S1 and S2 of the previous period merged into M (dossiers 300 and 100); N is new.
    M's previous index is the dossier-weighted mean of S1's and S2's; no previous rank."""
    from survey.agencies.models import AgencySuccession
    from survey.campaigns.models import FrameCount

    before = previous_of(small_campaign, code="prev")
    field = factories.service_field()
    for code, dossiers in (("S1", 300), ("S2", 100)):
        db.session.add(
            FrameCount(campaign=before, agency=agency(before, code), service_field=field,
                       dossiers=dossiers)
        )  # fmt: skip
    services.save_points(
        before,
        {(agency(before, "S1"), "1.1"): ("", "2"), (agency(before, "S2"), "1.1"): ("", "4")},
        actor="test",
        user_id=None,
    )
    store_run(before, {"S1": 0.5, "S2": 0.9})
    merged, new = factories.agency(code="M"), factories.agency(code="N")
    for code in ("S1", "S2"):
        db.session.add(
            AgencySuccession(
                predecessor=agency(before, code), successor=merged, kind="merge", share=1.0,
                effective_on=date(2026, 1, 1),
            )
        )  # fmt: skip
    small_campaign.agencies = [merged, new, *small_campaign.agencies[2:]]
    db.session.flush()
    store_run(small_campaign, {"M": 0.8, "N": 0.7})
    league = services.league(small_campaign)
    row = league.row("M")
    # before: S1 2 + 5 = 7 → 35 %, S2 4 + 9 = 13 → 65 %; weighted 3:1 → 42.5 %
    assert row.previous_basis == "predecessors"
    assert row.previous_sources == ("S1", "S2")
    assert row.previous_index == pytest.approx(0.75 * 35 + 0.25 * 65)
    assert row.previous_rank is None
    assert league.row("N").previous_basis == "new"
    assert league.row("N").change is None
    assert league.row("H1").previous_basis == "own"


COMPONENT_FRAMEWORK = """
code: parts
title: {vi: Bộ tiêu chí theo yếu tố, en: Component framework}
fields:
  - code: F1
    title: {vi: Chỉ đạo, en: Direction}
    criteria:
      - {code: "1.1", text: {vi: Kế hoạch, en: Plan}, max_points: 10}
  - code: F8
    title: {vi: Tác động, en: Impact}
    criteria:
      - {code: "8.1", text: {vi: SIPAS, en: SIPAS}, max_points: 6, index: SIPAS}
      - {code: "8.2", text: {vi: Tiếp cận, en: Access}, max_points: 2, index: TC}
      - {code: "8.3", text: {vi: Thủ tục, en: Procedure}, max_points: 2, index: TT}
"""


def _entry(estimate, level, *, suppressed=False):
    return {"estimate": estimate, "level": level, "suppressed": suppressed}


def test_a_withheld_index_leaves_its_agency_listed_but_unranked(small_campaign, db):
    _enter(small_campaign, {("S1", "1.1"): 4, ("S2", "1.1"): 3})
    factories.analysis_run(
        small_campaign,
        {
            "agencies": {
                "S1": {"SIPAS": _entry(1.0, "overall", suppressed=True)},  # 2 answers
                "S2": {"SIPAS": _entry(0.5, "overall")},
            }
        },
    )
    league = services.league(small_campaign)
    s1, s2 = league.row("S1"), league.row("S2")
    # S1's one perfect answer would have put it first; it is listed, not ranked on it.
    assert s1.unranked
    assert s1.rank is None
    assert s1.change is None
    assert "8.1" in s1.score.missing
    assert s2.rank == 1
    assert not s2.unranked


def test_a_component_nobody_answered_is_scored_as_the_index_treats_it(db):
    campaign = factories.campaign(agencies=[factories.agency(code="S1")])
    framework, _new = services.import_framework(text=COMPONENT_FRAMEWORK, actor="test")
    services.set_framework(campaign, framework, actor="test")
    services.save_points(
        campaign, {(campaign.agencies[0], "1.1"): ("", "10")}, actor="test", user_id=None
    )
    factories.analysis_run(
        campaign,
        {
            "agencies": {
                "S1": {
                    "TC": _entry(0.9, "component"),
                    "TT": _entry(None, "component"),  # no respondent answered it
                    "SIPAS": _entry(0.8, "overall"),
                }
            }
        },
    )
    row = services.league(campaign).row("S1")
    # SIPAS averages the components answered (0.8); TT takes that, not 0 of 2 points:
    # 10 + 6 × 0.8 + 2 × 0.9 + 2 × 0.8 = 18.2.
    assert row.score.total == pytest.approx(18.2)
    assert row.imputed == ("8.3",)
    assert "8.3" not in row.score.missing
