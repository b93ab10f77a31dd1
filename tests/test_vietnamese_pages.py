"""Every page of the demo province, as every role, in Vietnamese: no English interface
text left untranslated and no stored code shown as it is kept ("departments", "web-qr",
"speeder", "issued"). The URL map is walked, so a page added later is checked too."""

from __future__ import annotations

import html
import re
from functools import cache
from urllib.parse import quote

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from survey.agencies.models import (
    STANDARD_GROUPS,
    Agency,
    RankingGroup,
    Service,
    ServiceField,
    ServicePoint,
)
from survey.campaigns.models import Campaign
from survey.db import utcnow
from survey.extensions import db as _db
from survey.jobs.models import Job
from survey.labels import LABELS
from survey.paper import issuing
from survey.paper.models import Batch, PaperForm
from survey.responses.models import Submission
from survey.runs.services import run
from survey.users.models import User
from tests.test_translations import CATALOG

ROLES = ("admin", "evaluator", "surveyor", "agency-viewer")
PARAMETER = re.compile(r"<(?:[^:>]+:)?([^>]+)>")
# English words that are also codes, and fine inside Vietnamese text only as part of a
# name or an address: checked as whole words of the visible text.
STORED_CODES = sorted(
    {code for kind, labels in LABELS.items() if kind != "job_step" for code in labels}
    | {code for code, *_names in STANDARD_GROUPS}
)
# Visible text that is not interface text: names, codes and numbers people typed.
NOT_INTERFACE = re.compile(r"^[\W\d_]*$")


@cache
def _english_messages() -> list[str]:
    """Interface messages whose Vietnamese differs, as fragments long enough to be
    recognised (placeholders split them)."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    fragments = set()
    for message in catalog:
        if not message.id or message.pluralizable:
            continue
        if message.string == message.id:
            continue
        for part in re.split(r"%\(\w+\)[sdf]|%%", message.id):
            part = part.strip(" .,:;()")
            if len(part) >= 14 and " " in part:
                fragments.add(part)
    return sorted(fragments)


def _visible_text(page: str) -> str:
    # <code> shows stored values verbatim on purpose (the audit trail's record, which
    # the filters and the CSV export name the same way), and a muted code after a name
    # (class "code") is there for staff: not interface text.
    page = re.sub(r"<(script|style|svg|code)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r'<span class="code">.*?</span>', " ", page, flags=re.S)
    page = re.sub(r"<title>.*?</title>", " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(text).split())


@pytest.fixture
def province(app, db, runner, request):
    arguments = ["demo", "seed", "--responses", "400", "--seed", "3"]
    if request.node.callspec.params.get("role") == "evaluator":
        # With the dossier records, as make run seeds them: the evaluator's walk reads the
        # timeliness tables too (once: they take seconds to seed).
        arguments.append("--dossiers")
    result = runner.invoke(args=arguments)
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
    stored = run(campaign, actor="test")
    evaluator = db.session.scalar(select(User).where(User.username == "danhgia"))
    agency = next(a for a in campaign.agencies if a.code == "SXD")
    batch = issuing.create_batch(campaign, agency, 2, actor="test", user_id=None)
    db.session.commit()
    job = Job(
        id="a" * 32,
        kind="analysis_run",
        work="analysis_run:campaign:test",
        arguments={"campaign_id": campaign.id},
        status="failed",
        error="—",
        actor=evaluator.username,
        user_id=evaluator.id,
    )
    # A job still running, at the step whose name once reached the page as a code.
    running = Job(
        id="b" * 32,
        kind="analysis_run",
        work="analysis_run:campaign:test-running",
        arguments={"campaign_id": campaign.id},
        status="running",
        step="small_areas",
        percent=80,
        heartbeat_at=utcnow(),
        actor=evaluator.username,
        user_id=evaluator.id,
    )
    db.session.add_all([job, running])
    db.session.commit()
    form = db.session.scalar(select(PaperForm).where(PaperForm.batch_id == batch.id))
    # English names are data the administrator typed (shown in their own column).
    names = set()
    for model in (Agency, Service, ServiceField, ServicePoint, Campaign, RankingGroup):
        names.update(db.session.scalars(select(model.name_en)))
    submission = db.session.scalar(select(Submission).limit(1))
    return {
        "code": campaign.code,
        "agency_code": "SXD",
        "respondent": "citizen",
        "fmt": "csv",
        "run_id": str(stored.id),
        "campaign_id": str(campaign.id),
        "version_id": str(campaign.questionnaire_version_id),
        "batch_id": str(batch.id),
        "form_id": str(form.id),
        "submission_id": str(submission.id),
        "job_id": job.id,
        "_running_job": running.id,
        "_campaign_codes": sorted(db.session.scalars(select(Campaign.code))),
        "record_id": str(agency.id),
        "user_id": str(evaluator.id),
        "point_id": str(db.session.scalar(select(Batch.service_point_id)) or 1),
        "_names": sorted(names, key=len, reverse=True),
    }


def _pages(app, values):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        names = PARAMETER.findall(rule.rule)
        if any(name not in values for name in names):
            continue
        yield rule, PARAMETER.sub(lambda m: quote(values[m[1]], safe=""), rule.rule)


@pytest.mark.parametrize("role", ROLES)
def test_every_vietnamese_page_is_in_vietnamese_with_labels_not_codes(app, province, role):
    logins = {"admin": "quantri", "evaluator": "danhgia", "surveyor": "dieutra"}
    client = app.test_client()
    login = logins.get(role, "xem.sxd")
    signed_in = client.post("/sign-in", data={"login": login, "password": "khao-sat-2026"})
    assert signed_in.status_code == 302
    stored = [*STORED_CODES, *province["_campaign_codes"]]
    codes = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, stored)) + r")(?![\w/-])")
    problems, seen = [], 0
    extra = [f"/jobs/{province['_running_job']}"] if role in ("admin", "evaluator") else []
    for path in [*(path for _rule, path in _pages(app, province)), *extra]:
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        seen += 1
        text = _visible_text(response.get_data(as_text=True))
        for name in province["_names"]:
            text = text.replace(name, " ")
        for fragment in _english_messages():
            if fragment in text:
                problems.append(f"{path}: untranslated {fragment!r}")
        for match in codes.finditer(text):
            around = text[max(0, match.start() - 30) : match.end() + 30]
            problems.append(f"{path}: stored code {match[1]!r} in '…{around}…'")
    print(f"{role}: {seen} Vietnamese pages walked")
    assert seen >= (3 if role in ("surveyor", "agency-viewer") else 10), seen
    assert not problems, "\n".join(problems[:30])
    _db.session.rollback()


# Words a Vietnamese report must not carry: commands and file names of the platform's
# insides, and R's function names.
NOT_FOR_READERS = re.compile(r"\b(flask|run-data|degf|svyglm|METHODS\.md|python)\b", re.I)


def test_the_vietnamese_reports_and_results_file_speak_vietnamese(app, db, runner):
    """The PDFs (their text as extracted) and the Excel results' headings: no English
    interface text, no stored code, no command."""
    import io

    import pandas as pd
    from pypdf import PdfReader

    from survey.reports import exports, render

    result = runner.invoke(args=["demo", "seed", "--responses", "400", "--seed", "3"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
    stored = run(campaign, actor="test")
    db.session.commit()
    agency = next(a for a in campaign.agencies if a.code == "SXD")
    codes = sorted({*STORED_CODES, *db.session.scalars(select(Campaign.code))})
    pattern = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, codes)) + r")(?![\w/-])")
    names = sorted(
        {n for model in (Agency, Service, ServiceField, Campaign) for n in db.session.scalars(
            select(model.name_en))},
        key=len,
        reverse=True,
    )  # fmt: skip
    problems = []
    with app.test_request_context():
        documents = {
            "province": render.province_pdf(campaign, stored, "vi"),
            "agency": render.agency_pdf(campaign, agency, stored, "vi"),
        }
        workbook = exports.results_bytes(stored, "xlsx", "vi")
    for name, pdf in documents.items():
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        text = " ".join(text.split())
        for english in names:
            text = text.replace(english, " ")
        problems += [f"{name}: {m[0]!r}" for m in NOT_FOR_READERS.finditer(text)]
        problems += [f"{name}: code {m[1]!r}" for m in pattern.finditer(text)]
        problems += [f"{name}: untranslated {f!r}" for f in _english_messages() if f in text]
    for sheet, frame in pd.read_excel(io.BytesIO(workbook), sheet_name=None).items():
        headings = " ".join(map(str, frame.columns))
        problems += [f"Excel {sheet}: {f!r}" for f in _english_messages() if f in headings]
        problems += [
            f"Excel {sheet}: {h!r}"
            for h in frame.columns
            if re.fullmatch(r"[a-z_ ]+", str(h)) and str(h) not in ("p", "t")
        ]
    assert not problems, "\n".join(problems[:30])
