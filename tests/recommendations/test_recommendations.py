"""A citizen's recommendation: left after the survey, apart from the answers, answered by
the agency within its working days, published without personal data."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from survey.audit.models import AuditEvent
from survey.local_time import today
from survey.recommendations import services, working_days
from survey.recommendations.models import Recommendation, RecommendationContact
from survey.responses.models import Submission
from tests import factories

TEXT = "Hồ sơ đất của tôi trễ hẹn 3 tuần, gọi cho tôi 0912 345 678, anh Nguyễn Văn Bình ở quầy 2"


def _leave(client, **values):
    data = {"text": TEXT, "service_field": "", "theme": "LATE", **values}
    return client.post("/recommend", data=data)


def test_the_thank_you_page_offers_a_recommendation_that_is_stored_apart(client, answered, db):
    campaign, agency, field = answered
    thanks = client.get("/thanks").get_data(as_text=True)
    assert "/recommend" in thanks
    assert "Sở Xây dựng" in thanks
    form = client.get("/recommend")
    assert form.status_code == 200
    assert "Đất đai" in form.get_data(as_text=True)  # the agency's fields to choose from
    response = _leave(client, service_field=str(field.id), wants_reply="y", phone="+84 912 345 679")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/recommend/sent")
    stored = db.session.scalars(select(Recommendation)).one()
    assert stored.agency_id == agency.id
    assert stored.service_field_id == field.id
    assert stored.theme_chosen == "LATE"
    assert stored.source == "web"
    # Masked as it is stored: no one reads the phone or the name in it.
    assert "0912" not in stored.text
    assert "Bình" not in stored.text
    assert "[số điện thoại]" in stored.text
    assert "[tên]" in stored.text
    assert stored.received_on == today()
    assert stored.due_on == working_days.add(today(), campaign.reply_working_days)
    contact = db.session.get(RecommendationContact, stored.id)
    assert contact.phone == "0912345679"
    assert contact.email is None
    # Nothing of the submission: no shared column but campaign and agency, no time.
    submission = db.session.scalars(select(Submission)).one()
    assert stored.id != submission.id or stored.id > 2**20
    assert not any(
        a.entity_type == "recommendation" for a in db.session.scalars(select(AuditEvent))
    )
    # Once per answer: the offer is used up, and Back shows no form to post again.
    assert client.get("/recommend").status_code == 410
    assert _leave(client).status_code == 410
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 1


def test_a_recommendation_needs_an_answer_first(client, db):
    assert client.get("/recommend").status_code == 410
    assert client.post("/recommend", data={"text": "x"}).status_code == 410


def test_a_reply_asked_for_needs_a_contact_and_a_real_phone(client, answered, db):
    page = _leave(client, wants_reply="y")
    assert page.status_code == 422
    assert "Để lại số điện thoại hoặc e-mail" in page.get_data(as_text=True)
    page = _leave(client, wants_reply="y", phone="12345")
    assert page.status_code == 422
    page = _leave(client, text="x" * 2001)
    assert page.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 0
    # A contact typed without asking for a reply is not kept.
    assert _leave(client, phone="0912345678").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(RecommendationContact)) == 0


def test_the_honeypot_stores_nothing(client, answered, db):
    response = _leave(client, website="http://spam.example")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 0


@pytest.fixture
def waiting(client, answered, db):
    """A recommendation of SXD with a phone, not answered yet."""
    assert _leave(client, wants_reply="y", phone="0912345679").status_code == 303
    return db.session.scalars(select(Recommendation)).one()


def test_the_agency_answers_publishes_and_the_public_page_shows_no_personal_data(
    client, waiting, login_as, db
):
    login_as("agency-viewer", agency_code="SXD")
    inbox = client.get("/staff/recommendations/").get_data(as_text=True)
    assert "[số điện thoại]" in inbox
    assert "0912" not in inbox
    url = f"/staff/recommendations/{waiting.id}"
    response = client.post(f"{url}/reply", data={"theme": "LATE", "reply": "Đã xử lý xong hồ sơ."})
    assert response.status_code == 303
    assert client.post(f"{url}/publish").status_code == 303
    db.session.expire_all()
    stored = db.session.get(Recommendation, waiting.id)
    assert stored.replied_on == today()
    assert stored.theme == "LATE"
    assert stored.publication == "published"
    assert stored.on_time()
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {
        "recommendation.reply",
        "recommendation.classify",
        "recommendation.publication",
    } <= actions
    page = client.get("/recommendations/sxd").get_data(as_text=True)
    assert "Đã xử lý xong hồ sơ." in page
    assert "Hồ sơ trễ hạn" in page
    assert "0912" not in page
    assert "Bình" not in page
    assert "[số điện thoại]" in page


def test_only_the_agencys_own_staff_answer(client, waiting, login_as, db):
    factories.agency(code="SYT")
    login_as("agency-viewer", agency_code="SYT")
    url = f"/staff/recommendations/{waiting.id}"
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/reply", data={"reply": "x"}).status_code == 404
    login_as("evaluator")
    assert client.get(url).status_code == 200  # evaluators read
    assert client.post(f"{url}/reply", data={"reply": "x"}).status_code == 403
    login_as("surveyor")
    assert client.get(url).status_code == 403


def test_withholding_needs_a_reason_and_deletes_nothing(client, waiting, login_as, db):
    login_as("agency-viewer", agency_code="SXD")
    url = f"/staff/recommendations/{waiting.id}"
    client.post(f"{url}/reply", data={"reply": "Cảm ơn."})
    assert client.post(f"{url}/withhold", data={"reason": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Recommendation, waiting.id).publication == "pending"
    client.post(f"{url}/withhold", data={"reason": "Có lời đe dọa"})
    db.session.expire_all()
    stored = db.session.get(Recommendation, waiting.id)
    assert stored.publication == "withheld"
    assert stored.withheld_reason == "Có lời đe dọa"
    assert "Cảm ơn." not in client.get("/recommendations/SXD").get_data(as_text=True)


def test_publishing_waits_for_the_reply(client, waiting, login_as, db):
    login_as("agency-viewer", agency_code="SXD")
    client.post(f"/staff/recommendations/{waiting.id}/publish")
    db.session.expire_all()
    assert db.session.get(Recommendation, waiting.id).publication == "pending"


def test_overdue_ones_head_the_inbox_and_evaluators_see_them(client, answered, login_as, db):
    campaign, agency, _field = answered
    old = today() - timedelta(days=60)
    for on in (old, today()):
        services.receive(campaign, agency, services.Received(text=f"Kiến nghị {on}"), on=on)
    login_as("evaluator")
    page = client.get("/staff/recommendations/?state=overdue").get_data(as_text=True)
    assert f"Kiến nghị {old}" in page
    assert f"Kiến nghị {today()}" not in page
    assert "quá hạn" in page


def test_replies_go_to_the_gateway_once_and_contacts_are_erased_30_days_later(
    client, waiting, login_as, db
):
    services.answer(waiting, "Đã giải quyết.", on=today() - timedelta(days=31), actor="test")
    db.session.commit()
    login_as("admin")
    first = client.post("/staff/recommendations/replies.csv").get_data(as_text=True)
    assert "0912345679" in first
    assert "Đã giải quyết." in first
    second = client.post("/staff/recommendations/replies.csv").get_data(as_text=True)
    assert "0912345679" not in second
    assert services.erase_contacts(today()) == 1
    assert db.session.scalar(select(func.count()).select_from(RecommendationContact)) == 0
    assert db.session.get(Recommendation, waiting.id) is not None


def test_a_contact_never_answered_is_erased_after_180_days(client, answered, db):
    campaign, agency, _field = answered
    for days in (179, 181):
        services.receive(
            campaign, agency, services.Received(text=f"{days}", phone="0912345678"),
            on=today() - timedelta(days=days),
        )  # fmt: skip
    assert services.erase_contacts(today()) == 1
    kept = db.session.scalars(select(RecommendationContact)).one()
    assert db.session.get(Recommendation, kept.recommendation_id).text == "179"


def test_a_paper_recommendation_is_keyed_with_the_day_written(client, db, login_as):
    agency = factories.agency(code="SXD")
    campaign = factories.campaign(agencies=[agency], status="open")
    db.session.commit()
    login_as("surveyor")
    written = today() - timedelta(days=3)
    data = {
        "agency": str(agency.id),
        "written_on": written.isoformat(),
        "text": "Cần thêm ghế chờ.",
    }
    response = client.post(
        "/staff/recommendations/paper", data={**data, "service_field": "", "theme": ""}
    )
    assert response.status_code == 303
    stored = db.session.scalars(select(Recommendation)).one()
    assert stored.source == "paper"
    assert stored.received_on == written
    assert stored.due_on == working_days.add(written, campaign.reply_working_days)
    future = {**data, "written_on": (today() + timedelta(days=1)).isoformat()}
    assert client.post("/staff/recommendations/paper", data=future).status_code == 422


def test_figures_count_what_is_decided_by_the_day(db):
    """Hand-worked: due on the 10th. Answered on the 8th (on time, 0 published), on the
    12th (late), not answered (overdue on the 11th), one received on the 9th due later,
    not yet decided."""
    from survey.recommendations.figures import tally

    def made(received, due, replied=None, published=False):
        return Recommendation(
            received_on=received, due_on=due, replied_on=replied,
            publication="published" if published else "pending",
        )  # fmt: skip

    d = date(2026, 3, 2)  # a Monday
    rows = [
        made(d, d + timedelta(days=8), d + timedelta(days=6), published=True),
        made(d, d + timedelta(days=8), d + timedelta(days=10)),
        made(d, d + timedelta(days=8)),
        made(d + timedelta(days=7), d + timedelta(days=21)),
    ]
    figures = tally(rows, d + timedelta(days=11))
    assert figures["received"] == 4
    assert figures["answered"] == 2
    assert figures["answered_on_time"] == 1
    assert figures["overdue"] == 1
    assert figures["on_time_rate"] == pytest.approx(1 / 3)
    # Working days: 2 → 8 March is 4 (3, 4, 5, 6 March), 2 → 12 March is 8.
    assert figures["median_days"] == pytest.approx(6.0)
    assert figures["p90_days"] == pytest.approx(7.6)
    assert figures["published_share"] == pytest.approx(0.5)
    # Before the due day, nothing is decided but the reply made.
    early = tally(rows, d + timedelta(days=7))
    assert early["on_time_rate"] == 1.0
    assert early["overdue"] == 0


def test_the_command_line_writes_the_replies_to_send_once(runner, waiting, db, tmp_path):
    services.answer(waiting, "Đã giải quyết.", on=today(), actor="test")
    db.session.commit()
    out = tmp_path / "replies.csv"
    result = runner.invoke(args=["recommendations", "replies", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 replies" in result.output
    assert "0912345679" in out.read_text(encoding="utf-8-sig")
    result = runner.invoke(args=["recommendations", "replies", "--output", str(out)])
    assert "0 replies" in result.output
    missing = runner.invoke(args=["recommendations", "replies", "--output", "/no/such/x.csv"])
    assert missing.exit_code != 0
    assert "does not exist" in missing.output
