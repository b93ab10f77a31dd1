import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from survey.audit.models import AuditEvent
from survey.campaigns.models import Campaign
from survey.charts import Interval, bar_chart, interval_chart, priority_matrix
from survey.dashboard.services import planned_sample
from survey.reform.models import ReformPoints
from survey.reform.services import league
from survey.runs.models import AnalysisRun
from survey.runs.services import run


@pytest.fixture
def analysed(runner, db):
    result = runner.invoke(args=["demo", "seed", "--responses", "1200", "--seed", "5"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
    stored = run(campaign, actor="test")
    db.session.commit()
    return campaign, stored


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_results_pages_show_the_runs_numbers_and_both_league_tables(client, login_as, analysed):
    campaign, stored = analysed
    login_as("evaluator")
    page = _text(client.get("/results/demo?lang=en"))
    # The league first, as the run recorded it (the same as made from its indices now).
    table = league(campaign, stored)
    assert page.count('<table class="league"') == 2
    first = table.groups["departments"][0]
    assert f"{first.score.reform_index:.2f}" in page
    satisfaction = _text(client.get("/results/demo/satisfaction?lang=en"))
    province = stored.results["province"]["SIPAS"]
    assert f"Province: {100 * province['estimate']:.2f}%" in satisfaction
    # Every agency's index as the run stored it, and its rank interval.
    for agency, rows in stored.results["agencies"].items():
        assert f"{100 * rows['SIPAS']['estimate']:.2f}" in satisfaction, agency
    # One dot-and-whisker chart per ranking group, each with its own axis (no CDN, no JS).
    assert satisfaction.count("<svg") >= 2
    # Each page's contents bar leads to the others, the current one marked.
    for path in ("", "/satisfaction", "/small-areas", "/dossiers", "/responses"):
        shown = _text(client.get(f"/results/demo{path}?lang=en"))
        tabs = shown[shown.index('<nav class="tabs"') :]
        tabs = tabs[: tabs.index("</nav>")]
        assert tabs.count('aria-current="page"') == 1, path
        assert 'href="/results/demo/responses' in shown, path


def test_results_tables_are_filtered_by_name_group_and_flag(client, login_as, analysed):
    _campaign, stored = analysed
    login_as("evaluator")
    every = _text(client.get("/results/demo/satisfaction?lang=en"))
    rows = every.count('<tr data-name="')
    assert rows == len(stored.results["agencies"])
    # Accents and case do not matter: "xay dung" finds Sở Xây dựng.
    named = _text(client.get("/results/demo/satisfaction?lang=en&q=xay+dung"))
    assert named.count('<tr data-name="') == 1
    assert 'data-name="SXD ' in named
    departments = _text(client.get("/results/demo/satisfaction?group=departments"))
    assert 0 < departments.count('<tr data-name="') < rows
    assert 'data-group="communes"' not in departments
    flagged = _text(client.get("/results/demo/satisfaction?flag=low_precision"))
    expected = sum(
        1
        for entries in stored.results["agencies"].values()
        if entries["SIPAS"]["low_precision"]
        and not entries["SIPAS"]["suppressed"]
        and not entries["SIPAS"]["not_estimable"]
    )
    assert flagged.count('<tr data-name="') == expected
    league_page = _text(client.get("/results/demo?group=departments"))
    assert league_page.count('<table class="league"') == 1


def test_numbers_on_vietnamese_pages_are_written_the_vietnamese_way(client, login_as, analysed):
    """96,04 and 2.276 in Vietnamese, as in the reports, not 96.04 and 2,276."""
    _campaign, stored = analysed
    login_as("evaluator")
    page = _text(client.get("/results/demo/agencies/SXD"))
    entry = stored.results["agencies"]["SXD"]["SIPAS"]
    assert f"{100 * entry['estimate']:.2f}".replace(".", ",") + "%" in page
    low, high = 100 * entry["ci_low"], 100 * entry["ci_high"]
    assert f"{low:.2f}–{high:.2f}".replace(".", ",") in page
    overview = _text(client.get("/results/demo/satisfaction"))
    province = stored.results["province"]["SIPAS"]
    assert f"{province['n']:,}".replace(",", ".") in overview


def test_the_agency_page_shows_components_items_and_reform_points(client, login_as, analysed):
    campaign, stored = analysed
    login_as("evaluator")
    page = _text(client.get("/results/demo/agencies/SXD?lang=en"))
    rows = stored.results["agencies"]["SXD"]
    assert f"{100 * rows['SIPAS']['estimate']:.2f}%" in page
    for code in ("TC", "TT", "CC", "KQ", "PA", "TC1", "PA3"):
        assert f"{100 * rows[code]['estimate']:.2f}" in page, code
    reform = league(campaign, stored).row("SXD")
    assert f"{reform.score.reform_index:.2f}" in page
    assert "Trend" in page


def test_an_agency_viewer_sees_only_their_agency(client, login_as, analysed):
    login_as("agency-viewer", agency_code="SXD")
    response = client.get("/results/demo")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/results/demo/agencies/SXD")
    assert client.get("/results/demo/agencies/SXD").status_code == 200
    assert client.get("/results/demo/agencies/SCT").status_code == 403
    assert client.get("/results/demo/points/SXD").status_code == 403
    assert client.post("/results/demo/runs").status_code == 403
    assert client.get("/results/demo/points.csv").status_code == 403


def test_the_run_button_stores_a_new_run(client, login_as, analysed, db):
    _campaign, stored = analysed
    login_as("evaluator")
    response = client.post("/results/demo/runs")
    assert response.status_code == 303, "the run is a job: its page follows it"
    assert "/jobs/" in response.headers["Location"]
    finished = client.get(response.headers["Location"])  # jobs run at once in tests
    newest = db.session.scalar(select(func.max(AnalysisRun.id)))
    assert newest > stored.id
    assert finished.headers["Location"].endswith(f"/results/demo?run={newest}")
    # Same data, same hash: the run is reproducible.
    assert db.session.get(AnalysisRun, newest).data_hash == stored.data_hash


def test_points_typed_on_the_page_are_checked_saved_and_audited(client, login_as, analysed, db):
    campaign, _ = analysed
    login_as("evaluator")
    bad = client.post("/results/demo/points/SXD", data={"self-1.1": "9", "appraised-1.1": "x"})
    assert bad.status_code == 400
    assert _text(bad).count('class="field-errors"') == 2
    agency = next(a for a in campaign.agencies if a.code == "SXD")
    before = db.session.get(ReformPoints, (campaign.id, agency.id, "1.1")).appraised_points
    assert before != 2.75
    good = client.post("/results/demo/points/SXD", data={"self-1.1": "3", "appraised-1.1": "2,75"})
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReformPoints, (campaign.id, agency.id, "1.1")).appraised_points == 2.75
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "reform.points")
        .order_by(AuditEvent.id.desc())
    ).all()
    # Only the criterion that changed is recorded.
    assert [e.entity_id for e in event if e.user_id is not None] == ["demo/SXD/1.1"]
    event = event[0]
    assert event.entity_id == "demo/SXD/1.1"
    assert event.after["appraised_points"] == 2.75


def test_points_round_trip_through_the_csv_export_and_import(client, login_as, analysed, db):
    login_as("evaluator")
    exported = client.get("/results/demo/points.csv").data
    assert exported.startswith(b"\xef\xbb\xbfagency_code,criterion,self_points,appraised_points")
    changed = exported.replace(b"SXD,1.1,", b"SXD,1.1,4,4,x", 1)  # one broken row
    from io import BytesIO

    response = client.post(
        "/results/demo/points/import",
        data={"file": (BytesIO(changed), "points.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    response = client.post(
        "/results/demo/points/import",
        data={"file": (BytesIO(exported), "points.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302  # nothing changed, nothing refused


def test_planned_sample_follows_yamane():
    assert planned_sample(1000) == 286  # 1000 / (1 + 1000 × 0.05²)
    assert planned_sample(0) == 0


def test_charts_are_valid_svg_and_escape_their_labels():
    chart = interval_chart(
        [
            Interval("<script>x</script>", 80, 70, 90),
            Interval("empty", None),
            Interval("m", 50, 40, 60, muted=True),
        ],
        title="t & u",
        reference=75,
        reference_label="Tỉnh",
    )
    root = ET.fromstring(str(chart))  # noqa: S314 (our own markup)
    assert root.tag.endswith("svg")
    assert "<script>" not in str(chart)
    assert 'fill="#fff"' in str(chart)  # the muted one is an open circle
    for other in (
        bar_chart([("a", 3), ("b", 0)], title="bars"),
        priority_matrix([("TC", 20, 80), ("TT", 30, 70)], title="m", x_label="x", y_label="y"),
    ):
        ET.fromstring(str(other))  # noqa: S314


def test_key_drivers_show_each_importance_with_its_interval_and_what_the_model_explains(
    client, login_as, analysed
):
    _campaign, stored = analysed
    login_as("evaluator")
    fitted = stored.results["drivers"]
    assert fitted["components"], fitted
    satisfaction = _text(client.get("/results/demo/satisfaction?lang=en"))
    table = satisfaction[satisfaction.index('<table class="drivers">') :]
    table = table[: table.index("</table>")]
    for driver in fitted["components"]:
        low, high = driver["importance_low"], driver["importance_high"]
        assert 0 <= low <= driver["importance"] <= high <= 1
        assert f"{100 * low:.0f}–{100 * high:.0f}" in table, driver
    r_squared = fitted["r_squared"]
    assert f"(R² = {r_squared:.2f}, " in satisfaction
    # The warning follows the run's own R², on the province's agency pages as well.
    warned = "That is little:" in satisfaction
    assert warned == (r_squared < 0.3)
    agency = _text(client.get("/results/demo/agencies/SXD?lang=en"))
    assert '<table class="drivers">' in agency
    assert "This agency (%)" in agency
    assert ("That is little:" in agency) == warned


def test_results_show_who_answered_and_the_assumption_beside_them(client, login_as, analysed):
    """Answers per 100 dossiers (from the run's own frame totals) beside each agency's
    index and the province's, with the assumption every interval rests on."""
    _campaign, stored = analysed
    login_as("evaluator")
    totals = stored.parameters["design"]["type_totals"]
    answers = stored.results["agencies"]["SXD"]["SIPAS"]["n"]
    dossiers = sum(totals["SXD"].values())
    agency = _text(client.get("/results/demo/agencies/SXD?lang=en"))
    sentence = agency[agency.index('data-plain="participation"') :]
    assert f"{answers:,} answers from the {round(dossiers):,} dossiers the agency returned" in (
        sentence
    )
    assert f"({100 * answers / dossiers:.1f} per 100 dossiers)" in sentence
    assert "not who chose to answer" in sentence
    province = _text(client.get("/results/demo/satisfaction?lang=en"))
    whole = sum(sum(kinds.values()) for kinds in totals.values())
    n = stored.results["province"]["SIPAS"]["n"]
    assert f"{n:,} answers from the {round(whole):,} dossiers the agencies returned" in province


def test_no_results_page_computes_dossier_figures_from_the_raw_records(
    client, login_as, analysed, monkeypatch
):
    """The run job computes the dossiers' figures and records them (run_snapshot); pages
    only read that record, so every worker process shows the same and none waits for a
    pass over hundreds of thousands of records (issue #34)."""
    from survey.dossiers import timeliness

    def refuse(*_args, **_kwargs):
        raise AssertionError("a request computed timeliness from the dossier records")

    monkeypatch.setattr(timeliness, "_timeliness", refuse)
    login_as("evaluator")
    for path in ("", "/satisfaction", "/small-areas", "/dossiers", "/responses", "/agencies/SXD"):
        response = client.get(f"/results/demo{path}")
        assert response.status_code == 200, path
