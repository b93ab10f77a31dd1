"""Do the survey's rate limits hold with several gunicorn workers?

    python bench/rate_limits.py --database-url sqlite:////tmp/rl.sqlite3
        [--storage redis://127.0.0.1:6379/1] [--workers 4] [--posts 120] [--limit 20/minute]

One client fetches a service point's survey and posts complete answers `--posts` times
as fast as it can, against gunicorn with `--workers` processes whose limit per client is
`--limit`. With counters in Redis every worker counts against the same limit; with
memory:// each worker keeps its own. The last line printed is one JSON object:
`{"storage", "workers", "limit", "posts", "stored", "refused"}`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_submit import FORM, _answers, _env, _fields, _gunicorn, _prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--storage", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--posts", type=int, default=120)
    parser.add_argument("--limit", default="20/minute")
    parser.add_argument("--port", type=int, default=8766)
    options = parser.parse_args()
    if options.storage.startswith("redis"):
        import redis

        redis.Redis.from_url(options.storage).flushdb()
    _prepare(options.database_url)
    env = {
        **_env(options.database_url),
        "SURVEY_RATELIMIT_STORAGE_URL": options.storage,
        "SURVEY_RATE_LIMIT_CLIENT": options.limit,
    }
    server = _gunicorn("wsgi:app", options.workers, options.port, env)
    statuses: dict[int, int] = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{options.port}", timeout=30) as client:
            for _ in range(options.posts):
                client.cookies.clear()  # another respondent, the same address
                page = client.get(f"{FORM}?all=1").text
                body = {**_answers(), **_fields(page)}
                status = client.post(FORM, data=body).status_code
                statuses[status] = statuses.get(status, 0) + 1
    finally:
        server.terminate()
        server.wait()
    print(f"statuses: {statuses}")
    print(
        json.dumps(
            {
                "storage": options.storage,
                "workers": options.workers,
                "limit": options.limit,
                "posts": options.posts,
                "stored": statuses.get(303, 0),
                "refused": statuses.get(429, 0),
            }
        )
    )


if __name__ == "__main__":
    main()
