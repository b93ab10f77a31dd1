"""A questionnaire is a stable identity; what respondents answer is one immutable version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import one_of, unique_in_any_case, utcnow
from survey.extensions import db

RESPONDENT_TYPES = ("citizen", "organisation")


class Questionnaire(db.Model):
    __tablename__ = "questionnaire"
    __table_args__ = (
        unique_in_any_case("questionnaire", "code"),
        one_of("respondent_type", RESPONDENT_TYPES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    respondent_type: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number"
    )

    @property
    def latest_version(self) -> QuestionnaireVersion | None:
        return self.versions[-1] if self.versions else None

    def __repr__(self) -> str:
        return f"<Questionnaire {self.code}>"


class QuestionnaireVersion(db.Model):
    """The parsed definition as published; never changes once written."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "number"),
        UniqueConstraint("questionnaire_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    number: Mapped[int]
    # SHA-256 of the canonical JSON of `content`: formatting and comments in the YAML
    # do not make a new version, any change of meaning does.
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_yaml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    @property
    def label(self) -> str:
        return f"{self.questionnaire.code} v{self.number}"

    def definition(self):
        """The typed definition that forms, entry screens and the analysis read."""
        from survey.questionnaires.definition import Definition

        return Definition.from_content(self.content)

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.questionnaire_id} v{self.number}>"


class ImmutableVersionError(Exception):
    """Raised when code tries to change a questionnaire version after it was written."""


_FROZEN = ("content", "content_hash", "source_yaml", "number", "questionnaire_id")


@event.listens_for(QuestionnaireVersion, "before_update")
def _refuse_changes(mapper, connection, target: QuestionnaireVersion) -> None:
    state = inspect(target)
    changed = [name for name in _FROZEN if state.attrs[name].history.has_changes()]
    published = state.attrs["published_at"].history
    if published.deleted and published.deleted[0] is not None:
        changed.append("published_at")
    if changed:
        raise ImmutableVersionError(
            f"questionnaire version {target.id} is immutable; "
            f"refused change to {', '.join(changed)}"
        )
