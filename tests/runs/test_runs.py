from datetime import date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select, update

from analysis.cli import main as analysis_main
from survey.agencies.models import Agency, Service, ServicePoint
from survey.campaigns.models import Campaign, FrameCount
from survey.responses import coded
from survey.responses import services as reviews
from survey.responses.models import Answer, Submission
from survey.runs import extract
from survey.runs.design import make_design
from survey.runs.microdata import run_data
from survey.runs.models import ImmutableRunError, RunFlag
from survey.runs.services import RunError, run, scheme_of, used_by
from tests import factories
from tests.respond.conftest import always_asked_criteria


@pytest.fixture
def demo(runner, db):
    result = runner.invoke(args=["demo", "seed", "--responses", "1500", "--seed", "4"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Campaign).where(Campaign.code == "demo"))


def test_a_run_stores_what_the_command_line_computes_from_its_exported_data(demo, db, tmp_path):
    stored = run(demo, actor="test")
    db.session.flush()
    definition = demo.questionnaire_version.definition()
    text, design = run_data(stored)
    assert design["rows"] == stored.screening["used"]
    path = tmp_path / "input.csv"
    path.write_text(text, encoding="utf-8")
    questionnaire = tmp_path / "q.yaml"
    questionnaire.write_text(demo.questionnaire_version.source_yaml, encoding="utf-8")
    output = tmp_path / "out.csv"
    arguments = ["indices", "--input", str(path), "--questionnaire", str(questionnaire)]
    arguments += ["--domain", "agency", "--strata", "stratum", "--psu", "psu"]
    # The demo campaign applies the finite-population correction from its frame counts.
    assert design["fpc"] == "fpc"
    arguments += ["--fpc", design["fpc"]]
    assert analysis_main([*arguments, "--weight", "weight", "--output", str(output)]) == 0
    import csv

    checked = 0
    with output.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        entry = stored.results["agencies"][row["agency"]][row["code"]]
        assert entry["n"] == int(row["n"])
        assert entry["df"] == int(row["df"])
        for name in ("estimate", "se", "ci_low", "ci_high"):
            if entry.get("suppressed") and name.startswith("ci_"):
                # A withheld estimate publishes no interval at all (not half of one).
                assert entry[name] is None, (row, name)
            elif row[name] == "":
                assert entry[name] is None, (row, name)
            else:
                # abs: an item all 16 answers of an agency satisfied has an SE of 0, which
                # summing in another order leaves at ~1e-8 points.
                assert 100 * entry[name] == pytest.approx(float(row[name]), rel=1e-9, abs=1e-7), (
                    row,
                    name,
                )
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
    assert second.screening == first.screening, "each run screens the data afresh"
    assert first.screening["flagged"] > 0
    # One answer changes in its row and in the coded text. The app never rewrites answers
    # (AnswersAreFinal); the database is changed under it, as a restore or a hand edit
    # would, to show that the hash sees it.
    answer = db.session.scalar(
        select(Answer)
        .join(Submission)
        .where(Answer.item_code == "TC1", used_by(first))
        .order_by(Answer.submission_id)
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
    db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id)
        .values(coded_answers=text[: 2 * position] + f"{changed:02d}" + text[2 * position + 2 :])
    )
    third = run(demo, actor="test")
    assert third.data_hash != first.data_hash


def test_a_run_never_writes_its_inputs(demo, db):
    columns = list(Submission.__table__.columns)
    before = db.session.execute(select(*columns).order_by(Submission.id)).all()
    run(demo, actor="test")
    db.session.flush()
    assert db.session.execute(select(*columns).order_by(Submission.id)).all() == before


def test_decisions_survive_every_later_run(demo, db):
    first = run(demo, actor="test")
    db.session.flush()
    flagged = db.session.scalars(
        select(RunFlag).where(RunFlag.run_id == first.id).order_by(RunFlag.submission_id)
    ).all()
    ordinary = db.session.scalar(select(Submission.id).where(used_by(first)).limit(1))
    first_flagged = db.session.get(Submission, flagged[0].submission_id)
    reviews.decide(first_flagged, "keep", "checked by phone", actor="t", user_id=None)
    reviews.decide(
        db.session.get(Submission, ordinary), "exclude", "test form", actor="t", user_id=None
    )
    db.session.flush()
    for _ in range(2):  # and again: a decision is never undone by a run
        later = run(demo, actor="test")
        db.session.flush()
        assert later.screening["flagged"] == first.screening["flagged"]
        assert later.screening["kept_despite_flag"] == 1
        assert later.screening["excluded_by_decision"] == 1
        assert later.screening["used"] == first.screening["used"]  # one in, one out
        used = set(db.session.scalars(select(Submission.id).where(used_by(later))))
        assert flagged[0].submission_id in used
        assert ordinary not in used
    assert later.data_hash != first.data_hash
    again = run(demo, actor="test")
    assert again.data_hash == later.data_hash
    assert again.results == later.results


def test_an_empty_cell_is_collapsed_into_its_agency_and_listed(demo, db):
    agency = db.session.scalar(select(Agency).where(Agency.code == "SXD"))
    empty = factories.service_field(code="ZZ")
    demo.frame_counts.append(FrameCount(agency=agency, service_field=empty, dossiers=777))
    db.session.flush()
    stored = run(demo, actor="test")
    design = stored.parameters["design"]
    assert {"cell": "SXD|ZZ|citizen", "group": "SXD|citizen", "dossiers": 777.0} in design[
        "collapsed_cells"
    ]


def test_a_clustered_design_uses_interview_days_at_points(demo, db):
    element = run(demo, actor="test")
    demo.design, demo.design_strata, demo.design_cluster = "clustered", "agency", "day_point"
    db.session.flush()
    clustered = run(demo, actor="test")
    assert clustered.parameters["design"]["kind"] == "clustered"
    assert clustered.parameters["design"]["psu"] == "day_point"
    a = element.results["agencies"]["PBUONMATHUOT"]["SIPAS"]
    b = clustered.results["agencies"]["PBUONMATHUOT"]["SIPAS"]
    assert a["estimate"] == pytest.approx(b["estimate"])
    # Element: respondents less cells; clustered: point-days less the one stratum (agency).
    cutoff = clustered.cutoff_at
    data = extract.load(demo.id, extract.definitions_of(demo, cutoff), cutoff)
    set_aside = db.session.scalars(
        select(RunFlag.submission_id).where(RunFlag.run_id == clustered.id)
    ).all()
    data.keep_only(~np.isin(data.ids, list(set_aside)) & (data.agency == "PBUONMATHUOT"))
    local_day = (data.submitted_at + np.timedelta64(7, "h")).astype("datetime64[D]")
    clusters = {(p, d) for p, d in zip(data.point, local_day.astype(str), strict=True)}
    assert b["df"] == len(clusters) - 1
    # Element: strata are the agency's cells, service field × respondent type.
    cells = {(f, t) for f, t in zip(data.field, data.respondent_type, strict=True)}
    assert a["df"] == len(data) - len(cells)
    assert clustered.data_hash != element.data_hash


def test_raking_keeps_agency_totals_and_takes_missing_answers(demo, db):
    """A1 (gender) is missing on some paper forms: a "missing" level, not a failure."""
    stored = run(demo, actor="test", margins={"A1": {"1": 0.49, "2": 0.51}})
    design = stored.parameters["design"]
    assert design["raked"]
    assert "missing" in design["margins"]["A1"]
    assert design["margins"]["agency"] == "frame totals"
    data = extract.load(demo.id, extract.definitions_of(demo, stored.cutoff_at), stored.cutoff_at)
    set_aside = db.session.scalars(
        select(RunFlag.submission_id).where(RunFlag.run_id == stored.id)
    ).all()
    data.keep_only(~np.isin(data.ids, list(set_aside)))
    made = make_design(demo, data, {"A1": {"1": 0.49, "2": 0.51}})
    frames = {}
    for frame in demo.frame_counts:
        frames[frame.agency.code] = frames.get(frame.agency.code, 0) + frame.dossiers
    for agency in np.unique(data.agency):
        total = made.design.weights[data.agency == agency].sum()
        assert total == pytest.approx(frames[agency], rel=1e-9)


def test_coded_texts_say_what_the_answer_rows_say(demo, db):
    """The coded text the runs read is derived from the answer rows: read back, it says
    what the rows say for every submission and coded item."""
    cutoff = datetime(2100, 1, 1)
    loaded = extract.load(demo.id, extract.definitions_of(demo, cutoff), cutoff)
    expected = {code: np.full(len(loaded), np.nan) for code in loaded.answers}
    row_of = {sid: row for row, sid in enumerate(loaded.ids)}
    rows = db.session.execute(
        select(Answer.submission_id, Answer.item_code, Answer.value_int)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(Submission.campaign_id == demo.id, Answer.position == 0)
        .where(Answer.item_code.in_(list(expected)), Answer.value_int.is_not(None))
    ).all()
    assert len(loaded) > 0
    assert rows
    for sid, code, value in rows:
        expected[code][row_of[sid]] = value
    for code, values in loaded.answers.items():
        np.testing.assert_array_equal(values, expected[code], err_msg=code)


def test_runs_cannot_be_changed(demo, db):
    stored = run(demo, actor="test")
    db.session.flush()
    stored.actor = "someone else"
    with pytest.raises(ImmutableRunError):
        db.session.flush()


def test_a_cell_without_a_frame_count_is_named(demo, db):
    # The largest citizens' cell: it surely has answers (an organisation's may have none).
    cell = db.session.scalars(
        select(FrameCount)
        .where(FrameCount.campaign_id == demo.id, FrameCount.respondent_type == "citizen")
        .order_by(FrameCount.dossiers.desc())
    ).first()
    code = f"{cell.agency.code}|{cell.service_field.code}|citizen"
    db.session.delete(cell)
    db.session.flush()
    with pytest.raises(RunError, match=code.replace("|", r"\|")):
        run(demo, actor="test")


def test_the_command_prints_the_run_and_a_summary(demo, runner):
    result = runner.invoke(args=["analysis", "run", "--campaign", "demo"])
    assert result.exit_code == 0, result.output
    assert "run " in result.output
    assert "data hash " in result.output
    assert "PBUONMATHUOT" in result.output
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
    campaign = factories.campaign(
        questionnaire_version=version,
        agencies=[agency],
        status="open",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    campaign.frame_counts.append(FrameCount(agency=agency, service_field=field, dossiers=900))
    moment = datetime(2026, 6, 1, 3, 0)
    rng = np.random.default_rng(1)
    cases = {}

    def add(name, *, levels=None, duration=300, client=None, when=None, at=point, dossier=None):
        levels = levels if levels is not None else rng.integers(2, 6, 17)
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
        )
        cases.setdefault(name, []).append(submission.id)

    for k in range(12):
        add("ordinary", client=f"c{k}", when=moment + timedelta(hours=k))
    add("speeder", duration=20, client="s")
    add("straight_line", levels=[4] * 17, client="l")
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
    rules = dict(
        db.session.execute(
            select(RunFlag.submission_id, RunFlag.rules).where(RunFlag.run_id == stored.id)
        ).all()
    )
    for rule in ("speeder", "straight_line", "repeated_dossier", "burst", "outside_period"):
        for submission_id in cases[rule]:
            assert rules[submission_id] == rule
    for submission_id in cases["ordinary"]:
        assert submission_id not in rules
    assert stored.screening["used"] == len(cases["ordinary"])


def test_a_run_compares_each_agency_with_the_previous_campaigns_run(demo, db):
    from datetime import date

    import numpy as np

    earlier = factories.campaign(
        questionnaire_version=demo.questionnaire_version,
        agencies=list(demo.agencies),
        period_start=date(2025, 1, 1),
        period_end=date(2025, 10, 31),
    )
    before = {"estimate": 0.70, "se": 0.02, "df": 12}
    factories.analysis_run(
        earlier, {"agencies": {"SXD": {"SIPAS": before}}}, cutoff_at=datetime(2025, 11, 1)
    )
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


def test_a_run_reads_submission_times_with_microseconds(planted, db):
    """Web submissions are stamped to the microsecond; PostgreSQL's COPY path must read
    them (it once parsed only whole seconds, so any real web answer broke the run)."""
    campaign, _cases = planted
    before = run(campaign, actor="test").screening["used"]
    answers = dict.fromkeys(always_asked_criteria(), 4)
    answers["TC1"] = 5
    when = datetime(2026, 6, 3, 3, 4, 5, 542302)
    factories.submission(
        {"A1": 1, "B4": 3, **answers},
        campaign=campaign,
        service=db.session.scalar(select(Service)),
        service_point=db.session.scalar(select(ServicePoint).where(ServicePoint.code == "sxd-1")),
        duration_seconds=300,
        client_hash="micro",
        submitted_at=when,
    )
    db.session.flush()
    assert run(campaign, actor="test").screening["used"] == before + 1


def test_paper_forms_are_placed_in_the_period_by_the_date_written_on_them(planted, db):
    """A paper form's own time is its keying, allowed for days after the last day: the
    date on the form decides, and a form without one is not flagged."""
    campaign, cases = planted
    campaign.period_end = date(2026, 6, 30)
    model = db.session.get(Submission, cases["ordinary"][0])
    levels = [4, 5, 3, 4, 2, 5, 4, 3, 5, 4, 3, 2, 4, 5, 3, 4, 5]
    answers = {"A1": 1, "B4": 3, **dict(zip(always_asked_criteria(), levels, strict=True))}
    keyed_late = datetime(2026, 7, 10, 3, 0)
    made = {}
    for name, channel, on in (
        ("paper undated", "paper", None),
        ("paper dated inside", "paper", date(2026, 6, 30)),
        ("paper dated before", "paper", date(2025, 12, 31)),
        ("paper dated after", "paper", date(2026, 7, 1)),
        ("web", "web-qr", None),
    ):
        made[name] = factories.submission(
            answers,
            campaign=campaign,
            service_point=model.service_point,
            service=model.service,
            channel=channel,
            client_hash=name,
            submitted_at=keyed_late,
            interviewed_on=on,
        ).id
    db.session.flush()
    stored = run(campaign, actor="test")
    rules = dict(
        db.session.execute(
            select(RunFlag.submission_id, RunFlag.rules).where(RunFlag.run_id == stored.id)
        ).all()
    )
    flagged = {n for n, i in made.items() if "outside_period" in rules.get(i, "").split(",")}
    assert flagged == {"paper dated before", "paper dated after", "web"}
    assert stored.screening["counts"]["outside_period"] == 4, "and the planted one"
