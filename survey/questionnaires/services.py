"""Import questionnaire definitions as immutable versions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from survey.audit import services as audit
from survey.db import utcnow
from survey.extensions import db
from survey.questionnaires.definition import Definition
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion


@dataclass(frozen=True)
class ImportOutcome:
    version: QuestionnaireVersion
    created: bool


def import_definition(
    definition: Definition,
    source_yaml: str,
    *,
    actor: str,
    user_id: int | None = None,
    publish: bool = True,
) -> ImportOutcome:
    """Store `definition` as a new version unless an identical one exists (idempotent).

    Flushes, never commits: the caller owns the transaction.
    """
    questionnaire = db.session.scalar(
        select(Questionnaire).where(Questionnaire.code == definition.code)
    )
    if questionnaire is None:
        questionnaire = Questionnaire(
            code=definition.code, respondent_type=definition.respondent_type
        )
        db.session.add(questionnaire)
        db.session.flush()
        audit.record(
            "questionnaire.create",
            "questionnaire",
            questionnaire.id,
            actor=actor,
            user_id=user_id,
            after={"code": definition.code},
        )
    digest = definition.content_hash
    existing = db.session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id,
            QuestionnaireVersion.content_hash == digest,
        )
    )
    if existing is not None:
        return ImportOutcome(existing, created=False)

    last = db.session.scalar(
        select(db.func.max(QuestionnaireVersion.number)).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id
        )
    )
    version = QuestionnaireVersion(
        questionnaire=questionnaire,
        number=(last or 0) + 1,
        content_hash=digest,
        content=dict(definition.content),
        source_yaml=source_yaml,
        published_at=utcnow() if publish else None,
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        "questionnaire.version.create",
        "questionnaire_version",
        version.id,
        actor=actor,
        user_id=user_id,
        after={"questionnaire": definition.code, "number": version.number, "hash": digest},
    )
    return ImportOutcome(version, created=True)


def latest_published_version(code: str) -> QuestionnaireVersion | None:
    return db.session.scalar(
        select(QuestionnaireVersion)
        .join(Questionnaire)
        .where(Questionnaire.code == code, QuestionnaireVersion.published_at.is_not(None))
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    )


def publish(version: QuestionnaireVersion, *, actor: str, user_id: int | None) -> bool:
    """Publish a version (from then on it never changes), audited; False when it was
    published already. The caller commits."""
    if version.published_at is not None:
        return False
    version.published_at = utcnow()
    audit.record(
        "questionnaire.version.publish",
        "questionnaire_version",
        version.id,
        actor=actor,
        user_id=user_id,
        after={"number": version.number},
    )
    return True
