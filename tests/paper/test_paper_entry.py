"""Keying, double entry, adjudication and the quality report, through the services."""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey.audit.models import AuditEvent
from survey.local_time import today
from survey.paper import entry, errors, issuing, quality
from survey.paper.models import PaperForm, PaperResolution
from survey.paper.serials import make_serial
from survey.responses.models import Answer, Submission
from tests import factories
from tests.paper.conftest import make_user, paper_answers


@pytest.fixture(autouse=True)
def english(db):
    """Messages are checked in English here (the interface default is Vietnamese)."""
    with force_locale("en"):
        yield


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _key(batch, serial, keyer, interview_date="", **overrides):
    definition = batch.campaign.questionnaire_version.definition()
    return entry.record_entry(
        batch,
        serial,
        paper_answers(definition, **overrides),
        keyer=keyer,
        started_at=None,
        interview_date=interview_date,
    )


def test_a_batch_registers_consecutive_serials_and_the_next_batch_continues(
    batch, paper_campaign, db
):
    campaign, agency, _ = paper_campaign
    assert [f.serial for f in batch.forms] == [make_serial("SXD", n) for n in range(1, 6)]
    ids = {s.code: s.id for s in agency.services}
    assert batch.service_numbers == {"1": ids["S1"], "2": ids["S2"]}, "numbered by code"
    following = issuing.create_batch(campaign, agency, 2, actor="test", user_id=None)
    assert [f.serial for f in following.forms] == [make_serial("SXD", 6), make_serial("SXD", 7)]


def test_an_agency_code_with_dashes_prints_serials_that_can_be_keyed(paper_campaign, keyers, db):
    """The admin accepts . _ - in codes; serials embed the code and read the same grammar."""
    campaign, _agency, _ = paper_campaign
    short = factories.agency(code="UBND")
    dashed = factories.agency(code="ubnd-bmt")
    campaign.agencies.extend([short, dashed])
    first = issuing.create_batch(campaign, dashed, 2, actor="test", user_id=None)
    other = issuing.create_batch(campaign, short, 1, actor="test", user_id=None)
    assert [f.serial for f in first.forms] == [
        make_serial("UBND-BMT", 1),
        make_serial("UBND-BMT", 2),
    ]
    assert [f.serial for f in other.forms] == [make_serial("UBND", 1)], "its own numbers"
    keyed = _key(first, first.forms[1].serial.lower(), keyers[0], B1="9")  # no services
    assert keyed.form is not None
    assert keyed.form.status in ("keyed", "verified")


def test_a_closed_campaign_issues_no_forms(paper_campaign, db):
    campaign, agency, _ = paper_campaign
    campaign.status = "closed"
    with pytest.raises(errors.PaperError):
        issuing.create_batch(campaign, agency, 2, actor="test", user_id=None)


def test_forms_are_keyed_after_the_period_for_the_keying_days_and_never_later(
    app, batch, keyers, db
):
    """A campaign closes at the end of its last day, but its paper forms arrive later:
    they are keyed for SURVEY_PAPER_KEYING_DAYS (30 here) after it, then never."""
    campaign = batch.campaign
    campaign.status = "closed"
    campaign.period_end = today() - timedelta(days=30)
    assert _key(batch, batch.forms[0].serial, keyers[0]).form.status == "keyed"
    campaign.period_end = today() - timedelta(days=31)
    with pytest.raises(errors.PaperError, match="30 days after its last day"):
        _key(batch, batch.forms[1].serial, keyers[0])
    campaign.status = "draft"
    campaign.period_end = today()
    with pytest.raises(errors.PaperError):
        _key(batch, batch.forms[1].serial, keyers[0])
    assert _count(db, Submission) == 0


def test_no_forms_are_issued_once_the_period_is_over(paper_campaign, db):
    campaign, agency, _ = paper_campaign
    campaign.period_end = today() - timedelta(days=1)
    with pytest.raises(errors.PaperError):
        issuing.create_batch(campaign, agency, 2, actor="test", user_id=None)


def test_two_agreeing_entries_make_one_paper_submission(batch, keyers, db):
    first, second, _ = keyers
    serial = batch.forms[0].serial
    assert _key(batch, serial, first, B1="2", TC1="5").form.status == "keyed"
    assert _count(db, Submission) == 0, "nothing counts before the second entry"
    form = _key(batch, serial, second, B1="2", TC1="5").form
    assert form.status == "verified"
    submission = db.session.get(Submission, form.submission_id)
    assert (submission.channel, submission.service_point_id) == ("paper", batch.service_point_id)
    assert submission.service_id == batch.service_numbers["2"]
    answers = {a.item_code: a.value for a in submission.answers}
    assert answers["TC1"] == 5
    assert submission.coded_answers is not None


@pytest.mark.parametrize(
    ("serial_of", "message"),
    [
        (lambda b, o: o.forms[0].serial, "belongs to batch"),
        (lambda b, o: make_serial("SXD", 99), "was not issued in this campaign"),
        (lambda b, o: make_serial("SXD", 1)[:-1] + "0", "is not a serial number"),
        (lambda b, o: "SXD-12", "is not a serial number"),
    ],
)
def test_serials_outside_the_batch_are_refused(
    batch, keyers, paper_campaign, db, serial_of, message
):
    campaign, agency, _ = paper_campaign
    other = issuing.create_batch(campaign, agency, 1, actor="test", user_id=None)
    serial = serial_of(batch, other)
    if serial == batch.forms[0].serial:  # the check digit happened to be 0 already
        pytest.skip("no typo to make")
    with pytest.raises(errors.PaperError, match=message):
        _key(batch, serial, keyers[0])
    assert _count(db, Submission) == 0


def test_the_same_keyer_cannot_key_a_form_twice_and_the_attempt_is_counted(batch, keyers, db):
    serial = batch.forms[0].serial
    _key(batch, serial, keyers[0])
    with pytest.raises(errors.PaperError, match="someone else"):
        _key(batch, serial, keyers[0])
    assert batch.forms[0].duplicate_attempts == 1
    assert len(batch.forms[0].entries) == 1


def test_a_form_keyed_completely_refuses_a_third_entry(batch, keyers, db):
    serial = batch.forms[0].serial
    _key(batch, serial, keyers[0])
    _key(batch, serial, keyers[1])
    third = make_user("keyer.c")
    with pytest.raises(errors.PaperError, match="keyed completely"):
        _key(batch, serial, third)
    assert _count(db, Submission) == 1


@pytest.mark.parametrize(("overrides"), [{"TC1": "6"}, {"B4": "3", "PA1": "4"}])
def test_a_bad_value_stores_nothing(batch, keyers, db, overrides):
    definition = batch.campaign.questionnaire_version.definition()
    typed = paper_answers(definition, **{k: v for k, v in overrides.items() if k != "PA1"})
    typed.update({k: v for k, v in overrides.items() if k == "PA1"})
    keyed = entry.record_entry(
        batch, batch.forms[0].serial, typed, keyer=keyers[0], started_at=None
    )
    assert keyed.form is None
    assert keyed.reading.problems
    assert batch.forms[0].entries == []


def test_the_date_on_the_form_is_keyed_day_first_and_the_paper_settles_a_difference(
    batch, keyers, db
):
    first, second, supervisor = keyers
    day = today() - timedelta(days=3)
    serial = batch.forms[0].serial
    _key(batch, serial, first, interview_date=day.strftime("%d/%m/%Y"))
    form = _key(batch, serial, second, interview_date=day.strftime("%d%m%Y")).form
    assert form.status == "verified", "the same day written two ways agrees"
    assert db.session.get(Submission, form.submission_id).interviewed_on == day

    serial = batch.forms[1].serial
    _key(batch, serial, first, interview_date=day.strftime("%d.%m.%Y"))
    form = _key(batch, serial, second).form  # the second keyer missed it
    assert form.status == "adjudication"
    assert [
        d.item
        for d in entry.pending_differences(form, batch.campaign.questionnaire_version.definition())
    ] == [entry.DATE]
    refused = entry.resolve(form, {entry.DATE: "31/02/2026"}, supervisor=supervisor)
    assert entry.DATE in refused.problems
    assert form.status == "adjudication"
    assert entry.resolve(form, {entry.DATE: day.strftime("%d-%m-%Y")}, supervisor=supervisor).ok
    assert db.session.get(Submission, form.submission_id).interviewed_on == day


def test_a_dated_form_whose_entries_differ_in_an_item_keeps_its_agreed_date(batch, keyers, db):
    # The agreed date is stored as ISO text; resolving must not re-read it day first.
    first, second, supervisor = keyers
    day = today() - timedelta(days=2)
    serial = batch.forms[0].serial
    _key(batch, serial, first, interview_date=day.strftime("%d/%m/%Y"), TC1="5")
    form = _key(batch, serial, second, interview_date=day.strftime("%d/%m/%Y"), TC1="4").form
    assert form.status == "adjudication"
    reading = entry.resolve(form, {"TC1": "4"}, supervisor=supervisor)
    assert reading.ok, reading.problems
    assert form.status == "verified"
    assert db.session.get(Submission, form.submission_id).interviewed_on == day


@pytest.mark.parametrize("written", ["31/02/2026", "2026", "hôm qua", "tomorrow"])
def test_a_date_that_cannot_be_or_lies_ahead_stores_nothing(batch, keyers, db, written):
    if written == "tomorrow":
        written = (today() + timedelta(days=1)).strftime("%d/%m/%Y")
    keyed = _key(batch, batch.forms[0].serial, keyers[0], interview_date=written)
    assert keyed.form is None
    assert "day/month/year" in keyed.reading.problems[entry.DATE]
    db.session.rollback()
    assert _count(db, Submission) == 0


def test_a_keyer_of_the_form_may_not_adjudicate_it(batch, keyers, db):
    first, second, supervisor = keyers
    serial = batch.forms[0].serial
    _key(batch, serial, first, TC1="5")
    form = _key(batch, serial, second, TC1="4").form
    for keyer in (first, second):
        with pytest.raises(errors.PaperError, match="keyed neither entry"):
            entry.resolve(form, {"TC1": "4"}, supervisor=keyer)
    assert form.status == "adjudication"
    assert entry.resolve(form, {"TC1": "4"}, supervisor=supervisor).ok


def test_differences_go_to_adjudication_and_the_paper_decides(batch, keyers, db):
    first, second, supervisor = keyers
    serial = batch.forms[0].serial
    _key(batch, serial, first, TC1="5", CC2="3")
    form = _key(batch, serial, second, TC1="4", CC2="3").form
    assert form.status == "adjudication"
    assert _count(db, Submission) == 0
    reading = entry.resolve(form, {"TC1": "4"}, supervisor=supervisor)
    assert reading.ok
    assert form.status == "verified"
    value = db.session.scalar(
        select(Answer.value_int).where(
            Answer.submission_id == form.submission_id, Answer.item_code == "TC1"
        )
    )
    assert value == 4
    resolution = db.session.scalar(select(PaperResolution))
    assert (resolution.first_wrong, resolution.second_wrong) == (True, False)
    keyer_rows, batch_rows = quality.quality(batch.campaign)
    by_name = {k.keyer.username: k for k in keyer_rows}
    fields = by_name["keyer.a"].fields
    assert by_name["keyer.a"].errors == 1
    assert by_name["keyer.a"].errors_per_thousand == pytest.approx(1000 / fields)
    assert by_name["keyer.b"].errors == 0
    row = batch_rows[0]
    assert (row.issued, row.keyed_twice, row.verified, row.missing) == (5, 1, 1, 4)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == serial))
    assert sorted(actions) == ["paper.entry", "paper.entry", "paper.resolve"]


def test_a_resolution_that_breaks_a_skip_rule_is_refused(batch, keyers, db):
    first, second, supervisor = keyers
    serial = batch.forms[0].serial
    _key(batch, serial, first, B4="1")
    form = _key(batch, serial, second, B4="2").form
    # The paper says 3 (no feedback), but PA1–PA3 were keyed: a supervisor must look again.
    reading = entry.resolve(form, {"B4": "3"}, supervisor=supervisor)
    assert not reading.ok
    assert form.status == "adjudication"


def test_forms_outside_the_verification_sample_count_after_one_entry(paper_campaign, keyers, db):
    campaign, agency, _ = paper_campaign
    issuing.set_verify_share(campaign, 0.2, actor="test", user_id=None)
    batch = issuing.create_batch(campaign, agency, 30, actor="test", user_id=None)
    single = [f for f in batch.forms if not f.verify]
    assert 10 < len(single) < 30
    form = _key(batch, single[0].serial, keyers[0]).form
    assert form.status == "verified"
    assert form.submission_id is not None


PAPER_VALUES = st.sampled_from(["1", "2", "3", "4", "5", "9"])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pairs=st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from(["TC1", "TT2", "CC3", "KQ1"]), PAPER_VALUES),
            st.dictionaries(st.sampled_from(["TC1", "TT2", "CC3", "KQ1"]), PAPER_VALUES),
            st.lists(st.booleans(), min_size=4, max_size=4),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_random_pairs_of_entries_end_as_one_submission_per_form(db, paper_campaign, pairs):
    """Whatever two keyers type, once adjudicated every form is exactly one submission."""
    campaign, agency, _ = paper_campaign
    savepoint = db.session.begin_nested()
    try:
        first, second = make_user(f"a{factories._next()}"), make_user(f"b{factories._next()}")
        supervisor = make_user(f"s{factories._next()}", "evaluator")
        batch = issuing.create_batch(campaign, agency, len(pairs), actor="t", user_id=None)
        for form, (one, two, choices) in zip(batch.forms, pairs, strict=True):
            _key(batch, form.serial, first, **one)
            _key(batch, form.serial, second, **two)
            if form.status == "adjudication":
                diffs = entry.pending_differences(form, campaign.questionnaire_version.definition())
                paper = {
                    d.item: (d.first if pick else d.second)
                    for d, pick in zip(diffs, choices + [True] * len(diffs), strict=False)
                }
                assert entry.resolve(form, paper, supervisor=supervisor).ok
        statuses = [f.status for f in batch.forms]
        assert statuses == ["verified"] * len(pairs)
        ids = [f.submission_id for f in batch.forms]
        assert len(set(ids)) == len(pairs)
        stored = db.session.scalar(
            select(func.count())
            .select_from(Submission)
            .where(Submission.id.in_(ids), Submission.channel == "paper")
        )
        assert stored == len(pairs)
        assert _count(db, PaperForm) >= len(pairs)
    finally:
        savepoint.rollback()
