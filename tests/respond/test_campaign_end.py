"""A campaign closes at the end of its last day (local time): by the scheduled job every
worker runs, or by the first answer that arrives after it if no job ran. After that every
channel shows the friendly "closed" page and stores nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from survey.audit.models import AuditEvent
from survey.campaigns.models import Invitation
from survey.db import utcnow
from survey.extensions import db as _db
from survey.local_time import today
from survey.responses.models import Submission
from tests.respond.conftest import complete_answers, form_fields


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _closing_events(campaign) -> int:
    return _count(
        AuditEvent, AuditEvent.action == "campaign.closed", AuditEvent.entity_id == str(campaign.id)
    )


def test_an_answer_after_the_last_day_closes_the_campaign_and_is_not_stored(
    client, open_campaign, db
):
    campaign, agency, _point = open_campaign
    page = client.get("/p/sxd-1").get_data(as_text=True)
    fields = form_fields(page)
    campaign.period_end = today() - timedelta(days=1)  # the page stayed open overnight
    invitation = Invitation(
        campaign=campaign,
        agency=agency,
        token="x" * 22,
        phone="0905123456",
        expires_at=utcnow() + timedelta(days=30),
    )
    db.session.add(invitation)
    db.session.commit()

    answers = complete_answers(agency.services[0].id)
    posted = client.post("/p/sxd-1", data={**answers, **fields})
    assert posted.status_code == 410
    assert "The survey here has ended" in client.get("/p/sxd-1?lang=en").get_data(as_text=True)
    assert client.get("/s/" + "x" * 22).status_code == 410
    assert _count(Submission) == 0
    db.session.refresh(campaign)
    assert campaign.status == "closed"
    assert _closing_events(campaign) == 1, "closed once, by the first request"
    assert db.session.get(Invitation, invitation.id).phone is None, "personal data erased"


def test_the_last_day_itself_still_takes_answers(client, open_campaign, db):
    campaign, agency, _ = open_campaign
    campaign.period_end = today()
    db.session.commit()
    page = client.get("/p/sxd-1").get_data(as_text=True)
    answers = complete_answers(agency.services[0].id)
    assert client.post("/p/sxd-1", data={**answers, **form_fields(page)}).status_code == 303
    assert _count(Submission) == 1
    db.session.refresh(campaign)
    assert campaign.status == "open"


def test_the_scheduled_job_closes_ended_campaigns_once(app, open_campaign, db):
    from tests import factories

    ended, _agency, _ = open_campaign
    ended.period_end = today() - timedelta(days=1)
    running = factories.campaign(status="open", agencies=[factories.agency()])
    db.session.commit()
    task = app.extensions["huey"].survey_close_ended_campaigns
    task()  # run at once in tests; a worker runs it every minute
    task()
    db.session.refresh(ended)
    db.session.refresh(running)
    assert (ended.status, running.status) == ("closed", "open")
    assert ended.closed_at is not None
    assert _closing_events(ended) == 1
    assert _closing_events(running) == 0
