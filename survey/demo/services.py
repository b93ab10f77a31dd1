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
    AgencySuccession,
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
from survey.runs.services import run as run_analysis

CAMPAIGN_CODE = "demo"
# The campaign on the structure before 1 July 2025, so trends cross the restructuring.
EARLIER_CODE = "sipas-2024"
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


def seed(
    responses: int,
    seed: int,
    *,
    dossiers: bool = False,
    earlier: int = 0,
    analyse: bool = False,
    households: bool = False,
    progress=None,
) -> SeedOutcome:
    """Create (or reuse) the demo province and add `responses` synthetic submissions.

    `earlier` answers go to the campaign of 2024 on the structure before the 2025
    restructuring, which is then analysed, so trends cross the restructuring; `analyse`
    also runs the analysis of the demo campaign. Refuses, changing nothing, when the demo
    campaign already has submissions.
    """
    if responses < 0 or earlier < 0:
        raise DemoError("--responses and --earlier must be zero or more")
    campaign = _campaign()
    existing = db.session.scalar(
        select(func.count()).select_from(Submission).where(Submission.campaign_id == campaign.id)
    )
    if existing and (responses or earlier):
        db.session.rollback()
        raise DemoError(
            f"the demo campaign already has {existing} submissions; nothing was changed "
            "(seed into an empty database to start again)"
        )
    if earlier:
        if progress:
            progress(f"answering the 2024 campaign ({earlier} responses) and analysing it")
        _answer(_earlier_campaign(), earlier, seed + 1000, (date(2024, 3, 1), date(2024, 11, 30)))
        run_analysis(_earlier_campaign(), actor="demo seed")
    answered = (campaign.period_start, max(campaign.period_start, today() - timedelta(days=1)))
    answers = _answer(campaign, responses, seed, answered)
    if progress:
        progress(f"wrote {responses} responses")
    household_campaign = None
    if responses:
        # Citizens' recommendations and the agencies' replies (survey/recommendations).
        from survey.demo.recommendations import seed_recommendations

        seed_recommendations(campaign, np.random.default_rng(seed + 7))
    if households:
        # The household survey beside the post-service one (survey/households).
        from survey.demo.households import seed_households

        if progress:
            progress("drawing and interviewing the demo's households")
        household_campaign = seed_households(campaign, seed + 11)
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
    if analyse and responses:
        if progress:
            progress("analysing the demo campaign")
        run_analysis(campaign, actor="demo seed")
        if household_campaign is not None:
            run_analysis(household_campaign, actor="demo seed")
    return SeedOutcome(campaign, len(campaign.agencies), responses, answers, records)


# Of the demo's answers, the share from organisations (where the campaign surveys them).
ORGANISATION_ANSWERS = 0.2
# Organisations a little less satisfied than citizens, as national surveys found.
ORGANISATION_EFFECT = -0.2


def _answer(campaign: Campaign, responses: int, seed: int, answered: tuple[date, date]) -> int:
    """Generate and write `responses` synthetic submissions, citizens' and (when the
    campaign surveys them) organisations'; the number of answers."""
    rng = np.random.default_rng(seed)
    types = campaign.respondent_types
    organisations = round(responses * ORGANISATION_ANSWERS) if "organisation" in types else 0
    counts = {"citizen": responses - organisations, "organisation": organisations}
    effects = agency_effects()
    written = 0
    for kind in types:
        if counts[kind]:
            written += _answer_type(campaign, kind, counts[kind], rng, answered, effects)
    return written


def _answer_type(campaign, kind, responses, rng, answered, effects) -> int:
    strata = _strata(campaign, kind)
    codes = {a.id: a.code for a in campaign.agencies}
    version = campaign.version_for(kind)
    definition = version.definition()
    shift = ORGANISATION_EFFECT if kind == "organisation" else 0.0
    generated = generate(
        definition,
        strata,
        responses,
        answered,
        rng,
        agency_effect=[effects[codes[s.agency_id]] + shift for s in strata],
        proportional=kind == "organisation",
    )
    first = bulk.reserve_submission_ids(len(generated))
    ids = np.arange(first, first + len(generated))
    items = coded.coded_items(definition)
    matrix = np.full((len(generated), len(items)), np.nan)
    for rows, code, position, values, _texts in generated.answers:
        if code in items and position == 0 and values is not None:
            matrix[rows, items.index(code)] = values
    coded_texts = coded.encode_matrix(matrix)
    submissions = [
        (
            int(ids[i]),
            campaign.id,
            version.id,
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
    _cover_responses(campaign, generated, kind)
    return answer_count


def agency_effects() -> dict[str, float]:
    """Each agency's standing on the latent scale, fixed for the province: the agencies
    before 2025 draw theirs; one formed since inherits its predecessors' (weighted by the
    share it took over), pulled towards the mean and moved a little, so the trend across
    the restructuring has something true to show."""
    rng = np.random.default_rng(PROVINCE_SEED + 1)
    before = sorted({*province.DEPARTMENTS, *province.FORMER_DISTRICTS})
    effects = {code: float(rng.normal(0.0, 0.4)) for code in before}
    for code, (_vi, _en, _fields, predecessors) in province.DEPARTMENTS_2025.items():
        sources = [(p, share) for p, _kind, share in predecessors]
        if code in province.DEPARTMENTS:
            sources.append((code, 1.0))
        effects[code] = _inherited(effects, sources, rng)
    for code, *_names, district in province.commune_units():
        effects[code] = _inherited(effects, [(district, 1.0)], rng)
    return effects


def _inherited(effects, sources, rng) -> float:
    total = sum(share for _, share in sources)
    base = sum(effects[c] * share for c, share in sources) / total
    return 0.8 * base + float(rng.normal(0.0, 0.25))


def _campaign() -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == CAMPAIGN_CODE))
    if campaign is not None:
        return campaign
    _province()
    versions = {}
    for kind in ("citizen", "organisation"):
        path = QUESTIONNAIRE_DIR / f"sipas-{kind}.yaml"
        versions[kind] = import_definition(
            load_file(path), path.read_text(encoding="utf-8"), actor="demo seed"
        ).version
    _accounts()
    now_codes = [*province.DEPARTMENTS_2025, *(u[0] for u in province.commune_units())]
    before_codes = [*province.DEPARTMENTS, *province.FORMER_DISTRICTS]
    _make_campaign(
        EARLIER_CODE,
        "Khảo sát SIPAS năm 2024 (trước sắp xếp năm 2025, dữ liệu minh họa)",
        "SIPAS survey 2024 (before the 2025 restructuring, demo data)",
        # Before the platform, only citizens were surveyed.
        {"citizen": versions["citizen"]},
        (date(2024, 1, 1), date(2024, 12, 31)),
        before_codes,
        status="closed",
        fields_of=lambda a: (
            province.DEPARTMENTS[a.code][2]
            if a.code in province.DEPARTMENTS
            else province.DISTRICT_FIELDS
        ),
    )
    start, end = demo_period()
    # Named by the year most of its period falls in (it runs into next January).
    year = (start + (end - start) / 2).year
    campaign = _make_campaign(
        CAMPAIGN_CODE,
        f"Khảo sát SIPAS năm {year} (dữ liệu minh họa)",
        f"SIPAS survey {year} (demo data)",
        versions,
        (start, end),
        now_codes,
        status="open",
        fields_of=lambda a: (
            province.DEPARTMENTS_2025[a.code][2]
            if a.code in province.DEPARTMENTS_2025
            else province.COMMUNE_FIELDS
        ),
    )
    _retire_former_agencies()
    _surveyor_assignments(campaign)
    return campaign


def _earlier_campaign() -> Campaign:
    return db.session.scalar(select(Campaign).where(Campaign.code == EARLIER_CODE))


def _make_campaign(code, name_vi, name_en, versions, period, agency_codes, *, status, fields_of):
    """A campaign over the agencies, with frame counts for the service fields each had
    then (`fields_of(agency)`: a department that continued gained fields in 2025), split
    between citizens and organisations when it surveys both."""
    by_code = {a.code: a for a in db.session.scalars(select(Agency))}
    agencies = [by_code[c] for c in agency_codes]
    campaign = Campaign(
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        period_start=period[0],
        period_end=period[1],
        status=status,
        opened_at=utcnow(),
        closed_at=utcnow() if status == "closed" else None,
        agencies=agencies,
    )
    campaign.set_versions(versions)
    db.session.add(campaign)
    rng = np.random.default_rng(PROVINCE_SEED)
    split = np.random.default_rng(PROVINCE_SEED + 2)
    fields = {f.code: f for f in db.session.scalars(select(ServiceField))}
    for agency in agencies:
        # A commune-level unit handles a fifth of what a former district did.
        size = 0.2 if agency.kind in ("commune", "ward") else 1.0
        offered = {s.field.code for s in agency.services}
        for field_code in sorted(offered & set(fields_of(agency))):
            # Land and civil status are the bulk of a local unit's dossiers; business
            # registration is a department's largest flow.
            scale = int(
                size * {"DD": 6000, "HT": 5000, "XD": 1500, "DKKD": 3000}.get(field_code, 800)
            )
            dossiers = int(rng.integers(max(scale // 2, 20), max(scale * 2, 40)))
            organisations = 0
            if "organisation" in versions:
                share = province.ORGANISATION_SHARES.get(
                    agency.code, province.KIND_ORGANISATION_SHARES[agency.kind]
                )
                organisations = int(dossiers * min(0.95, share * split.uniform(0.7, 1.3)))
            if organisations:
                campaign.frame_counts.append(
                    FrameCount(
                        agency=agency,
                        service_field=fields[field_code],
                        respondent_type="organisation",
                        dossiers=organisations,
                    )
                )
            campaign.frame_counts.append(
                FrameCount(
                    agency=agency,
                    service_field=fields[field_code],
                    respondent_type="citizen",
                    dossiers=dossiers - organisations,
                )
            )
    db.session.flush()
    audit.record(
        "campaign.create",
        "campaign",
        campaign.id,
        actor="demo seed",
        after={"code": code, "agencies": len(agencies)},
    )
    _reform_points(campaign, rng)
    return campaign


def _retire_former_agencies() -> None:
    """What ceased with the restructuring stays for the 2024 campaign, inactive: its
    agencies, their QR points, and the district ranking group."""
    current = {*province.DEPARTMENTS_2025, *(u[0] for u in province.commune_units())}
    for agency in db.session.scalars(select(Agency).where(Agency.code.not_in(current))):
        agency.active = False
        for point in agency.service_points:
            point.active = False
    districts = db.session.scalar(select(RankingGroup).where(RankingGroup.code == "districts"))
    districts.active = False
    db.session.flush()


# The demo surveyor takes out paper forms for these agencies (others ask an administrator).
SURVEYOR_AGENCIES = ("SXD", "SNNMT")


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
        offered = {s.field.code for s in agency.services}
        for field_code in field_codes:
            if field_code in offered:
                continue  # a department that continued keeps its services
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
            _get_or_add(
                ServicePoint,
                code=f"{code.lower()}-{number}",
                agency=agency,
                name_vi=f"{point_vi} - {name_vi}",
                name_en=f"{point_en} - {name_en}",
            )
        db.session.flush()
        return agency

    # Before: Đắk Lắk's departments and the district-level units of both provinces.
    for code, (name_vi, name_en, field_codes) in province.DEPARTMENTS.items():
        add_agency(
            code, name_vi, name_en, "department", "departments", field_codes,
            province.DEPARTMENT_POINTS,
        )  # fmt: skip
    for code, (unit_vi, unit_en, name) in province.FORMER_DISTRICTS.items():
        add_agency(
            code,
            f"UBND {unit_vi} {name}",
            f"{name} {unit_en} people's committee",
            "district",
            "districts",
            province.DISTRICT_FIELDS,
            province.DISTRICT_POINTS,
        )
    # Since 2025: the merged departments and the commune-level units, with their lineage.
    merged_on, formed_on = date(*province.DEPARTMENTS_MERGED_ON), date(*province.COMMUNES_FORMED_ON)
    successions = []
    for code, (name_vi, name_en, field_codes, predecessors) in province.DEPARTMENTS_2025.items():
        add_agency(
            code, name_vi, name_en, "department", "departments", field_codes,
            province.DEPARTMENT_POINTS,
        )  # fmt: skip
        successions += [(p, code, kind, share, merged_on) for p, kind, share in predecessors]
    units = province.commune_units()
    parts = {d: sum(1 for u in units if u[4] == d) for d in province.FORMER_DISTRICTS}
    for code, name_vi, name_en, kind, district in units:
        add_agency(
            code, name_vi, name_en, kind, "communes", province.COMMUNE_FIELDS,
            province.COMMUNE_POINTS,
        )  # fmt: skip
        successions.append((district, code, "split", 1 / parts[district], formed_on))
    agencies = {a.code: a for a in db.session.scalars(select(Agency))}
    for before, after, kind, share, on in successions:
        db.session.add(
            AgencySuccession(
                predecessor=agencies[before],
                successor=agencies[after],
                kind=kind,
                share=share,
                effective_on=on,
                note="Dữ liệu minh họa" if kind == "split" else None,
            )
        )
    db.session.flush()
    audit.record(
        "demo.province",
        "agency",
        None,
        actor="demo seed",
        after={"agencies": len(agencies), "successions": len(successions)},
    )


def _cover_responses(campaign: Campaign, generated, kind: str) -> None:
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
        if count.respondent_type == kind:
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


def _strata(campaign: Campaign, kind: str) -> list[Stratum]:
    """The agencies where `kind` files dossiers, with that kind's frame counts."""
    frames: dict[int, dict[str, int]] = {}
    for count in campaign.frame_counts:
        if count.respondent_type == kind and count.dossiers:
            frames.setdefault(count.agency_id, {})[count.service_field.code] = count.dossiers
    strata = []
    for agency in campaign.agencies:
        if agency.id not in frames:
            continue
        # A closed campaign's agencies may have ceased since (their points retired).
        points = [p.id for p in agency.service_points if p.active or campaign.status == "closed"]
        counted = frames.get(agency.id, {})
        services = [
            (s.id, s.field.code) for s in agency.services if s.active and s.field.code in counted
        ]
        if not points or not services:
            raise DemoError(f"agency {agency.code} has no active service point or service")
        strata.append(Stratum(agency.id, points, services, frames.get(agency.id, {})))
    return strata
