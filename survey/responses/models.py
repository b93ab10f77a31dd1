"""Submissions and their answers, and the decisions people take about them.

Nothing here points at an invitation or a person; see "Privacy" in README.md for what a
database reader can and cannot learn."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency, Service, ServicePoint
from survey.campaigns.models import DOSSIER_TIMELINESS, Campaign
from survey.db import enum_column, one_of, to_the_minute, utcnow
from survey.extensions import db
from survey.questionnaires.models import RESPONDENT_TYPES, QuestionnaireVersion

# "household": interviewed at home by a surveyor with the field app (survey/field).
CHANNELS = ("web-qr", "web-link", "paper", "kiosk", "household")
# What an evaluator decided about a submission: leave it out, or keep it despite a flag.
REVIEW_DECISIONS = ("exclude", "keep")


class Submission(db.Model):
    """One completed questionnaire. Carries no identity: no name, phone, IP or invitation."""

    __tablename__ = "submission"
    __table_args__ = (
        one_of("channel", CHANNELS),
        one_of("respondent_type", RESPONDENT_TYPES),
        one_of("dossier_timeliness", DOSSIER_TIMELINESS),
        # The analysis reads a campaign's submissions agency by agency.
        Index("ix_submission_campaign_agency", "campaign_id", "agency_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_version.id"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_point.id"), index=True)
    channel: Mapped[str] = enum_column(CHANNELS)
    respondent_type: Mapped[str] = enum_column(RESPONDENT_TYPES)
    # To the minute (see submit.submission_time): the analysis needs days for the period
    # and minutes for bursts, and finer times would pair answers with access-log lines.
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime, default=lambda: to_the_minute(utcnow())
    )
    # Signals for data-quality screening, none of which identifies anyone: how long the
    # form took, a keyed hash of the client (address and browser) that changes with each
    # campaign, and a hash of the one-time key of the form page (repeat posts of the same
    # page store nothing new).
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    client_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    form_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A keyed hash of the dossier code, carried by paper forms keyed before forms stopped
    # asking for it (migration 0013: a dossier number names the applicant, and the
    # survey is anonymous): screening still sees repeats among those.
    dossier_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    # The date written on a paper form: it, not the day the form was keyed, places the
    # form in the campaign period. A day, as coarse as the period needs.
    interviewed_on: Mapped[date | None] = mapped_column(Date)
    # Coded attributes an invitation drawn from the dossier records passes on (never the
    # invitation, the dossier code or its dates): the selection probability the weight
    # comes from, and whether the dossier was returned on time.
    selection_probability: Mapped[float | None] = mapped_column(Float)
    dossier_timeliness: Mapped[str | None] = mapped_column(String(7))
    # A household interview's village (the design's PSU; survey/households): the village
    # alone, never the household, which is one of the few drawn there.
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    # The coded answers derived from the answer rows as fixed-width text, written with them
    # and never apart: what runs and exports read (responses/coded.py).
    coded_answers: Mapped[str] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    agency: Mapped[Agency] = relationship()
    service: Mapped[Service | None] = relationship()
    service_point: Mapped[ServicePoint | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="Answer.item_code"
    )

    def __repr__(self) -> str:
        return f"<Submission {self.id}>"


class Answer(db.Model):
    """One value given to one item. Multiple-choice items store one row per chosen option.

    Skipped and unanswered items store nothing: absence is the missing value.
    """

    __tablename__ = "answer"
    __table_args__ = (
        CheckConstraint("value_int IS NOT NULL OR value_text IS NOT NULL", name="value_present"),
    )

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    item_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    value_int: Mapped[int | None] = mapped_column(Integer)
    value_text: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="answers")

    @property
    def value(self) -> int | str | None:
        return self.value_int if self.value_int is not None else self.value_text


class AnswersAreFinal(Exception):
    """An answer is stored once: its rows and the coded text derived from them are never
    rewritten, so that they cannot come to say different things."""


@event.listens_for(Answer, "before_update")
def _refuse_answer_edits(mapper, connection, target: Answer) -> None:
    raise AnswersAreFinal("answer rows are not rewritten")


@event.listens_for(Submission, "before_update")
def _refuse_coded_edits(mapper, connection, target: Submission) -> None:
    if inspect(target).attrs.coded_answers.history.has_changes():
        raise AnswersAreFinal("a submission's coded answers are derived from its rows")


class SubmissionReview(db.Model):
    """A person's decision about one submission, which every later run honours.

    Screening rules flag; people decide. "exclude" leaves the submission out of every
    run whatever the rules say; "keep" keeps it in although a rule flags it. The
    submission itself is never rewritten, and every change is audited.
    """

    __tablename__ = "submission_review"
    __table_args__ = (
        one_of("decision", REVIEW_DECISIONS),
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[str] = enum_column(REVIEW_DECISIONS)
    reason: Mapped[str] = mapped_column(String(400))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()


class SurveyDraft(db.Model):
    """The answers of a survey answered step by step, kept between its steps.

    Keyed by a keyed hash of the form page's one-time key (never the key the submission
    stores), deleted when the form is sent and a day after its last step otherwise. It
    holds answers only: no identity, no entry point, nothing that names the submission it
    becomes.
    """

    __tablename__ = "survey_draft"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # What the respondent posted, field by field, as the form sends it (lists of text),
    # sealed with the browser's key: {"sealed": base64} (survey/responses/steps.py).
    values: Mapped[dict] = mapped_column(JSON)
    # To the hour: enough to expire drafts, too coarse to time anyone.
    updated_at: Mapped[datetime] = mapped_column(DateTime, index=True)
