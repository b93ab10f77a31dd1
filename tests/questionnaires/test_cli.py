from pathlib import Path

import pytest
from sqlalchemy import select

from survey.questionnaires.definition import QUESTIONNAIRE_DIR
from survey.questionnaires.models import (
    ImmutableVersionError,
    Questionnaire,
    QuestionnaireVersion,
)

CITIZEN = str(QUESTIONNAIRE_DIR / "sipas-citizen.yaml")
ORGANISATION = str(QUESTIONNAIRE_DIR / "sipas-organisation.yaml")


def test_validate_accepts_both_shipped_questionnaires(runner):
    result = runner.invoke(args=["questionnaires", "validate", CITIZEN, ORGANISATION])
    assert result.exit_code == 0, result.output
    assert (
        "sipas-citizen.yaml: ok (sipas-citizen, 40 items, 19 satisfaction items in 5 "
        "components, global item HL)" in result.output
    )
    assert "sipas-organisation.yaml: ok" in result.output


def test_validate_names_the_file_the_item_and_the_problem(runner, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        Path(CITIZEN).read_text(encoding="utf-8").replace("component: TC\n", "component: XX\n", 1),
        encoding="utf-8",
    )
    result = runner.invoke(args=["questionnaires", "validate", CITIZEN, str(broken)])
    assert result.exit_code == 1
    assert f"{broken}: item TC1: component 'XX' is not declared" in result.output


def test_import_creates_a_version_then_is_idempotent(runner, db):
    first = runner.invoke(args=["questionnaires", "import", CITIZEN])
    assert first.exit_code == 0, first.output
    assert "imported sipas-citizen as version 1" in first.output
    again = runner.invoke(args=["questionnaires", "import", CITIZEN])
    assert "sipas-citizen unchanged: same content as version 1" in again.output
    versions = db.session.scalars(select(QuestionnaireVersion)).all()
    assert len(versions) == 1
    assert versions[0].published_at is not None


def test_a_changed_file_becomes_a_new_version_and_the_old_one_stays(runner, db, tmp_path):
    runner.invoke(args=["questionnaires", "import", CITIZEN])
    changed = tmp_path / "sipas-citizen.yaml"
    changed.write_text(
        Path(CITIZEN).read_text(encoding="utf-8").replace("min_seconds: 60", "min_seconds: 45"),
        encoding="utf-8",
    )
    result = runner.invoke(args=["questionnaires", "import", str(changed)])
    assert "as version 2" in result.output
    questionnaire = db.session.scalar(select(Questionnaire))
    assert [v.number for v in questionnaire.versions] == [1, 2]
    first, second = questionnaire.versions
    assert first.content["screening"]["min_seconds"] == 60
    assert second.content["screening"]["min_seconds"] == 45
    assert first.content_hash != second.content_hash


def test_import_of_a_broken_file_changes_nothing(runner, db, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: 1\ncode: x\n", encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "import", str(broken)])
    assert result.exit_code != 0
    assert "'respondent_type' is a required property" in result.output
    assert db.session.scalars(select(Questionnaire)).all() == []


def test_a_stored_version_cannot_be_changed(runner, db):
    runner.invoke(args=["questionnaires", "import", CITIZEN])
    version = db.session.scalar(select(QuestionnaireVersion))
    version.content = {**version.content, "code": "edited"}
    with pytest.raises(ImmutableVersionError, match="refused change to content"):
        db.session.flush()


def test_a_draft_version_can_be_published_once(runner, db):
    runner.invoke(args=["questionnaires", "import", "--draft", CITIZEN])
    version = db.session.scalar(select(QuestionnaireVersion))
    assert version.published_at is None
    from survey.db import utcnow

    version.published_at = utcnow()
    db.session.flush()
    version.published_at = None
    with pytest.raises(ImmutableVersionError, match="published_at"):
        db.session.flush()
