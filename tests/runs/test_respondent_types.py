"""A campaign of citizens and organisations, analysed: weights per type cell, each
agency's citizens' and organisations' indices beside the combined one, and what the pages,
reports and exports show of them. (The estimators themselves are checked against R in
tests/analysis/test_respondent_types_against_r.py.)"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from sqlalchemy import select

from analysis import estimate_indices
from survey import results
from survey.campaigns.models import Campaign, FrameCount
from survey.reports import exports, render
from survey.runs import extract
from survey.runs.design import make_design
from survey.runs.services import run, scheme_of
from tests import factories


@pytest.fixture
def two_types(db):
    """Two agencies: SCT with citizens' and organisations' answers; SXD with organisations'
    dossiers but only citizens answering."""
    field = factories.service_field(code="CT")
    sct = factories.agency(code="SCT", name_vi="Sở Công Thương")
    sxd = factories.agency(code="SXD", name_vi="Sở Xây dựng")
    services = {a.code: factories.service(agency=a, field=field) for a in (sct, sxd)}
    points = {a.code: factories.service_point(agency=a) for a in (sct, sxd)}
    campaign = factories.campaign(agencies=[sct, sxd], status="open")
    organisation = factories.questionnaire_version("sipas-organisation.yaml")
    campaign.set_versions({"citizen": campaign.questionnaire_version, "organisation": organisation})
    for agency, kind, dossiers in (
        (sct, "citizen", 200),
        (sct, "organisation", 600),
        (sxd, "citizen", 900),
        (sxd, "organisation", 100),
    ):
        campaign.frame_counts.append(
            FrameCount(agency=agency, service_field=field, respondent_type=kind, dossiers=dossiers)
        )
    rng = np.random.default_rng(7)
    definition = campaign.questionnaire_version.definition()
    items = [q.code for q in definition.satisfaction_items if q.show_if is None]
    for code, kind, n, level in (
        ("SCT", "citizen", 12, 4.3),
        ("SCT", "organisation", 40, 3.4),
        ("SXD", "citizen", 35, 3.9),
    ):
        for _ in range(n):
            answers = {c: int(np.clip(np.rint(rng.normal(level, 0.8)), 1, 5)) for c in items}
            answers["O1" if kind == "organisation" else "A2"] = 2
            factories.submission(
                campaign=campaign,
                service_point=points[code],
                service=services[code],
                respondent_type=kind,
                answers=answers,
                duration_seconds=300,
            )
    db.session.commit()
    return campaign


def test_each_type_is_weighted_in_its_own_cells_and_agencies_keep_their_dossiers(two_types, db):
    stored = run(two_types, actor="test")
    design = stored.parameters["design"]
    assert design["type_totals"] == {
        "SCT": {"citizen": 200.0, "organisation": 600.0},
        "SXD": {"citizen": 900.0, "organisation": 100.0},
    }
    assert {"cell": "SXD|organisation", "group": "SXD", "dossiers": 100.0} in design[
        "collapsed_cells"
    ]
    data = extract.load(
        two_types.id, extract.definitions_of(two_types, stored.cutoff_at), stored.cutoff_at
    )
    made = make_design(two_types, data, declaration=design)
    weights = made.design.weights
    sct = data.agency == "SCT"
    assert weights[sct & (data.respondent_type == "citizen")].sum() == pytest.approx(200)
    assert weights[sct & (data.respondent_type == "organisation")].sum() == pytest.approx(600)
    assert weights[data.agency == "SXD"].sum() == pytest.approx(1000)
    # Organisations' profile item is read from their own version, citizens' from theirs.
    organisations = data.respondent_type == "organisation"
    assert np.all(data.answers["O1"][organisations] == 2)
    assert np.all(np.isnan(data.answers["O1"][~organisations]))
    assert np.all(np.isnan(data.answers["A2"][organisations]))
    # The parts are the same design's estimates over agency × type domains.
    domains = np.char.add(np.char.add(data.agency, "|"), data.respondent_type)
    table = estimate_indices(
        made.design, data.answers, scheme_of(data_definition(two_types)), domains
    )
    part = stored.results["by_type"]["organisation"]["SCT"]["SIPAS"]
    assert part["estimate"] == pytest.approx(table.get("SCT|organisation", "SIPAS").estimate)
    assert part["n"] == 40
    assert "SXD" not in stored.results["by_type"]["organisation"]
    # The combined index lies between its parts, nearer the organisations (3 of 4 dossiers).
    combined = stored.results["agencies"]["SCT"]["SIPAS"]["estimate"]
    citizens = stored.results["by_type"]["citizen"]["SCT"]["SIPAS"]["estimate"]
    assert part["estimate"] < combined < citizens
    assert abs(combined - part["estimate"]) < abs(combined - citizens)
    # Profiles cover every version's single choices.
    assert "O1" in stored.results["options"]["SCT"]
    assert "A2" in stored.results["options"]["SCT"]


def data_definition(campaign: Campaign):
    return campaign.questionnaire_version.definition()


def test_parts_flag_a_kind_with_few_answers(two_types, db):
    stored = run(two_types, actor="test")
    sct = {p.respondent_type: p for p in results.type_parts(stored, "SCT", "SIPAS")}
    assert (sct["citizen"].n, sct["organisation"].n) == (12, 40)
    assert sct["citizen"].share == pytest.approx(0.25)
    assert sct["citizen"].few
    assert not sct["organisation"].few
    sxd = {p.respondent_type: p for p in results.type_parts(stored, "SXD", "SIPAS")}
    assert sxd["organisation"].entry is None
    assert sxd["organisation"].few, "dossiers and no answer at all"
    # A campaign of one type has no parts to show.
    single = factories.analysis_run(factories.campaign(), {"agencies": {}})
    assert results.type_parts(single, "SCT", "SIPAS") == []


def test_the_agency_page_and_report_show_both_parts(two_types, client, login_as, db, app):
    stored = run(two_types, actor="test")
    db.session.commit()
    login_as("evaluator")
    page = client.get(f"/results/{two_types.code}/agencies/SCT").get_data(as_text=True)
    assert "Người dân và tổ chức" in page
    assert 'data-respondent-type="organisation"' in page
    assert 'data-few-answers="citizen"' in page
    assert "Ít câu trả lời của người dân (n = 12)" in page
    assert "phiếu giấy dành cho loại người trả lời này" in page
    overview = client.get(f"/results/{two_types.code}/satisfaction").get_data(as_text=True)
    assert "Tổ chức (số câu trả lời)" in overview
    with app.test_request_context():
        html = render.agency_html(two_types, two_types.agencies[0], stored, "vi")
        province = render.province_html(two_types, stored, "vi")
    assert 'data-respondent-type="organisation"' in html
    assert "Người dân và tổ chức" in html
    assert "Sở Xây dựng · tổ chức (100)" in province, "the folded cell, by name"
    assert "cơ quan × lĩnh vực × loại người trả lời" in province


def test_exports_carry_the_respondent_type_and_the_organisation_profile(two_types, db):
    stored = run(two_types, actor="test")
    frame, codebook = exports.responses(two_types, "vi")
    organisations = frame["respondent_type"] == "organisation"
    assert organisations.sum() == 40
    assert frame.loc[organisations, "O1"].eq(2).all()
    assert frame.loc[~organisations, "O1"].isna().all()
    assert frame.loc[~organisations, "A2"].eq(2).all()
    assert list(frame["submission"]) == sorted(frame["submission"])
    assert codebook.variables["O1"] == "Loại hình tổ chức"
    assert codebook.values["O1"][2] == "Doanh nghiệp tư nhân"
    assert codebook.values["respondent_type"] == {"citizen": "người dân", "organisation": "tổ chức"}
    rows = exports.result_rows(stored)
    tables = {r["table"] for r in rows}
    assert {"agency_citizen", "agency_organisation"} <= tables


def test_the_demo_shows_organisations_where_they_file(runner, db):
    result = runner.invoke(args=["demo", "seed", "--responses", "2000", "--seed", "3"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
    assert set(campaign.respondent_types) == {"citizen", "organisation"}
    stored = run(campaign, actor="test")
    totals = stored.parameters["design"]["type_totals"]
    organisations = stored.results["by_type"]["organisation"]
    for code in ("SCT", "STC", "BQLKCN"):
        share = totals[code]["organisation"] / sum(totals[code].values())
        assert share > 0.45, code
        assert organisations[code]["SIPAS"]["n"] >= 10, code
    ward = totals["PBUONMATHUOT"]
    assert ward["organisation"] / sum(ward.values()) < 0.1
    # Organisations answered below citizens across the province, as the demo made them.
    by_type = stored.results["breakdowns"]["respondent_type"]
    assert by_type["organisation"]["SIPAS"]["estimate"] < by_type["citizen"]["SIPAS"]["estimate"]
    assert extract.definitions_of(campaign, datetime(2100, 1, 1)).keys() == {
        v.id for v in campaign.versions.values()
    }
