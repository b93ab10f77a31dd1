"""Time the PDF reports of the demo province (targets: province < 15 s, agency < 3 s).

    python bench/report_bench.py --database-url sqlite:////tmp/reports.sqlite3

The database is migrated, seeded with --responses demo submissions unless it already
holds the demo campaign, and analysed; then each report is rendered from scratch (the
cache is bypassed) and timed. Prints one line per figure and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--language", choices=["vi", "en"], default="vi")
    args = parser.parse_args()
    os.environ.update({"SURVEY_ENV": "development", "SURVEY_DATABASE_URL": args.database_url})

    from flask_migrate import upgrade
    from sqlalchemy import select

    from survey.app import create_app
    from survey.campaigns.models import Campaign
    from survey.extensions import db
    from survey.pdf import html_to_pdf
    from survey.reports import render
    from survey.runs.services import run

    app = create_app()
    app.instance_path = tempfile.mkdtemp(prefix="report-bench-")
    with app.app_context(), app.test_request_context():
        upgrade()
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
        if campaign is None:
            result = app.test_cli_runner().invoke(
                args=["demo", "seed", "--responses", str(args.responses)]
            )
            if result.exit_code != 0:
                raise SystemExit(result.output)
            campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
        analysed = run(campaign, actor="bench")
        db.session.commit()
        print(f"run {analysed.id}: {analysed.screening['used']:,} submissions")

        started = time.perf_counter()
        pdf = html_to_pdf(render.province_html(campaign, analysed, args.language))
        province = time.perf_counter() - started
        print(f"province report: {province:.2f} s, {len(pdf) / 1024:.0f} KiB")

        times = []
        for agency in campaign.agencies:
            started = time.perf_counter()
            html_to_pdf(render.agency_html(campaign, agency, analysed, args.language))
            times.append(time.perf_counter() - started)
        print(
            f"agency reports: {len(times)}, median {statistics.median(times):.2f} s, "
            f"slowest {max(times):.2f} s"
        )
        started = time.perf_counter()
        render.province_pdf(campaign, analysed, args.language)
        render.province_pdf(campaign, analysed, args.language)
        cached = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "submissions": analysed.screening["used"],
                    "province_s": round(province, 2),
                    "agency_median_s": round(statistics.median(times), 2),
                    "agency_max_s": round(max(times), 2),
                    "province_first_and_cached_s": round(cached, 2),
                }
            )
        )


if __name__ == "__main__":
    main()
