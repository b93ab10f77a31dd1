"""The migration history builds the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, update

from survey.extensions import db
from survey.responses.models import Submission
from tests import factories
from tests.conftest import make_app
from tests.databases import throwaway_database


@pytest.fixture
def empty_app(tmp_path):
    with throwaway_database(tmp_path) as url:
        app = make_app(url)
        yield app
        with app.app_context():
            db.engine.dispose()


def test_upgrade_on_an_empty_database_leaves_no_drift(empty_app):
    with empty_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    result = empty_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_the_migrations_round_trip(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "submission" in inspect(db.engine).get_table_names()


def test_drift_is_detected(empty_app):
    """`flask db check` is only worth running if it can fail: drop a column and see."""
    with empty_app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_submission_service_id")
    result = empty_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code != 0


def _constraint_names(engine) -> set[tuple[str, str, str]]:
    """Every named constraint and index: Alembic's comparison does not look at CHECK
    constraints, nor at names."""
    seen = set()
    inspector = inspect(engine)
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        for kind, found in (
            ("check", inspector.get_check_constraints(table)),
            ("unique", inspector.get_unique_constraints(table)),
            ("foreign key", inspector.get_foreign_keys(table)),
            ("index", inspector.get_indexes(table)),
        ):
            seen.update((table, kind, c["name"]) for c in found if c.get("name"))
    return seen


def test_the_migrations_name_constraints_as_the_models_do(tmp_path):
    for name in ("migrated", "created"):
        (tmp_path / name).mkdir()
    with throwaway_database(tmp_path / "migrated") as migrated_url:
        migrated = make_app(migrated_url)
        with migrated.app_context():
            upgrade()
            from_history = _constraint_names(db.engine)
            db.engine.dispose()
    with throwaway_database(tmp_path / "created") as created_url:
        created = make_app(created_url)
        with created.app_context():
            db.create_all()
            from_models = _constraint_names(db.engine)
            db.engine.dispose()
    assert from_history == from_models, from_history ^ from_models


def test_submissions_stored_before_coded_answers_get_them_from_their_rows(empty_app):
    """0024 derives the coded text of submissions stored without one (before 0006) from
    their answer rows, so that runs and exports have one way to read answers."""
    with empty_app.app_context():
        # Made with today's models, then taken back to 0023, where the column may be NULL
        # (the models have columns 0023 lacks, so they cannot write at 0023).
        upgrade()
        made = factories.submission({"TC1": 4, "A1": 2, "PA1": 5, "E10": "văn bản"})
        expected = made.coded_answers
        assert expected != "-" * len(expected)
        db.session.commit()
        db.session.remove()
        downgrade(revision="0023")
        db.session.execute(update(Submission).values(coded_answers=None))
        db.session.commit()
        upgrade()
        db.session.expire_all()
        assert db.session.scalar(select(Submission.coded_answers)) == expected
        db.session.remove()


def test_the_indexes_on_codes_in_any_case_survive_every_migration(empty_app):
    """Neither SQLite's reflection nor the drift check sees expression indexes; a batch
    migration that copies a table would drop one silently (0030 once did)."""
    from sqlalchemy import text

    wanted = {
        index.name
        for table in db.metadata.tables.values()
        for index in table.indexes
        if index.name and index.name.endswith("_any_case")
    }
    assert len(wanted) == 8
    with empty_app.app_context():
        upgrade()
        sql = (
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            if db.engine.dialect.name == "postgresql"
            else "SELECT name FROM sqlite_master WHERE type = 'index'"
        )
        present = {name for (name,) in db.session.execute(text(sql))}
        db.session.remove()
    assert wanted <= present, wanted - present
