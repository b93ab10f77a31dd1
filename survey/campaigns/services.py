"""Campaigns and their state machine: draft → open → closed.

Answers are only accepted while a campaign is open; its questionnaire version can change
only while it is a draft. A campaign closes by itself at the end of its last day (local
time): a scheduled job closes it, and so does the first answer that arrives after it if
the job did not run. Paper forms filled in during the period are still keyed for
SURVEY_PAPER_KEYING_DAYS after it. Frame counts (dossiers per agency × field) may be
entered at any time, since they are often only known once the period is over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from survey.agencies.models import Agency, ServiceField, ServicePoint
from survey.audit import services as audit
from survey.campaigns import erasure
from survey.campaigns.models import Campaign, FrameCount, campaign_agency
from survey.csv_files import CsvError, CsvProblem, read_rows
from survey.db import utcnow
from survey.extensions import db
from survey.inputs import whole_number
from survey.jobs.kinds import Periodic
from survey.labels import code_label
from survey.local_time import today
from survey.questionnaires.definition import index_differences
from survey.questionnaires.models import QuestionnaireVersion

TRANSITIONS = {"open": ("draft",), "closed": ("open",)}


class CampaignError(Exception):
    """A refused campaign operation; the message says why."""


def snapshot(campaign: Campaign) -> dict:
    return {
        "code": campaign.code,
        "name_vi": campaign.name_vi,
        "name_en": campaign.name_en,
        "questionnaire_versions": {
            q.respondent_type: q.questionnaire_version_id for q in campaign.questionnaires
        },
        "period": [campaign.period_start.isoformat(), campaign.period_end.isoformat()],
        "status": campaign.status,
        "agencies": [a.code for a in campaign.agencies],
        "design": [campaign.design, campaign.design_strata, campaign.design_cluster],
        "weighting": campaign.weighting,
        "league_estimate": campaign.league_estimate,
        "finite_population": campaign.finite_population,
        "reply_working_days": campaign.reply_working_days,
    }


def save_campaign(
    campaign: Campaign | None,
    *,
    code: str,
    name_vi: str,
    name_en: str,
    versions: Mapping[str, QuestionnaireVersion] | None = None,
    version: QuestionnaireVersion | None = None,
    period: tuple[date, date],
    agencies: Sequence[Agency],
    actor: str,
    user_id: int | None,
    design: tuple[str, str, str | None] = ("element", "cell", None),
    weighting: str = "frame",
    league_estimate: str = "direct",
    finite_population: str = "frame",
    reply_working_days: int = 10,
) -> Campaign:
    """Create or change a campaign. `versions`: the version each respondent type answers
    (`version` alone: a campaign of that version's respondent type only)."""
    kind, strata, cluster = design
    if versions is None:
        versions = {version.questionnaire.respondent_type: version} if version else {}
    check_versions(versions)
    if kind == "clustered" and not cluster:
        raise CampaignError(_("a clustered design needs its clusters (interview day × point)"))
    if kind == "element" and cluster:
        raise CampaignError(_("an element design has no clusters: leave clusters empty"))
    if period[1] < period[0]:
        raise CampaignError(_("The period ends before it starts."))
    if not agencies:
        raise CampaignError("choose at least one agency")
    before = snapshot(campaign) if campaign else None
    if campaign is None:
        campaign = Campaign(status="draft")
        db.session.add(campaign)
    elif campaign.status != "draft":
        if {k: v.id for k, v in versions.items()} != {
            k: v.id for k, v in campaign.versions.items()
        }:
            raise CampaignError(_("The questionnaires cannot change once a campaign opened."))
        if {a.id for a in agencies} != {a.id for a in campaign.agencies}:
            raise CampaignError("the agencies cannot change once a campaign opened")
    campaign.code, campaign.name_vi, campaign.name_en = code, name_vi, name_en
    campaign.set_versions(dict(versions))
    campaign.period_start, campaign.period_end = period
    campaign.agencies = list(agencies)
    campaign.design, campaign.design_strata, campaign.design_cluster = kind, strata, cluster or None
    campaign.weighting = weighting
    campaign.league_estimate = league_estimate
    campaign.finite_population = finite_population
    campaign.reply_working_days = reply_working_days
    if campaign.status == "open":
        _refuse_overlap(campaign)
    db.session.flush()
    audit.record(
        "campaign.create" if before is None else "campaign.update",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after=snapshot(campaign),
    )
    return campaign


def check_versions(versions: Mapping[str, QuestionnaireVersion]) -> None:
    """A campaign's questionnaires: at least one, each published and of the respondent type
    it is chosen for, and all measuring the same index (METHODS.md §2, respondent types)."""
    if not versions:
        raise CampaignError(_("Choose a questionnaire for citizens, organisations or both."))
    for respondent_type, version in versions.items():
        if version.published_at is None:
            raise CampaignError("only a published questionnaire version can be used")
        if version.questionnaire.respondent_type != respondent_type:
            raise CampaignError(
                _(
                    "%(version)s is a questionnaire for %(its)s, not for %(slot)s.",
                    version=version.label,
                    its=code_label("respondent_type", version.questionnaire.respondent_type),
                    slot=code_label("respondent_type", respondent_type),
                )
            )
    chosen = list(versions.values())
    reference = chosen[0].definition()
    for other in chosen[1:]:
        differences = index_differences(reference, other.definition())
        if differences:
            raise CampaignError(
                _(
                    "%(first)s and %(second)s do not measure the same index (%(what)s); "
                    "citizens' and organisations' answers could not be weighted together.",
                    first=chosen[0].label,
                    second=other.label,
                    what="; ".join(differences),
                )
            )


def change_status(campaign: Campaign, status: str, *, actor: str, user_id: int | None) -> None:
    allowed_from = TRANSITIONS.get(status)
    if allowed_from is None or campaign.status not in allowed_from:
        raise CampaignError(f"a {campaign.status} campaign cannot become {status}")
    if status == "open":
        _refuse_overlap(campaign)
    before = snapshot(campaign)
    campaign.status = status
    if status == "open":
        campaign.opened_at = utcnow()
    else:
        campaign.closed_at = utcnow()
    db.session.flush()
    audit.record(
        f"campaign.{status}",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after=snapshot(campaign),
    )
    if status == "closed":
        # The links have done their work: phones and dossier codes go, counts stay.
        erasure.erase_personal_data(campaign, actor=actor, user_id=user_id)


def _refuse_overlap(campaign: Campaign) -> None:
    """A service point's QR code leads to the one open campaign of its agency: a second
    open campaign over the same agency and days would silently take its answers. A
    household survey has no QR code (surveyors' phones send its answers): it runs beside
    the agency's post-service survey."""
    if campaign.design == "household":
        return
    agency_ids = {a.id for a in campaign.agencies}
    clashes = []
    for other in db.session.scalars(
        select(Campaign).where(
            Campaign.status == "open",
            Campaign.id != campaign.id,
            Campaign.design != "household",
            Campaign.period_start <= campaign.period_end,
            Campaign.period_end >= campaign.period_start,
        )
    ):
        shared = sorted(a.code for a in other.agencies if a.id in agency_ids)
        if shared:
            clashes.append(f"{other.code} ({', '.join(shared)})")
    if clashes:
        raise CampaignError(
            _(
                "another open campaign covers the same agencies in the same days: %(clashes)s; "
                "close it or change the period or the agencies",
                clashes="; ".join(clashes),
            )
        )


def accepting_answers(campaign: Campaign) -> bool:
    """Whether respondents may answer now: open, and its last day not over."""
    return campaign.status == "open" and today() <= campaign.period_end


def accepting_paper(campaign: Campaign) -> bool:
    """Whether paper forms may be keyed: from opening until SURVEY_PAPER_KEYING_DAYS
    after the last day, since forms filled in on the last days arrive later."""
    if campaign.status == "draft":
        return False
    grace = timedelta(days=current_app.config["SURVEY_PAPER_KEYING_DAYS"])
    return today() <= campaign.period_end + grace


def close_ended(campaign: Campaign | None = None) -> list[str]:
    """Close the open campaigns (or `campaign`) whose last day is over; their codes.

    The status changes by a conditional UPDATE, so two workers (or a worker and a
    request) closing the same campaign close it once, audit it once and erase once.
    Flushes; the caller commits."""
    query = select(Campaign).where(Campaign.status == "open", Campaign.period_end < today())
    if campaign is not None:
        query = query.where(Campaign.id == campaign.id)
    closed = []
    for ended in db.session.scalars(query).all():
        before = snapshot(ended)
        claimed = db.session.execute(
            update(Campaign)
            .where(Campaign.id == ended.id, Campaign.status == "open")
            .values(status="closed", closed_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        db.session.refresh(ended)
        audit.record(
            "campaign.closed",
            "campaign",
            ended.id,
            actor="system",
            user_id=None,
            before=before,
            after={**snapshot(ended), "reason": "period ended"},
        )
        erasure.erase_personal_data(ended, actor="system", user_id=None)
        closed.append(ended.code)
    db.session.flush()
    return closed


def frame_table(campaign: Campaign) -> dict[tuple[int, int, str], int]:
    """Dossiers per (agency id, service field id, respondent type)."""
    return {
        (f.agency_id, f.service_field_id, f.respondent_type): f.dossiers
        for f in campaign.frame_counts
    }


def _frame_snapshot(campaign: Campaign) -> dict[str, int]:
    return {
        f"{f.agency.code}|{f.service_field.code}|{f.respondent_type}": f.dossiers
        for f in campaign.frame_counts
    }


def set_frame_counts(
    campaign: Campaign,
    counts: Mapping[tuple[Agency, ServiceField, str], int],
    *,
    actor: str,
    user_id: int | None,
) -> None:
    """Replace the given cells' dossier counts (others stay): cells are agency × service
    field × respondent type, the type one the campaign surveys."""
    in_scope = {a.id for a in campaign.agencies}
    existing = {
        (f.agency_id, f.service_field_id, f.respondent_type): f for f in campaign.frame_counts
    }
    before = _frame_snapshot(campaign)
    for (agency, field, respondent_type), dossiers in counts.items():
        if agency.id not in in_scope:
            raise CampaignError(f"agency {agency.code} is not in this campaign")
        if respondent_type not in campaign.respondent_types:
            raise CampaignError(
                _(
                    "the campaign does not survey %(type)s",
                    type=code_label("respondent_type", respondent_type),
                )
            )
        if dossiers < 0:
            raise CampaignError("a dossier count cannot be negative")
        cell = existing.get((agency.id, field.id, respondent_type))
        if cell is None:
            campaign.frame_counts.append(
                FrameCount(
                    agency=agency,
                    service_field=field,
                    respondent_type=respondent_type,
                    dossiers=dossiers,
                )
            )
        else:
            cell.dossiers = dossiers
    db.session.flush()
    audit.record(
        "campaign.frame_counts",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after=_frame_snapshot(campaign),
    )


FRAME_COLUMNS = ("agency_code", "field_code", "dossiers")
# Needed when the campaign surveys citizens and organisations: whose dossiers a row counts.
FRAME_OPTIONAL = ("respondent_type",)


def import_frame_counts(campaign: Campaign, data: bytes, *, actor: str, user_id: int | None):
    """Columns agency_code, field_code, dossiers, and respondent_type (citizen or
    organisation) when the campaign surveys both; all rows or none."""
    agencies = {a.code: a for a in campaign.agencies}
    fields = {f.code: f for f in db.session.scalars(select(ServiceField))}
    types = campaign.respondent_types
    problems, counts, seen = [], {}, {}
    for number, row in read_rows(data, required=FRAME_COLUMNS, optional=FRAME_OPTIONAL):
        agency = agencies.get(row["agency_code"])
        field = fields.get(row["field_code"])
        if agency is None:
            problems.append(
                CsvProblem(
                    number,
                    "agency_code",
                    _("%(code)s is not an agency of this campaign", code=row["agency_code"]),
                )
            )
        if field is None:
            problems.append(
                CsvProblem(
                    number,
                    "field_code",
                    _("unknown service field %(code)s", code=row["field_code"]),
                )
            )
        dossiers = whole_number(row["dossiers"])
        if dossiers is None:
            problems.append(
                CsvProblem(
                    number,
                    "dossiers",
                    _("%(value)s is not a whole number ≥ 0", value=row["dossiers"]),
                )
            )
        respondent_type = (row.get("respondent_type") or "").strip()
        if not respondent_type and len(types) == 1:
            respondent_type = types[0]
        if respondent_type not in types:
            problems.append(
                CsvProblem(
                    number,
                    "respondent_type",
                    _(
                        "%(value)s: write one of %(types)s (the respondent types of this campaign)",
                        value=respondent_type or "—",
                        types=", ".join(types),
                    ),
                )
            )
            continue
        if agency is None or field is None or dossiers is None:
            continue
        key = (agency.code, field.code, respondent_type)
        if key in seen:
            problems.append(
                CsvProblem(number, "field_code", _("same cell as row %(row)s", row=seen[key]))
            )
            continue
        seen[key] = number
        counts[(agency, field, respondent_type)] = dossiers
    if problems:
        raise CsvError(problems)
    if not counts:
        raise CsvError([CsvProblem(None, None, _("the file has no rows"))])
    set_frame_counts(campaign, counts, actor=actor, user_id=user_id)
    return len(counts)


def _close_ended_now() -> str | None:
    closed = close_ended()
    db.session.commit()
    return f"closed at the end of their period: {', '.join(closed)}" if closed else None


# Every minute, so a campaign stops taking answers within a minute of the end of its last
# day; requests close it too if no worker runs this.
CLOSE_ENDED = Periodic("survey.close_ended_campaigns", minute="*", run=_close_ended_now)


def point_survey_note(point: ServicePoint) -> str | None:
    """What an administrator who saved an active service point should know: while no
    open or planned campaign includes its agency, its QR code leads to no survey."""
    if not point.active:
        return None
    included = db.session.scalar(
        select(func.count())
        .select_from(campaign_agency)
        .join(Campaign, Campaign.id == campaign_agency.c.campaign_id)
        .where(
            campaign_agency.c.agency_id == point.agency_id,
            Campaign.status.in_(("draft", "open")),
            Campaign.period_end >= today(),
        )
    )
    if included:
        return None
    return _(
        "%(agency)s is in no open or planned campaign: the QR code of %(point)s will say "
        "that there is no survey there until a campaign includes the agency (Campaigns, "
        "the campaign's agencies).",
        agency=point.agency.name_vi if str(get_locale() or "vi") == "vi" else point.agency.name_en,
        point=point.code,
    )
