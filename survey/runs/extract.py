"""The input of a run: one row per valid submission with its design columns and coded
answers, read in bulk (never one query per submission).

Only the submission table is read; agency, point and field codes come from small lookup
tables joined in numpy, so the database does a plain scan whatever its statistics say
(a planner that has not seen a fresh bulk load picks nested loops over a million rows).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.csv as pc
from sqlalchemy import select

from survey.agencies.models import Agency, Service, ServiceField, ServicePoint
from survey.campaigns.models import Campaign
from survey.db import raw_statement
from survey.extensions import db
from survey.questionnaires.definition import Definition
from survey.questionnaires.models import QuestionnaireVersion
from survey.responses import coded
from survey.responses.coded import coded_items
from survey.responses.models import Submission


@dataclass
class RunInput:
    ids: np.ndarray
    agency: np.ndarray  # agency code
    point: np.ndarray  # service point code, or "agency:CODE" for forms without one
    field: np.ndarray  # service field code, "" when the service is unknown
    channel: np.ndarray
    respondent_type: np.ndarray
    duration: np.ndarray  # seconds, NaN when unknown
    client: np.ndarray  # keyed hash of the client, None when unknown
    dossier: np.ndarray  # keyed hash of the dossier code, None when the form has none
    submitted_at: np.ndarray  # datetime64[us], UTC
    interviewed_on: np.ndarray  # datetime64[D]: the date on a paper form, NaT when none
    probability: np.ndarray  # selection probability of a drawn invitation, NaN otherwise
    dossier_timeliness: np.ndarray  # "on_time", "late", "" when not from a drawn invitation
    village: np.ndarray  # a household interview's village id, NaN otherwise
    answers: dict[str, np.ndarray]  # item code -> values, NaN when not answered

    def __len__(self) -> int:
        return int(self.ids.size)

    def keep_only(self, keep: np.ndarray) -> None:
        """Drop the rows where `keep` is false, column by column: a million rows never
        exist twice in memory."""
        if keep.all():
            return
        for f in fields(self):
            if f.name != "answers":
                setattr(self, f.name, getattr(self, f.name)[keep])
        for code in self.answers:
            self.answers[code] = self.answers[code][keep]


# What a run reads of each submission, with the Arrow type it is read as (ids as floats,
# so that a missing one is NaN).
READ = (
    (Submission.id, pa.int64()),
    (Submission.agency_id, pa.float64()),
    (Submission.service_point_id, pa.float64()),
    (Submission.service_id, pa.float64()),
    (Submission.channel, pa.string()),
    (Submission.respondent_type, pa.string()),
    (Submission.duration_seconds, pa.float64()),
    (Submission.client_hash, pa.string()),
    (Submission.dossier_hash, pa.string()),
    (Submission.submitted_at, pa.timestamp("us")),
    (Submission.interviewed_on, pa.date32()),
    (Submission.selection_probability, pa.float64()),
    (Submission.dossier_timeliness, pa.string()),
    (Submission.village_id, pa.float64()),
    (Submission.coded_answers, pa.string()),
)
COLUMNS = tuple(column for column, _ in READ)
TYPES = {column.key: kind for column, kind in READ}


def definitions_of(campaign: Campaign, cutoff: datetime) -> dict[int, Definition]:
    """The definition of each questionnaire version a run of the campaign reads, by
    version id: the campaign's pinned versions and any other its submissions answered."""
    ids = [v.id for v in campaign.versions.values()]
    answered = db.session.scalars(
        select(Submission.questionnaire_version_id)
        .where(Submission.campaign_id == campaign.id, Submission.submitted_at <= cutoff)
        .distinct()
    )
    ids += sorted(i for i in answered if i not in ids)
    return {i: db.session.get(QuestionnaireVersion, i).definition() for i in ids}


def load(campaign_id: int, definitions: Mapping[int, Definition], cutoff: datetime) -> RunInput:
    """Every submission of the campaign up to the cut-off, in submission order, with its
    coded answers (screening and people's decisions are applied by the run).

    `definitions`: each questionnaire version's definition by version id (a campaign of
    citizens and organisations has two). Each version's submissions are read with its
    own coded items; the input has every item of any version, NaN where a submission's
    version has no such item (an organisation's form asks no age).

    Answers come from each submission's coded text (decoded by numpy), read the same way
    on every database: the rows become an Arrow table (through COPY on PostgreSQL), and
    the table becomes the run's arrays.
    """
    codes: list[str] = []
    for definition in definitions.values():
        codes += [c for c in coded_items(definition) if c not in codes]
    parts = [
        _load_version(campaign_id, version_id, definition, cutoff)
        for version_id, definition in definitions.items()
    ]
    if len(parts) == 1:
        return parts[0]
    # Back in submission order, as one version's rows come.
    order = np.argsort(np.concatenate([part.ids for part in parts]), kind="stable")
    merged = {
        f.name: np.concatenate([getattr(part, f.name) for part in parts])[order]
        for f in fields(RunInput)
        if f.name != "answers"
    }
    answers = {
        code: np.concatenate(
            [part.answers.get(code, np.full(len(part), np.nan)) for part in parts]
        )[order]
        for code in codes
    }
    return RunInput(**merged, answers=answers)


def _load_version(
    campaign_id: int, version_id: int, definition: Definition, cutoff: datetime
) -> RunInput:
    codes = coded_items(definition)
    query = select(*COLUMNS).where(
        Submission.campaign_id == campaign_id,
        Submission.questionnaire_version_id == version_id,
        Submission.submitted_at <= cutoff,
    )
    raw, joined = _columns(_table(query), len(codes) * coded.WIDTH)
    ids = raw["id"].astype(np.int64)
    items = coded.decode(joined, ids.size, len(codes))
    del joined
    # Rows usually arrive in id order already; sort only when they do not.
    if ids.size and not np.all(np.diff(ids) > 0):
        order = np.argsort(ids, kind="stable")
        raw = {name: values[order] for name, values in raw.items()}
        ids, items = ids[order], [values[order] for values in items]
    agency = _lookup(raw["agency_id"], _codes(Agency.id, Agency.code), "")
    point = _lookup(raw["service_point_id"], _codes(ServicePoint.id, ServicePoint.code), "")
    field_of_service = dict(
        db.session.execute(
            select(Service.id, ServiceField.code).join(
                ServiceField, ServiceField.id == Service.field_id
            )
        ).all()
    )
    return RunInput(
        ids=ids,
        agency=agency,
        # Forms without a point (paper handed out by a surveyor) form one unit per agency.
        point=np.where(point == "", np.char.add("agency:", agency), point),
        field=_lookup(raw["service_id"], field_of_service, ""),
        channel=raw["channel"],
        respondent_type=raw["respondent_type"],
        duration=raw["duration_seconds"],
        client=raw["client_hash"],
        dossier=raw["dossier_hash"],
        submitted_at=raw["submitted_at"].astype("datetime64[us]"),
        interviewed_on=raw["interviewed_on"].astype("datetime64[D]"),
        probability=raw["selection_probability"],
        dossier_timeliness=raw["dossier_timeliness"],
        village=raw["village_id"],
        answers=dict(zip(codes, items, strict=True)),
    )


def _codes(key, value) -> dict[int, str]:
    return dict(db.session.execute(select(key, value)).all())


def _lookup(ids: np.ndarray, codes: dict[int, str], missing: str) -> np.ndarray:
    """Codes for an array of ids (NaN or None = missing), through a dense table."""
    numbers = np.array([np.nan if v is None else v for v in ids], dtype=float)
    size = int(max(codes, default=0)) + 2
    table = np.array([missing] * size, dtype=object)
    for key, code in codes.items():
        table[key] = code
    index = np.where(np.isnan(numbers), size - 1, numbers).astype(np.int64)
    return table[index].astype(str)


# A handful of distinct values each: held as codes, not as a Python string per row.
FEW_VALUES = ("channel", "respondent_type", "dossier_timeliness")


def _table(query) -> pa.Table:
    """The query's rows as an Arrow table. On PostgreSQL they stream out through COPY as
    CSV into Arrow's reader (no Python object per value); elsewhere they come through the
    DBAPI cursor (SQLAlchemy's row objects would double the time)."""
    dialect = db.session.get_bind().dialect
    cursor = db.session.connection().connection.driver_connection.cursor()
    if dialect.name == "postgresql":
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        buffer = io.BytesIO()
        with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for chunk in copy:
                buffer.write(chunk)
        buffer.seek(0)
        # Arrow's default ISO 8601 parser reads both "…:06" and "…:06.542302".
        options = pc.ConvertOptions(column_types=TYPES, strings_can_be_null=True)
        return pc.read_csv(buffer, convert_options=options)
    cursor.execute(*raw_statement(query))
    rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    arrays = {}
    for column, values in zip(COLUMNS, columns, strict=True):
        kind = TYPES[column.key]
        if kind in (pa.date32(), pa.timestamp("us")):
            # SQLite gives ISO text: Arrow parses it as it parses COPY's.
            arrays[column.key] = pa.array(values, type=pa.string()).cast(kind)
        else:
            arrays[column.key] = pa.array(values, type=kind)
    return pa.table(arrays)


def _columns(table: pa.Table, width: int) -> tuple[dict[str, np.ndarray], bytes]:
    """The table's columns as numpy arrays, and the coded texts end to end."""
    raw = {}
    for column in COLUMNS:
        values = table.column(column.key).combine_chunks()
        if column.key in FEW_VALUES:
            encoded = values.dictionary_encode()
            labels = np.array([*encoded.dictionary.to_pylist(), ""], dtype=str)
            raw[column.key] = labels[encoded.indices.fill_null(len(labels) - 1).to_numpy()]
        elif column.key != "coded_answers":
            raw[column.key] = values.to_numpy(zero_copy_only=False)
    texts = table.column("coded_answers").combine_chunks()
    if not len(texts):
        return raw, b""
    # Every text has the same width: the string data buffer is the answers end to end.
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)
    offsets = offsets[texts.offset : texts.offset + len(texts) + 1]
    if texts.null_count or not np.all(np.diff(offsets) == width):
        raise ValueError("coded answers do not match the questionnaire version's items")
    return raw, texts.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]
