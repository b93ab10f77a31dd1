"""A run's microdata rebuild its numbers in R: the export against committed R output.

The campaign below is built from a fixed random generator; its export is committed as
results/run_data.csv and results/rebuild_run.R computed results/reference_run.csv from
it with R's survey package. After a deliberate change to the fixture, rewrite the CSV
with SURVEY_TEST_UPDATE_SNAPSHOTS=1 and run `Rscript tests/runs/results/rebuild_run.R`.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from survey.campaigns.models import FrameCount
from survey.responses import services as reviews
from survey.responses.models import Submission
from survey.runs.models import RunFlag
from survey.runs.services import run
from tests import factories

RESULTS = Path(__file__).resolve().parent / "results"
ESTIMATE = {"abs": 1e-9, "rel": 0}
SE = {"rel": 1e-7, "abs": 0}


@pytest.fixture
def campaign(db):
    """Four agencies in two ranking groups, an empty cell, speeders and two decisions."""
    rng = np.random.default_rng(2026)
    version = factories.questionnaire_version()
    definition = version.definition()
    fields = {code: factories.service_field(code=code) for code in ("DD", "HT", "XD")}
    agencies = {
        "D1": factories.agency(code="D1", ranking_group="departments"),
        "D2": factories.agency(code="D2", ranking_group="departments"),
        "C1": factories.agency(code="C1", kind="commune", ranking_group="communes"),
        "C2": factories.agency(code="C2", kind="commune", ranking_group="communes"),
    }
    campaign = factories.campaign(
        questionnaire_version=version,
        agencies=list(agencies.values()),
        status="open",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    sizes = {"D1": 45, "D2": 30, "C1": 60, "C2": 12}
    effects = {"D1": 0.4, "D2": -0.3, "C1": 0.1, "C2": -0.6}
    items = [q.code for q in definition.satisfaction_items]
    moment = datetime(2026, 3, 2, 2, 0)
    made = []
    for code, agency in agencies.items():
        services = {
            f: factories.service(agency=agency, field=fields[f], code=f"{code}-{f}")
            for f in ("DD", "HT")
        }
        point = factories.service_point(agency=agency, code=f"{code.lower()}-1")
        frames = {"DD": 400 + 50 * len(code), "HT": 900}
        if code == "D1":
            frames["XD"] = 300  # dossiers, but no respondent: collapsed into D1's others
        for field_code, dossiers in frames.items():
            campaign.frame_counts.append(
                FrameCount(agency=agency, service_field=fields[field_code], dossiers=dossiers)
            )
        for k in range(sizes[code]):
            field_code = "DD" if rng.random() < 0.45 else "HT"
            latent = effects[code] + (-0.5 if field_code == "DD" else 0) + rng.normal(0, 0.8)
            feedback = rng.random() < 0.3
            answers = {"A1": int(rng.integers(1, 3)), "B4": 1 if feedback else 3}
            for item in items:
                if item.startswith("PA") and not feedback:
                    continue
                if rng.random() < 0.05:
                    continue
                level = 1 + np.searchsorted([-2.5, -1.5, -0.5, 1.0], latent + rng.logistic(0, 0.7))
                answers[item] = int(level)
            answers["HL"] = int(np.clip(round(3.4 + latent + rng.normal(0, 0.6)), 1, 5))
            speeder = k % 17 == 5
            when = moment + timedelta(days=int(rng.integers(0, 200)), minutes=int(k))
            made.append(
                factories.submission(
                    answers,
                    campaign=campaign,
                    service_point=point,
                    service=services[field_code],
                    channel="web-qr" if k % 3 else "paper",
                    duration_seconds=20 if speeder else 300,
                    client_hash=f"{code}{k}",
                    submitted_at=when,
                )
            )
    db.session.flush()
    # A person excludes one form, and keeps one that screening flags as a speeder.
    reviews.decide(made[3], "exclude", "duplicate of a paper form", actor="test", user_id=None)
    speeder = next(s for s in made if s.duration_seconds == 20)
    reviews.decide(speeder, "keep", "timed on paper, keyed later", actor="test", user_id=None)
    db.session.flush()
    return campaign


def _export(runner, tmp_path, *args):
    output = tmp_path / "run.csv"
    result = runner.invoke(args=["export", "run-data", *args, "--output", str(output)])
    assert result.exit_code == 0, result.output
    return output, json.loads((tmp_path / "run.design.json").read_text(encoding="utf-8"))


def test_the_export_rebuilds_the_run_in_r(campaign, db, runner, tmp_path):
    stored = run(campaign, actor="test")
    db.session.commit()
    output, design = _export(runner, tmp_path, "--run", str(stored.id))
    committed = RESULTS / "run_data.csv"
    if os.environ.get("SURVEY_TEST_UPDATE_SNAPSHOTS"):
        committed.write_text(output.read_text(encoding="utf-8"), encoding="utf-8")
    assert output.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
        "the export changed: R's reference values were computed from the committed file"
    )
    assert design["design"] == "element"
    assert (design["strata"], design["psu"], design["weights"]) == ("stratum", "psu", "weight")
    assert design["collapsed_cells"] == [
        {"cell": "D1|XD|citizen", "group": "D1|citizen", "dossiers": 300.0}
    ]
    assert design["rows"] == stored.screening["used"]
    with (RESULTS / "reference_run.csv").open(encoding="utf-8") as handle:
        reference = list(csv.DictReader(handle))
    assert reference
    compared = 0
    for row in reference:
        entry = stored.results["agencies"][row["agency"]][row["code"]]
        assert entry["estimate"] == pytest.approx(float(row["estimate"]), **ESTIMATE), row
        assert entry["se"] == pytest.approx(float(row["se"]), **SE), row
        # Degrees of freedom of the rows that answered each item, component, index.
        assert entry["df"] == int(row["df"]), row
        if row["level"] == "item":
            if entry.get("suppressed"):  # withheld: no interval is published at all
                assert entry["ci_low"] is None
                assert entry["ci_high"] is None
                continue
            assert entry["ci_low"] == pytest.approx(float(row["ci_low"]), rel=1e-8)
            assert entry["ci_high"] == pytest.approx(float(row["ci_high"]), rel=1e-8)
            compared += 1
    assert compared > 50, "the reference must check intervals, not only withheld rows"
    with (RESULTS / "reference_run_drivers.csv").open(encoding="utf-8") as handle:
        drivers = {r["term"]: r for r in csv.DictReader(handle)}
    for driver in stored.results["drivers"]["components"]:
        theirs = drivers[f"score_{driver['component']}"]
        assert driver["coefficient"] == pytest.approx(float(theirs["estimate"]), rel=1e-9)
        assert driver["se"] == pytest.approx(float(theirs["se"]), **SE)


def test_the_export_holds_nothing_personal(campaign, db, runner, tmp_path):
    stored = run(campaign, actor="test")
    db.session.commit()
    output, _ = _export(runner, tmp_path, "--campaign", campaign.code)
    header = output.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:6] == ["agency", "stratum", "psu", "weight", "fpc", "channel"]
    ids = {str(i) for i in db.session.scalars(select(Submission.id))}
    psus = [line.split(",")[2] for line in output.read_text(encoding="utf-8").splitlines()[1:]]
    assert psus == [str(k) for k in range(1, stored.screening["used"] + 1)]
    assert not {"submitted_at", "service_point", "client_hash", "dossier_hash"} & set(header)
    assert ids  # row numbers, not submission ids, identify the units


def test_a_later_decision_does_not_change_what_the_run_used(campaign, db, runner, tmp_path):
    stored = run(campaign, actor="test")
    db.session.commit()
    before, _ = _export(runner, tmp_path, "--run", str(stored.id))
    text = before.read_text(encoding="utf-8")
    submission = db.session.scalars(select(Submission).order_by(Submission.id)).first()
    reviews.decide(submission, "exclude", "late correction", actor="test", user_id=None)
    db.session.commit()
    after, _ = _export(runner, tmp_path, "--run", str(stored.id))
    assert after.read_text(encoding="utf-8") == text


def test_an_export_after_the_frame_counts_changed_is_refused(campaign, db, runner, tmp_path):
    stored = run(campaign, actor="test")
    db.session.commit()
    campaign.frame_counts[0].dossiers += 1
    db.session.commit()
    result = runner.invoke(
        args=["export", "run-data", "--run", str(stored.id), "--output", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 1
    assert "changed since run" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_the_run_records_what_it_set_aside_and_why(campaign, db):
    stored = run(campaign, actor="test")
    flags = db.session.scalars(select(RunFlag).where(RunFlag.run_id == stored.id)).all()
    decided = {f.decision for f in flags}
    assert decided == {None, "exclude", "keep"}
    kept = next(f for f in flags if f.decision == "keep")
    assert kept.rules == "speeder"
    assert not kept.set_aside
    assert stored.screening["kept_despite_flag"] == 1
    assert stored.screening["excluded_by_decision"] == 1


def _strata_fractions(stored) -> dict[str, tuple[str, float]]:
    """Per stratum of the run's export: (agency, n/N), N from its fpc column."""
    from survey.runs.microdata import run_data

    text, design = run_data(stored)
    assert design["fpc"] == "fpc"
    rows = list(csv.DictReader(text.splitlines()))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["stratum"]] = counts.get(row["stratum"], 0) + 1
    return {
        row["stratum"]: (row["agency"], counts[row["stratum"]] / float(row["fpc"])) for row in rows
    }


def test_the_finite_population_correction_follows_the_campaign(campaign, db):
    """Each stratum's variance shrinks by 1 − n_h/N_h: an agency's variance ratio,
    corrected over uncorrected, is a weighted mean of its strata's 1 − f_h."""
    corrected = run(campaign, actor="test")
    assert corrected.parameters["design"]["finite_population"] == "frame"
    fractions = _strata_fractions(corrected)
    campaign.finite_population = "none"
    db.session.flush()
    plain = run(campaign, actor="test")
    assert plain.parameters["design"]["finite_population"] == "none"
    for agency, rows in corrected.results["agencies"].items():
        f = [share for owner, share in fractions.values() if owner == agency]
        ratio = rows["SIPAS"]["se"] / plain.results["agencies"][agency]["SIPAS"]["se"]
        assert np.sqrt(1 - max(f)) - 1e-12 <= ratio <= np.sqrt(1 - min(f)) + 1e-12, agency
        assert ratio < 1
        assert rows["SIPAS"]["estimate"] == pytest.approx(
            plain.results["agencies"][agency]["SIPAS"]["estimate"], abs=1e-12
        )


def test_stratum_populations_are_the_dossiers_their_answers_stand_for():
    """Σ w per stratum; a stratum weighing less than its answers (weights below 1: not a
    frame the run accepts, but raking or a hand-made design could make one) is left
    uncorrected (Inf, as R reads it) and named."""
    from survey.runs.design import population_sizes

    strata = np.array(["A", "A", "B", "B", "B", "C"])
    weights = np.array([10.0, 30.0, 0.5, 0.5, 1.0, 4.0])
    sizes, uncorrected = population_sizes(strata, weights)
    assert sizes.tolist() == [40.0, 40.0, np.inf, np.inf, np.inf, 4.0]
    assert uncorrected == ["B"]
