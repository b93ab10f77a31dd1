"""Configuration from `SURVEY_*` environment variables, read only when an app is created."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "SURVEY_"
ENVIRONMENTS = ("production", "development", "test")
LANGUAGES = ("vi", "en")


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


def normalise_database_url(url: str) -> str:
    """Route plain PostgreSQL URLs through psycopg 3, the only driver we install."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


@dataclass(frozen=True)
class Given:
    """What a setting's reader knows besides its own text."""

    env: str
    instance_path: Path


@dataclass(frozen=True)
class Setting:
    """One `SURVEY_*` variable: what it means and its default as the README's
    configuration table says them (`markdown_table` writes that table), and how its text
    becomes a value (raising ConfigError that names it)."""

    name: str
    meaning: str
    default: str
    read: Callable[[str, Given], Any]


def _env(text: str, given: Given) -> str:
    env = text.strip().lower() or "production"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"SURVEY_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}")
    return env


def _secret_key(text: str, given: Given) -> str:
    if not text:
        if given.env == "production":
            raise ConfigError(
                "SURVEY_SECRET_KEY is not set; production refuses to start without one "
                '(generate one with: python -c "import secrets; print(secrets.token_hex(32))")'
            )
        # Development and tests get a per-process key: sessions do not survive a restart.
        return os.urandom(32).hex()
    if given.env == "production" and len(text) < 32:
        raise ConfigError("SURVEY_SECRET_KEY is too short; use at least 32 random characters")
    return text


def _database_url(text: str, given: Given) -> str:
    url = text.strip() or "sqlite:///" + str(given.instance_path / "survey.sqlite3")
    url = normalise_database_url(url)
    if "://" not in url:
        raise ConfigError(
            f"SURVEY_DATABASE_URL={url!r} is not a database URL "
            "(expected e.g. postgresql+psycopg://user@host/db or sqlite:///path)"
        )
    return url


def _language(text: str, given: Given) -> str:
    language = text.strip().lower() or "vi"
    if language not in LANGUAGES:
        raise ConfigError(
            f"SURVEY_DEFAULT_LANGUAGE={language!r} is not one of {', '.join(LANGUAGES)}"
        )
    return language


def _public_url(text: str, given: Given) -> str | None:
    url = text.strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"SURVEY_PUBLIC_URL={url!r} must start with http:// or https://")
    return url or None


def _storage(text: str, given: Given) -> str:
    storage = text.strip()
    if not storage:
        if given.env == "production":
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
    return storage


def _rate_limit(name: str, default: str) -> Callable[[str, Given], str]:
    """A limit string Flask-Limiter understands; a malformed one would silently mean
    "no limit", so it stops the start instead."""

    def read(text: str, given: Given) -> str:
        from limits import parse_many

        value = text.strip() or default
        try:
            if not parse_many(value):
                raise ValueError
        except ValueError:
            raise ConfigError(
                f"{name}={value!r} is not a rate limit; write e.g. 20/minute;200/hour"
            ) from None
        return value

    return read


def _whole_number(name: str, default: int, low: int, high: int) -> Callable[[str, Given], int]:
    def read(text: str, given: Given) -> int:
        from survey.inputs import whole_number

        text = text.strip()
        if not text:
            return default
        number = whole_number(text, maximum=high)
        if number is None or number < low:
            raise ConfigError(f"{name}={text!r} must be a whole number from {low} to {high}")
        return number

    return read


def _secure_cookies(text: str, given: Given) -> bool:
    secure = text.strip() or ("1" if given.env == "production" else "0")
    if secure not in ("0", "1"):
        raise ConfigError(f"SURVEY_SECURE_COOKIES={secure!r} must be 1 or 0")
    return secure == "1"


def _jobs_url(text: str, given: Given) -> str:
    url = text.strip() or "sqlite:///" + str(given.instance_path / "jobs.sqlite3")
    if not url.startswith(("sqlite:///", "redis://", "rediss://")):
        raise ConfigError(f"SURVEY_JOBS_URL={url!r} must be sqlite:///PATH or a redis:// URL")
    return url


def _timezone(text: str, given: Given) -> str:
    from zoneinfo import ZoneInfo

    timezone = text.strip() or "Asia/Ho_Chi_Minh"
    try:
        ZoneInfo(timezone)
    except (ValueError, KeyError, OSError):
        raise ConfigError(
            f"SURVEY_TIMEZONE={timezone!r} is not a time zone; write e.g. Asia/Ho_Chi_Minh"
        ) from None
    return timezone


def _limit(name: str, default: str, meaning: str) -> Setting:
    return Setting(name, meaning, f"`{default}`", _rate_limit(name, default))


# Every setting, in the README's order. SURVEY_ENV comes first: other defaults follow it.
SETTINGS = (
    Setting("SURVEY_ENV", "`production`, `development` or `test`", "`production`", _env),
    Setting(
        "SURVEY_SECRET_KEY",
        "signs sessions and CSRF tokens; production refuses to start without one (32+ characters)",
        "random per process outside production",
        _secret_key,
    ),
    Setting(
        "SURVEY_DATABASE_URL",
        "SQLAlchemy URL; `postgresql://...` is routed through psycopg 3",
        "`sqlite:///instance/survey.sqlite3`",
        _database_url,
    ),
    Setting("SURVEY_DEFAULT_LANGUAGE", "`vi` or `en`", "`vi`", _language),
    Setting(
        "SURVEY_PUBLIC_URL",
        "the address citizens reach, printed on QR posters and survey links",
        "the address of the request",
        _public_url,
    ),
    Setting(
        "SURVEY_RATELIMIT_STORAGE_URL",
        "where rate-limit counters live: `redis://127.0.0.1:6379/0` shared by every worker, "
        "or `memory://` (per process: only for a single process)",
        "required in production; `memory://` otherwise",
        _storage,
    ),
    _limit(
        "SURVEY_RATE_LIMIT_CLIENT",
        "20/minute;200/hour",
        "survey posts per client; a malformed limit stops the start",
    ),
    _limit("SURVEY_RATE_LIMIT_POINT", "120/minute", "survey posts per service point"),
    _limit(
        "SURVEY_RATE_LIMIT_API",
        "600/minute",
        "integration API calls per token (each call carries up to 5,000 records)",
    ),
    _limit(
        "SURVEY_RATE_LIMIT_API_GUESSES",
        "10/minute;50/hour",
        "integration API calls refused for a bad or missing token, per client address "
        "(token guessing)",
    ),
    Setting(
        "SURVEY_TRUSTED_PROXIES",
        "how many reverse proxies stand in front of the app (their `X-Forwarded-For/-Proto/"
        "-Host` are believed for that many hops; without it every citizen behind the proxy "
        "shares one address)",
        "`0`",
        _whole_number("SURVEY_TRUSTED_PROXIES", 0, 0, 5),
    ),
    Setting(
        "SURVEY_IDLE_TIMEOUT_MINUTES",
        "staff sessions end after this many minutes without a request",
        "`30`",
        _whole_number("SURVEY_IDLE_TIMEOUT_MINUTES", 30, 1, 24 * 60),
    ),
    Setting(
        "SURVEY_PAPER_KEYING_DAYS",
        "paper forms may still be keyed this many days after a campaign's last day",
        "`30`",
        _whole_number("SURVEY_PAPER_KEYING_DAYS", 30, 0, 366),
    ),
    Setting(
        "SURVEY_POINT_CACHE_SECONDS",
        "how long a worker keeps what a QR code leads to (point, agency, open campaigns, "
        "services) in memory; whether an answer is stored is always decided by the INSERT "
        "(campaign open, point active)",
        "`30`",
        _whole_number("SURVEY_POINT_CACHE_SECONDS", 30, 0, 3600),
    ),
    Setting(
        "SURVEY_SECURE_COOKIES",
        "cookies over HTTPS only (`1`/`0`)",
        "`1` in production",
        _secure_cookies,
    ),
    Setting(
        "SURVEY_JOBS_URL",
        "where queued jobs wait for workers: an SQLite file (one machine) or "
        "`redis://host:6379/2` (workers on several machines)",
        "`sqlite:///instance/jobs.sqlite3`",
        _jobs_url,
    ),
    Setting(
        "SURVEY_TIMEZONE",
        "the province's time zone: times are stored in UTC and shown (zone named), exported "
        "and checked against campaign periods in it",
        "`Asia/Ho_Chi_Minh`",
        _timezone,
    ),
)
VARIABLES = {setting.name: setting for setting in SETTINGS}


def markdown_table() -> str:
    """The README's configuration table, from the declarations above."""
    lines = ["| variable | meaning | default |", "|---|---|---|"]
    lines += [f"| `{s.name}` | {s.meaning} | {s.default} |" for s in SETTINGS]
    return "\n".join(lines) + "\n"


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
    given = Given(_env(environ.get("SURVEY_ENV", ""), None), Path(instance_path))
    value = {s.name: s.read(environ.get(s.name, ""), given) for s in SETTINGS}
    env, secure = value["SURVEY_ENV"], value["SURVEY_SECURE_COOKIES"]
    return {
        "SURVEY_ENV": env,
        # The integration API (survey/dossiers/api.py): its OpenAPI document is served at
        # /api/v1/openapi.json. No documentation page: it would load scripts from a CDN.
        "API_TITLE": "SIPAS",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "RATELIMIT_STORAGE_URI": value["SURVEY_RATELIMIT_STORAGE_URL"],
        # X-RateLimit-* headers would cost every survey post a second round trip to
        # the counters (the window's state); a refused post says Retry-After instead.
        "RATELIMIT_HEADERS_ENABLED": False,
        **{
            name: value[name]
            for name in (
                "SURVEY_RATE_LIMIT_CLIENT",
                "SURVEY_RATE_LIMIT_POINT",
                "SURVEY_RATE_LIMIT_API",
                "SURVEY_RATE_LIMIT_API_GUESSES",
                "SURVEY_TRUSTED_PROXIES",
                "SURVEY_IDLE_TIMEOUT_MINUTES",
                "SURVEY_PAPER_KEYING_DAYS",
                "SURVEY_POINT_CACHE_SECONDS",
                "SURVEY_JOBS_URL",
                "SURVEY_PUBLIC_URL",
            )
        },
        "DEBUG": env == "development",
        "TESTING": env == "test",
        "SECRET_KEY": value["SURVEY_SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": value["SURVEY_DATABASE_URL"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": value["SURVEY_DEFAULT_LANGUAGE"],
        "BABEL_DEFAULT_TIMEZONE": value["SURVEY_TIMEZONE"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        # A citizen may take a while over a form; the token is tied to the session anyway.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": secure,
        "SESSION_PROTECTION": "strong",
    }
