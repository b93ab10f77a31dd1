"""Synthetic SIPAS responses with realistic structure, generated column by column.

The model: a respondent's latent satisfaction is the sum of an agency effect, a
service-point effect, a field effect (land is the hardest), a respondent effect and an
item effect plus logistic noise, cut into the five levels. Paper forms have item
non-response; the feedback items (PA) are only shown to people who gave or wanted to give
feedback; optional profile items are sometimes skipped. Everything is drawn from one
numpy Generator, so a seed gives the same data on any machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from survey.questionnaires.definition import Definition
from survey.questionnaires.types import (
    LongTextQuestion,
    SatisfactionQuestion,
    SingleChoiceQuestion,
)

CHANNELS = np.array(["web-qr", "web-link", "paper"])
CHANNEL_SHARES = [0.45, 0.25, 0.30]
# Cut points of the latent scale; with the effects below about 83% answer 4 or 5,
# close to the national SIPAS of recent years.
CUTS = np.array([-4.2, -3.2, -1.9, 1.2])
FIELD_EFFECTS = {"DD": -0.45, "XD": -0.25, "DT": -0.15}
# How much each component's aspect moves overall satisfaction (HL) in the demo.
DRIVER_WEIGHTS = {"CC": 0.8, "KQ": 0.6, "TT": 0.35, "TC": 0.2, "PA": 0.1}

COMMENTS = [
    "Cán bộ hướng dẫn nhiệt tình, chu đáo.",
    "Thời gian chờ đợi còn lâu, cần bố trí thêm quầy.",
    "Hồ sơ đất đai bị trễ hẹn, không được thông báo lý do.",
    "Nên cho phép nộp hồ sơ trực tuyến toàn trình.",
    "Phòng chờ chật, thiếu ghế ngồi vào giờ cao điểm.",
    "Rất hài lòng, thủ tục nhanh gọn.",
    "Cần niêm yết rõ mức phí, lệ phí.",
    "Gọi lại cho tôi theo số 0912 345 678 nếu cần thêm thông tin.",
    "Liên hệ email nguyenvana@example.com để phản hồi kết quả.",
    "Website của cơ quan khó tìm thông tin về thủ tục.",
]


@dataclass(frozen=True)
class Stratum:
    """What the generator needs to know of one agency."""

    agency_id: int
    point_ids: Sequence[int]
    # (service id, field code) for every service the agency provides
    services: Sequence[tuple[int, str]]
    # field code -> dossiers handled in the period
    frame: dict[str, int] = field(default_factory=dict)


@dataclass
class Generated:
    """Submissions as columns, and answers as (submission index, item, position, int, text)."""

    agency_id: np.ndarray
    service_id: np.ndarray
    point_id: np.ndarray
    channel: np.ndarray
    started_at: list[datetime | None]
    submitted_at: list[datetime]
    answers: list[tuple[np.ndarray, str, int, np.ndarray | None, list[str] | None]]

    def __len__(self) -> int:
        return len(self.agency_id)


def generate(
    definition: Definition,
    strata: Sequence[Stratum],
    n: int,
    period: tuple[date, date],
    rng: np.random.Generator,
    agency_effect: Sequence[float] | None = None,
    proportional: bool = False,
) -> Generated:
    """`agency_effect`, one per stratum, carries agencies' standing across campaigns (a
    merged agency inherits its predecessors'); drawn here when not given. Responses go to
    agencies in proportion to √N, or to N when `proportional` (organisations answer where
    they file)."""
    agency_index = _allocate(strata, n, rng, proportional)
    if agency_effect is None:
        agency_effect = rng.normal(0.0, 0.4, len(strata))
    agency_effect = np.asarray(agency_effect, dtype=float)
    agency_ids = np.array([s.agency_id for s in strata])[agency_index]

    point_id = np.empty(n, dtype=np.int64)
    service_id = np.empty(n, dtype=np.int64)
    latent = agency_effect[agency_index] + rng.normal(0.0, 0.7, n)
    for a, stratum in enumerate(strata):
        rows = np.flatnonzero(agency_index == a)
        if rows.size == 0:
            continue
        points = np.asarray(stratum.point_ids)
        point_effect = rng.normal(0.0, 0.2, len(points))
        chosen_point = rng.integers(0, len(points), rows.size)
        point_id[rows] = points[chosen_point]
        latent[rows] += point_effect[chosen_point]
        # Respondents come in proportion to the dossiers each service field handles.
        fields = [f for _, f in stratum.services]
        weights = np.array([stratum.frame.get(f, 1) / fields.count(f) for f in fields], float)
        chosen_service = rng.choice(len(fields), rows.size, p=weights / weights.sum())
        service_id[rows] = np.array([s for s, _ in stratum.services])[chosen_service]
        latent[rows] += np.array([FIELD_EFFECTS.get(f, 0.0) for f in fields])[chosen_service]

    channel = CHANNELS[rng.choice(len(CHANNELS), n, p=CHANNEL_SHARES)]
    paper = channel == "paper"
    submitted_at, started_at = _times(period, paper, rng)

    # Each respondent rates some aspects better than others: a shift per component, on
    # top of their overall latent satisfaction. The global item (HL) weighs them as the
    # driver weights say, so the key-driver analysis has something true to find.
    shift = {c.code: rng.normal(0.0, 0.6, n) for c in definition.index.components}
    respondents = _Respondents(rng, latent, shift, paper)
    answers: list = []
    values: dict[str, np.ndarray] = {}
    given: dict[str, np.ndarray] = {}
    for question in definition.items:
        if question.on_submission:  # the service, drawn above
            continue
        shown = np.ones(n, dtype=bool)
        if question.show_if is not None:
            shown = _shown(question.show_if, values, given, n)
        drawn = question.synthetic(respondents)
        if drawn is None:
            continue
        if drawn.texts is not None:
            wrote = shown & drawn.wrote
            rows = np.flatnonzero(wrote)
            texts = [drawn.texts[i] for i in rng.integers(0, len(drawn.texts), rows.size)]
            answers.append((rows, question.code, 0, None, texts))
            continue
        missing_rate = np.where(paper, drawn.missing_on_paper, drawn.missing_on_web)
        answered = shown & (rng.random(n) >= missing_rate)
        values[question.code] = drawn.codes
        given[question.code] = answered
        rows = np.flatnonzero(answered)
        answers.append((rows, question.code, 0, drawn.codes[rows], None))

    return Generated(
        agency_id=agency_ids,
        service_id=service_id,
        point_id=point_id,
        channel=channel,
        started_at=started_at,
        submitted_at=submitted_at,
        answers=answers,
    )


@dataclass
class _Drawn:
    """A sample's answers to one item: codes with the chance of leaving it blank (on
    paper, on the web), or free texts with who wrote one."""

    codes: np.ndarray | None = None
    missing_on_paper: float = 0.0
    missing_on_web: float = 0.0
    texts: Sequence[str] | None = None
    wrote: np.ndarray | None = None


@dataclass
class _Respondents:
    """The demo's respondents as the question types ask them (types.AnswerMaker)."""

    rng: np.random.Generator
    latent: np.ndarray  # each respondent's overall satisfaction
    shift: dict[str, np.ndarray]  # each respondent's shift per component
    paper: np.ndarray

    def levels(self, question: SatisfactionQuestion) -> _Drawn:
        n, rng = self.latent.size, self.rng
        if question.component:
            aspect = self.shift[question.component]
        else:
            aspect = sum(DRIVER_WEIGHTS.get(c, 0.0) * v for c, v in self.shift.items())
        item_latent = self.latent + aspect + rng.normal(0.0, 0.25) + rng.logistic(0.0, 1.0, n) * 0.9
        return _Drawn(
            codes=1 + np.searchsorted(CUTS, item_latent),
            missing_on_paper=0.04,
            missing_on_web=0.0 if question.required else 0.03,
        )

    def choices(self, question: SingleChoiceQuestion) -> _Drawn:
        options = np.array(question.allowed_values())
        probs = _choice_shares(question.code, len(options), self.rng)
        return _Drawn(
            codes=options[self.rng.choice(len(options), self.latent.size, p=probs)],
            missing_on_paper=0.05,
            missing_on_web=0.0 if question.required else 0.06,
        )

    def comments(self, question: LongTextQuestion) -> _Drawn:
        return _Drawn(texts=COMMENTS, wrote=self.rng.random(self.latent.size) < 0.08)


def _allocate(
    strata: Sequence[Stratum], n: int, rng: np.random.Generator, proportional: bool = False
) -> np.ndarray:
    """Agency of each response: larger agencies get more, as in a proportional-to-√N design
    (or to N)."""
    size = np.array([max(sum(s.frame.values()), 1) for s in strata], float)
    size = size if proportional else np.sqrt(size)
    shares = size / size.sum()
    return np.sort(rng.choice(len(strata), n, p=shares))


def _choice_shares(code: str, k: int, rng: np.random.Generator) -> np.ndarray:
    if code == "B4":  # gave feedback / wanted to / did not
        return np.array([0.14, 0.10, 0.76])
    if code == "B3":  # on time / late / not yet
        return np.array([0.86, 0.09, 0.05])
    return rng.dirichlet(np.full(k, 4.0))


def _shown(condition, values, given, n) -> np.ndarray:
    """Vectorised `Condition.is_met` over all respondents."""
    if condition.all_of:
        return np.logical_and.reduce([_shown(c, values, given, n) for c in condition.all_of])
    if condition.any_of:
        return np.logical_or.reduce([_shown(c, values, given, n) for c in condition.any_of])
    answered = given.get(condition.item, np.zeros(n, dtype=bool))
    if condition.answered is not None:
        return answered == condition.answered
    return answered & np.isin(values[condition.item], condition.values)


def _times(period: tuple[date, date], paper: np.ndarray, rng: np.random.Generator):
    """Submission times in office hours (Vietnam time, stored as UTC) and completion times."""
    start, end = period
    days = (end - start).days + 1
    n = paper.size
    day = rng.integers(0, days, n)
    # 07:30 to 17:00 Vietnam time is 00:30 to 10:00 UTC.
    second = rng.integers(int(0.5 * 3600), 10 * 3600, n)
    duration = np.exp(rng.normal(np.log(240), 0.5, n)).astype(int)
    speeders = rng.random(n) < 0.03
    duration[speeders] = rng.integers(15, 60, speeders.sum())
    origin = datetime(start.year, start.month, start.day)
    submitted = [
        origin + timedelta(days=int(d), seconds=int(s)) for d, s in zip(day, second, strict=True)
    ]
    started = [
        None if is_paper else moment - timedelta(seconds=int(took))
        for moment, took, is_paper in zip(submitted, duration, paper, strict=True)
    ]
    return submitted, started
