"""Build the demo province and its synthetic campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

import numpy as np
from sqlalchemy import func, select

from survey.agencies.models import (
    STANDARD_GROUPS,
    Agency,
    RankingGroup,
    Service,
    ServiceField,
    ServicePoint,
)
from survey.audit import services as audit
from survey.campaigns.models import Campaign, FrameCount
from survey.db import to_the_minute, utcnow
from survey.demo import province
from survey.demo.responses import Stratum, generate
from survey.extensions import db
from survey.local_time import today
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
from survey.questionnaires.services import import_definition
from survey.reform import services as reform
from survey.reform.framework import DEMO_FRAMEWORK
from survey.responses import bulk, coded
from survey.responses.models import Submission

CAMPAIGN_CODE = "demo"
# One account per role, for trying the platform; `flask demo accounts` prints them.
DEMO_PASSWORD = "khao-sat-2026"  # noqa: S105 - a published demo password, by design
DEMO_ACCOUNTS = (
    ("quantri", "admin", None),
    ("danhgia", "evaluator", None),
    ("dieutra", "surveyor", None),
    ("xem.sxd", "agency-viewer", "SXD"),
)
# The demo campaign runs around the day it is seeded (campaigns close by themselves at
# the end of their last day, and a demo should take answers): it began about ten months
# ago and ends in a month. Synthetic answers are dated up to yesterday.
DAYS_BEFORE, DAYS_AFTER = 304, 29


def demo_period() -> tuple[date, date]:
    now = today()
    return now - timedelta(days=DAYS_BEFORE), now + timedelta(days=DAYS_AFTER)


# The province itself never changes with --seed: only the responses do.
PROVINCE_SEED = 2026


class DemoError(Exception):
    pass


@dataclass(frozen=True)
class SeedOutcome:
    campaign: Campaign
    agencies: int
    submissions: int
    answers: int
    dossier_records: int = 0


def province_exists() -> bool:
    return db.session.scalar(select(func.count()).select_from(Agency)) > 0


def seed(responses: int, seed: int, *, dossiers: bool = False, progress=None) -> SeedOutcome:
    """Create (or reuse) the demo province and add `responses` synthetic submissions.

    Refuses, changing nothing, when the demo campaign already has submissions.
    """
    if responses < 0:
        raise DemoError("--responses must be zero or more")
    campaign = _campaign()
    existing = db.session.scalar(
        select(func.count()).select_from(Submission).where(Submission.campaign_id == campaign.id)
    )
    if existing and responses:
        db.session.rollback()
        raise DemoError(
            f"the demo campaign already has {existing} submissions; nothing was changed "
            "(seed into an empty database to start again)"
        )
    strata = _strata(campaign)
    definition = campaign.questionnaire_version.definition()
    answered = (campaign.period_start, max(campaign.period_start, today() - timedelta(days=1)))
    generated = generate(definition, strata, responses, answered, np.random.default_rng(seed))
    if progress:
        progress(f"generated {responses} responses; writing")

    first = bulk.reserve_submission_ids(len(generated))
    ids = np.arange(first, first + len(generated))
    codes = coded.coded_items(definition)
    matrix = np.full((len(generated), len(codes)), np.nan)
    for rows, code, position, values, _texts in generated.answers:
        if code in codes and position == 0 and values is not None:
            matrix[rows, codes.index(code)] = values
    coded_texts = coded.encode_matrix(matrix)
    submissions = [
        (
            int(ids[i]),
            campaign.id,
            campaign.questionnaire_version_id,
            int(generated.agency_id[i]),
            int(generated.service_id[i]),
            int(generated.point_id[i]),
            str(generated.channel[i]),
            definition.respondent_type,
            to_the_minute(generated.submitted_at[i]),
            None
            if generated.started_at[i] is None
            else int((generated.submitted_at[i] - generated.started_at[i]).total_seconds()),
            coded_texts[i],
        )
        for i in range(len(generated))
    ]
    answer_count = sum(len(rows) for rows, *_ in generated.answers)
    answers = chain.from_iterable(
        zip(
            ids[rows].tolist(),
            [code] * len(rows),
            [position] * len(rows),
            values.tolist() if values is not None else [None] * len(rows),
            texts if texts is not None else [None] * len(rows),
            strict=True,
        )
        for rows, code, position, values, texts in generated.answers
    )
    bulk.write(submissions, answers)
    _cover_responses(campaign, generated)
    records = 0
    if dossiers:
        # The one-stop shop's records behind the frame counts (survey/demo/dossiers.py).
        from survey.demo.dossiers import seed_dossiers

        if progress:
            progress("writing the dossier records")
        records = seed_dossiers(campaign, np.random.default_rng(seed))
    audit.record(
        "demo.seed",
        "campaign",
        campaign.id,
        actor="demo seed",
        after={"responses": responses, "seed": seed, "dossier_records": records},
    )
    return SeedOutcome(campaign, len(strata), responses, answer_count, records)


def _campaign() -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == CAMPAIGN_CODE))
    if campaign is not None:
        return campaign
    _province()
    path = QUESTIONNAIRE_DIR / "sipas-citizen.yaml"
    outcome = import_definition(
        load_file(path), path.read_text(encoding="utf-8"), actor="demo seed"
    )
    for other in ("sipas-organisation.yaml",):
        other_path = QUESTIONNAIRE_DIR / other
        import_definition(
            load_file(other_path), other_path.read_text(encoding="utf-8"), actor="demo seed"
        )
    _accounts()
    agencies = list(db.session.scalars(select(Agency).order_by(Agency.id)))
    start, end = demo_period()
    campaign = Campaign(
        code=CAMPAIGN_CODE,
        name_vi=f"Khảo sát SIPAS năm {end.year} (dữ liệu minh họa)",
        name_en=f"SIPAS survey {end.year} (demo data)",
        questionnaire_version=outcome.version,
        period_start=start,
        period_end=end,
        status="open",
        opened_at=utcnow(),
        agencies=agencies,
    )
    db.session.add(campaign)
    rng = np.random.default_rng(PROVINCE_SEED)
    fields = {f.code: f for f in db.session.scalars(select(ServiceField))}
    for agency in agencies:
        field_codes = sorted({s.field.code for s in agency.services})
        for code in field_codes:
            # Land and civil status are the bulk of a district's dossiers.
            scale = {"DD": 6000, "HT": 5000, "XD": 1500}.get(code, 800)
            dossiers = int(rng.integers(scale // 2, scale * 2))
            campaign.frame_counts.append(
                FrameCount(agency=agency, service_field=fields[code], dossiers=dossiers)
            )
    db.session.flush()
    audit.record(
        "campaign.create",
        "campaign",
        campaign.id,
        actor="demo seed",
        after={"code": CAMPAIGN_CODE, "agencies": len(agencies)},
    )
    _reform_points(campaign, rng)
    _surveyor_assignments(campaign)
    return campaign


# The demo surveyor takes out paper forms for these agencies (others ask an administrator).
SURVEYOR_AGENCIES = ("SXD", "STNMT")


def _surveyor_assignments(campaign: Campaign) -> None:
    from survey.paper.assignments import assign
    from survey.users.models import User

    surveyor = db.session.scalar(select(User).where(User.username == "dieutra"))
    for agency in campaign.agencies:
        if agency.code in SURVEYOR_AGENCIES:
            assign(campaign, agency, surveyor, actor="demo seed", user_id=None)


def _reform_points(campaign: Campaign, rng: np.random.Generator) -> None:
    """Attach the demo framework and give every agency plausible appraised points.

    Self-assessments run a little above the appraisal, as they do in practice.
    """
    framework, _new = reform.import_framework(DEMO_FRAMEWORK, actor="demo seed")
    reform.set_framework(campaign, framework, actor="demo seed")
    values = {}
    for agency in campaign.agencies:
        quality = rng.uniform(0.7, 0.97)
        for criterion in framework.definition().criteria:
            if not criterion.entered:
                continue
            share = rng.uniform(0, 1) < 0.3 if criterion.bonus else quality
            appraised = round(criterion.max_points * min(1.0, share * rng.uniform(0.9, 1.05)), 2)
            claimed = round(min(criterion.max_points, appraised * rng.uniform(1.0, 1.15)), 2)
            values[(agency, criterion.code)] = (f"{claimed:g}", f"{appraised:g}")
    reform.save_points(campaign, values, actor="demo seed", user_id=None)


def _province() -> None:
    for code, name_vi, name_en, position in STANDARD_GROUPS:
        if db.session.scalar(select(RankingGroup).where(RankingGroup.code == code)) is None:
            db.session.add(
                RankingGroup(code=code, name_vi=name_vi, name_en=name_en, position=position)
            )
    fields = {}
    for code, (name_vi, name_en) in province.SERVICE_FIELDS.items():
        fields[code] = _get_or_add(ServiceField, code=code, name_vi=name_vi, name_en=name_en)
    db.session.flush()

    def add_agency(code, name_vi, name_en, kind, group, field_codes, points):
        agency = _get_or_add(
            Agency, code=code, name_vi=name_vi, name_en=name_en, kind=kind, ranking_group=group
        )
        db.session.flush()
        for field_code in field_codes:
            for number, (service_vi, service_en) in enumerate(
                province.PROCEDURES[field_code], start=1
            ):
                db.session.add(
                    Service(
                        code=f"{field_code}-{number:02d}",
                        agency=agency,
                        field=fields[field_code],
                        name_vi=service_vi,
                        name_en=service_en,
                    )
                )
        for number, (point_vi, point_en) in enumerate(points, start=1):
            db.session.add(
                ServicePoint(
                    code=f"{code.lower()}-{number}",
                    agency=agency,
                    name_vi=f"{point_vi} - {name_vi}",
                    name_en=f"{point_en} - {name_en}",
                )
            )

    for code, (name_vi, name_en, field_codes) in province.DEPARTMENTS.items():
        add_agency(
            code,
            name_vi,
            name_en,
            "department",
            "departments",
            field_codes,
            province.DEPARTMENT_POINTS,
        )
    for code, (unit_vi, unit_en, name) in province.DISTRICTS.items():
        add_agency(
            code,
            f"UBND {unit_vi} {name}",
            f"{name} {unit_en} people's committee",
            "district",
            "districts",
            province.DISTRICT_FIELDS,
            province.DISTRICT_POINTS,
        )
    db.session.flush()
    audit.record(
        "demo.province",
        "agency",
        None,
        actor="demo seed",
        after={"agencies": len(province.DEPARTMENTS) + len(province.DISTRICTS)},
    )


def _cover_responses(campaign: Campaign, generated) -> None:
    """Keep every frame count at least twice its responses: a cell cannot have answered
    more often than it handled dossiers, and response rates stay under one half."""
    field_of = {s.id: s.field_id for a in campaign.agencies for s in a.services}
    cells: dict[tuple[int, int], int] = {}
    for agency_id, service_id in zip(
        generated.agency_id.tolist(), generated.service_id.tolist(), strict=True
    ):
        key = (agency_id, field_of[service_id])
        cells[key] = cells.get(key, 0) + 1
    for count in campaign.frame_counts:
        count.dossiers = max(
            count.dossiers, 2 * cells.get((count.agency_id, count.service_field_id), 0)
        )
    db.session.flush()


def _accounts() -> None:
    from survey.users.models import User
    from survey.users.services import create_user

    for username, role, agency in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            create_user(
                username=username,
                role=role,
                password=DEMO_PASSWORD,
                agency_code=agency,
                actor="demo seed",
            )


def _get_or_add(model, *, code, **values):
    instance = db.session.scalar(select(model).where(model.code == code))
    if instance is None:
        instance = model(code=code, **values)
        db.session.add(instance)
    return instance


def _strata(campaign: Campaign) -> list[Stratum]:
    frames: dict[int, dict[str, int]] = {}
    for count in campaign.frame_counts:
        frames.setdefault(count.agency_id, {})[count.service_field.code] = count.dossiers
    strata = []
    for agency in campaign.agencies:
        points = [p.id for p in agency.service_points if p.active]
        services = [(s.id, s.field.code) for s in agency.services if s.active]
        if not points or not services:
            raise DemoError(f"agency {agency.code} has no active service point or service")
        strata.append(Stratum(agency.id, points, services, frames.get(agency.id, {})))
    return strata
