"""How long printing a batch of paper forms takes, and how much memory.

    python bench/paper_forms_bench.py --database-url sqlite:////tmp/forms.sqlite3
        --output forms.pdf [--forms 2000]

Seeds the demo province into an empty database (no responses), issues one batch of
`--forms` serials for Sở Xây dựng and prints it as one PDF. The last line printed is
one JSON object: {"forms", "pages", "seconds", "peak_rss_mb", "megabytes"}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--forms", type=int, default=2000)
    parser.add_argument("--output", required=True, help="where to write the PDF")
    options = parser.parse_args()
    os.environ.update({"SURVEY_ENV": "development", "SURVEY_DATABASE_URL": options.database_url})
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from sqlalchemy import select

    from survey import create_app
    from survey.agencies.models import Agency
    from survey.campaigns.models import Campaign
    from survey.demo.services import province_exists, seed
    from survey.extensions import db
    from survey.paper import issuing, printing

    app = create_app()
    with app.app_context():
        upgrade()
        if not province_exists():
            seed(responses=0, seed=1)
            db.session.commit()
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
        agency = db.session.scalar(select(Agency).where(Agency.code == "SXD"))
        batch = issuing.create_batch(campaign, agency, options.forms, actor="bench", user_id=None)
        db.session.commit()
        with app.test_request_context():
            started = time.perf_counter()
            pdf = printing.forms_pdf(batch)
            seconds = time.perf_counter() - started
        db.session.rollback()
    Path(options.output).write_bytes(pdf)
    import pikepdf

    with pikepdf.open(options.output) as written:
        pages = len(written.pages)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{options.forms} forms, {pages} pages in {seconds:.1f} s; peak RSS {peak:.0f} MB")
    print(
        json.dumps(
            {
                "forms": options.forms,
                "pages": pages,
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(peak),
                "megabytes": round(len(pdf) / 2**20, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
