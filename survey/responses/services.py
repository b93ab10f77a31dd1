"""Staff actions on submissions: exclude one with a reason, or restore it."""

from __future__ import annotations

from survey.audit import services as audit
from survey.responses.models import Submission


class SubmissionError(Exception):
    pass


def exclude(submission: Submission, reason: str, *, actor: str, user_id: int | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise SubmissionError("say why the submission is excluded")
    before = {"status": submission.status, "reason": submission.status_reason}
    submission.status, submission.status_reason = "excluded", reason[:400]
    audit.record(
        "submission.exclude",
        "submission",
        submission.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after={"status": "excluded", "reason": reason},
    )


def restore(submission: Submission, *, actor: str, user_id: int | None) -> None:
    if submission.status == "valid":
        raise SubmissionError("the submission is already valid")
    before = {"status": submission.status, "reason": submission.status_reason}
    submission.status, submission.status_reason = "valid", None
    audit.record(
        "submission.restore",
        "submission",
        submission.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after={"status": "valid", "reason": None},
    )
