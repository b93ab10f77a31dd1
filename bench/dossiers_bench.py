"""Dossier records at a province's scale: import N records from a one-stop-shop CSV
export, import the same file again (every record unchanged), compute a year's
timeliness, and send records through the API in batches of 5,000 (new, then again).

    python bench/dossiers_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/scratch \\
        [--records 1000000] [--api-records 200000]

Point it at a scratch database: it migrates it and seeds the demo province if empty. The
last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _export(records: int, services: list[tuple[str, str]], seed: int = 2026) -> bytes:
    """A year of dossiers over the demo's services, land later than the rest."""
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, len(services), records)
    received = date(2025, 1, 1) + np.vectorize(lambda d: timedelta(days=int(d)))(
        rng.integers(0, 365, records)
    )
    allowed = rng.integers(3, 30, records)
    late = rng.random(records) < np.where(
        [services[i][1].startswith("DD") for i in chosen], 0.3, 0.08
    )
    taken = np.where(
        late,
        allowed + rng.integers(1, 40, records),
        rng.integers(0, 1, records) + (allowed * rng.random(records)).astype(int),
    )
    open_ = rng.random(records) < 0.03
    channels = np.array(["counter", "online", "post"])[rng.choice(3, records, p=[0.6, 0.35, 0.05])]
    lines = [
        "dossier_code,agency_code,service_code,channel,received_date,due_date,returned_date,result,phone"
    ]
    for i in range(records):
        agency, service = services[chosen[i]]
        got = received[i]
        due = got + timedelta(days=int(allowed[i]))
        back = "" if open_[i] else (got + timedelta(days=int(taken[i]))).isoformat()
        result = "" if open_[i] else "approved"
        lines.append(
            f"HS-{i:08d},{agency},{service},{channels[i]},{got.isoformat()},{due.isoformat()},{back},{result},"
        )
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--api-records", type=int, default=200_000)
    arguments = parser.parse_args()
    os.environ.update({"SURVEY_ENV": "development", "SURVEY_DATABASE_URL": arguments.database_url})
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from sqlalchemy import select

    from survey import create_app
    from survey.agencies.models import Agency, Service
    from survey.dossiers.importing import import_records
    from survey.dossiers.timeliness import timeliness
    from survey.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        runner.invoke(args=["demo", "seed", "--if-empty", "--responses", "0"])
        services = [
            (a, s)
            for a, s in db.session.execute(
                select(Agency.code, Service.code).join(Service, Service.agency_id == Agency.id)
            )
        ]
        started = time.perf_counter()
        data = _export(arguments.records, services)
        made = time.perf_counter() - started
        size = len(data) / 2**20
        print(f"export of {arguments.records:,} records made in {made:.1f} s ({size:.0f} MB)")
        figures = {"records": arguments.records, "database": db.engine.dialect.name}
        for label in ("first_import_s", "second_import_s"):
            started = time.perf_counter()
            outcome = import_records(data, actor="bench")
            db.session.commit()
            figures[label] = round(time.perf_counter() - started, 1)
            print(f"{label}: {figures[label]} s ({outcome})")
        started = time.perf_counter()
        lines = timeliness(date(2025, 1, 1), date(2025, 12, 31))
        figures["timeliness_s"] = round(time.perf_counter() - started, 2)
        figures["timeliness_lines"] = len(lines)
        print(f"timeliness of a year: {figures['timeliness_s']} s, {len(lines)} lines")
        figures.update(_api(app, services, arguments.api_records))
        from sqlalchemy import func

        from survey.dossiers.models import DossierRecord

        # What is there after both: a bench that stores nothing says so.
        figures["stored"] = db.session.scalar(select(func.count()).select_from(DossierRecord))
        print(json.dumps(figures))


def _api(app, services, records: int) -> dict:
    """Records per second through POST /api/v1/dossiers, 5,000 a call, over the app's
    WSGI stack in this process (JSON decoding, token, checks, upsert, audit): first new
    records, then the same batches again (every record unchanged)."""
    from survey.dossiers.api import MAX_BATCH
    from survey.extensions import db
    from survey.integrations import tokens

    _, secret = tokens.create("bench", "bench", actor="bench", user_id=None)
    db.session.commit()
    app.config["RATELIMIT_ENABLED"] = False
    client = app.test_client()
    today = date.today()
    batches = []
    for start in range(0, records, MAX_BATCH):
        batch = []
        for i in range(start, min(start + MAX_BATCH, records)):
            agency, service = services[i % len(services)]
            received = today - timedelta(days=20 + i % 200)
            batch.append(
                {
                    "dossier_code": f"API-{i:09d}",
                    "agency_code": agency,
                    "service_code": service,
                    "channel": "online",
                    "received_date": received.isoformat(),
                    "due_date": (received + timedelta(days=10)).isoformat(),
                    "returned_date": (received + timedelta(days=7 + i % 9)).isoformat(),
                    "result": "approved",
                    "phone": "0912345678",
                }
            )
        batches.append(json.dumps({"records": batch}))
    figures = {}
    for label in ("api_new_records_per_s", "api_unchanged_records_per_s"):
        started = time.perf_counter()
        for body in batches:
            response = client.post(
                "/api/v1/dossiers",
                data=body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {secret}"},
            )
            if response.status_code != 200:
                raise SystemExit(response.get_data(as_text=True)[:500])
        elapsed = time.perf_counter() - started
        figures[label] = round(records / elapsed)
        print(
            f"{label}: {figures[label]:,} ({len(batches)} calls of {MAX_BATCH} in {elapsed:.1f} s)"
        )
    return figures


if __name__ == "__main__":
    main()
