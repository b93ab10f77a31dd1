"""Throwaway databases for tests: an SQLite file, or a fresh schema in the PostgreSQL
named by SURVEY_TEST_DATABASE_URL, so runs never see each other's tables."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from survey.config import normalise_database_url


def postgres_url() -> str | None:
    url = os.environ.get("SURVEY_TEST_DATABASE_URL", "").strip()
    return normalise_database_url(url) if url else None


@contextmanager
def throwaway_database(directory: Path) -> Iterator[str]:
    """Yield the URL of an empty database, dropped afterwards."""
    server = postgres_url()
    if server is None:
        yield f"sqlite:///{directory / f'{uuid.uuid4().hex}.sqlite3'}"
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
