"""People's decisions about submissions: exclude one with a reason, keep one despite a
screening flag, or withdraw the decision. Stored apart from the submission, audited, and
honoured by every later analysis run."""

from __future__ import annotations

from survey.audit import services as audit
from survey.db import utcnow
from survey.extensions import db
from survey.responses.models import REVIEW_DECISIONS, Submission, SubmissionReview


class SubmissionError(Exception):
    pass


def _described(review: SubmissionReview | None) -> dict[str, str | None]:
    if review is None:
        return {"decision": None, "reason": None}
    return {"decision": review.decision, "reason": review.reason}


def decide(
    submission: Submission, decision: str, reason: str, *, actor: str, user_id: int | None
) -> SubmissionReview:
    """Record (or replace) the decision about `submission`; flushes nothing itself."""
    if decision not in REVIEW_DECISIONS:
        raise SubmissionError(f"unknown decision {decision!r}")
    reason = (reason or "").strip()[:400]
    if not reason:
        raise SubmissionError("say why")
    review = db.session.get(SubmissionReview, submission.id)
    before = _described(review)
    if review is None:
        review = SubmissionReview(submission_id=submission.id)
        db.session.add(review)
    review.decision, review.reason = decision, reason
    review.actor, review.user_id, review.decided_at = actor, user_id, utcnow()
    audit.record(
        f"submission.{decision}",
        "submission",
        submission.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after={"decision": decision, "reason": reason},
    )
    return review


def withdraw(submission: Submission, *, actor: str, user_id: int | None) -> None:
    """Remove the decision: the screening rules alone decide again."""
    review = db.session.get(SubmissionReview, submission.id)
    if review is None:
        raise SubmissionError("there is no decision to withdraw")
    before = _described(review)
    db.session.delete(review)
    audit.record(
        "submission.withdraw_decision",
        "submission",
        submission.id,
        actor=actor,
        user_id=user_id,
        before=before,
        after=_described(None),
    )
