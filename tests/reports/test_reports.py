"""Reports: numbers from the stored run, fonts embedded, personal data masked, the HTML
behind each report pinned by a snapshot, and downloads served from the run's cache."""

import io
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from survey import results
from survey.campaigns import link_use
from survey.campaigns.models import Campaign
from survey.extensions import db as _db
from survey.reform import services as reform
from survey.reform.recorded import stored_league
from survey.reports import content, render
from survey.runs import snapshots
from survey.runs.models import AnalysisRun, RunSnapshot
from survey.runs.services import run as analyse
from tests import factories
from tests.conftest import download
from tests.reform.conftest import SMALL_FRAMEWORK

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("Gọi 0912 345 678 nhé", "Gọi [số điện thoại] nhé"),
        ("sđt +84 912.345.678", "sđt [số điện thoại]"),
        ("mail an.nguyen@example.vn giúp", "mail [e-mail] giúp"),
        ("CCCD 001203004567", "CCCD [số]"),
        ("chờ 45 phút, 2 lần", "chờ 45 phút, 2 lần"),
    ],
)
def test_personal_data_in_comments_is_masked(written, masked):
    assert content.mask_personal_data(written) == masked


# --- a fixed, hand-made run: the HTML of both reports is pinned by snapshots ---------------


def _entry(estimate, n, *, low=None, high=None, suppressed=False, low_precision=False):
    return {
        "level": "overall", "estimate": estimate, "se": 0.02, "n": n, "deff": 1.3, "df": 9,
        "ci_low": low if low is not None else estimate - 0.05,
        "ci_high": high if high is not None else estimate + 0.04,
        "low_precision": low_precision, "suppressed": suppressed, "mean": 4.1, "mean_se": 0.05,
    }  # fmt: skip


@pytest.fixture
def fixed_run(db):
    version = factories.questionnaire_version()
    definition = version.definition()
    agencies = [
        factories.agency(code="SXD", name_vi="Sở Xây dựng", name_en="Department of Construction"),
        factories.agency(code="STP", name_vi="Sở Tư pháp", name_en="Department of Justice"),
        factories.agency(
            code="LAK", name_vi="UBND huyện Lắk", name_en="Lắk district",
            kind="district", ranking_group="districts",
        ),
    ]  # fmt: skip
    campaign = factories.campaign(
        code="snap",
        name_vi="Khảo sát thử",
        name_en="Test survey",
        questionnaire_version=version,
        agencies=agencies,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )
    framework, _ = reform.import_framework(text=SMALL_FRAMEWORK, actor="test")
    reform.set_framework(campaign, framework, actor="test")
    reform.save_points(
        campaign,
        {(agencies[0], "1.1"): ("4", "3.5"), (agencies[1], "1.1"): ("3", "3")},
        actor="test",
        user_id=None,
    )
    items = [q.code for q in definition.satisfaction_items]
    components = [c.code for c in definition.index.components]
    estimates = {"SXD": 0.8243, "STP": 0.9101, "LAK": 0.6}
    agencies_rows = {}
    for code, value in estimates.items():
        rows = {c: _entry(value, 40) for c in [*items, *components, "SIPAS"]}
        if code == "LAK":
            rows = {c: _entry(value, 4, suppressed=True, low_precision=True) for c in rows}
        agencies_rows[code] = rows
    province = {c: _entry(0.85, 84) for c in [*items, *components, "SIPAS"]}
    submission = factories.submission(
        {"E10": "Gọi tôi: 0912345678, cán bộ rất nhiệt tình"},
        campaign=campaign,
        service_point=factories.service_point(agency=agencies[0]),
        submitted_at=datetime(2026, 3, 1),
    )
    assert submission.id
    # Four answers in Lắk, one of them a comment: too few to publish either.
    factories.submission(
        {"E10": "Chị Mai ở quầy 2 làm chậm"},
        campaign=campaign,
        service_point=factories.service_point(agency=agencies[2]),
        submitted_at=datetime(2026, 3, 2),
    )
    stored = AnalysisRun(
        id=9001,
        campaign_id=campaign.id,
        questionnaire_version_id=version.id,
        created_at=datetime(2026, 7, 1, 8, 0),
        cutoff_at=datetime(2026, 7, 1, 8, 0),
        actor="test",
        data_hash="ab" * 32,
        parameters={
            "design": {
                "kind": "element", "strata": "cell", "cluster": None, "psu": "respondent",
                "weighting_cell": "agency × service field", "lonely_psu": "adjust",
                "raked": False, "margins_given": {}, "margins": {},
                "collapsed_cells": [{"cell": "SXD|XD", "group": "SXD", "dossiers": 120.0}],
                "unrepresented_agencies": {},
            },
            "ci": "logit", "level": 0.95, "threshold": 4,
        },
        versions={"numpy": "2.0", "scipy": "1.14", "statsmodels": "0.14"},
        timings={},
        screening={
            "counts": {"speeder": 3, "straight_line": 1},
            "flagged": 4,
            "kept_despite_flag": 1,
            "excluded_by_decision": 2,
            "used": 84,
        },
        results={
            "agencies": agencies_rows,
            "province": province,
            "ranks": {
                "departments": [
                    {"domain": "STP", "rank": 1, "low": 1, "high": 2},
                    {"domain": "SXD", "rank": 2, "low": 1, "high": 2},
                ],
                "districts": [{"domain": "LAK", "rank": 1, "low": 1, "high": 1}],
            },
            "comparisons": [],
            "breakdowns": {
                "channel": {
                    "paper": {"SIPAS": _entry(0.8, 30)},
                    "web-qr": {"SIPAS": _entry(0.86, 54)},
                }
            },
            "drivers": {
                "components": [
                    {"component": "TC", "importance": 0.3, "importance_low": 0.1,
                     "importance_high": 0.5},
                    {"component": "CC", "importance": 0.7, "importance_low": 0.5,
                     "importance_high": 0.9},
                ],
                "outcome": "HL",
                "r_squared": 0.18,
                "n": 84,
            },
            "options": {"SXD": {"E1": {"1": 0.5, "2": 0.3, "3": 0.2}, "E4": {"1": 0.7, "2": 0.3}}},
            "design": {"rows": 84, "strata": 3, "psus": 5},
            "previous": None,
        },
    )  # fmt: skip
    _db.session.add(stored)
    _db.session.flush()
    # What the run records beside its estimates, as the run job writes it; a hand-made
    # run has no covariance table, so the league's uncertainty is written in by hand.
    content = {name: write(stored, {}) for name, write in sorted(snapshots.PARTS.items())}
    uncertainty = {
        "STP": {"ci_low": 58.2, "ci_high": 62.8, "rank_low": 1, "rank_high": 2, "tier": 1},
        "SXD": {"ci_low": 56.1, "ci_high": 61.3, "rank_low": 1, "rank_high": 2, "tier": 1},
    }
    for row in content["league"]["groups"]["departments"]:
        row.update(uncertainty[row["agency"]])
    _db.session.add(RunSnapshot(run_id=stored.id, content=content))
    _db.session.flush()
    return campaign, stored


def _copy_of(stored, results=None):
    """The same run again (runs are immutable), to record what changed since."""
    return factories.analysis_run(
        stored.campaign,
        results or stored.results,
        **{
            name: getattr(stored, name)
            for name in ("cutoff_at", "data_hash", "parameters", "versions", "screening")
        },
    )


def _check_snapshot(name: str, html: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("SURVEY_TEST_UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.write_text(html, encoding="utf-8")
        if os.environ.get("SURVEY_TEST_UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"snapshot {name} was missing and has been written; check it in")
    # No assertion rewriting here: pytest's diff of two whole reports takes minutes.
    if html != path.read_text(encoding="utf-8"):
        pytest.fail(
            f"the HTML of {name} changed; if on purpose, run with SURVEY_TEST_UPDATE_SNAPSHOTS=1"
        )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_province_report_html_matches_its_snapshot(app, fixed_run, language):
    campaign, stored = fixed_run
    with app.test_request_context():
        html = render.province_html(campaign, stored, language)
    _check_snapshot(f"province-{language}.html", html)


def test_the_agency_report_html_matches_its_snapshot(app, fixed_run):
    campaign, stored = fixed_run
    agency = next(a for a in campaign.agencies if a.code == "SXD")
    with app.test_request_context():
        html = render.agency_html(campaign, agency, stored, "vi")
    _check_snapshot("agency-SXD-vi.html", html)
    assert "0912345678" not in html
    assert "[số điện thoại]" in html


def test_comments_are_withheld_where_the_index_is_not_published(app, fixed_run):
    campaign, stored = fixed_run
    agency = next(a for a in campaign.agencies if a.code == "LAK")
    with app.test_request_context():
        html = render.agency_html(campaign, agency, stored, "en")
    assert "quầy 2" not in html
    assert "Mai" not in html
    assert "Comments are not shown where the index is not published" in html


def test_all_agency_reports_are_a_job_whose_zip_is_downloaded(
    app, client, login_as, fixed_run, tmp_path
):
    """The zip is made by a job (run at once in tests) and kept with it, so the page that
    follows the job offers it for download as often as needed."""
    import zipfile

    campaign, stored = fixed_run
    app.instance_path = str(tmp_path)
    login_as("evaluator")
    started = client.post(f"/results/{campaign.code}/agency-reports?run={stored.id}&language=en")
    assert started.status_code == 303
    page = client.get(started.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Ready." in page
    link = re.search(r'href="(/jobs/[0-9a-f]{32}/file)"', page)[1]
    for _ in range(2):
        download = client.get(link)
        assert download.status_code == 200
        assert download.mimetype == "application/zip"
        assert f"snap-agencies-run{stored.id}-en.zip" in download.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert sorted(names) == ["snap-LAK-en.pdf", "snap-STP-en.pdf", "snap-SXD-en.pdf"]


def test_small_cells_are_not_published(app, fixed_run):
    campaign, stored = fixed_run
    with app.test_request_context():
        html = render.province_html(campaign, stored, "en")
    row = re.search(r'<tr data-agency="LAK">(.*?)</tr>', html, re.S).group(1)
    assert "60.00" not in row
    assert "—" in row


# --- the real thing: a run on demo data, rendered to PDF ------------------------------------


@pytest.fixture
def demo_run(runner, db):
    result = runner.invoke(args=["demo", "seed", "--responses", "1500", "--seed", "7"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
    stored = analyse(campaign, actor="test")
    db.session.commit()
    return campaign, stored


def test_the_recorded_league_ranks_with_its_uncertainty_and_leaves_withheld_agencies_out(
    app, demo_run, tmp_path
):
    campaign, stored = demo_run
    recorded = stored_league(stored)
    withheld = {
        code
        for code, rows in stored.results["agencies"].items()
        if rows["SIPAS"]["suppressed"] or rows["SIPAS"]["estimate"] is None
    }
    assert withheld, "the demo has communes with too few answers"
    seen_unranked = 0
    for rows in recorded.groups.values():
        ranked = [r for r in rows if not r.unranked]
        for row in rows:
            if row.agency.code in withheld:
                assert row.unranked
                assert row.rank is None
                assert row.rank_low is None
                seen_unranked += 1
                continue
            assert row.rank is not None
            assert row.rank_low <= row.rank <= row.rank_high <= len(ranked)
            assert row.ci_low < row.score.reform_index < row.ci_high
        # Tiers run down the league without gaps: each starts where the last one ends.
        tiers = [r.tier for r in ranked]
        assert tiers == sorted(tiers)
        assert set(tiers) == set(range(1, max(tiers) + 1))
    assert seen_unranked == len(
        withheld & {r.agency.code for rs in recorded.groups.values() for r in rs}
    )
    communes = recorded.groups["communes"]
    # ~100 communes with a few dozen answers each: most cannot be told from a neighbour.
    wide = [r for r in communes if not r.unranked and r.rank_high - r.rank_low >= 2]
    assert len(wide) > len(communes) / 2
    app.instance_path = str(tmp_path)
    with app.test_request_context():
        text = _pdf_text(render.province_pdf(campaign, stored, "vi"))
    top = next(r for r in communes if not r.unranked)
    assert f"{top.rank_low}–{top.rank_high}" in text
    assert "chưa đủ dữ liệu khảo sát" in text


def test_the_command_line_prints_the_league_the_run_recorded_with_its_uncertainty(runner, demo_run):
    campaign, stored = demo_run
    printed = runner.invoke(args=["reform", "league", "--campaign", campaign.code])
    assert printed.exit_code == 0, printed.output
    assert f"run {stored.id}, as the run recorded it" in printed.output
    for row in stored_league(stored).groups["communes"][:5]:
        if row.unranked:
            line = f"{row.agency.code:14} {'—':>7} {'—':>7}  unranked: not enough survey data"
        else:
            line = (
                f"{row.rank:>4} {f'{row.rank_low}–{row.rank_high}':>7} {row.tier:>4}  "
                f"{row.agency.code:14} {row.score.total:>7.2f} {row.score.reform_index:>7.2f} "
                f"{f'{row.ci_low:.1f}–{row.ci_high:.1f}':>13}"
            )
        assert line in printed.output


def test_the_province_pdf_shows_the_runs_numbers_in_embedded_fonts(app, demo_run, tmp_path):
    campaign, stored = demo_run
    app.instance_path = str(tmp_path)  # a fresh report cache
    with app.test_request_context():
        english = render.province_pdf(campaign, stored, "en")
        vietnamese = render.province_pdf(campaign, stored, "vi")
    text = _pdf_text(english)
    province = stored.results["province"]["SIPAS"]
    assert f"{100 * province['estimate']:.2f}%" in text
    for agency, rows in stored.results["agencies"].items():
        entry = rows["SIPAS"]
        if not entry["suppressed"]:
            assert f"{100 * entry['estimate']:.2f}" in text, agency
    assert stored.data_hash in text.replace(" ", "")
    league = reform.league(campaign, stored)
    assert f"{league.groups['departments'][0].score.reform_index:.2f}" in text
    text_vi = _pdf_text(vietnamese)
    assert f"{100 * province['estimate']:.2f}%".replace(".", ",") in text_vi
    assert "Sở Nông nghiệp và Môi trường" in text_vi
    assert "UBND phường Buôn Ma Thuột" in text_vi
    # The communes' small-area estimates, with the model's diagnostics and residual plot.
    assert "Ước lượng cho địa bàn nhỏ" in text_vi
    assert "Phần dư chuẩn hóa" in text_vi
    # How agencies answered citizens' recommendations, as the run recorded it.
    assert "Kiến nghị được trả lời" in text_vi
    replies = results.run_replies(stored).agencies["SNNMT"]
    assert f"{100 * replies.on_time_rate:.1f}%".replace(".", ",") in text_vi
    area = stored.results["small_areas"]["communes"]["areas"]["PBUONMATHUOT"]
    assert f"{100 * area['estimate']:.2f}".replace(".", ",") in text_vi
    reader = PdfReader(io.BytesIO(vietnamese))
    assert len(reader.pages) >= 6
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptors = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            for d in descriptors:
                descriptor = d.get("/FontDescriptor")
                if descriptor and "/FontFile2" in descriptor.get_object():
                    fonts.add(str(font["/BaseFont"]))
    assert any("DejaVu" in name for name in fonts), fonts


def test_the_agency_pdf_keeps_vietnamese_item_texts_intact(app, demo_run, tmp_path):
    campaign, stored = demo_run
    app.instance_path = str(tmp_path)
    agency = next(a for a in campaign.agencies if a.code == "SNNMT")
    with app.test_request_context():
        text = _pdf_text(render.agency_pdf(campaign, agency, stored, "vi"))
    assert "Sở Nông nghiệp và Môi trường" in text
    assert "Công chức có thái độ giao tiếp lịch sự, tôn trọng đối với người dân." in text
    entry = stored.results["agencies"]["SNNMT"]["SIPAS"]
    assert f"{100 * entry['estimate']:.2f}".replace(".", ",") in text
    # What citizens most want improved: the run's share answering "very much" (1).
    wanted = stored.results["options"]["SNNMT"]["E1"]["1"]
    assert wanted > 0
    assert f"Thông tin cho người dân {100 * wanted:.2f}".replace(".", ",") in text


def test_downloads_come_from_the_runs_cache(app, client, login_as, demo_run, tmp_path, monkeypatch):
    _campaign, stored = demo_run
    app.instance_path = str(tmp_path)
    made, drawn = [], []
    original, draw = render.html_to_pdf, render.province_html
    monkeypatch.setattr(render, "html_to_pdf", lambda html: made.append(1) or original(html))
    monkeypatch.setattr(render, "province_html", lambda *a: drawn.append(1) or draw(*a))
    login_as("evaluator")
    first = client.get(f"/results/demo/report.pdf?run={stored.id}")
    assert first.status_code == 303, "laid out by a job"
    assert "/jobs/" in first.headers["Location"]
    made_by_job = download(client, f"/results/demo/report.pdf?run={stored.id}")
    assert len(drawn) == 1, "drawn once, by the job (jobs run at once in tests)"
    second = client.get(f"/results/demo/report.pdf?run={stored.id}")
    assert made_by_job.status_code == second.status_code == 200
    assert made_by_job.data == second.data
    assert second.mimetype == "application/pdf"
    assert len(made) == 1, "the second download is served from what the job kept"
    assert len(drawn) == 1, "a download finds its PDF without drawing the report's HTML"
    assert client.get("/results/demo/report.pdf?language=xx").status_code == 400


def test_a_report_of_a_run_shows_that_run_alone_and_the_next_run_shows_the_change(
    app, client, login_as, demo_run, tmp_path, db
):
    """A run is a record: reform points edited and dossier records imported after run N
    leave run N's report as it was; the next run's report shows them."""
    from survey.dossiers.importing import import_records

    campaign, stored = demo_run
    app.instance_path = str(tmp_path)
    login_as("evaluator")
    before = download(client, f"/results/demo/report.pdf?run={stored.id}&lang=en")
    agency = next(a for a in campaign.agencies if a.code == "SXD")
    reform.save_points(campaign, {(agency, "1.1"): ("0", "0")}, actor="test", user_id=None)
    service = agency.services[0]
    header = "dossier_code,agency_code,service_code,channel,received_date,due_date,"
    header += "returned_date,result,phone\n"
    day, late = campaign.period_start, campaign.period_start + timedelta(days=1)
    row = f"LATE-1,SXD,{service.code},counter,{day},{day},{late},approved,\n"
    import_records((header + row).encode(), actor="test")
    db.session.commit()
    after = download(client, f"/results/demo/report.pdf?run={stored.id}&lang=en")
    assert before.status_code == after.status_code == 200
    assert _pdf_text(after.data) == _pdf_text(before.data), "run N's report shows run N"
    newer = analyse(campaign, actor="test")
    db.session.commit()
    following = download(client, f"/results/demo/report.pdf?run={newer.id}&lang=en")
    assert following.status_code == 200
    recorded = stored_league(stored).row("SXD")
    expected = stored_league(newer).row("SXD")
    assert expected.score.total < recorded.score.total, "1.1 is worth 0 points now"
    assert _pdf_text(following.data) != _pdf_text(before.data), "the next run shows the change"
    # The report is in Vietnamese (its own language, not the page's): 78,82.
    shown = lambda value: f"{value:.2f}".replace(".", ",")  # noqa: E731
    assert shown(expected.score.reform_index) in _pdf_text(following.data)
    assert shown(recorded.score.reform_index) in _pdf_text(after.data)


def test_an_agency_viewer_downloads_only_their_agencys_report(
    client, login_as, demo_run, app, tmp_path
):
    app.instance_path = str(tmp_path)
    login_as("agency-viewer", agency_code="SXD")
    assert download(client, "/results/demo/agencies/SXD/report.pdf").status_code == 200
    assert client.get("/results/demo/agencies/SCT/report.pdf").status_code == 403
    assert client.get("/results/demo/report.pdf").status_code == 403
    assert client.post("/results/demo/agency-reports").status_code == 403


def test_report_jobs_are_followed_only_by_those_who_may_see_the_report(
    client, login_as, demo_run, app, tmp_path
):
    """A job page and its file show a report: an agency viewer follows their agency's job
    only, and a surveyor no report job at all (404, the job's existence is not told)."""
    app.instance_path = str(tmp_path)
    login_as("agency-viewer", agency_code="SXD")
    started = client.get("/results/demo/agencies/SXD/report.pdf")
    assert started.status_code == 303
    job_page = started.headers["Location"]
    assert client.get(job_page).status_code == 200
    assert client.get(job_page + "/file").mimetype == "application/pdf"
    for role, values in (("agency-viewer", {"agency_code": "SCT"}), ("surveyor", {})):
        client.post("/sign-out")
        login_as(role, **values)
        assert client.get(job_page).status_code == 404, role
        assert client.get(job_page + "/file").status_code == 404, role
    client.post("/sign-out")
    login_as("evaluator")
    assert client.get(job_page + "/file").mimetype == "application/pdf"


def test_the_province_report_leads_with_components_and_what_citizens_want(app, demo_run):
    """As SIPAS announcements do: the province's index by component with its interval,
    and the areas citizens most want improved, province-wide (run values, not copies)."""
    campaign, stored = demo_run
    with app.test_request_context():
        html = render.province_html(campaign, stored, "en")
    components = html[html.index("<table data-components>") :]
    components = components[: components.index("</table>")]
    for code in ("TC", "TT", "CC", "KQ", "PA"):
        entry = stored.results["province"][code]
        low, high = 100 * entry["ci_low"], 100 * entry["ci_high"]
        assert f'<td class="num">{100 * entry["estimate"]:.2f}</td>' in components, code
        assert f"{low:.2f}–{high:.2f}" in components, code
    wanted = stored.results["options"]["all"]
    top = max(wanted, key=lambda item: wanted[item].get("1", 0) if item.startswith("E") else -1)
    expectations = html[html.index("<table data-expectations>") :]
    first_row = expectations[expectations.index("<tbody>") :]
    first_row = first_row[: first_row.index("</tr>")]
    assert f"{100 * wanted[top]['1']:.2f}" in first_row, "the most wanted area comes first"


def test_charts_write_numbers_as_the_reports_language_does(app, demo_run):
    """One formatter for text and charts: 83,3 in Vietnamese, 83.3 in English."""
    campaign, stored = demo_run
    with app.test_request_context():
        vietnamese = render.province_html(campaign, stored, "vi")
        english = render.province_html(campaign, stored, "en")
    svg_numbers = re.compile(r">(?:[^<>]* )?(\d+[.,]\d{1,2})</text>")  # not 1,495
    in_vietnamese = svg_numbers.findall(vietnamese)
    assert in_vietnamese
    assert all("," in n for n in in_vietnamese), in_vietnamese[:5]
    in_english = svg_numbers.findall(english)
    assert all("." in n for n in in_english), in_english[:5]


def test_the_agency_report_shows_its_dossiers_returned_on_time(app, fixed_run, db):
    """With the one-stop shop's records, the agency's report gives its on-time rate per
    field and in all; records outside the period or of another agency do not count."""
    from survey.dossiers.importing import import_records

    campaign, stored = fixed_run
    agency = next(a for a in campaign.agencies if a.code == "SXD")
    field = factories.service_field(code="XD", name_vi="Xây dựng", name_en="Construction")
    factories.service(agency=agency, field=field, code="XD-01")
    header = "dossier_code,agency_code,service_code,channel,received_date,due_date,"
    header += "returned_date,result,phone\n"
    rows = [
        "H1,SXD,XD-01,counter,2026-02-01,2026-02-10,2026-02-05,approved,",  # on time, 4 days
        "H2,SXD,XD-01,online,2026-02-01,2026-02-10,2026-02-21,approved,",  # late, 20 days
        "H3,SXD,XD-01,counter,2025-12-01,2025-12-10,2025-12-05,approved,",  # before the period
    ]
    import_records((header + "\n".join(rows) + "\n").encode(), actor="test")
    with app.test_request_context():
        before = render.agency_html(campaign, agency, stored, "vi")
        assert "Hồ sơ trả kết quả đúng hạn" not in before, "imported after run: not its record"
        stored = _copy_of(stored)
        snapshots.record(stored)
        html = render.agency_html(campaign, agency, stored, "vi")
    section = html[html.index("Hồ sơ trả kết quả đúng hạn") :]
    section = section[: section.index("</table>")]
    assert "Xây dựng" in section
    assert "Tất cả lĩnh vực" in section
    assert section.count("50,00%") == 2, "1 of 2, in the field and in all"
    assert ">20<" in section, "p90 of 4 and 20 days (nearest rank)"


def test_reports_show_response_rates_and_the_late_dossier_gap(app, fixed_run, db):
    """Drawn invitations give the province report's appendix its AAPOR rates, and the
    run's late/on-time gap reaches both reports, only with five answers on each side."""
    from datetime import datetime

    campaign, stored = fixed_run
    sxd = next(a for a in campaign.agencies if a.code == "SXD")
    outcomes = ["complete"] * 3 + ["partial"] + [None] * 6  # RR1 30%, RR2 40%
    for outcome in outcomes:
        factories.invitation(
            campaign,
            sxd,
            expires_at=datetime(2026, 1, 1),
            selection_probability=0.25,
            dossier_channel="online",
            used=outcome is not None,
        )
        if outcome:
            link_use.count(campaign.id, sxd.id, "online", outcome)
    gap = {"first": 0.9, "second": 0.6, "difference": 0.3, "se": 0.1, "df": 40.0,
           "ci_low": 0.098, "ci_high": 0.502, "p_value": 0.004}  # fmt: skip
    stored = _copy_of(  # runs are immutable: the same run with gaps
        stored,
        {
            **stored.results,
            "timeliness_gap": [
                {**gap, "group": "SXD", "n_on_time": 30, "n_late": 6},
                {**gap, "group": "STP", "n_on_time": 30, "n_late": 4, "difference": 0.55},
            ],
        },
    )
    snapshots.record(stored)  # the response rates as the run job records them
    with app.test_request_context():
        province = render.province_html(campaign, stored, "en")
        agency = render.agency_html(campaign, sxd, stored, "en")
    appendix = province[province.index("Response rates") :]
    assert "30.00%" in appendix
    assert "40.00%" in appendix
    assert "9.80 – 50.20" in province, "SXD's gap with its interval"
    assert "55.00" not in province, "STP has four late answers: not published"
    assert "Difference: 30.00 points (95% interval 9.80 to 50.20)" in agency


def test_the_residual_plot_marks_the_two_sd_bands_and_every_area():
    from survey.charts import residual_plot

    svg = str(residual_plot([(70.0, 1.0), (80.0, -2.5), (90.0, 0.2)], title="t", x_label="x",
                            y_label="y"))  # fmt: skip
    assert svg.count("<circle") == 3
    assert ">−2</text>" in svg
    assert ">+2</text>" in svg
    assert svg.count('stroke-dasharray="4 3"') == 2


def test_a_reports_key_names_what_it_shows_and_nothing_a_later_import_changes(app, demo_run, db):
    """The PDF cache key is computed without drawing the report: records imported and
    points entered after the run leave it (and so the PDF) as it was; a renamed agency,
    another language or another agency make another."""
    from survey.dossiers.importing import import_records

    campaign, stored = demo_run
    agency = next(a for a in campaign.agencies if a.code == "SXD")
    with app.test_request_context():
        key = render.report_key(campaign, stored, agency, "vi")
        html = render.agency_html(campaign, agency, stored, "vi")
        reform.save_points(campaign, {(agency, "1.1"): ("0", "0")}, actor="test", user_id=None)
        header = "dossier_code,agency_code,service_code,channel,received_date,due_date,"
        header += "returned_date,result,phone\n"
        day = campaign.period_start
        row = f"LATE-2,SXD,{agency.services[0].code},counter,{day},{day},{day},approved,\n"
        import_records((header + row).encode(), actor="test")
        db.session.flush()
        assert render.report_key(campaign, stored, agency, "vi") == key
        assert render.agency_html(campaign, agency, stored, "vi") == html
        # A later run of the campaign: run N's trend still ends with run N.
        newer = analyse(campaign, actor="test")
        db.session.flush()
        assert newer.id > stored.id
        assert render.agency_html(campaign, agency, stored, "vi") == html
        code = content.run_definition(stored).index.code
        as_of = [p.run.id for p in results.trend(agency, code, as_of=stored)]
        assert as_of[-1] == stored.id
        assert newer.id not in as_of
        assert results.trend(agency, code)[-1].run.id == newer.id, "pages show the latest"
        assert render.report_key(campaign, stored, agency, "en") != key
        assert render.report_key(campaign, stored, None, "vi") != key
        agency.name_vi = "Sở Xây dựng (tên mới)"
        db.session.flush()
        assert render.report_key(campaign, stored, agency, "vi") != key
        assert "tên mới" in render.agency_html(campaign, agency, stored, "vi")


def test_a_runs_reply_figures_and_reports_stay_as_recorded(app, demo_run, db):
    """The run records how agencies answered recommendations up to its cut-off; replies
    written afterwards (even the same day) show in the next run, not in this one's pages,
    league or reports."""
    from survey.local_time import today
    from survey.recommendations import services as recommendations
    from survey.recommendations.models import Recommendation

    campaign, stored = demo_run
    recorded = results.run_replies(stored)
    heavy = recorded.agencies["SNNMT"]
    assert heavy.received >= 25, "the demo's slow department has most recommendations"
    assert heavy.overdue > 0
    league = stored_league(stored)
    assert league.row("SNNMT").score.points["3.3"] == pytest.approx(3 * heavy.on_time_rate)
    agency = next(a for a in campaign.agencies if a.code == "SNNMT")
    with app.test_request_context():
        before = content.agency_report(campaign, agency, stored).replies
    assert before[1][-1][1] == heavy

    waiting = db.session.scalars(
        select(Recommendation).where(
            Recommendation.agency_id == agency.id, Recommendation.replied_on.is_(None)
        )
    ).all()
    for recommendation in waiting:
        recommendations.answer(recommendation, "Đã trả lời.", on=today(), actor="test")
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(AnalysisRun, stored.id)
    assert results.run_replies(kept) == recorded
    assert stored_league(kept).row("SNNMT").score.points["3.3"] == pytest.approx(
        3 * heavy.on_time_rate
    )
    with app.test_request_context():
        assert content.agency_report(campaign, agency, kept).replies == before
    later = analyse(campaign, actor="test")
    db.session.commit()
    assert results.run_replies(later).agencies["SNNMT"].answered == heavy.answered + len(waiting)
