"""The job queue: Huey, with its storage in an SQLite file by default (nothing to set up)
or in Redis (SURVEY_JOBS_URL=redis://...) so that workers can run on several machines.

Each app builds its own Huey from its configuration and registers the tasks on it
(survey/app.py: tasks.register, so that this module imports none of what the tasks do);
a worker (`flask --app wsgi jobs worker`) is an app that consumes the same storage.
"""

from __future__ import annotations

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey


def make_huey(app: Flask) -> Huey:
    url = app.config["SURVEY_JOBS_URL"]
    if app.config.get("SURVEY_JOBS_IMMEDIATE"):
        # Tests: a task runs at once, in the request that asks for it.
        huey = MemoryHuey("survey", immediate=True)
    elif url.startswith(("redis://", "rediss://")):
        huey = RedisHuey("survey", url=url)
    else:
        huey = SqliteHuey("survey", filename=url.removeprefix("sqlite:///"))
    return huey


def huey() -> Huey:
    return current_app.extensions["huey"]
