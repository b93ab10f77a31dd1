"""The application factory: a short list of named steps."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, render_template, request, session
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from survey import transactions
from survey.config import LANGUAGES, load_config
from survey.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def create_app(
    test_config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Flask:
    """Create the app from `SURVEY_*` variables (of `environ`, default the process's),
    then apply `test_config` on top."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    environ = dict(os.environ if environ is None else environ)
    if test_config is not None:
        environ.setdefault("SURVEY_ENV", "test")
    app.config.update(load_config(environ, app.instance_path))
    if test_config is not None:
        app.config.update(test_config)

    # Audit values and exports are Vietnamese: keep them readable.
    app.json.ensure_ascii = False
    from survey.inputs import IdConverter

    # Before any route is added: ids in URLs stay within the database's integer range.
    app.url_map.converters["int"] = IdConverter
    # Before the extensions: the job queue schedules the packages' periodic work.
    register_job_kinds()
    register_run_snapshots()
    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def select_locale() -> str:
    """Pick the language: an explicit ?lang= choice (remembered), else the configured default."""
    from flask import current_app, has_request_context

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        # Systems calling the API have no session: they ask in Accept-Language.
        return (
            request.accept_languages.best_match(LANGUAGES)
            or current_app.config["BABEL_DEFAULT_LOCALE"]
        )
    choice = request.args.get("lang")
    if choice in LANGUAGES:
        session["lang"] = choice
        return choice
    remembered = session.get("lang")
    if remembered in LANGUAGES:
        return remembered
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    # Importing the models registers every table on the metadata before Alembic looks at it.
    import survey.models  # noqa: F401

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    register_read_only_requests(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "users.sign_in"
    login_manager.login_message = None

    from survey.users.sessions import load_user

    login_manager.user_loader(load_user)

    from survey.jobs import tasks
    from survey.jobs.queue import make_huey

    app.extensions["huey"] = huey = make_huey(app)
    tasks.register(huey, app)


def configure_sqlite(engine) -> None:
    """Make SQLite enforce foreign keys, honour SAVEPOINTs and serialise writers safely.

    pysqlite opens transactions lazily behind SQLAlchemy's back, which breaks nested
    transactions; the recipe from SQLAlchemy's SQLite notes hands control back to it.
    Transactions begin IMMEDIATE, except where the code says it only reads
    (survey/transactions.py): a deferred one that reads and then writes can fail at once
    with "database is locked" when another writer is active, whereas an immediate one
    waits its turn (up to the busy timeout); a deferred reader never waits at all.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql(transactions.begin_statement())


def register_read_only_requests(app: Flask) -> None:
    """Requests with a safe method read without the write lock (survey/transactions.py):
    a page never waits for the job worker. A GET that has to write after all and finds
    the lock taken is run once more, writing from the start (GETs are idempotent)."""
    from flask import current_app, g
    from sqlalchemy.exc import OperationalError

    def start():
        if request.method in transactions.SAFE_METHODS:
            g.reading = transactions.reading()
            g.reading.__enter__()

    def finish(_error=None):
        reading = g.pop("reading", None)
        if reading is not None:
            reading.__exit__(None, None, None)

    def once_more(error: OperationalError):
        if "reading" not in g or not transactions.is_lock_error(error) or request.url_rule is None:
            raise error
        finish()
        db.session.rollback()
        with transactions.writing():
            view = current_app.view_functions[request.endpoint]
            return current_app.make_response(view(**(request.view_args or {})))

    # First of all hooks: nothing may begin a transaction before the mode is set.
    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.teardown_request(finish)
    app.register_error_handler(OperationalError, once_more)


def register_job_kinds() -> None:
    """Each package's long work, so that workers and job pages know it (survey/jobs)."""
    from survey.audit.views import AUDIT_EXPORT
    from survey.campaigns.jobs import INVITATIONS_EXPORT
    from survey.campaigns.services import CLOSE_ENDED
    from survey.dossiers.retention import ERASE_PHONES
    from survey.households.retention import ERASE_LISTINGS
    from survey.jobs.kinds import register
    from survey.paper.jobs import PAPER_FORMS
    from survey.recommendations.services import ERASE_CONTACTS
    from survey.reports.jobs import AGENCY_REPORTS, REPORT_PDF, RESPONSES_EXPORT, RUN_DATA_EXPORT
    from survey.responses.steps import PURGE_DRAFTS
    from survey.runs.jobs import ANALYSIS_RUN

    register(ANALYSIS_RUN, AGENCY_REPORTS, REPORT_PDF, PAPER_FORMS, AUDIT_EXPORT)
    register(RESPONSES_EXPORT, INVITATIONS_EXPORT, RUN_DATA_EXPORT)
    register(CLOSE_ENDED, PURGE_DRAFTS, ERASE_PHONES, ERASE_CONTACTS, ERASE_LISTINGS)


def register_run_snapshots() -> None:
    """What each run records beside its estimates, by the package whose figures they are
    (survey/runs/snapshots.py): a run's pages and reports then read the run alone."""
    from survey.campaigns import response_rates
    from survey.dossiers import timeliness
    from survey.recommendations import figures as recommendations
    from survey.reform import recorded
    from survey.runs import snapshots

    snapshots.register("timeliness", timeliness.run_record)
    snapshots.register("response_rates", response_rates.run_record)
    snapshots.register("league", recorded.run_record)
    snapshots.register("recommendations", recommendations.run_record)


def register_blueprints(app: Flask) -> None:
    from survey.admin.views import blueprints as admin_blueprints
    from survey.agencies.views import blueprint as points
    from survey.audit.views import blueprint as audit
    from survey.campaign_pages import blueprint as campaigns
    from survey.campaigns.services import point_survey_note

    # The dashboard's routes are in three modules on one blueprint.
    from survey.dashboard import downloads as _downloads  # noqa: F401
    from survey.dashboard import points as _points  # noqa: F401
    from survey.dashboard import views as _views  # noqa: F401
    from survey.dashboard.common import blueprint as dashboard
    from survey.dossiers.views import blueprint as dossiers
    from survey.field.views import blueprint as field
    from survey.integrations.views import blueprint as integrations
    from survey.jobs.views import blueprint as jobs
    from survey.main.views import blueprint as main
    from survey.paper.pages import blueprint as paper
    from survey.questionnaires.admin import blueprint as questionnaire_admin
    from survey.questionnaires.views import blueprint as questionnaires
    from survey.recommendations.public import blueprint as recommend
    from survey.recommendations.views import blueprint as recommendations
    from survey.responses.public import blueprint as respond
    from survey.runs.review import blueprint as submissions
    from survey.users.views import blueprint as users

    for blueprint in (
        main,
        questionnaires,
        respond,
        recommend,
        recommendations,
        field,
        users,
        points,
        questionnaire_admin,
        campaigns,
        submissions,
        audit,
        dashboard,
        paper,
        jobs,
        dossiers,
        integrations,
        # A saved service point is checked against the campaigns (a layer above admin).
        *admin_blueprints(saved_notes={"service-points": point_survey_note}),
    ):
        app.register_blueprint(blueprint)
    from survey.dossiers.api import register as register_api

    register_api(app)


# No inline scripts or styles anywhere: the policy can forbid them outright.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def register_security(app: Flask) -> None:
    from survey.permissions import check_declared
    from survey.privacy import keep_survey_visitors_out_of_logs

    keep_survey_visitors_out_of_logs(app.logger)
    app.before_request(refuse_nul_bytes)
    proxies = app.config.get("SURVEY_TRUSTED_PROXIES", 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind a proxy every request comes from the proxy's address: without this,
        # all citizens would share one rate-limit counter and one client hash. Only as
        # many hops as configured are believed, so a client cannot forge its address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(check_declared)

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # Survey links carry single-use tokens: never leak them to another site.
        headers.setdefault("Referrer-Policy", "no-referrer")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            headers.setdefault("Cache-Control", "no-store")
        return response


def refuse_nul_bytes():
    """A NUL byte is never meaningful input, and PostgreSQL refuses it in text: answer
    400 before anything reaches the database."""
    from flask import abort

    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH"):
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400)


def register_errorhandlers(app: Flask) -> None:
    def render_error(error: HTTPException):
        if request.path.startswith("/api/"):
            # JSON with the message and errors the API gave (these code handlers come
            # before the blueprint's), and outside the API's routes too (an unknown path).
            from survey.dossiers.api import json_error

            return json_error(error)
        page = render_template("errors/error.html", error=error)
        if error.code == 429:
            # The limits count per minute; rate-limit headers are off (config.py).
            return page, 429, {"Retry-After": "60"}
        return page, error.code

    for code in (400, 403, 404, 405, 410, 413, 429, 500):
        app.register_error_handler(code, render_error)


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from survey.i18n import localized

    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "vi")
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.filters["localized"] = localized
    # What people read of a named record (agency, campaign, group, field, service): its
    # name in the page's language, never its code.
    from survey.i18n import named

    app.jinja_env.filters["name"] = lambda record: named(record) if record is not None else "—"
    from survey.questionnaires.wording import numbering, skip_instruction

    # The questionnaire in words, as on paper: item numbers and skip rules.
    app.jinja_env.globals["question_numbers"] = numbering
    app.jinja_env.globals["skip_instruction"] = skip_instruction
    from survey.local_time import shown

    # Stored times are UTC: every one is shown in the province's zone, zone named.
    app.jinja_env.filters["local_time"] = shown
    # Calendar days as Vietnamese forms write them (the English pages too: 05/03/2026).
    app.jinja_env.filters["day"] = lambda day: day.strftime("%d/%m/%Y") if day else "—"
    from survey.i18n import count, decimal, number

    # Numbers as the page's language writes them (96,04 and 2.276 in Vietnamese), the
    # same formatter as the reports and charts.
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["count"] = count
    app.jinja_env.filters["number"] = number
    from survey.dashboard.filters import entry_flag

    app.jinja_env.filters["flag_of"] = entry_flag
    from survey import verdicts

    # Each statistic in a plain sentence before its figures (survey/verdicts.py).
    app.jinja_env.globals["verdicts"] = verdicts

    from survey.labels import code_label, precision_reason, weighting_cell

    app.jinja_env.globals["code_label"] = code_label
    app.jinja_env.filters["agency_name"] = lambda code: code_label("agency", code)
    app.jinja_env.globals["weighting_cell"] = weighting_cell
    app.jinja_env.globals["precision_reason"] = precision_reason

    from survey.permissions import can

    app.jinja_env.globals["can"] = can

    from survey.web import ConfirmForm

    app.jinja_env.globals["ConfirmForm"] = ConfirmForm


def register_commands(app: Flask) -> None:
    from survey.campaigns.cli import invitations_cli, points_cli
    from survey.campaigns.erasure import privacy_cli
    from survey.demo.cli import demo_cli
    from survey.dossiers.cli import dossiers_cli
    from survey.households.cli import households_cli
    from survey.jobs.cli import jobs_cli
    from survey.paper.cli import paper_cli
    from survey.questionnaires.cli import questionnaires_cli
    from survey.recommendations.cli import recommendations_cli
    from survey.reform.cli import reform_cli
    from survey.reports.cli import export_cli, reports_cli
    from survey.runs.cli import analysis_cli
    from survey.users.cli import users_cli

    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(invitations_cli)
    app.cli.add_command(reform_cli)
    app.cli.add_command(paper_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(points_cli)
    app.cli.add_command(analysis_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(dossiers_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(recommendations_cli)
    app.cli.add_command(households_cli)
