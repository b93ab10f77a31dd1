import hashlib

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from survey.agencies.models import Agency, ServicePoint
from survey.campaigns.models import Campaign, FrameCount
from survey.extensions import db as _db
from survey.paper.models import SurveyorAssignment
from survey.responses.models import Answer, Submission
from survey.users.models import User
from tests.conftest import make_app
from tests.databases import throwaway_database


def _count(model, *where):
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _answers(submission_ids, code):
    return dict(
        _db.session.execute(
            select(Answer.submission_id, Answer.value_int).where(Answer.item_code == code)
        ).all()
    )


def test_seed_builds_the_province_and_its_campaign(runner, db):
    result = runner.invoke(args=["demo", "seed", "--responses", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "34 agencies, campaign 'demo' with 300 submissions" in result.output
    groups = dict(
        db.session.execute(
            select(Agency.ranking_group, func.count()).group_by(Agency.ranking_group)
        ).all()
    )
    assert groups == {"departments": 19, "districts": 15}
    assert db.session.scalar(select(Agency.name_vi).where(Agency.code == "KRONGNANG")) == (
        "UBND huyện Krông Năng"
    )
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
    assert campaign.status == "open"
    assert campaign.questionnaire_version.questionnaire.code == "sipas-citizen"
    assert len(campaign.agencies) == 34
    # Every agency × field that has services has a frame count for the weights.
    fields = {(c.agency_id, c.service_field_id) for c in campaign.frame_counts}
    offered = {(s.agency_id, s.field_id) for a in campaign.agencies for s in a.services}
    assert fields == offered
    assert db.session.scalar(select(func.min(FrameCount.dossiers))) > 0
    assert _count(Submission) == 300
    # The demo surveyor can issue paper batches for a few agencies, as assigned.
    assigned = db.session.scalars(
        select(Agency.code)
        .join(SurveyorAssignment, SurveyorAssignment.agency_id == Agency.id)
        .join(User, User.id == SurveyorAssignment.user_id)
        .where(User.username == "dieutra", SurveyorAssignment.campaign_id == campaign.id)
    ).all()
    assert sorted(assigned) == ["STNMT", "SXD"]


def test_seeded_answers_follow_the_questionnaire(runner, db):
    runner.invoke(args=["demo", "seed", "--responses", "400", "--seed", "5"])
    feedback = _answers(None, "B4")
    pa1 = _answers(None, "PA1")
    assert pa1, "some respondents gave feedback"
    assert all(feedback.get(s) in (1, 2) for s in pa1), "PA asked only after feedback"
    values = db.session.scalars(
        select(Answer.value_int).where(Answer.item_code.in_(["TC1", "CC3", "KQ2"]))
    ).all()
    assert set(values) <= {1, 2, 3, 4, 5}
    assert len(set(values)) >= 4
    # Paper forms leave some required items blank; web forms never do.
    answered = select(Answer.submission_id).where(Answer.item_code == "TC1")
    blank = db.session.scalars(
        select(Submission.channel).where(Submission.id.not_in(answered)).distinct()
    ).all()
    assert set(blank) <= {"paper"}
    # Services and points belong to the submission's own agency.
    mismatched = db.session.scalar(
        select(func.count())
        .select_from(Submission)
        .join(ServicePoint, ServicePoint.id == Submission.service_point_id)
        .where(ServicePoint.agency_id != Submission.agency_id)
    )
    assert mismatched == 0


def test_seeding_twice_is_refused_and_changes_nothing(runner, db):
    runner.invoke(args=["demo", "seed", "--responses", "50"])
    result = runner.invoke(args=["demo", "seed", "--responses", "50"])
    assert result.exit_code != 0
    assert "already has 50 submissions; nothing was changed" in result.output
    assert _count(Submission) == 50


def test_if_empty_skips_a_database_that_has_agencies(runner, db):
    runner.invoke(args=["demo", "seed", "--responses", "10"])
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0
    assert "demo seed skipped" in result.output
    assert _count(Submission) == 10


@pytest.mark.parametrize("value", ["-5", "many"])
def test_bad_arguments_are_refused(runner, value):
    result = runner.invoke(args=["demo", "seed", "--responses", value])
    assert result.exit_code == 2
    assert "--responses" in result.output


def _fingerprint(tmp_path, seed: int) -> str:
    """Seed a fresh database and hash everything a submission says."""
    with throwaway_database(tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade()
            result = app.test_cli_runner().invoke(
                args=["demo", "seed", "--responses", "200", "--seed", str(seed)]
            )
            assert result.exit_code == 0, result.output
            digest = hashlib.sha256()
            rows = _db.session.execute(
                select(
                    Submission.id,
                    Agency.code,
                    ServicePoint.code,
                    Submission.channel,
                    Submission.submitted_at,
                    Answer.item_code,
                    Answer.value_int,
                    Answer.value_text,
                )
                .join(Agency, Agency.id == Submission.agency_id)
                .join(ServicePoint, ServicePoint.id == Submission.service_point_id)
                .join(Answer, Answer.submission_id == Submission.id)
                .order_by(Submission.id, Answer.item_code)
            )
            for row in rows:
                digest.update(repr(tuple(row)).encode())
            _db.session.remove()
            _db.engine.dispose()
        return digest.hexdigest()


@pytest.mark.slow
def test_a_seed_gives_the_same_responses_every_time(tmp_path):
    assert _fingerprint(tmp_path, 11) == _fingerprint(tmp_path, 11)
    assert _fingerprint(tmp_path, 11) != _fingerprint(tmp_path, 12)


def test_the_demo_has_the_dossier_records_behind_its_frame_counts(runner, db):
    """make run seeds records too: each frame count is the dossiers the agency returned in
    that field during the period, and land comes back late more often."""
    from survey.campaigns.models import Campaign
    from survey.dossiers import frames
    from survey.dossiers.models import DossierRecord
    from survey.dossiers.timeliness import timeliness

    result = runner.invoke(args=["demo", "seed", "--responses", "50", "--dossiers"])
    assert result.exit_code == 0, result.output
    assert "dossier records" in result.output
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
    counted = {(a.code, f.code): n for (a, f), n in frames.counted(campaign).items()}
    framed = {(c.agency.code, c.service_field.code): c.dossiers for c in campaign.frame_counts}
    assert counted == framed
    assert _count(DossierRecord, DossierRecord.returned_on.is_(None)) > 0, "some still open"
    lines = timeliness(campaign.period_start, campaign.period_end)
    rate = {}
    for line in lines:
        if line.field_code:
            on_time, returned = rate.get(line.field_code == "DD", (0, 0))
            rate[line.field_code == "DD"] = (on_time + line.on_time, returned + line.returned)
    land, other = (rate[k][0] / rate[k][1] for k in (True, False))
    assert land < other - 0.1
