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
    # the filters and the CSV export name the same way): not interface text.
    page = re.sub(r"<(script|style|svg|code)\b.*?</\1>", " ", page, flags=re.S | re.I)
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
    db.session.add(job)
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
    codes = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, STORED_CODES)) + r")(?![\w/-])")
    problems, seen = [], 0
    for _rule, path in _pages(app, province):
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
