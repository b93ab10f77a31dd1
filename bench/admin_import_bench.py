"""Administrators' CSV imports at size: N service rows, valid (then the same file again:
every row an update), and N bad rows (refused, with the first problems named).

    python bench/admin_import_bench.py [--rows 100000] [--database-url URL]

Without --database-url it works in a temporary SQLite file; a database given must be
empty (createdb bench_import). Through the real import page
(HTTP, as an administrator). The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = "agency_code,field_code,code,name_vi,name_en,active\n"


def services_csv(rows: int, *, bad: bool = False) -> bytes:
    lines = [HEADER]
    for i in range(rows):
        agency = "NOPE" if bad else "SXD"
        lines.append(f"{agency},XD,DV-{i:06d},Thủ tục {i},Procedure {i},true\n")
    return "".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.update(
        SURVEY_ENV="development",
        SURVEY_DATABASE_URL=url,
        SURVEY_SECRET_KEY="bench-bench-bench-bench-bench-bench-1",
        SURVEY_JOBS_URL=f"sqlite:///{scratch}/jobs.sqlite3",
    )
    from flask_migrate import upgrade

    from survey.app import create_app
    from survey.extensions import db
    from survey.users.services import create_user

    app = create_app()
    app.config.update(WTF_CSRF_ENABLED=False, PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    with app.app_context():
        upgrade()
        from sqlalchemy import select

        from survey.agencies.models import Agency, RankingGroup, ServiceField

        if db.session.scalar(select(Agency.id).limit(1)) is not None:
            sys.exit(f"{url} already holds agencies: give the bench an empty database")
        if db.session.get(RankingGroup, 1) is None:
            db.session.add(RankingGroup(code="departments", name_vi="Sở", name_en="Departments"))
        db.session.add(
            Agency(
                code="SXD", name_vi="Sở Xây dựng", name_en="Construction", kind="department",
                ranking_group="departments",
            )
        )  # fmt: skip
        db.session.add(ServiceField(code="XD", name_vi="Xây dựng", name_en="Construction"))
        create_user(username="bench.admin", role="admin", password="bench admin pass 1", actor="b")
        db.session.commit()
    client = app.test_client()
    client.post("/sign-in", data={"login": "bench.admin", "password": "bench admin pass 1"})

    def upload(data: bytes):
        started = time.perf_counter()
        response = client.post(
            "/admin/services/import",
            data={"file": (io.BytesIO(data), "services.csv")},
            content_type="multipart/form-data",
        )
        return time.perf_counter() - started, response

    figures = {"rows": args.rows}
    seconds, response = upload(services_csv(args.rows, bad=True))
    figures["bad_rows_seconds"] = round(seconds, 2)
    figures["bad_rows_status"] = response.status_code
    figures["bad_rows_page_bytes"] = len(response.get_data())
    valid = services_csv(args.rows)
    figures["file_bytes"] = len(valid)
    seconds, response = upload(valid)
    figures["created_seconds"] = round(seconds, 2)
    figures["created_status"] = response.status_code
    seconds, response = upload(valid)
    figures["updated_seconds"] = round(seconds, 2)
    figures["updated_status"] = response.status_code
    with app.app_context():
        from sqlalchemy import func, select

        from survey.agencies.models import Service

        figures["services"] = db.session.scalar(select(func.count()).select_from(Service))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
