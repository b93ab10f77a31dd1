"""A campaign runs one questionnaire version per respondent type (citizens, organisations)
over a period for a set of agencies."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.agencies.models import Agency, Service, ServiceField
from survey.db import enum_column, one_of, unique_in_any_case, utcnow
from survey.extensions import db
from survey.questionnaires.models import RESPONDENT_TYPES, QuestionnaireVersion

CAMPAIGN_STATUSES = ("draft", "open", "closed")
# How respondents were selected (METHODS.md §1). "element": the service users (dossiers)
# are the sampled units, strata are weighting cells; "clustered": they were reached in
# sampled clusters (interview day × service point for intercept fieldwork).
# "household": villages drawn within communes, households within villages (survey/
# households), estimated on both stages.
DESIGNS = ("element", "clustered", "household")
DESIGN_STRATA = ("cell", "cell_channel", "agency")
DESIGN_CLUSTERS = ("day_point",)
# Where the base weights come from (METHODS.md §2): "frame": every respondent of a cell
# stands for N_s / n_s of its dossiers; "selection": only respondents of invitations
# drawn with a known probability count, weighted 1/π and adjusted for nonresponse
# within their cell.
WEIGHTINGS = ("frame", "selection")
# Which estimate of each agency's index the reform league takes: the direct survey
# estimate, or, in ranking groups where the run fitted one, the small-area (Fay-Herriot)
# estimate (METHODS.md §4a). Both are always published; this only chooses for the league.
LEAGUE_ESTIMATES = ("direct", "small_area")
# Whether runs correct variances for sampling without replacement from a finite frame
# (METHODS.md §3): "frame": with each stratum's dossiers (R's svydesign(fpc=)), "none": as
# if the frame were infinite (the conservative choice, and runs made before 0026).
FINITE_POPULATION = ("frame", "none")
# The dossier's timeliness, carried by an invitation and the answers it brought.
DOSSIER_TIMELINESS = ("on_time", "late")
# How an invitation ended (AAPOR): complete (at least 80% of the index items answered),
# partial (50-80%), breakoff (sent with fewer); counted per agency and dossier channel in
# link_use, never on the invitation. A purge folds the links never answered in as
# "refused" (opened) and "no_contact" (never opened).
INVITATION_OUTCOMES = ("complete", "partial", "breakoff")
LINK_USE_OUTCOMES = (*INVITATION_OUTCOMES, "refused", "no_contact")

campaign_agency = Table(
    "campaign_agency",
    db.metadata,
    Column("campaign_id", ForeignKey("campaign.id"), primary_key=True),
    Column("agency_id", ForeignKey("agency.id"), primary_key=True),
)


class Campaign(db.Model):
    __tablename__ = "campaign"
    __table_args__ = (
        unique_in_any_case("campaign", "code"),
        one_of("status", CAMPAIGN_STATUSES),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint(
            "paper_verify_share >= 0 AND paper_verify_share <= 1", name="paper_verify_share"
        ),
        CheckConstraint(
            "reply_working_days >= 1 AND reply_working_days <= 60", name="reply_working_days"
        ),
        one_of("design", DESIGNS),
        one_of("design_strata", DESIGN_STRATA),
        one_of("weighting", WEIGHTINGS),
        one_of("league_estimate", LEAGUE_ESTIMATES),
        one_of("finite_population", FINITE_POPULATION),
        CheckConstraint(
            "(design IN ('element', 'household') AND design_cluster IS NULL) OR "
            "(design = 'clustered' AND design_cluster IS NOT NULL "
            "AND design_cluster IN ('day_point'))",
            name="design_cluster",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = enum_column(CAMPAIGN_STATUSES, default="draft")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the invitations' phone numbers and dossier codes were erased (survey/privacy.py).
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Share of paper forms keyed twice by different surveyors (1 = full double entry);
    # the sample is drawn from the serials, so it is the same every time it is asked.
    paper_verify_share: Mapped[float] = mapped_column(Float, default=1.0, server_default="1")
    # The sampling design the runs declare; copied into every run and report.
    design: Mapped[str] = enum_column(DESIGNS, default="element", server_default="element")
    design_strata: Mapped[str] = enum_column(DESIGN_STRATA, default="cell", server_default="cell")
    design_cluster: Mapped[str | None] = enum_column(DESIGN_CLUSTERS)
    weighting: Mapped[str] = enum_column(WEIGHTINGS, default="frame", server_default="frame")
    league_estimate: Mapped[str] = enum_column(
        LEAGUE_ESTIMATES, default="direct", server_default="direct"
    )
    finite_population: Mapped[str] = enum_column(
        FINITE_POPULATION, default="frame", server_default="frame"
    )
    # Invitations have been drawn from the dossiers returned up to this day (inclusive).
    invitations_drawn_through: Mapped[date | None] = mapped_column(Date)
    # Working days an agency has to answer a citizen's recommendation (survey/
    # recommendations): overdue after, and the reform score's on-time reply rate.
    reply_working_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    # The reform-score framework the campaign's indices feed (optional).
    framework_id: Mapped[int | None] = mapped_column(ForeignKey("reform_framework.id"))

    # One pinned version per respondent type, citizens first (see `questionnaire_version`).
    questionnaires: Mapped[list[CampaignQuestionnaire]] = relationship(
        order_by="CampaignQuestionnaire.respondent_type",
        cascade="all, delete-orphan",
    )
    # Named, not imported: reform builds on campaigns (SQLAlchemy finds the class by name).
    framework: Mapped[ReformFramework | None] = relationship()  # noqa: F821
    agencies: Mapped[list[Agency]] = relationship(secondary=campaign_agency, order_by=Agency.code)
    # In key order (the demo draws its dossier records cell by cell in this order).
    frame_counts: Mapped[list[FrameCount]] = relationship(
        back_populates="campaign",
        cascade="all, delete-orphan",
        order_by="(FrameCount.agency_id, FrameCount.service_field_id, FrameCount.respondent_type)",
    )

    @property
    def versions(self) -> dict[str, QuestionnaireVersion]:
        """The pinned version of each respondent type the campaign surveys."""
        return {q.respondent_type: q.version for q in self.questionnaires}

    @property
    def respondent_types(self) -> tuple[str, ...]:
        return tuple(q.respondent_type for q in self.questionnaires)

    def version_for(self, respondent_type: str) -> QuestionnaireVersion | None:
        return self.versions.get(respondent_type)

    def version_id(self, respondent_type: str) -> int:
        version = self.version_for(respondent_type)
        if version is None:
            raise KeyError(respondent_type)
        return version.id

    @property
    def questionnaire_version(self) -> QuestionnaireVersion:
        """The campaign's reference version: the citizens' when it has one. Its index
        definition is every version's (validation refuses a pair that differs), so the
        analysis reads the index from it; forms, keying and exports read each type's own."""
        return self.questionnaires[0].version

    @questionnaire_version.setter
    def questionnaire_version(self, version: QuestionnaireVersion) -> None:
        """Make `version` the campaign's only questionnaire (one respondent type)."""
        self.set_versions({version.questionnaire.respondent_type: version})

    @property
    def questionnaire_version_id(self) -> int:
        return self.questionnaire_version.id

    def set_versions(self, versions: dict[str, QuestionnaireVersion]) -> None:
        kept = {q.respondent_type: q for q in self.questionnaires}
        rows = []
        for respondent_type in RESPONDENT_TYPES:
            version = versions.get(respondent_type)
            if version is None:
                continue
            row = kept.get(respondent_type) or CampaignQuestionnaire(
                respondent_type=respondent_type
            )
            row.version = version
            rows.append(row)
        self.questionnaires = rows

    def __repr__(self) -> str:
        return f"<Campaign {self.code} {self.status}>"


class CampaignQuestionnaire(db.Model):
    """The questionnaire version a campaign's respondents of one type answer."""

    __tablename__ = "campaign_questionnaire"
    __table_args__ = (one_of("respondent_type", RESPONDENT_TYPES),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    respondent_type: Mapped[str] = mapped_column(String(12), primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_version.id"), index=True
    )

    version: Mapped[QuestionnaireVersion] = relationship()


class FrameCount(db.Model):
    """Dossiers an agency handled in a service field for applicants of one type during the
    period: N_s for the weights."""

    __tablename__ = "frame_count"
    __table_args__ = (
        CheckConstraint("dossiers >= 0", name="dossiers_not_negative"),
        one_of("respondent_type", RESPONDENT_TYPES),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    service_field_id: Mapped[int] = mapped_column(ForeignKey("service_field.id"), primary_key=True)
    respondent_type: Mapped[str] = mapped_column(
        String(12), primary_key=True, default="citizen", server_default="citizen"
    )
    dossiers: Mapped[int] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship(back_populates="frame_counts")
    agency: Mapped[Agency] = relationship()
    service_field: Mapped[ServiceField] = relationship()


class SamplingPlan(db.Model):
    """How many answers a campaign plans for an agency, and the selection probability
    that gets them: π = planned / (expected response rate × dossiers with a phone)."""

    __tablename__ = "sampling_plan"
    __table_args__ = (
        CheckConstraint("probability > 0 AND probability <= 1", name="probability"),
        CheckConstraint("response_rate > 0 AND response_rate <= 1", name="response_rate"),
        CheckConstraint("planned >= 0", name="planned"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    # The dossiers the plan rests on: returned in the reference window, and of those with
    # a phone (the invitations' frame).
    dossiers: Mapped[int] = mapped_column(Integer)
    with_phone: Mapped[int] = mapped_column(Integer)
    planned: Mapped[int] = mapped_column(Integer)
    response_rate: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    agency: Mapped[Agency] = relationship()


class SamplingCell(db.Model):
    """How many dossiers with a phone an agency × field cell has seen, and selected, in
    the campaign's draws. Counts only: each dossier is drawn on its own with probability
    π (Poisson sampling, survey/dossiers/sampling.py), so no position or start is kept
    from which a draw could be replayed."""

    __tablename__ = "sampling_cell"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    service_field_id: Mapped[int] = mapped_column(ForeignKey("service_field.id"), primary_key=True)
    seen: Mapped[int] = mapped_column(Integer, default=0)
    selected: Mapped[int] = mapped_column(Integer, default=0)


class Invitation(db.Model):
    """A single-use survey link for one dossier, from the one-stop shop's export or drawn
    from the dossier records.

    The phone number and the dossier code are the only personal data the platform holds.
    They live here until the link is used, when the invitation forgets everything that
    names its dossier or says when (phone, code, service, return day, channel,
    timeliness, times): what stays is what the answer carries too (agency, service field,
    applicant type, π), so a used invitation is one of its weighting cell's, and nothing
    pairs it with its answer (README.md, "Privacy"). A purge does the same for the links
    never used.
    """

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("campaign_id", "dossier_code"),
        UniqueConstraint("campaign_id", "dossier_hash"),
        one_of("dossier_timeliness", DOSSIER_TIMELINESS),
        one_of("applicant_type", RESPONDENT_TYPES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    # A keyed hash of the dossier code (survey/campaigns/invitations.dossier_hash): it
    # outlives the code, so a dossier is not invited twice, and names nothing to a reader
    # without the server's key.
    dossier_hash: Mapped[str | None] = mapped_column(String(32))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    # The service's field: the sampling and weighting cell, kept after use.
    service_field_id: Mapped[int | None] = mapped_column(ForeignKey("service_field.id"))
    # On whose behalf the dossier was filed: the form the link opens.
    applicant_type: Mapped[str] = enum_column(
        RESPONDENT_TYPES, default="citizen", server_default="citizen"
    )
    returned_on: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Drawn invitations (survey/dossiers/sampling.py): the probability of selection, the
    # dossier's channel and timeliness. None for links imported from a file.
    selection_probability: Mapped[float | None] = mapped_column(Float)
    dossier_channel: Mapped[str | None] = mapped_column(String(7))
    dossier_timeliness: Mapped[str | None] = mapped_column(String(7))
    # Whether the link was opened (a link opened and never sent is a breakoff or refusal,
    # one never opened a non-contact): a flag, never a day.
    opened: Mapped[bool] = mapped_column(default=False, server_default=false())

    campaign: Mapped[Campaign] = relationship()
    agency: Mapped[Agency] = relationship()
    service: Mapped[Service | None] = relationship()


class LinkUse(db.Model):
    """How the drawn links of an agency and dossier channel ended, as counts: the response
    rates' numerators (survey/campaigns/response_rates.py), kept here rather than on each
    invitation so that no invitation says how its answer went."""

    __tablename__ = "link_use"
    __table_args__ = (one_of("outcome", LINK_USE_OUTCOMES),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    # The dossier's channel; "" for drawn dossiers without one.
    dossier_channel: Mapped[str] = mapped_column(String(7), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
