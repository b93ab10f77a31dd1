"""Erasing the personal data a campaign holds: its invitations' phone numbers and dossier
codes, and with them everything that would let anyone find which dossier a link was for
(service, return day, channel, timeliness, times), when it closes or on request
(`flask --app wsgi privacy purge`). Used links forgot theirs when they were used
(survey/campaigns/link_use.py); draws keep no state to replay (survey/dossiers/
sampling.py). The invitation rows stay with their cell (agency, field, applicant type,
π), and the outcomes are counted per agency and channel, so the counts of links sent and
used, the response rates and the weights stay (README.md, "Privacy")."""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from survey.audit import services as audit
from survey.campaigns import link_use
from survey.campaigns.models import Campaign, Invitation
from survey.db import utcnow
from survey.extensions import db
from survey.jobs import services as jobs


@dataclass(frozen=True)
class Erased:
    invitations: int
    used: int
    phones: int
    dossier_codes: int


def erase_personal_data(campaign: Campaign, *, actor: str, user_id: int | None) -> Erased:
    """Erase the phone numbers and dossier codes of a campaign's invitations; the rows
    stay, so the counts (links sent, links used) stay. The caller commits."""
    counts = db.session.execute(
        select(
            func.count(),
            func.count().filter(Invitation.used),
            func.count(Invitation.phone),
            func.count(Invitation.dossier_code),
        ).where(Invitation.campaign_id == campaign.id)
    ).one()
    erased = Erased(*counts)
    link_use.forget_all(campaign.id)
    campaign.personal_data_erased_at = utcnow()
    # The files of links made for the SMS gateway hold the same phones.
    files = jobs.delete_files("invitations_export", campaign_id=campaign.id)
    audit.record(
        "privacy.erase",
        "campaign",
        campaign.id,
        actor=actor,
        user_id=user_id,
        after={
            "invitations": erased.invitations,
            "used": erased.used,
            "phones_erased": erased.phones,
            "dossier_codes_erased": erased.dossier_codes,
            "link_files_erased": files,
        },
    )
    return erased


privacy_cli = AppGroup("privacy", help="Personal data the platform holds, and erasing it.")


@privacy_cli.command("purge")
@click.option("--campaign", "code", required=True, help="Campaign code.")
def purge_command(code: str) -> None:
    """Erase the phone numbers and dossier codes of the campaign's invitations now
    (closing a campaign does this too); the counts of links sent and used stay."""
    from survey.cli_support import by_code

    campaign = by_code(Campaign, code, "--campaign")
    erased = erase_personal_data(campaign, actor="cli", user_id=None)
    db.session.commit()
    click.echo(
        f"{campaign.code}: erased {erased.phones} phone numbers and {erased.dossier_codes} "
        f"dossier codes; kept the counts ({erased.invitations} invitations, {erased.used} used)"
    )
