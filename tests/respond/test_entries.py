"""What a QR code leads to is kept in memory for SURVEY_POINT_CACHE_SECONDS, but it only
shows: whether an answer is stored is decided by the INSERT, which checks that the
campaign is still open and the point still active."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.responses.models import Submission
from tests.respond.conftest import complete_answers, form_fields


@pytest.fixture
def kept(app, monkeypatch):
    monkeypatch.setitem(app.config, "SURVEY_POINT_CACHE_SECONDS", 600)
    app.extensions.pop("survey.entries", None)
    yield
    app.extensions.pop("survey.entries", None)


def _stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


def test_the_point_is_read_once_while_kept(client, open_campaign, db, kept):
    _, agency, point = open_campaign
    client.get("/p/sxd-1")
    point.name_vi = "Quầy mới"
    db.session.commit()
    assert "Quầy mới" not in client.get("/p/sxd-1").get_data(as_text=True), "kept"
    page = client.get("/p/sxd-1").get_data(as_text=True)
    answers = complete_answers(agency.services[0].id)
    assert client.post("/p/sxd-1", data={**answers, **form_fields(page)}).status_code == 303
    assert _stored(db) == 1


@pytest.mark.parametrize("change", ["campaign closed", "point retired"])
def test_a_kept_point_takes_no_answer_once_its_campaign_closed_or_it_retired(
    client, open_campaign, db, kept, change
):
    campaign, agency, point = open_campaign
    page = client.get("/p/sxd-1").get_data(as_text=True)  # now kept: open and active
    if change == "campaign closed":
        campaign.status = "closed"
    else:
        point.active = False
    db.session.commit()
    answers = complete_answers(agency.services[0].id)
    posted = client.post("/p/sxd-1?lang=en", data={**answers, **form_fields(page)})
    assert posted.status_code == 410
    assert "The survey here has ended" in posted.get_data(as_text=True)
    assert _stored(db) == 0
