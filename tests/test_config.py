import os
import subprocess
import sys
import uuid

import pytest

from survey import create_app
from survey.config import ConfigError, load_config

SECRET = "x" * 40
# What production needs at least: a secret key and where rate-limit counters live.
PRODUCTION = {"SURVEY_SECRET_KEY": SECRET, "SURVEY_RATELIMIT_STORAGE_URL": "memory://"}


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
    config = load_config(PRODUCTION, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/survey.sqlite3"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_plain_postgresql_urls_use_psycopg_3(scheme, tmp_path):
    config = load_config({**PRODUCTION, "SURVEY_DATABASE_URL": f"{scheme}://u@h/db"}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_production_defaults_are_safe(tmp_path):
    config = load_config(PRODUCTION, tmp_path)
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


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("SURVEY_RATE_LIMIT_CLIENT", "20 per fortnight", "is not a rate limit"),
        ("SURVEY_RATE_LIMIT_POINT", "lots", "is not a rate limit"),
        ("SURVEY_TRUSTED_PROXIES", "two", "whole number from 0 to 5"),
        ("SURVEY_TRUSTED_PROXIES", "²", "whole number from 0 to 5"),
        ("SURVEY_IDLE_TIMEOUT_MINUTES", "0", "whole number from 1 to 1440"),
        ("SURVEY_RATELIMIT_STORAGE_URL", "mongodb://x", "must be memory:// or a redis://"),
    ],
)
def test_malformed_limits_stop_the_start(setting, value, message, tmp_path):
    """A limit that Flask-Limiter cannot read would silently mean "no limit"."""
    with pytest.raises(ConfigError, match=message):
        load_config({**PRODUCTION, setting: value}, tmp_path)


def test_production_names_where_rate_limit_counters_live(tmp_path):
    with pytest.raises(ConfigError, match="SURVEY_RATELIMIT_STORAGE_URL is not set"):
        load_config({"SURVEY_SECRET_KEY": SECRET}, tmp_path)


def test_redis_counters_are_shared_by_every_worker(tmp_path):
    """Two apps (two workers) on one Redis count against one limit."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    # A key of its own: the SQLite and PostgreSQL passes of the suite run at once.
    key = f"shared-test-{uuid.uuid4().hex}"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    from survey.extensions import limiter

    settings = {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_ENABLED": True}
    apps = [create_app({**settings, "SECRET_KEY": SECRET}) for _ in range(2)]
    from limits import parse

    hits = []
    for app in apps * 3:
        with app.test_request_context("/p/x", method="POST"):
            hits.append(limiter.limiter.hit(parse("2/minute"), key))
    assert hits.count(True) == 2


def test_trusted_proxies_give_each_client_its_own_address(tmp_path):
    from flask import request

    from survey.permissions import public

    app = create_app({"SECRET_KEY": SECRET, "SURVEY_TRUSTED_PROXIES": 1})
    app.add_url_rule("/whoami", "whoami", public(lambda: request.remote_addr))
    client = app.test_client()
    headers = {"X-Forwarded-For": "198.51.100.7"}
    seen = client.get("/whoami", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen.get_data(as_text=True) == "198.51.100.7"


def _flask(*arguments: str, **environ: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *arguments],
        env={**clean, **environ},
        capture_output=True,
        text=True,
        check=False,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )


def test_the_command_line_helps_without_configuration():
    listed = _flask("--help")
    assert listed.returncode == 0, listed.stderr
    for command in ("analysis", "demo", "privacy", "reports", "paper", "users"):
        assert f"  {command} " in listed.stdout
    assert "Traceback" not in listed.stderr


def test_a_command_without_configuration_says_what_to_set_in_one_line():
    result = _flask("users", "create", "x", "--role", "admin")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "SURVEY_SECRET_KEY is not set" in result.stderr
    assert "SURVEY_ENV=development" in result.stderr


def test_output_into_a_missing_folder_is_a_usage_error(runner, db, tmp_path):
    missing = tmp_path / "no" / "such" / "report.pdf"
    result = runner.invoke(
        args=["reports", "province", "--campaign", "x", "--output", str(missing)]
    )
    assert result.exit_code == 2
    assert "does not exist; create it first" in result.output
    assert "Traceback" not in result.output


def test_the_readme_shows_the_settings_as_they_are_declared():
    """One declaration per setting (survey/config.py SETTINGS) reads it and writes the
    README's table: a setting added, renamed or given another default shows there."""
    from pathlib import Path

    from survey.config import SETTINGS, markdown_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, (
        "README is behind: paste the output of "
        '`python -c "from survey.config import markdown_table; print(markdown_table())"`'
    )
    assert len(SETTINGS) == len({s.name for s in SETTINGS}) == 17
