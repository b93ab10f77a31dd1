from datetime import datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select, update

from analysis.cli import main as analysis_main
from survey.campaigns.models import Campaign, FrameCount
from survey.responses import coded
from survey.responses.models import Answer, Submission
from survey.runs import extract
from survey.runs.models import ImmutableRunError
from survey.runs.services import RunError, make_design, run, scheme_of
from tests import factories
from tests.respond.conftest import always_asked_criteria


@pytest.fixture
def demo(runner, db):
    result = runner.invoke(args=["demo", "seed", "--responses", "1500", "--seed", "4"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Campaign).where(Campaign.code == "demo"))


def test_a_run_stores_what_the_command_line_computes_from_the_same_data(demo, db, tmp_path):
    stored = run(demo, actor="test")
    db.session.flush()
    definition = demo.questionnaire_version.definition()
    data = extract.load(demo.id, definition, stored.cutoff_at)
    assert len(data) == stored.screening["used"]
    design = make_design(demo, data)
    items = [q.code for q in definition.satisfaction_items]
    path = tmp_path / "input.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("agency,stratum,psu,weight," + ",".join(items) + "\n")
        for k in range(len(data)):
            answers = [
                "" if np.isnan(data.answers[c][k]) else str(int(data.answers[c][k])) for c in items
            ]
            out.write(
                f"{data.agency[k]},{data.agency[k]},{data.point[k]},"
                f"{float(design.weights[k])!r}," + ",".join(answers) + "\n"
            )
    questionnaire = tmp_path / "q.yaml"
    questionnaire.write_text(demo.questionnaire_version.source_yaml, encoding="utf-8")
    output = tmp_path / "out.csv"
    assert (
        analysis_main(
            [
                "indices",
                "--input",
                str(path),
                "--questionnaire",
                str(questionnaire),
                "--domain",
                "agency",
                "--strata",
                "stratum",
                "--psu",
                "psu",
                "--weight",
                "weight",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    import csv

    checked = 0
    with output.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        entry = stored.results["agencies"][row["agency"]][row["code"]]
        assert entry["n"] == int(row["n"])
        for name in ("estimate", "se", "ci_low", "ci_high"):
            if row[name] == "":
                assert entry[name] is None, (row, name)
            else:
                assert 100 * entry[name] == pytest.approx(float(row[name]), rel=1e-9, abs=1e-9)
        checked += 1
    assert checked == len(stored.results["agencies"]) * (19 + 5 + 1)
    assert scheme_of(definition).code == "SIPAS"


def test_the_same_data_gives_the_same_hash_and_one_changed_answer_another(demo, db):
    first = run(demo, actor="test")
    db.session.flush()
    second = run(demo, actor="test")
    db.session.flush()
    assert second.data_hash == first.data_hash
    assert second.results == first.results
    assert second.screening["flagged"] == 0, "the first run flagged them already"
    # One answer changes (in its row and in the coded copy, as any correction must).
    answer = db.session.scalar(
        select(Answer)
        .join(Submission)
        .where(Answer.item_code == "TC1", Submission.status == "valid")
        .limit(1)
    )
    changed = 1 if answer.value_int != 1 else 5
    db.session.execute(
        update(Answer)
        .where(Answer.submission_id == answer.submission_id, Answer.item_code == "TC1")
        .values(value_int=changed)
    )
    submission = db.session.get(Submission, answer.submission_id)
    position = coded.coded_items(demo.questionnaire_version.definition()).index("TC1")
    text = submission.coded_answers
    submission.coded_answers = text[: 2 * position] + f"{changed:02d}" + text[2 * position + 2 :]
    db.session.flush()
    third = run(demo, actor="test")
    assert third.data_hash != first.data_hash


def test_coded_texts_say_what_the_answer_rows_say(demo, db):
    """The bulk writer stores both; reading either gives the same run input."""
    definition = demo.questionnaire_version.definition()
    cutoff = datetime(2100, 1, 1)
    from_texts = extract.load(demo.id, definition, cutoff)
    db.session.execute(update(Submission).values(coded_answers=None))
    from_rows = extract.load(demo.id, definition, cutoff)
    assert len(from_rows) == len(from_texts) > 0
    for code in from_texts.answers:
        np.testing.assert_array_equal(from_rows.answers[code], from_texts.answers[code])


def test_runs_cannot_be_changed(demo, db):
    stored = run(demo, actor="test")
    db.session.flush()
    stored.actor = "someone else"
    with pytest.raises(ImmutableRunError):
        db.session.flush()


def test_a_cell_without_a_frame_count_is_named(demo, db):
    cell = db.session.scalars(select(FrameCount)).first()
    code = f"{cell.agency.code}|{cell.service_field.code}"
    db.session.delete(cell)
    db.session.flush()
    with pytest.raises(RunError, match=code.replace("|", r"\|")):
        run(demo, actor="test")


def test_the_command_prints_the_run_and_a_summary(demo, runner):
    result = runner.invoke(args=["analysis", "run", "--campaign", "demo"])
    assert result.exit_code == 0, result.output
    assert "run " in result.output
    assert "data hash " in result.output
    assert "BMT" in result.output
    assert "province" in result.output
    missing = runner.invoke(args=["analysis", "run", "--campaign", "nope"])
    assert missing.exit_code == 2


@pytest.fixture
def planted(db):
    """A small campaign with one case of each screening rule among ordinary forms."""
    version = factories.questionnaire_version()
    agency = factories.agency(code="SXD")
    field = factories.service_field(code="DD")
    service = factories.service(agency=agency, field=field)
    point = factories.service_point(agency=agency, code="sxd-1")
    other_point = factories.service_point(agency=agency, code="sxd-2")
    campaign = factories.campaign(questionnaire_version=version, agencies=[agency], status="open")
    campaign.frame_counts.append(FrameCount(agency=agency, service_field=field, dossiers=900))
    moment = datetime(2026, 6, 1, 3, 0)
    rng = np.random.default_rng(1)
    cases = {}

    def add(name, *, levels=None, duration=300, client=None, when=None, at=point, dossier=None):
        levels = levels if levels is not None else rng.integers(2, 6, 16)
        answers = dict(
            zip(
                always_asked_criteria(),
                (int(v) for v in levels),
                strict=True,
            )
        )
        submission = factories.submission(
            {"A1": 1, "B4": 3, **answers},
            campaign=campaign,
            service_point=at,
            service=service,
            duration_seconds=duration,
            client_hash=client,
            dossier_hash=dossier,
            submitted_at=when or moment,
            started_at=(when or moment) - timedelta(seconds=duration),
        )
        cases.setdefault(name, []).append(submission.id)

    for k in range(12):
        add("ordinary", client=f"c{k}", when=moment + timedelta(hours=k))
    add("speeder", duration=20, client="s")
    add("straight_line", levels=[4] * 16, client="l")
    for k in range(5):
        add("burst", client="b", when=moment + timedelta(minutes=2 * k))
    for k in range(4):  # a busy counter, but slower than a burst
        add("ordinary", client="slow", when=moment + timedelta(minutes=30 * k))
    add("ordinary", client="b", at=other_point, when=moment)  # same client, another point
    add("outside_period", client="o", when=datetime(2025, 12, 20, 3, 0))
    # A paper form keyed with the dossier code of an earlier one: the first one stands.
    add("ordinary", client="p1", dossier="d" * 32, when=moment + timedelta(days=1))
    add("repeated_dossier", client="p2", dossier="d" * 32, when=moment + timedelta(days=2))
    add("ordinary", client="p3", dossier="e" * 32, when=moment + timedelta(days=2))
    db.session.flush()
    return campaign, cases


def test_each_screening_rule_catches_its_planted_case_and_nothing_else(planted, db):
    campaign, cases = planted
    stored = run(campaign, actor="test")
    counts = stored.screening["counts"]
    assert counts == {
        "speeder": 1,
        "straight_line": 1,
        "repeated_dossier": 1,
        "burst": 5,
        "outside_period": 1,
    }
    statuses = dict(db.session.execute(select(Submission.id, Submission.status_reason)).all())
    for rule in ("speeder", "straight_line", "repeated_dossier", "burst", "outside_period"):
        for submission_id in cases[rule]:
            assert statuses[submission_id] == f"screening: {rule}"
    for submission_id in cases["ordinary"]:
        assert statuses[submission_id] is None
    assert stored.screening["used"] == len(cases["ordinary"])


def test_a_run_compares_each_agency_with_the_previous_campaigns_run(demo, db):
    from datetime import date

    import numpy as np

    from survey.runs.models import AnalysisRun

    earlier = factories.campaign(
        questionnaire_version=demo.questionnaire_version,
        agencies=list(demo.agencies),
        period_start=date(2025, 1, 1),
        period_end=date(2025, 10, 31),
    )
    before = {"estimate": 0.70, "se": 0.02, "df": 12}
    db.session.add(
        AnalysisRun(
            campaign_id=earlier.id,
            questionnaire_version_id=earlier.questionnaire_version_id,
            cutoff_at=datetime(2025, 11, 1),
            actor="test",
            data_hash="0" * 64,
            parameters={},
            versions={},
            timings={},
            screening={},
            results={"agencies": {"SXD": {"SIPAS": before}}},
        )
    )
    db.session.flush()
    stored = run(demo, actor="test")
    previous = stored.results["previous"]
    assert previous["campaign"] == earlier.code
    now = stored.results["agencies"]["SXD"]["SIPAS"]
    change = next(c for c in previous["comparisons"] if c["domain"] == "SXD")
    assert change["difference"] == pytest.approx(now["estimate"] - 0.70)
    assert change["se"] == pytest.approx(np.hypot(now["se"], 0.02))
    assert change["df"] == min(now["df"], 12)
    # Agencies the earlier run did not estimate have no change rather than a made-up one.
    other = next(c for c in previous["comparisons"] if c["domain"] == "SCT")
    assert other["difference"] is None


def test_a_run_without_an_earlier_campaign_has_no_comparison(demo):
    assert run(demo, actor="test").results["previous"] is None
