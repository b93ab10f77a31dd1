import os
import subprocess
import sys

import pytest

from survey import create_app
from survey.config import ConfigError, load_config

SECRET = "x" * 40


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "SURVEY_SECRET_KEY is not set"),
        ({"SURVEY_ENV": "production"}, "SURVEY_SECRET_KEY is not set"),
        ({"SURVEY_SECRET_KEY": "short"}, "SURVEY_SECRET_KEY is too short"),
        ({"SURVEY_ENV": "staging", "SURVEY_SECRET_KEY": SECRET}, "SURVEY_ENV='staging'"),
        ({"SURVEY_ENV": "test", "SURVEY_DEFAULT_LANGUAGE": "fr"}, "SURVEY_DEFAULT_LANGUAGE='fr'"),
        ({"SURVEY_ENV": "test", "SURVEY_DATABSE_URL": "x"}, "unknown setting SURVEY_DATABSE_URL"),
        ({"SURVEY_ENV": "test", "SURVEY_DATABASE_URL": "survey.db"}, "is not a database URL"),
    ],
)
def test_bad_settings_are_refused_with_the_variable_named(environ, message, tmp_path):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config(environ, tmp_path)


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_test_run_without_a_secret_key(env, tmp_path):
    config = load_config({"SURVEY_ENV": env}, tmp_path)
    assert len(config["SECRET_KEY"]) >= 32


def test_default_database_is_an_sqlite_file_in_the_instance_folder(tmp_path):
    config = load_config({"SURVEY_SECRET_KEY": SECRET}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/survey.sqlite3"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_plain_postgresql_urls_use_psycopg_3(scheme, tmp_path):
    config = load_config(
        {"SURVEY_SECRET_KEY": SECRET, "SURVEY_DATABASE_URL": f"{scheme}://u@h/db"}, tmp_path
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_production_defaults_are_safe(tmp_path):
    config = load_config({"SURVEY_SECRET_KEY": SECRET}, tmp_path)
    assert config["SURVEY_ENV"] == "production"
    assert config["DEBUG"] is False
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["BABEL_DEFAULT_LOCALE"] == "vi"


def test_the_app_refuses_to_start_in_production_without_a_secret_key(monkeypatch):
    for name in ("SURVEY_ENV", "SURVEY_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SURVEY_SECRET_KEY"):
        create_app()


def test_importing_the_packages_reads_no_environment():
    """No app at import time: a broken environment only matters once an app is created."""
    environ = {**os.environ, "SURVEY_ENV": "nonsense", "SURVEY_SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "-c", "import survey, survey.models, analysis"],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
