"""Single-use survey links for dossiers, from a one-stop-shop export.

The import is all-or-nothing: a file with any bad row creates nothing and every bad row
is named. Tokens are 128 random bits; a link expires a number of days after the result
was returned.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from survey.agencies.models import Agency, Service
from survey.audit import services as audit
from survey.campaigns.link_use import dossier_hash
from survey.campaigns.models import Campaign, Invitation
from survey.csv_files import CsvError, CsvProblem, read_rows
from survey.db import utcnow
from survey.extensions import db
from survey.local_time import today

COLUMNS = ("dossier_code", "agency_code", "service_code", "returned_date")
# applicant_type: citizen or organisation, the form the link opens (citizen when absent).
OPTIONAL = ("phone", "applicant_type")
# Matched whole (fullmatch): a code or phone with a trailing newline is refused.
PHONE = re.compile(r"\+?[0-9 .-]{8,16}", re.ASCII)
DOSSIER = re.compile(r"[A-Za-z0-9._/-]{1,64}", re.ASCII)


@dataclass(frozen=True)
class ImportResult:
    created: int
    # Dossiers that already had a link in the campaign: a one-stop shop's exports are
    # often cumulative, so they are reported and left alone, not refused.
    skipped: int = 0


def import_invitations(
    campaign: Campaign, data: bytes, *, valid_days: int, actor: str, user_id: int | None = None
) -> ImportResult:
    """A link per row of a one-stop-shop export, or nothing and CsvError naming every bad
    row; dossiers invited already are skipped. Audited; the caller commits."""
    _refuse_if_closed(campaign)
    agencies = {a.code: a for a in campaign.agencies}
    # By the codes' keyed hashes: a used link has forgotten its code, not its hash.
    existing = set(
        db.session.scalars(
            select(Invitation.dossier_hash).where(Invitation.campaign_id == campaign.id)
        )
    )
    problems: list[CsvProblem] = []
    rows: list[_Row] = []
    skipped = 0
    seen: dict[str, int] = {}
    for number, row in read_rows(data, required=COLUMNS, optional=OPTIONAL):
        dossier = row["dossier_code"]
        if DOSSIER.fullmatch(dossier) and dossier_hash(dossier) in existing:
            skipped += 1
            continue
        row_problems, checked = _check_row(number, row, campaign, agencies)
        if dossier in seen and not any(p.column == "dossier_code" for p in row_problems):
            row_problems.insert(
                0, CsvProblem(number, "dossier_code", _("same as row %(row)s", row=seen[dossier]))
            )
        if row_problems:
            problems += row_problems
            continue
        seen[dossier] = number
        rows.append(checked)
    if problems:
        raise CsvError(problems)
    if not rows and not skipped:
        raise CsvError([CsvProblem(None, None, _("the file has no rows"))])
    _add_links(campaign, rows, valid_days)
    audit.record(
        "invitation.import",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        after={"created": len(rows), "skipped": skipped, "valid_days": valid_days},
    )
    return ImportResult(created=len(rows), skipped=skipped)


def _refuse_if_closed(campaign: Campaign) -> None:
    if campaign.status == "closed":
        raise CsvError([CsvProblem(None, None, _("the campaign is closed"))])
    if campaign.period_end < today():
        raise CsvError(
            [
                CsvProblem(
                    None,
                    None,
                    _(
                        "the campaign's last day (%(day)s) is over: its links would lead to "
                        "a closed survey",
                        day=campaign.period_end.strftime("%d/%m/%Y"),
                    ),
                )
            ]
        )


@dataclass(frozen=True)
class _Row:
    dossier: str
    agency: Agency
    service: Service
    returned: date
    phone: str | None
    applicant_type: str


def _check_row(
    number: int, row: dict[str, str], campaign: Campaign, agencies: dict[str, Agency]
) -> tuple[list[CsvProblem], _Row | None]:
    """The row's problems, each under its column, or the link it asks for."""
    problems = []
    dossier = row["dossier_code"]
    if not DOSSIER.fullmatch(dossier):
        problems.append(
            CsvProblem(
                number, "dossier_code", _("%(value)s is not a dossier code", value=dossier or "—")
            )
        )
    agency = agencies.get(row["agency_code"])
    service = None
    if agency is None:
        problems.append(
            CsvProblem(
                number,
                "agency_code",
                _("%(code)s is not an agency of this campaign", code=row["agency_code"] or "—"),
            )
        )
    else:
        service = db.session.scalar(
            select(Service).where(
                Service.agency_id == agency.id, Service.code == row["service_code"]
            )
        )
        if not row["service_code"]:
            problems.append(CsvProblem(number, "service_code", _("the service code is empty")))
        elif service is None:
            problems.append(
                CsvProblem(
                    number,
                    "service_code",
                    _(
                        "%(agency)s has no service %(code)s",
                        agency=agency.code,
                        code=row["service_code"] or "—",
                    ),
                )
            )
    returned = _date(row["returned_date"])
    if returned is None:
        problems.append(
            CsvProblem(
                number,
                "returned_date",
                _(
                    "%(value)s is not a date (YYYY-MM-DD or DD/MM/YYYY)",
                    value=row["returned_date"] or "—",
                ),
            )
        )
    phone = row.get("phone", "")
    if phone and not PHONE.fullmatch(phone):
        problems.append(
            CsvProblem(number, "phone", _("%(value)s is not a phone number", value=phone))
        )
    applicant_type = row.get("applicant_type", "") or "citizen"
    if applicant_type not in campaign.respondent_types:
        problems.append(
            CsvProblem(
                number,
                "applicant_type",
                _(
                    "%(value)s: the campaign has a questionnaire for %(types)s only",
                    value=applicant_type,
                    types=", ".join(campaign.respondent_types),
                ),
            )
        )
    if problems:
        return problems, None
    return [], _Row(dossier, agency, service, returned, phone or None, applicant_type)


def _add_links(campaign: Campaign, rows: list[_Row], valid_days: int) -> None:
    for row in rows:
        db.session.add(
            Invitation(
                campaign=campaign,
                token=new_token(),
                dossier_code=row.dossier,
                dossier_hash=dossier_hash(row.dossier),
                agency=row.agency,
                service=row.service,
                service_field_id=row.service.field_id,
                applicant_type=row.applicant_type,
                returned_on=row.returned,
                phone=row.phone,
                expires_at=expiry(row.returned, valid_days),
            )
        )
    db.session.flush()


def expiry(returned: date, valid_days: int) -> datetime:
    """When the link of a dossier returned on `returned` stops working: at the end of the
    `valid_days`-th day after it."""
    return datetime.combine(returned + timedelta(days=valid_days + 1), time())


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits


def _date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def links(campaign: Campaign, base_url: str) -> Iterator[dict[str, str]]:
    """Unused, unexpired links of a campaign, for an SMS gateway.

    A drawn link holds only its dossier's keyed hash (survey/dossiers/sampling.py): its
    code and phone are found here among the dossier records that still have a phone."""
    now = utcnow()
    invitations = db.session.execute(
        select(Invitation.token, Invitation.dossier_code, Invitation.dossier_hash, Invitation.phone)
        .where(
            Invitation.campaign_id == campaign.id,
            ~Invitation.used,
            Invitation.expires_at > now,
        )
        .order_by(Invitation.id)
    ).all()
    frame = _dossiers_by_hash(campaign) if any(i.dossier_code is None for i in invitations) else {}
    for token, code, hashed, phone in invitations:
        if code is None:
            code, phone = frame.get(hashed, ("", ""))
        yield {
            "dossier_code": code or "",
            "phone": phone or "",
            "link": f"{base_url.rstrip('/')}/s/{token}",
        }


def _dossiers_by_hash(campaign: Campaign) -> dict[str, tuple[str, str]]:
    from survey.dossiers.models import DossierRecord

    rows = db.session.execute(
        select(DossierRecord.dossier_code, DossierRecord.phone).where(
            DossierRecord.agency_id.in_([a.id for a in campaign.agencies]),
            DossierRecord.phone.is_not(None),
        )
    )
    return {dossier_hash(code): (code, phone) for code, phone in rows}
