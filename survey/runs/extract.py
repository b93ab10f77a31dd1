"""The input of a run: one row per valid submission with its design columns and coded
answers, read in bulk (never one query per submission).

Only the submission table is read; agency, point and field codes come from small lookup
tables joined in numpy, so the database does a plain scan whatever its statistics say
(a planner that has not seen a fresh bulk load picks nested loops over a million rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import chain

import numpy as np
from sqlalchemy import case, select

from survey.agencies.models import Agency, Service, ServiceField, ServicePoint
from survey.campaigns.models import Campaign
from survey.db import raw_statement
from survey.extensions import db
from survey.questionnaires.definition import Definition
from survey.questionnaires.models import QuestionnaireVersion
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
    client: np.ndarray  # keyed hash of the client, None when unknown
    dossier: np.ndarray  # keyed hash of the dossier code, None when the form has none
    submitted_at: np.ndarray  # datetime64[us], UTC
    interviewed_on: np.ndarray  # datetime64[D]: the date on a paper form, NaT when none
    probability: np.ndarray  # selection probability of a drawn invitation, NaN otherwise
    dossier_timeliness: np.ndarray  # "on_time", "late", "" when not from a drawn invitation
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


COLUMNS = (
    Submission.id,
    Submission.agency_id,
    Submission.service_point_id,
    Submission.service_id,
    Submission.channel,
    Submission.respondent_type,
    Submission.duration_seconds,
    Submission.client_hash,
    Submission.dossier_hash,
    Submission.submitted_at,
    Submission.interviewed_on,
    Submission.selection_probability,
    Submission.dossier_timeliness,
    Submission.coded_answers,
)


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

    Answers come from each submission's coded text (decoded by numpy); the few
    submissions stored before that column existed are read from their answer rows. On
    PostgreSQL the rows stream out through COPY into pyarrow.
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
    width = len(codes) * coded.WIDTH
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    raw, joined = _copy(query, width) if postgresql else _fetch(query, width)
    ids = raw["id"].astype(np.int64)
    if len(joined) != ids.size * width:
        raise ValueError("coded answers do not match the questionnaire version's items")
    items = coded.decode(joined, ids.size, len(codes))
    del joined
    # Rows usually arrive in id order already; sort only when they do not.
    if ids.size and not np.all(np.diff(ids) > 0):
        order = np.argsort(ids, kind="stable")
        raw = {name: values[order] for name, values in raw.items()}
        ids, items = ids[order], [values[order] for values in items]
    legacy = raw.pop("legacy")
    if legacy.any():
        _fill_from_answer_rows(items, ids, query, codes)
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
        channel=raw["channel"].astype(str),
        respondent_type=raw["respondent_type"].astype(str),
        duration=raw["duration_seconds"].astype(float),
        client=raw["client_hash"],
        dossier=raw["dossier_hash"],
        submitted_at=raw["submitted_at"].astype("datetime64[us]"),
        interviewed_on=raw["interviewed_on"],
        probability=raw["selection_probability"].astype(float),
        dossier_timeliness=raw["dossier_timeliness"].astype(str),
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


def _joined(texts, width: int) -> tuple[bytes, np.ndarray]:
    """Coded texts end to end (blank for submissions without one), and which lacked one."""
    legacy = np.array([t is None for t in texts], dtype=bool)
    blank = "-" * width
    return "".join(blank if t is None else t for t in texts).encode("ascii"), legacy


def _fetch(query, width: int) -> tuple[dict[str, np.ndarray], bytes]:
    """Rows through the DBAPI cursor: SQLAlchemy's row objects would double the time."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(*raw_statement(query))
    rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    raw = {}
    for column, values in zip(COLUMNS, columns, strict=True):
        array = np.empty(len(values), dtype=object)
        array[:] = values
        raw[column.key] = array
    raw["submitted_at"] = np.array(raw["submitted_at"].tolist(), dtype="datetime64[us]")
    raw["interviewed_on"] = _days(raw["interviewed_on"])
    for name in ("duration_seconds", "selection_probability"):
        raw[name] = np.array([np.nan if d is None else d for d in raw[name]], dtype=float)
    # As COPY gives it below: "" where there is none.
    raw["dossier_timeliness"] = np.array(
        ["" if v is None else v for v in raw["dossier_timeliness"]], dtype=str
    )
    joined, raw["legacy"] = _joined(raw.pop("coded_answers"), width)
    return raw, joined


def _copy(query, width: int) -> tuple[dict[str, np.ndarray], bytes]:
    import io

    import pyarrow as pa
    import pyarrow.csv as pc

    sql = str(
        query.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )
    buffer = io.BytesIO()
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    strings = (
        "channel",
        "respondent_type",
        "client_hash",
        "dossier_hash",
        "dossier_timeliness",
        "coded_answers",
    )
    table = pc.read_csv(
        buffer,
        convert_options=pc.ConvertOptions(
            column_types={
                **{name: pa.string() for name in strings},
                **{n: pa.float64() for n in ("agency_id", "service_point_id", "service_id")},
                "duration_seconds": pa.float64(),
                "selection_probability": pa.float64(),
                "submitted_at": pa.timestamp("us"),
                "interviewed_on": pa.date32(),
            },
            # Arrow's default ISO 8601 parser reads both "…:06" and "…:06.542302"; its
            # strptime has no %f, so web submissions (with microseconds) failed there.
            strings_can_be_null=True,
        ),
    )
    del buffer
    raw = {}
    for column in COLUMNS:
        values = table.column(column.key).combine_chunks()
        if column.key in ("channel", "respondent_type", "dossier_timeliness"):
            # A handful of distinct values: no Python string per row.
            encoded = values.dictionary_encode()
            labels = np.array([*encoded.dictionary.to_pylist(), ""], dtype=str)
            indices = encoded.indices.fill_null(len(labels) - 1).to_numpy()
            raw[column.key] = labels[indices]
        elif column.key == "coded_answers":
            texts = values
        else:
            raw[column.key] = values.to_numpy(zero_copy_only=False)
    raw["interviewed_on"] = _days(raw["interviewed_on"])
    if texts.null_count == 0 and len(texts):
        # Every text has the same width: the string data buffer is the answers end to end.
        offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)
        offsets = offsets[texts.offset : texts.offset + len(texts) + 1]
        if np.all(np.diff(offsets) == width):
            raw["legacy"] = np.zeros(len(texts), dtype=bool)
            data = texts.buffers()[2]
            return raw, data.to_pybytes()[offsets[0] : offsets[-1]]
    joined, raw["legacy"] = _joined(texts.to_pylist(), width)
    return raw, joined


def _days(values: np.ndarray) -> np.ndarray:
    """Dates as datetime64[D], NaT where there is none (drivers give date objects, ISO
    text or datetime64 already)."""
    if np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[D]")
    return np.array([None if v is None else str(v)[:10] for v in values], dtype="datetime64[D]")


def _fill_from_answer_rows(items, ids, submissions, codes) -> None:
    """Place the answer rows of submissions that have no coded text."""
    column_of = case({code: j for j, code in enumerate(codes)}, value=Answer.item_code)
    legacy = submissions.where(Submission.coded_answers.is_(None)).with_only_columns(Submission.id)
    long_form = select(Answer.submission_id, column_of, Answer.value_int).where(
        Answer.submission_id.in_(legacy.scalar_subquery()),
        Answer.item_code.in_(codes),
        Answer.position == 0,
        Answer.value_int.is_not(None),
    )
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute(*raw_statement(long_form))
    while batch := cursor.fetchmany(1_000_000):
        flat = np.fromiter(chain.from_iterable(batch), dtype=np.int64, count=3 * len(batch))
        triples = flat.reshape(-1, 3)
        rows = np.searchsorted(ids, triples[:, 0])
        for j in np.unique(triples[:, 1]):
            mine = triples[:, 1] == j
            items[j][rows[mine]] = triples[mine, 2]
