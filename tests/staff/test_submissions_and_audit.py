from datetime import datetime

import pytest
from sqlalchemy import select

from survey.audit.models import AuditEvent
from survey.responses.models import SubmissionReview
from tests import factories
from tests.conftest import download


@pytest.fixture
def evaluator(login_as):
    return login_as("evaluator")


def test_a_submission_is_excluded_with_a_reason_and_the_decision_withdrawn(client, evaluator, db):
    submission = factories.submission()
    db.session.commit()
    url = f"/admin/submissions/{submission.id}"
    refused = client.post(f"{url}/decide", data={"decision": "exclude", "reason": " "})
    assert refused.status_code == 303
    assert db.session.get(SubmissionReview, submission.id) is None
    odd = client.post(f"{url}/decide", data={"decision": "delete", "reason": "x"})
    assert odd.status_code == 303
    assert db.session.get(SubmissionReview, submission.id) is None
    client.post(f"{url}/decide", data={"decision": "exclude", "reason": "duplicate dossier"})
    review = db.session.get(SubmissionReview, submission.id)
    assert (review.decision, review.reason) == ("exclude", "duplicate dossier")
    page = client.get("/admin/submissions/?review=excluded").get_data(as_text=True)
    assert f"<td>{submission.id}</td>" in page
    assert "duplicate dossier" in page
    client.post(f"{url}/withdraw")
    db.session.expire_all()
    assert db.session.get(SubmissionReview, submission.id) is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "submission")
    ).all()
    assert actions == ["submission.exclude", "submission.withdraw_decision"]
    assert client.get("/admin/submissions/?review=nonsense").status_code == 400


def test_a_flagged_submission_can_be_kept_and_the_list_shows_the_rule(client, evaluator, db):
    from survey.runs.models import RunFlag

    submission = factories.submission()
    stored = factories.analysis_run(submission.campaign, cutoff_at=submission.submitted_at)
    db.session.add(RunFlag(run_id=stored.id, submission_id=submission.id, rules="speeder"))
    db.session.commit()
    page = client.get("/admin/submissions/?review=flagged").get_data(as_text=True)
    assert f"<td>{submission.id}</td>" in page
    assert "trả lời quá nhanh" in page  # the rule's label, never its code
    client.post(
        f"/admin/submissions/{submission.id}/decide",
        data={"decision": "keep", "reason": "timed on paper"},
    )
    assert db.session.get(SubmissionReview, submission.id).decision == "keep"


def test_submissions_are_filtered(client, evaluator, db):
    paper = factories.submission(channel="paper")
    factories.submission(channel="web-qr")
    page = client.get("/admin/submissions/?channel=paper").get_data(as_text=True)
    assert "1 bản ghi" in page
    assert f"<td>{paper.id}</td>" in page
    assert client.get("/admin/submissions/?campaign=abc").status_code == 400


def test_the_audit_trail_is_browsed_filtered_and_exported(client, login_as, db):
    admin = login_as("admin")
    client.post(
        "/admin/service-fields/new",
        data={"code": "DD", "name_vi": "Đất đai", "name_en": "Land", "active": "y"},
    )
    page = client.get(f"/admin/audit/?actor={admin.username}").get_data(as_text=True)
    assert "service_field.create" in page
    assert "Đất đai" in page
    # The export is a job; a second download of the same events is served at once.
    url = "/admin/audit/export.csv?action=service_field"
    assert client.get(url).status_code == 303
    exported = download(client, url).get_data(as_text=True)
    lines = exported.lstrip("\ufeff").splitlines()
    assert lines[0] == "id,occurred_at,actor,action,entity_type,entity_id,before,after"
    assert len(lines) == 2
    assert "Đất đai" in lines[1]
    assert client.get(url).status_code == 200, "the same events: the file made before"
    client.post(
        "/admin/service-fields/new",
        data={"code": "HT", "name_vi": "Hộ tịch", "name_en": "Civil status", "active": "y"},
    )
    assert client.get(url).status_code == 303, "a new event: a new file"
    assert len(download(client, url).get_data(as_text=True).splitlines()) == 3
    assert client.get("/admin/audit/?since=yesterday").status_code == 400
    assert client.get("/admin/audit/export.csv?until=31-12-2026").status_code == 400
    # Days are local days: an event at 23:30 UTC on 1 December is 2 December in Vietnam.
    db.session.add(
        AuditEvent(
            action="test.local_day",
            entity_type="x",
            actor="test",
            occurred_at=datetime(2026, 12, 1, 23, 30),
        )
    )
    db.session.commit()
    on_the_2nd = client.get("/admin/audit/?action=test.&since=2026-12-02&until=2026-12-02")
    assert "test.local_day" in on_the_2nd.get_data(as_text=True)
    on_the_1st = client.get("/admin/audit/?action=test.&since=2026-12-01&until=2026-12-01")
    assert "test.local_day" not in on_the_1st.get_data(as_text=True)


def test_no_route_changes_the_audit_trail(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule


def test_security_headers_are_set(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in headers
    secure = client.get("/", base_url="https://survey.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_have_no_inline_scripts_or_styles(client, login_as, db):
    login_as("admin")
    for url in ("/", "/admin/agencies/", "/admin/campaigns/", "/sign-in"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page
        assert "style=" not in page, url


def test_staff_forms_need_a_csrf_token(database_url):
    from tests.conftest import make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/sign-in", data={"login": "x", "password": "y"})
    assert response.status_code == 400


def test_service_point_poster_is_a_pdf_naming_the_point(client, login_as, db):
    import io

    from pypdf import PdfReader

    login_as("admin")
    agency = factories.agency(name_vi="Sở Xây dựng")
    point = factories.service_point(code="sxd-1", agency=agency)
    response = client.get(f"/admin/service-points/{point.id}/poster.pdf")
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "Sở Xây dựng" in text
    assert "/p/sxd-1" in text


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://127.0.0.1:9/x.png"])
def test_pdf_rendering_refuses_files_and_remote_urls(url):
    from weasyprint.urls import FatalURLFetchingError

    from survey.pdf import html_to_pdf

    with pytest.raises(FatalURLFetchingError, match="Error fetching"):
        html_to_pdf(f'<img src="{url}">')
