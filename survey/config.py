"""Configuration from `SURVEY_*` environment variables, read only when an app is created."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PREFIX = "SURVEY_"
ENVIRONMENTS = ("production", "development", "test")
LANGUAGES = ("vi", "en")

# What each variable means, for error messages and the README.
VARIABLES = {
    "SURVEY_ENV": "production (default), development or test",
    "SURVEY_DATABASE_URL": "SQLAlchemy URL; default: an SQLite file in the instance folder",
    "SURVEY_SECRET_KEY": "signs sessions and CSRF tokens; required in production",
    "SURVEY_DEFAULT_LANGUAGE": "vi (default) or en",
    "SURVEY_PUBLIC_URL": "address citizens reach the app at, printed on QR posters and links",
    "SURVEY_SECURE_COOKIES": "send cookies over HTTPS only: 1 (default in production) or 0",
    "SURVEY_RATELIMIT_STORAGE_URL": "where rate-limit counters live: memory:// or redis://host",
    "SURVEY_RATE_LIMIT_CLIENT": "survey posts allowed per client, e.g. 20/minute;200/hour",
    "SURVEY_RATE_LIMIT_POINT": "survey posts allowed per service point, e.g. 120/minute",
    "SURVEY_RATE_LIMIT_API": "API calls allowed per integration token, e.g. 600/minute",
    "SURVEY_RATE_LIMIT_API_GUESSES": "API calls with a bad token allowed per client (10/minute)",
    "SURVEY_TRUSTED_PROXIES": "reverse proxies in front of the app (0 = none, the default)",
    "SURVEY_IDLE_TIMEOUT_MINUTES": "staff are signed out after this many idle minutes (30)",
    "SURVEY_POINT_CACHE_SECONDS": "seconds a QR code's survey details are kept in memory (30)",
    "SURVEY_PAPER_KEYING_DAYS": "days after a campaign's last day paper forms may be keyed (30)",
    "SURVEY_TIMEZONE": "the province's time zone for showing times and dating answers",
    "SURVEY_JOBS_URL": "where queued jobs wait: sqlite:///PATH (default) or redis://host",
}


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


def normalise_database_url(url: str) -> str:
    """Route plain PostgreSQL URLs through psycopg 3, the only driver we install."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _rate_limit(environ: Mapping[str, str], name: str, default: str) -> str:
    """A limit string Flask-Limiter understands; a malformed one would silently mean
    "no limit", so it stops the start instead."""
    from limits import parse_many

    value = environ.get(name, default).strip()
    try:
        if not parse_many(value):
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"{name}={value!r} is not a rate limit; write e.g. 20/minute;200/hour"
        ) from None
    return value


def _whole_number(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    from survey.inputs import whole_number

    text = environ.get(name, "").strip()
    if not text:
        return default
    number = whole_number(text, maximum=high)
    if number is None or number < low:
        raise ConfigError(f"{name}={text!r} must be a whole number from {low} to {high}")
    return number


def load_config(
    environ: Mapping[str, str], instance_path: str | os.PathLike[str]
) -> dict[str, Any]:
    """Build Flask settings from `environ`; raise ConfigError naming any bad variable."""
    unknown = sorted(k for k in environ if k.startswith(PREFIX) and k not in VARIABLES)
    unknown = [k for k in unknown if not k.startswith("SURVEY_TEST_")]
    if unknown:
        raise ConfigError(
            f"unknown setting {unknown[0]}; known settings: {', '.join(sorted(VARIABLES))}"
        )

    env = environ.get("SURVEY_ENV", "production").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"SURVEY_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}")

    language = environ.get("SURVEY_DEFAULT_LANGUAGE", "vi").strip().lower()
    if language not in LANGUAGES:
        raise ConfigError(
            f"SURVEY_DEFAULT_LANGUAGE={language!r} is not one of {', '.join(LANGUAGES)}"
        )

    secret_key = environ.get("SURVEY_SECRET_KEY", "")
    if not secret_key:
        if env == "production":
            raise ConfigError(
                "SURVEY_SECRET_KEY is not set; production refuses to start without one "
                '(generate one with: python -c "import secrets; print(secrets.token_hex(32))")'
            )
        # Development and tests get a per-process key: sessions simply do not survive a restart.
        secret_key = os.urandom(32).hex()
    elif env == "production" and len(secret_key) < 32:
        raise ConfigError("SURVEY_SECRET_KEY is too short; use at least 32 random characters")

    database_url = environ.get("SURVEY_DATABASE_URL", "").strip()
    if not database_url:
        database_url = "sqlite:///" + str(Path(instance_path) / "survey.sqlite3")
    database_url = normalise_database_url(database_url)
    if "://" not in database_url:
        raise ConfigError(
            f"SURVEY_DATABASE_URL={database_url!r} is not a database URL "
            "(expected e.g. postgresql+psycopg://user@host/db or sqlite:///path)"
        )

    public_url = environ.get("SURVEY_PUBLIC_URL", "").strip().rstrip("/")
    if public_url and not public_url.startswith(("http://", "https://")):
        raise ConfigError(f"SURVEY_PUBLIC_URL={public_url!r} must start with http:// or https://")

    secure = environ.get("SURVEY_SECURE_COOKIES", "1" if env == "production" else "0").strip()
    if secure not in ("0", "1"):
        raise ConfigError(f"SURVEY_SECURE_COOKIES={secure!r} must be 1 or 0")

    storage = environ.get("SURVEY_RATELIMIT_STORAGE_URL", "").strip()
    if not storage:
        if env == "production":
            # memory:// counts per worker process: four workers let four times the
            # limit through, so production says where the shared counters live.
            raise ConfigError(
                "SURVEY_RATELIMIT_STORAGE_URL is not set; production keeps rate-limit "
                "counters in Redis (e.g. redis://127.0.0.1:6379/0), or memory:// when the "
                "app runs as a single process"
            )
        storage = "memory://"
    if not storage.startswith(("memory://", "redis://", "rediss://")):
        raise ConfigError(
            f"SURVEY_RATELIMIT_STORAGE_URL={storage!r} must be memory:// or a redis:// URL"
        )
    limits = {
        name: _rate_limit(environ, name, default)
        for name, default in (
            ("SURVEY_RATE_LIMIT_CLIENT", "20/minute;200/hour"),
            ("SURVEY_RATE_LIMIT_POINT", "120/minute"),
            ("SURVEY_RATE_LIMIT_API", "600/minute"),
            ("SURVEY_RATE_LIMIT_API_GUESSES", "10/minute;50/hour"),
        )
    }
    proxies = _whole_number(environ, "SURVEY_TRUSTED_PROXIES", 0, 0, 5)
    idle = _whole_number(environ, "SURVEY_IDLE_TIMEOUT_MINUTES", 30, 1, 24 * 60)
    keying_days = _whole_number(environ, "SURVEY_PAPER_KEYING_DAYS", 30, 0, 366)
    point_cache = _whole_number(environ, "SURVEY_POINT_CACHE_SECONDS", 30, 0, 3600)
    jobs_url = environ.get("SURVEY_JOBS_URL", "").strip() or "sqlite:///" + str(
        Path(instance_path) / "jobs.sqlite3"
    )
    if not jobs_url.startswith(("sqlite:///", "redis://", "rediss://")):
        raise ConfigError(f"SURVEY_JOBS_URL={jobs_url!r} must be sqlite:///PATH or a redis:// URL")
    timezone = environ.get("SURVEY_TIMEZONE", "Asia/Ho_Chi_Minh").strip()
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except (ValueError, KeyError, OSError):
        raise ConfigError(
            f"SURVEY_TIMEZONE={timezone!r} is not a time zone; write e.g. Asia/Ho_Chi_Minh"
        ) from None

    return {
        "SURVEY_ENV": env,
        # The integration API (survey/dossiers/api.py): its OpenAPI document is served at
        # /api/v1/openapi.json. No documentation page: it would load scripts from a CDN.
        "API_TITLE": "SIPAS",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "RATELIMIT_STORAGE_URI": storage,
        # X-RateLimit-* headers would cost every survey post a second round trip to
        # the counters (the window's state); a refused post says Retry-After instead.
        "RATELIMIT_HEADERS_ENABLED": False,
        **limits,
        "SURVEY_TRUSTED_PROXIES": proxies,
        "SURVEY_IDLE_TIMEOUT_MINUTES": idle,
        "SURVEY_PAPER_KEYING_DAYS": keying_days,
        "SURVEY_POINT_CACHE_SECONDS": point_cache,
        "SURVEY_JOBS_URL": jobs_url,
        "SURVEY_PUBLIC_URL": public_url or None,
        "DEBUG": env == "development",
        "TESTING": env == "test",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": language,
        "BABEL_DEFAULT_TIMEZONE": timezone,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure == "1",
        # A citizen may take a while over a form; the token is tied to the session anyway.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure == "1",
        "SESSION_PROTECTION": "strong",
    }
