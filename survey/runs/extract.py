"""The input of a run: one row per valid submission with its design columns and coded
answers, pivoted in the database (one grouped query, not one query per submission)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import chain

import numpy as np
from sqlalchemy import and_, case, func, select, text

from survey.agencies.models import Agency, Service, ServiceField, ServicePoint
from survey.extensions import db
from survey.questionnaires.definition import Definition
from survey.questionnaires.types import MultipleChoiceQuestion, SingleChoiceQuestion
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
            submitted_at=[t for t, k in zip(self.submitted_at, keep, strict=True) if k],
            answers={code: values[keep] for code, values in self.answers.items()},
        )


def coded_items(definition: Definition) -> list[str]:
    """Items with one integer answer: satisfaction levels and single choices."""
    return [
        q.code
        for q in definition.items
        if q in definition.satisfaction_items
        or (isinstance(q, SingleChoiceQuestion) and not isinstance(q, MultipleChoiceQuestion))
    ]


def load(campaign_id: int, definition: Definition, cutoff: datetime) -> RunInput:
    """The run's rows. PostgreSQL pivots and streams them as CSV through COPY; elsewhere
    the answers come in long form through the raw cursor and are placed with numpy."""
    codes = coded_items(definition)
    if db.session.get_bind().dialect.name == "postgresql":
        return _load_with_copy(campaign_id, codes, cutoff)
    return _load_long(campaign_id, codes, cutoff)


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
            Submission.submitted_at,
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
    )


def _assemble(ids, agency, point, field, channel, kind, duration, client, when, answers):
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
        submitted_at=list(when),
        answers=answers,
    )


def _load_long(campaign_id: int, codes: list[str], cutoff: datetime) -> RunInput:
    rows = db.session.execute(_submissions(campaign_id, cutoff).order_by(Submission.id)).all()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(9)]
    ids = np.asarray(columns[0], dtype=np.int64)
    matrix = np.full((ids.size, len(codes)), np.nan)
    # The item's column number is computed by the database, so each answer arrives as three
    # integers that numpy places in one assignment.
    column_of = case({code: j for j, code in enumerate(codes)}, value=Answer.item_code)
    long_form = (
        select(Answer.submission_id, column_of, Answer.value_int)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(
            Submission.campaign_id == campaign_id,
            Submission.status == "valid",
            Submission.submitted_at <= cutoff,
            Answer.item_code.in_(codes),
            Answer.position == 0,
            Answer.value_int.is_not(None),
        )
    )
    # The DBAPI cursor directly: SQLAlchemy's row objects would double the time.
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(*_compiled(long_form))
    while batch := cursor.fetchmany(1_000_000):
        flat = np.fromiter(chain.from_iterable(batch), dtype=np.int64, count=3 * len(batch))
        triples = flat.reshape(-1, 3)
        matrix[np.searchsorted(ids, triples[:, 0]), triples[:, 1]] = triples[:, 2]
    answers = {code: matrix[:, j].copy() for j, code in enumerate(codes)}
    return _assemble(*columns, answers)


def _compiled(query) -> tuple[str, tuple]:
    """SQL and parameters for the raw cursor, with times written as SQLAlchemy stores them."""
    compiled = query.compile(
        dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    params = (compiled.params[name] for name in compiled.positiontup)
    return str(compiled), tuple(
        p.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(p, datetime) else p for p in params
    )


def _load_with_copy(campaign_id: int, codes: list[str], cutoff: datetime) -> RunInput:
    import io

    import pyarrow as pa
    import pyarrow.csv as pc

    pivot = [
        func.max(case((Answer.item_code == code, Answer.value_int))).label(f"item_{j}")
        for j, code in enumerate(codes)
    ]
    submissions = _submissions(campaign_id, cutoff).subquery()
    query = (
        select(submissions, *pivot)
        .select_from(submissions)
        .outerjoin(
            Answer,
            and_(
                Answer.submission_id == submissions.c.id,
                Answer.item_code.in_(codes),
                Answer.position == 0,
            ),
        )
        .group_by(*submissions.c)
        .order_by(submissions.c.id)
    )
    db.session.execute(text("SET LOCAL work_mem = '256MB'"))
    sql = str(
        query.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )
    buffer = io.BytesIO()
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    strings = ["agency", "point", "field", "channel", "respondent_type", "client_hash"]
    table = pc.read_csv(
        buffer,
        convert_options=pc.ConvertOptions(
            column_types={name: pa.string() for name in strings},
            timestamp_parsers=["%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"],
        ),
    )
    column = table.column
    when = column("submitted_at").to_pylist() if table.num_rows else []
    return _assemble(
        column("id").to_numpy(),
        column("agency").to_pylist(),
        column("point").to_pylist(),
        column("field").to_pylist(),
        column("channel").to_pylist(),
        column("respondent_type").to_pylist(),
        column("duration_seconds").to_pylist(),
        column("client_hash").to_pylist(),
        when,
        {
            code: column(f"item_{j}").to_numpy(zero_copy_only=False).astype(float)
            for j, code in enumerate(codes)
        },
    )
