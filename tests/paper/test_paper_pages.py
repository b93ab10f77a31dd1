"""The paper pages over HTTP, the printed forms and the command line."""

import io
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from survey.paper import entry
from survey.paper.models import Batch, PaperForm
from survey.paper.serials import make_serial
from survey.responses.models import Submission
from tests.conftest import download
from tests.paper.conftest import assign_to, paper_answers


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_printed_forms_hold_every_item_and_every_serial(client, login_as, batch, db):
    assign_to(login_as("surveyor"), batch.campaign, batch.agency)
    response = download(client, f"/paper/batches/{batch.id}/forms.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _text(response.data)
    definition = batch.campaign.questionnaire_version.definition()
    for question in definition.items:
        words = " ".join(question.text["vi"].split())
        assert words in text, question.code
        assert f"[{question.code}]" in text
    for form in batch.forms:
        assert text.count(form.serial) >= 2, "on the form and in each page's header"
    # The body is rendered once and stamped: every page names its own form's serial.
    from io import BytesIO

    from pypdf import PdfReader

    pages = PdfReader(BytesIO(response.data)).pages
    per_form = len(pages) // len(batch.forms)
    assert per_form == 2, "both sides of one A4 sheet"
    assert len(pages) == per_form * len(batch.forms)
    for number, page in enumerate(pages):
        own = batch.forms[number // per_form].serial
        others = [f.serial for f in batch.forms if f.serial != own]
        page_text = page.extract_text()
        assert own in page_text, number
        assert not any(serial in page_text for serial in others), number
    assert "Chỉ trả lời nếu câu 10 (B4) là 1" in text  # a skip rule in words
    # What the citizen reads first: the questionnaire's own introduction and privacy
    # note; a date line; no dossier number (the survey is anonymous, as on the web).
    for note in ("introduction", "privacy_note"):
        assert " ".join(definition.content[note]["vi"].split())[:60] in " ".join(text.split())
    assert "Ngày trả lời phiếu" in text
    assert "hồ sơ (nếu có)" not in text
    services_on_form = [s.name_vi for s in batch.agency.services]
    assert all(name in text for name in services_on_form)


def test_paper_forms_command_issues_a_batch_and_writes_the_pdf(
    runner, paper_campaign, db, tmp_path
):
    campaign, agency, _ = paper_campaign
    output = tmp_path / "forms.pdf"
    result = runner.invoke(
        args=["paper", "forms", "--campaign", campaign.code, "--agency", agency.code,
              "--count", "2", "--output", str(output)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    batch = db.session.scalar(select(Batch))
    serials = [f.serial for f in batch.forms]
    assert serials == [make_serial("SXD", 1), make_serial("SXD", 2)]
    text = _text(output.read_bytes())
    assert all(serial in text for serial in serials)
    bad = runner.invoke(
        args=["paper", "forms", "--campaign", campaign.code, "--agency", "NOPE",
              "--count", "2", "--output", str(tmp_path / "x.pdf")]
    )  # fmt: skip
    assert bad.exit_code == 2
    assert "no agency with code 'NOPE'" in bad.output
    assert db.session.scalar(select(func.count()).select_from(Batch)) == 1


def _entry_data(batch, serial, **overrides):
    definition = batch.campaign.questionnaire_version.definition()
    typed = paper_answers(definition, **overrides)
    return {"serial": serial, **{f"item-{k}": v for k, v in typed.items()}}


def test_keying_over_http_refuses_a_wrong_code_and_then_stores(client, login_as, batch, db):
    assign_to(login_as("surveyor"), batch.campaign, batch.agency)
    url = f"/paper/batches/{batch.id}/entry"
    page = client.get(url).get_data(as_text=True)
    assert 'data-codes="1 2 3 4 5 9"' in page
    assert "autofocus" in page
    serial = batch.forms[0].serial
    bad = client.post(url, data=_entry_data(batch, serial, TC1="8"))
    assert bad.status_code == 400
    assert re.search(r'id="error-TC1"[^>]*>[^<]+<', bad.get_data(as_text=True))
    assert db.session.get(PaperForm, batch.forms[0].id).entries == []
    bad_date = client.post(url, data={**_entry_data(batch, serial), "interview_date": "31/02"})
    assert bad_date.status_code == 400
    assert re.search(r'id="interview_date-error"[^>]*>[^<]+<', bad_date.get_data(as_text=True))
    assert 'value="31/02"' in bad_date.get_data(as_text=True), "what was typed stays"
    assert db.session.get(PaperForm, batch.forms[0].id).entries == []
    good = client.post(url, data={**_entry_data(batch, serial), "interview_date": "01/01/2026"})
    assert good.status_code == 302
    db.session.expire_all()
    entries = db.session.get(PaperForm, batch.forms[0].id).entries
    assert len(entries) == 1
    assert entries[0].values[entry.DATE] == "2026-01-01"


def test_an_evaluator_creates_a_batch_from_the_page(client, login_as, paper_campaign, db):
    campaign, agency, point = paper_campaign
    login_as("evaluator")
    response = client.post(
        "/paper/batches/new",
        data={"campaign_id": campaign.id, "agency_id": agency.id, "surveyor_id": 0,
              "point_id": point.id, "count": 3, "language": "vi"},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    batch = db.session.scalar(select(Batch))
    assert len(batch.forms) == 3
    assert batch.service_point_id == point.id
    too_many = client.post(
        "/paper/batches/new",
        data={"campaign_id": campaign.id, "agency_id": agency.id, "surveyor_id": 0,
              "point_id": 0, "count": 99999, "language": "vi"},
    )  # fmt: skip
    assert too_many.status_code == 400


def test_the_quality_report_downloads_as_csv(client, login_as, batch, keyers, db):
    first, second, _ = keyers
    definition = batch.campaign.questionnaire_version.definition()
    for keyer in (first, second):
        entry.record_entry(
            batch, batch.forms[0].serial, paper_answers(definition), keyer=keyer, started_at=None
        )
    db.session.commit()
    login_as("evaluator")
    campaign = batch.campaign.code
    keyers_csv = client.get(f"/paper/quality.csv?campaign={campaign}&table=keyers")
    lines = keyers_csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "keyer,forms,fields,errors,errors_per_1000,median_seconds"
    assert any(line.startswith("keyer.a,1,") for line in lines)
    batches_csv = client.get(f"/paper/quality.csv?campaign={campaign}&table=batches")
    row = batches_csv.get_data(as_text=True).splitlines()[1].split(",")
    assert row[3:11] == ["5", "", "0", "1", "1", "0", "4", "0"]
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
    page = client.get(f"/paper/quality?campaign={campaign}")
    assert page.status_code == 200
    bent = client.get(
        f"/paper/quality.csv?campaign={campaign}&table=x%0D%0ASet-Cookie:a=b;filename*=update.bat"
    )
    assert (
        bent.headers["Content-Disposition"] == f'attachment; filename="{campaign}-paper-keyers.csv"'
    )
    assert "Set-Cookie" not in bent.headers


def test_the_serial_is_checked_before_the_form_is_typed(client, login_as, batch, db):
    """The keying screen asks as soon as the serial is typed; the answer names the reason."""
    user = login_as("surveyor")
    assign_to(user, batch.campaign, batch.agency)
    serial = batch.forms[0].serial
    url = f"/paper/batches/{batch.id}/serials/"
    assert client.get(url + serial).get_json() == {"ok": True, "message": ""}
    client.post(f"/paper/batches/{batch.id}/entry", data=_entry_data(batch, serial))
    again = client.get(url + serial + "?lang=en").get_json()
    assert again["ok"] is False
    assert "You keyed form" in again["message"]
    wrong = client.get(url + "SXD-000001-1?lang=en").get_json()
    assert wrong["ok"] is False
    assert "check digit" in wrong["message"] or "not issued" in wrong["message"]
    assert user.username


def test_a_surveyor_keys_only_the_batches_of_their_agencies(client, login_as, batch, db):
    """Assignments bind keying as well as issuing: the batch of an agency the surveyor is
    not assigned to is not listed, and its pages, serial checks and keying are refused
    with the reason."""
    from survey.paper.models import PaperEntry

    login_as("surveyor")
    assert f"/paper/batches/{batch.id}" not in client.get("/paper/").get_data(as_text=True)
    serial = batch.forms[0].serial
    for url in (
        f"/paper/batches/{batch.id}",
        f"/paper/batches/{batch.id}/entry",
        f"/paper/batches/{batch.id}/forms.pdf",
        f"/paper/batches/{batch.id}/serials/{serial}",
    ):
        refused = client.get(url)
        assert refused.status_code == 403, url
    page = client.get(f"/paper/batches/{batch.id}/entry").get_data(as_text=True)
    assert "chưa được phân công" in page, "the reason, and whom to ask"
    keyed = client.post(f"/paper/batches/{batch.id}/entry", data={"serial": serial, "item-A1": "1"})
    assert keyed.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PaperEntry)) == 0


def test_a_keyer_of_the_form_is_sent_back_from_its_adjudication(client, login_as, batch, db):
    from tests.paper.conftest import make_user

    keyer = login_as("evaluator")  # evaluators key forms too, and adjudicate
    serial = batch.forms[0].serial
    client.post(f"/paper/batches/{batch.id}/entry", data=_entry_data(batch, serial, TC1="4"))
    other = make_user("keyer.other")
    entry.record_entry(
        batch,
        serial,
        paper_answers(batch.campaign.questionnaire_version.definition(), TC1="5"),
        keyer=other,
        started_at=None,
    )
    db.session.commit()
    form = db.session.get(PaperForm, batch.forms[0].id)
    assert form.status == "adjudication"
    response = client.get(f"/paper/forms/{form.id}/resolve?lang=en", follow_redirects=True)
    assert "someone who keyed neither entry adjudicates it" in response.get_data(as_text=True)
    posted = client.post(f"/paper/forms/{form.id}/resolve", data={"paper-TC1": "4"})
    assert posted.status_code == 302
    assert db.session.get(PaperForm, form.id).status == "adjudication"
    assert keyer.username


def test_the_quality_report_writes_numbers_as_vietnamese_does(client, login_as, batch, keyers, db):
    first, second, supervisor = keyers
    definition = batch.campaign.questionnaire_version.definition()
    serial = batch.forms[0].serial
    entry.record_entry(
        batch, serial, paper_answers(definition, TC1="5"), keyer=first, started_at=None
    )
    keyed = entry.record_entry(
        batch, serial, paper_answers(definition, TC1="4"), keyer=second, started_at=None
    )
    assert entry.resolve(keyed.form, {"TC1": "4"}, supervisor=supervisor).ok
    db.session.commit()
    fields = keyed.form.entries[0].field_count
    login_as("evaluator")
    page = client.get(f"/paper/quality?campaign={batch.campaign.code}").get_data(as_text=True)
    row = page[page.index('data-keyer="keyer.a"') :].split("</tr>")[0]
    shown = f"{1000 / fields:.1f}".replace(".", ",")
    assert f'<td class="num">{shown}</td>' in row, row
