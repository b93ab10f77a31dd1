"""The API the province's one-stop-shop system calls: dossier records in batches of up to
5,000, JSON in and out, described by the OpenAPI document at /api/v1/openapi.json.

Each call shows an integration token (`Authorization: Bearer sks_…`), created and
revoked by administrators (survey/integrations). A batch is all or nothing: any bad
record refuses the whole batch with every problem named by the record's index, and
nothing is stored. Records are upserted by dossier code, so sending a batch twice
changes nothing the second time. Phones come in (for survey invitations) and never go
out. Every call with a valid token is audited; calls are rate-limited per token.
"""

from __future__ import annotations

import json

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from survey.audit import services as audit
from survey.dossiers import importing
from survey.dossiers.importing import check_records, write_records
from survey.dossiers.models import DOSSIER_CHANNELS, DOSSIER_RESULTS, DossierRecord
from survey.extensions import db, keyed, limiter
from survey.integrations import tokens
from survey.permissions import integration, public
from survey.questionnaires.models import RESPONDENT_TYPES

MAX_BATCH = 5_000
# A record's fields are the CSV export's columns.
TEXT_FIELDS = (*importing.COLUMNS, *importing.OPTIONAL)


class QuietApi(Api):
    """flask-smorest answers errors in JSON for the whole application; here only the API's
    blueprint does (the staff and survey pages keep their HTML error pages)."""

    def _register_error_handlers(self):
        pass


SPEC = {
    "info": {
        "description": "Dossier records from the province's one-stop-shop system. "
        "Authenticate with an integration token: Authorization: Bearer sks_…"
    }
}


class DossierSchema(Schema):
    dossier_code = fields.String(
        required=True, validate=validate.Length(1, 64), metadata={"example": "H56.26-000123"}
    )
    agency_code = fields.String(required=True, metadata={"example": "STNMT"})
    service_code = fields.String(
        required=True,
        metadata={
            "description": "The service (thủ tục) within the agency; it gives the service field."
        },
    )
    channel = fields.String(required=True, validate=validate.OneOf(DOSSIER_CHANNELS))
    received_date = fields.Date(required=True)
    due_date = fields.Date(required=True)
    returned_date = fields.Date(
        allow_none=True, metadata={"description": "Empty while the dossier is in process."}
    )
    result = fields.String(allow_none=True, validate=validate.OneOf(DOSSIER_RESULTS))
    phone = fields.String(
        allow_none=True,
        load_only=True,
        metadata={"description": "For survey invitations; never returned by the API."},
    )
    applicant_type = fields.String(
        load_default="citizen",
        validate=validate.OneOf(RESPONDENT_TYPES),
        metadata={
            "description": "On whose behalf the dossier was filed: the form its applicant "
            "is invited to answer. Citizen when absent."
        },
    )


class RecordList(fields.List):
    """A list of records, documented as DossierSchema objects but read as plain objects:
    each record is checked by the same code as a CSV row (importing.read_record), which
    names every problem by index and is several times faster than a schema per record."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError(_("records must be a list of objects"))
        if not 1 <= len(value) <= MAX_BATCH:
            raise ValidationError(
                _(
                    "a call carries 1 to %(most)s records; this one has %(count)s",
                    most=MAX_BATCH,
                    count=len(value),
                )
            )
        return value


class BatchSchema(Schema):
    records = RecordList(fields.Nested(DossierSchema), required=True)


class ImportedSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()


class RecordSchema(Schema):
    dossier_code = fields.String()
    agency_code = fields.String()
    service_code = fields.String()
    channel = fields.String()
    received_date = fields.Date()
    due_date = fields.Date()
    returned_date = fields.Date(allow_none=True)
    result = fields.String(allow_none=True)
    applicant_type = fields.String()


blueprint = Blueprint(
    "api_dossiers",
    __name__,
    url_prefix="/api/v1",
    description="Dossier records from the one-stop-shop system",
)


def _token_key() -> str:
    # Counted per token (a keyed hash, so the limiter's storage never holds a secret);
    # calls without one share their address's counter.
    header = request.headers.get("Authorization", "")
    if header:
        return keyed("api", header)
    return keyed("api-anonymous", request.remote_addr or "")


limiter.limit(lambda: current_app.config["SURVEY_RATE_LIMIT_API"], key_func=_token_key)(blueprint)
# Guessing tokens: every guess is a new token, so refused calls are also counted per
# client address, and only they are.
limiter.limit(
    lambda: current_app.config["SURVEY_RATE_LIMIT_API_GUESSES"],
    key_func=lambda: keyed("api-refused", request.remote_addr or ""),
    deduct_when=lambda response: response.status_code == 401,
)(blueprint)


@blueprint.before_request
def _check_token():
    token = tokens.authenticate(request.headers.get("Authorization"))
    if token is None:
        abort(
            401,
            message=_("An active integration token is required: Authorization: Bearer sks_…"),
            headers={"WWW-Authenticate": "Bearer"},
        )
    g.integration_token = token
    if request.method == "POST":
        _check_json(request.get_data(cache=True))


def _bounded_int(text: str) -> int:
    if len(text) > 100:  # a record holds text; this only keeps int() from choking
        raise ValueError("integer too long")
    return int(text)


def _check_json(body: bytes) -> None:
    """Refuse what the JSON reader would choke on, before it does: nesting past Python's
    recursion limit, integers of thousands of digits, lone surrogates (no UTF-8 reply
    could quote them), infinities. A clear 400 rather than a 500."""
    try:
        parsed = json.loads(
            body or b"null",
            parse_int=_bounded_int,
            parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)),
        )
        json.dumps(parsed, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (RecursionError, ValueError, UnicodeError, OverflowError):
        abort(
            400,
            message=_(
                "The body is not JSON this API reads: nested too deep, a number too long, "
                "or text that is not Unicode."
            ),
        )


@blueprint.errorhandler(HTTPException)
def json_error(error: HTTPException):
    return QuietApi.handle_http_exception(None, error)  # it reads only the error


def _text(value) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return None  # numbers, lists and objects are not what a field holds


@blueprint.route("/dossiers", methods=["POST"])
@blueprint.doc(security=[{"bearer": []}])
@blueprint.arguments(BatchSchema)
@blueprint.response(200, ImportedSchema)
@blueprint.alt_response(401, description="No active integration token.")
@blueprint.alt_response(
    422, description="A bad batch: errors lists each problem as {index, field, message}."
)
@blueprint.alt_response(429, description="Too many calls for this token.")
@integration
def upsert_dossiers(batch):
    """Create or update up to 5,000 dossier records by dossier code (all or none)."""
    token = g.integration_token
    shape: list[dict] = []  # what is not text where text belongs, found while reading
    rows, found = check_records(
        _as_rows(batch["records"], shape),
        same_as=lambda index: _("same as record %(index)s", index=index),
    )
    problems = sorted(
        shape + [{"index": p.row, "field": p.column, "message": str(p.message)} for p in found],
        key=lambda p: p["index"],
    )
    if not problems:
        problems = sorted(
            _outside_scope(rows, token) + _others_records(rows, token.system),
            key=lambda p: p["index"],
        )
    if problems:
        audit.record(
            "api.dossiers.refused",
            "integration_token",
            token.id,
            actor=f"token:{token.prefix}",
            after={"records": len(batch["records"]), "problems": len(problems)},
        )
        db.session.commit()
        abort(422, message=_("The batch was refused; nothing was stored."), errors=problems)
    outcome = write_records(rows, system=token.system)
    audit.record(
        "api.dossiers.upsert",
        "integration_token",
        token.id,
        actor=f"token:{token.prefix}",
        after=outcome.counts(),
    )
    db.session.commit()
    return outcome.counts()


def _as_rows(records: list, shape: list[dict]):
    """Each record as the CSV row it stands for (index, text by column), for the checks
    the file import makes; what no CSV row could hold goes into `shape`."""
    for index, item in enumerate(records):
        if not isinstance(item, dict):
            shape.append({"index": index, "field": None, "message": _("not an object")})
            continue
        row: dict[str, str] = {}
        for name in TEXT_FIELDS:
            text = _text(item.get(name))
            if text is None:
                shape.append({"index": index, "field": name, "message": _("must be text")})
                text = ""
            row[name] = text
        unknown = sorted(set(item) - set(TEXT_FIELDS))
        if unknown:
            shape.append(
                {"index": index, "field": unknown[0], "message": _("not a field of a record")}
            )
        yield index, row


def _outside_scope(rows: dict[str, dict], token) -> list[dict]:
    """Records of agencies the token was not given (when it was given some)."""
    if not token.agencies:
        return []
    allowed = {agency.id for agency in token.agencies}
    return [
        {
            "index": index,
            "field": "agency_code",
            "message": _("this token may not write records of that agency"),
        }
        for index, record in enumerate(rows.values())
        if record["agency_id"] not in allowed
    ]


def _others_records(rows: dict[str, dict], system: str) -> list[dict]:
    """Records of the batch that another system or a file import wrote: a token changes
    only its own system's (a record with no owner came by file, and stays the file's)."""
    index = {code: i for i, code in enumerate(rows)}
    if db.session.get_bind().dialect.name == "postgresql":
        # One array parameter on the driver's cursor: through SQLAlchemy, 5,000 bound
        # codes took a third of the call.
        cursor = db.session.connection().connection.driver_connection.cursor()
        # Joined to the codes, not filtered by `= ANY`: with the owner test beside it,
        # the planner would scan the whole table.
        cursor.execute(
            "SELECT d.dossier_code, d.source_system FROM unnest(%s::varchar[]) AS c(code) "
            "JOIN dossier_record d ON d.dossier_code = c.code "
            "WHERE d.source_system IS DISTINCT FROM %s",
            (list(rows), system),
            binary=True,
        )
        found = cursor.fetchall()
    else:
        found = db.session.execute(
            select(DossierRecord.dossier_code, DossierRecord.source_system).where(
                DossierRecord.dossier_code.in_(list(rows)),
                DossierRecord.source_system.is_distinct_from(system),
            )
        ).all()
    problems = [
        {
            "index": index[code],
            "field": "dossier_code",
            "message": _("the record belongs to another system (%(system)s)", system=owner)
            if owner
            else _("the record came from a file import; only a file import changes it"),
        }
        for code, owner in found
    ]
    return sorted(problems, key=lambda p: p["index"])


@blueprint.route("/dossiers/<path:dossier_code>", methods=["GET"])
@blueprint.doc(security=[{"bearer": []}])
@blueprint.response(200, RecordSchema)
@blueprint.alt_response(404, description="No record of this system has the code.")
@integration
def read_dossier(dossier_code: str):
    """One dossier record as stored (without its phone)."""
    token = g.integration_token
    record = db.session.scalar(
        select(DossierRecord).where(
            DossierRecord.dossier_code == dossier_code,
            DossierRecord.source_system == token.system,
        )
    )
    if record is None or (token.agencies and record.agency not in token.agencies):
        abort(404, message=_("No record of this system has that dossier code."))
    audit.record(
        "api.dossiers.read",
        "integration_token",
        token.id,
        actor=f"token:{token.prefix}",
        after={"dossier_code": dossier_code},
    )
    db.session.commit()
    return {
        "dossier_code": record.dossier_code,
        "agency_code": record.agency.code,
        "service_code": record.service.code,
        "channel": record.channel,
        "received_date": record.received_on,
        "due_date": record.due_on,
        "returned_date": record.returned_on,
        "result": record.result,
        "applicant_type": record.applicant_type,
    }


def register(app) -> None:
    """Bind the API to the app: its blueprint, its OpenAPI document, no CSRF (callers
    authenticate with a token, not a session cookie)."""
    from survey.extensions import csrf

    # One Api per app: it holds the app's OpenAPI document.
    api = QuietApi(spec_kwargs=SPEC)
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint)
    # The OpenAPI document is public: it describes the API, it holds no data.
    document = app.view_functions["api-docs.openapi_json"]
    app.view_functions["api-docs.openapi_json"] = public(lambda: document())
