"""The input of a run: one row per valid submission with its design columns and coded
answers, read in bulk (never one query per submission)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import chain

import numpy as np
from sqlalchemy import case, select

from survey.agencies.models import Agency, Service, ServiceField, ServicePoint
from survey.extensions import db
from survey.questionnaires.definition import Definition
from survey.responses import coded
from survey.responses.coded import coded_items
from survey.responses.models import Answer, Submission


@dataclass
class RunInput:
    ids: np.ndarray
    agency: np.ndarray  # agency code
    point: np.ndarray  # service point code, or "agency:CODE" for forms without one
    field: np.ndarray  # service field code, "" when the service is unknown
    channel: np.ndarray
    respondent_type: np.ndarray
    duration: np.ndarray  # seconds, NaN when unknown
    client: np.ndarray
    dossier: np.ndarray  # keyed hash of the dossier code, None when the form has none
    submitted_at: list[datetime]
    answers: dict[str, np.ndarray]  # item code -> values, NaN when not answered

    def __len__(self) -> int:
        return int(self.ids.size)

    def subset(self, keep: np.ndarray) -> RunInput:
        return RunInput(
            ids=self.ids[keep],
            agency=self.agency[keep],
            point=self.point[keep],
            field=self.field[keep],
            channel=self.channel[keep],
            respondent_type=self.respondent_type[keep],
            duration=self.duration[keep],
            client=self.client[keep],
            dossier=self.dossier[keep],
            submitted_at=[t for t, k in zip(self.submitted_at, keep, strict=True) if k],
            answers={code: values[keep] for code, values in self.answers.items()},
        )


def load(campaign_id: int, definition: Definition, cutoff: datetime) -> RunInput:
    """The run's rows with their coded answers.

    Answers come from each submission's coded text (one column, decoded by numpy); the few
    submissions stored before that column existed are read from their answer rows. On
    PostgreSQL the rows stream out through COPY into pyarrow.
    """
    codes = coded_items(definition)
    if db.session.get_bind().dialect.name == "postgresql":
        columns, texts = _copy_submissions(campaign_id, cutoff)
    else:
        columns, texts = _fetch_submissions(campaign_id, cutoff)
    ids = np.asarray(columns[0], dtype=np.int64)
    legacy = np.array([t is None for t in texts], dtype=bool)
    width = len(codes) * coded.WIDTH
    blank = coded.MISSING * len(codes)
    joined = "".join(blank if t is None else t for t in texts).encode("ascii")
    if len(joined) != ids.size * width:
        raise ValueError("coded answers do not match the questionnaire version's items")
    matrix = coded.decode(joined, ids.size, len(codes))
    if legacy.any():
        _fill_from_answer_rows(matrix, ids, legacy, campaign_id, codes, cutoff)
    answers = {code: matrix[:, j].copy() for j, code in enumerate(codes)}
    return _assemble(*columns, answers)


def _submissions(campaign_id: int, cutoff: datetime):
    return (
        select(
            Submission.id,
            Agency.code.label("agency"),
            ServicePoint.code.label("point"),
            ServiceField.code.label("field"),
            Submission.channel,
            Submission.respondent_type,
            Submission.duration_seconds,
            Submission.client_hash,
            Submission.dossier_hash,
            Submission.submitted_at,
            Submission.coded_answers,
        )
        .select_from(Submission)
        .join(Agency, Agency.id == Submission.agency_id)
        .outerjoin(ServicePoint, ServicePoint.id == Submission.service_point_id)
        .outerjoin(Service, Service.id == Submission.service_id)
        .outerjoin(ServiceField, ServiceField.id == Service.field_id)
        .where(
            Submission.campaign_id == campaign_id,
            Submission.status == "valid",
            Submission.submitted_at <= cutoff,
        )
        .order_by(Submission.id)
    )


def _assemble(ids, agency, point, field, channel, kind, duration, client, dossier, when, answers):
    agency = np.asarray(agency, dtype=object).astype(str)
    point = np.array(
        [p if p not in (None, "") else f"agency:{a}" for p, a in zip(point, agency, strict=True)],
        dtype=object,
    ).astype(str)
    return RunInput(
        ids=np.asarray(ids, dtype=np.int64),
        agency=agency,
        point=point,
        field=np.array([f or "" for f in field], dtype=object).astype(str),
        channel=np.asarray(channel, dtype=object).astype(str),
        respondent_type=np.asarray(kind, dtype=object).astype(str),
        duration=np.array([np.nan if d is None else d for d in duration], dtype=float),
        client=np.asarray(client, dtype=object),
        dossier=np.asarray(dossier, dtype=object),
        submitted_at=list(when),
        answers=answers,
    )


def _fetch_submissions(campaign_id: int, cutoff: datetime):
    """Rows through the DBAPI cursor: SQLAlchemy's row objects would double the time."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(*_compiled(_submissions(campaign_id, cutoff)))
    rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(11)]
    when = [_parse_time(t) for t in columns[9]]
    return [*columns[:9], when], list(columns[10])


def _parse_time(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _fill_from_answer_rows(matrix, ids, legacy, campaign_id, codes, cutoff) -> None:
    """Place the answer rows of submissions that have no coded text."""
    column_of = case({code: j for j, code in enumerate(codes)}, value=Answer.item_code)
    long_form = (
        select(Answer.submission_id, column_of, Answer.value_int)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(
            Submission.campaign_id == campaign_id,
            Submission.status == "valid",
            Submission.submitted_at <= cutoff,
            Submission.coded_answers.is_(None),
            Answer.item_code.in_(codes),
            Answer.position == 0,
            Answer.value_int.is_not(None),
        )
    )
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(*_compiled(long_form))
    while batch := cursor.fetchmany(1_000_000):
        flat = np.fromiter(chain.from_iterable(batch), dtype=np.int64, count=3 * len(batch))
        triples = flat.reshape(-1, 3)
        matrix[np.searchsorted(ids, triples[:, 0]), triples[:, 1]] = triples[:, 2]


def _compiled(query) -> tuple[str, tuple]:
    """SQL and parameters for the raw cursor, with times written as SQLAlchemy stores them."""
    dialect = db.session.get_bind().dialect
    compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    if dialect.paramstyle == "pyformat":  # psycopg: %(name)s placeholders
        return str(compiled), compiled.params
    params = (compiled.params[name] for name in compiled.positiontup)
    return str(compiled), tuple(
        p.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(p, datetime) else p for p in params
    )


def _copy_submissions(campaign_id: int, cutoff: datetime):
    import io

    import pyarrow as pa
    import pyarrow.csv as pc

    sql = str(
        _submissions(campaign_id, cutoff).compile(
            dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
    )
    buffer = io.BytesIO()
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    strings = [
        "agency",
        "point",
        "field",
        "channel",
        "respondent_type",
        "client_hash",
        "dossier_hash",
        "coded_answers",
    ]
    table = pc.read_csv(
        buffer,
        convert_options=pc.ConvertOptions(
            column_types={name: pa.string() for name in strings},
            timestamp_parsers=["%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"],
            strings_can_be_null=True,
        ),
    )
    column = table.column
    names = [
        "agency",
        "point",
        "field",
        "channel",
        "respondent_type",
        "duration_seconds",
        "client_hash",
        "dossier_hash",
    ]
    columns = [column("id").to_numpy()] + [column(name).to_pylist() for name in names]
    when = column("submitted_at").to_pylist() if table.num_rows else []
    return [*columns, when], column("coded_answers").to_pylist()
