"""Constraints hold in the database itself, on SQLite and PostgreSQL alike."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from survey.audit.models import AuditEvent, AuditTrailIsAppendOnly
from survey.audit.services import record
from survey.campaigns.models import FrameCount
from survey.responses.models import AnswersAreFinal
from tests import factories


def _violates(db, sql: str, **params) -> None:
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(text(sql), params)


def test_agency_kind_is_checked_by_the_database(db):
    _violates(
        db,
        "INSERT INTO agency (code, name_vi, name_en, kind, ranking_group, active) "
        "VALUES ('X', 'x', 'x', 'ministry', 'g', true)",
    )


def test_agency_codes_are_unique(db):
    factories.agency(code="SXD")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        factories.agency(code="SXD")


def test_a_decision_about_a_submission_needs_a_known_decision_and_a_reason(db):
    submission = factories.submission()
    insert = (
        "INSERT INTO submission_review (submission_id, decision, reason, actor, decided_at) "
        "VALUES (:id, :decision, :reason, 'test', CURRENT_TIMESTAMP)"
    )
    _violates(db, insert, id=submission.id, decision="exclude", reason="")
    _violates(db, insert, id=submission.id, decision="delete", reason="duplicate")
    db.session.execute(text(insert), {"id": submission.id, "decision": "keep", "reason": "ok"})


@pytest.mark.parametrize(("column", "value"), [("channel", "fax"), ("respondent_type", "tourist")])
def test_submission_enumerations_are_checked(db, column, value):
    submission = factories.submission()
    _violates(
        db,
        f"UPDATE submission SET {column} = :value WHERE id = :id",  # noqa: S608
        value=value,
        id=submission.id,
    )


def test_a_campaign_design_needs_clusters_exactly_when_clustered(db):
    campaign = factories.campaign()
    update = "UPDATE campaign SET design = :design, design_cluster = :cluster WHERE id = :id"
    _violates(db, update, design="clustered", cluster=None, id=campaign.id)
    _violates(db, update, design="element", cluster="day_point", id=campaign.id)
    _violates(db, update, design="census", cluster=None, id=campaign.id)
    db.session.execute(
        text(update), {"design": "clustered", "cluster": "day_point", "id": campaign.id}
    )


def test_an_agency_viewer_must_have_an_agency(db):
    _violates(
        db,
        "INSERT INTO user_account (username, password_hash, role, active, created_at) "
        "VALUES ('v', 'h', 'agency-viewer', true, CURRENT_TIMESTAMP)",
    )


def test_frame_counts_cannot_be_negative(db):
    campaign = factories.campaign()
    agency = factories.agency()
    field = factories.service_field()
    db.session.add(FrameCount(campaign=campaign, agency=agency, service_field=field, dossiers=-1))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.flush()


def test_a_campaign_cannot_end_before_it_starts(db):
    with pytest.raises(IntegrityError), db.session.begin_nested():
        factories.campaign(period_start=date(2026, 5, 1), period_end=date(2026, 4, 1))


def test_foreign_keys_are_enforced(db):
    _violates(
        db,
        "INSERT INTO service_point (code, agency_id, name_vi, name_en, active) "
        "VALUES ('p', 999999, 'x', 'x', true)",
    )


def test_answers_need_a_value(db):
    submission = factories.submission()
    _violates(
        db,
        "INSERT INTO answer (submission_id, item_code, position) VALUES (:id, 'TC1', 0)",
        id=submission.id,
    )


def test_answers_belong_to_their_submission_and_read_back(db):
    submission = factories.submission({"TC1": 4, "E10": "Tốt"})
    db.session.expire_all()
    assert {a.item_code: a.value for a in submission.answers} == {"TC1": 4, "E10": "Tốt"}


def test_answers_and_their_coded_text_are_never_rewritten(db):
    """The coded text the runs read is derived from the answer rows when they are
    stored; neither may change afterwards, or they could say different things."""
    submission = factories.submission({"TC1": 4})
    submission.answers[0].value_int = 5
    with pytest.raises(AnswersAreFinal):
        db.session.flush()
    db.session.rollback()
    submission = factories.submission({"TC1": 4})
    submission.coded_answers = submission.coded_answers.replace("04", "05", 1)
    with pytest.raises(AnswersAreFinal):
        db.session.flush()
    db.session.rollback()
    submission = factories.submission({"TC1": 4})
    submission.channel = "paper"  # the submission's other columns are not answers
    db.session.flush()


def test_the_audit_trail_cannot_be_edited_or_deleted(db):
    event = record("agency.create", "agency", 1, actor="test", after={"code": "X"})
    db.session.flush()
    event.actor = "someone else"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    event = db.session.get(AuditEvent, event.id) or record("x", "y", 1, actor="t")
    db.session.flush()
    db.session.delete(event)
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()


def test_nothing_on_a_submission_reaches_an_invitation_or_a_person(app):
    from survey.extensions import db

    assert "participation" not in db.metadata.tables
    assert not any(
        fk.column.table.name in ("invitation", "submission")
        for table in ("submission", "answer", "invitation")
        for fk in db.metadata.tables[table].foreign_keys
        if fk.parent.table.name != fk.column.table.name
        and {fk.parent.table.name, fk.column.table.name} == {"submission", "invitation"}
    )
    submission_columns = {c.name for c in factories.Submission.__table__.columns}
    assert not submission_columns & {
        "invitation_id",
        "phone",
        "ip",
        "dossier_code",
        "name",
        "started_at",
    }
