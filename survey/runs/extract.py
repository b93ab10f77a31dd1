"""The input of a run: one row per valid submission with its design columns and coded
answers, pivoted in the database (one grouped query, not one query per submission)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import and_, case, func, select

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
    codes = coded_items(definition)
    pivot = [
        func.max(case((Answer.item_code == code, Answer.value_int))).label(code) for code in codes
    ]
    query = (
        select(
            Submission.id,
            Agency.code,
            ServicePoint.code,
            ServiceField.code,
            Submission.channel,
            Submission.respondent_type,
            Submission.duration_seconds,
            Submission.client_hash,
            Submission.submitted_at,
            *pivot,
        )
        .select_from(Submission)
        .join(Agency, Agency.id == Submission.agency_id)
        .outerjoin(ServicePoint, ServicePoint.id == Submission.service_point_id)
        .outerjoin(Service, Service.id == Submission.service_id)
        .outerjoin(ServiceField, ServiceField.id == Service.field_id)
        .outerjoin(Answer, and_(Answer.submission_id == Submission.id, Answer.item_code.in_(codes)))
        .where(
            Submission.campaign_id == campaign_id,
            Submission.status == "valid",
            Submission.submitted_at <= cutoff,
        )
        .group_by(Submission.id, Agency.code, ServicePoint.code, ServiceField.code)
        .order_by(Submission.id)
    )
    rows = db.session.execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(9 + len(codes))]
    agency = np.array(columns[1], dtype=object).astype(str)
    point = np.array(
        [p if p is not None else f"agency:{a}" for p, a in zip(columns[2], agency, strict=True)],
        dtype=object,
    ).astype(str)
    return RunInput(
        ids=np.array(columns[0], dtype=np.int64),
        agency=agency,
        point=point,
        field=np.array([f or "" for f in columns[3]], dtype=object).astype(str),
        channel=np.array(columns[4], dtype=object).astype(str),
        respondent_type=np.array(columns[5], dtype=object).astype(str),
        duration=np.array([np.nan if d is None else d for d in columns[6]], dtype=float),
        client=np.array(columns[7], dtype=object),
        submitted_at=list(columns[8]),
        answers={
            code: np.array([np.nan if v is None else v for v in columns[9 + j]], dtype=float)
            for j, code in enumerate(codes)
        },
    )
