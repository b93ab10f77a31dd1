"""A campaign weighted by selection: only answers that came through drawn invitations are
used, each weighted 1/π and adjusted for nonresponse within its cell, exactly as the
analysis library computes it (checked against R in tests/analysis/test_selection_*)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select, update

from analysis import selection_weights
from survey.responses.models import Submission
from survey.runs.services import RunError, run
from tests import factories


@pytest.fixture
def campaign(db):
    version = factories.questionnaire_version()
    items = [q.code for q in version.definition().satisfaction_items if q.show_if is None]
    fields = {code: factories.service_field(code=code) for code in ("DD", "HT")}
    agency = factories.agency(code="XA", kind="commune", ranking_group="communes")
    services = {
        f: factories.service(agency=agency, field=fields[f], code=f"XA-{f}") for f in fields
    }
    point = factories.service_point(agency=agency, code="xa-1")
    campaign = factories.campaign(
        questionnaire_version=version,
        agencies=[agency],
        status="open",
        weighting="selection",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    rng = np.random.default_rng(7)
    # Selected invitations: land at π = 0.2 then 0.4, civil status at 0.5.
    drawn = [("DD", 0.2)] * 30 + [("DD", 0.4)] * 20 + [("HT", 0.5)] * 24
    for i, (field, pi) in enumerate(drawn):
        factories.invitation(
            campaign,
            agency,
            service_id=services[field].id,
            returned_on=date(2026, 3, 1),
            expires_at=datetime(2026, 4, 1),
            selection_probability=pi,
        )
        if rng.random() < 0.45:
            answers = {item: int(rng.integers(2, 6)) for item in items}
            factories.submission(
                answers,
                campaign=campaign,
                service_point=point,
                service=services[field],
                channel="web-link",
                selection_probability=pi,
                dossier_timeliness="late" if i % 3 == 0 else "on_time",
                submitted_at=datetime(2026, 3, 2) + timedelta(hours=i),
            )
    for i in range(7):  # QR answers: not drawn, no π
        factories.submission(
            {item: 3 + (j + i) % 3 for j, item in enumerate(items)},
            campaign=campaign,
            service_point=point,
            service=services["HT"],
            submitted_at=datetime(2026, 3, 5) + timedelta(hours=i),
        )
    db.session.flush()
    return campaign, drawn


def test_the_run_weights_drawn_answers_by_inverse_probability(campaign, db, runner, tmp_path):
    campaign, _drawn = campaign
    stored = run(campaign, actor="test")
    assert stored.screening["outside_sample"] == 7
    design = stored.parameters["design"]
    assert design["weighting"] == "selection"
    selected = {
        "XA|DD|citizen": 30 / 0.2 + 20 / 0.4,
        "XA|HT|citizen": 24 / 0.5,
    }
    assert design["selected"] == pytest.approx(selected)
    output = tmp_path / "run.csv"
    result = runner.invoke(
        args=["export", "run-data", "--run", str(stored.id), "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    with output.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["channel"] for r in rows} == {"web-link"}
    weights = np.array([float(r["weight"]) for r in rows])
    cells = np.array([r["stratum"] for r in rows])
    assert weights[cells == "XA|DD|citizen"].sum() == pytest.approx(selected["XA|DD|citizen"])
    assert weights[cells == "XA|HT|citizen"].sum() == pytest.approx(selected["XA|HT|citizen"])
    # The same weights as the library's, from each answer's π.
    probabilities = np.array([float(p) for p in _probabilities(db, campaign, rows)])
    expected = selection_weights(cells, probabilities, selected, dict.fromkeys(selected, "XA"))
    assert np.sort(weights) == pytest.approx(np.sort(expected.weights))
    description = json.loads((tmp_path / "run.design.json").read_text(encoding="utf-8"))
    assert description


def _probabilities(db, campaign, rows):
    found = db.session.scalars(
        select(Submission.selection_probability)
        .where(Submission.campaign_id == campaign.id, Submission.channel == "web-link")
        .order_by(Submission.id)
    ).all()
    assert len(found) == len(rows)
    return found


def test_a_selection_weighted_campaign_without_drawn_answers_says_so(campaign, db):
    campaign, _ = campaign
    db.session.execute(update(Submission).values(selection_probability=None))
    with pytest.raises(RunError, match="drawn invitations"):
        run(campaign, actor="test")
