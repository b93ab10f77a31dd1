"""How long a dossier record keeps its phone number: the applicant's phone is there only
to invite them to the survey (a single-use link by SMS), so it goes PHONE_DAYS after the
dossier was returned (the links of an invitation last as long by default). Dossiers still
in process keep theirs. The rest of the record stays: timeliness needs no phone."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

from survey.audit import services as audit
from survey.dossiers.models import DossierRecord
from survey.extensions import db
from survey.jobs.kinds import Periodic
from survey.local_time import today

PHONE_DAYS = 30


def phones_kept_since(day: date | None = None) -> date:
    """The first return day whose dossiers still have their phone on `day` (today): older
    ones are erased, an import brings none in, and only recent ones can be invited."""
    return (day or today()) - timedelta(days=PHONE_DAYS)


def erase_old_phones(day: date) -> int:
    """Erase the phones of dossiers returned more than PHONE_DAYS before `day`; how many.
    Audited when any; the caller commits."""
    kept_since = phones_kept_since(day)
    erased = db.session.execute(
        update(DossierRecord)
        .where(DossierRecord.phone.is_not(None), DossierRecord.returned_on < kept_since)
        .values(phone=None)
    ).rowcount
    if erased:
        audit.record(
            "privacy.erase_dossier_phones",
            "dossier_record",
            None,
            actor="retention",
            after={
                "phones_erased": erased,
                "returned_before": str(kept_since),
            },
        )
    return erased


def _erase_now() -> str | None:
    erased = erase_old_phones(today())
    db.session.commit()
    return (
        f"erased the phones of {erased} dossiers returned over {PHONE_DAYS} days ago"
        if erased
        else None
    )


# Once an hour: a phone outlives its purpose by an hour at most.
ERASE_PHONES = Periodic("survey.erase_dossier_phones", minute="41", run=_erase_now)
