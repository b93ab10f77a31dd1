"""The demo's household survey: an illustrative village frame for a few of the demo's
communes, a household campaign drawing two villages per commune (proportional to
households) and eight households in each, and synthetic visits: most households
interviewed, some refusing, away or vacant. The last commune's villages are drawn but
not listed: the demo surveyor (dieutra) is assigned there, for the field app."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.extensions import db
from survey.households import frames, outcomes, sampling
from survey.households.models import OUTCOMES, DrawnVillage, Village
from survey.paper.models import SurveyorAssignment
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
from survey.questionnaires.services import import_definition
from survey.responses.submit import insert_submission
from survey.users.models import User

CODE = "ho-gia-dinh"
COMMUNES = 5  # of the demo's communes, in code order
VILLAGES, HOUSEHOLDS = 2, 8
# How often a visit ends each way (models.OUTCOMES: interviewed, not finished, refused,
# no one at home, vacant).
OUTCOME_SHARES = (0.74, 0.03, 0.08, 0.10, 0.05)


def seed_households(main: Campaign, seed: int) -> Campaign | None:
    """Create the household campaign beside the demo campaign `main` (once)."""
    if db.session.scalar(select(Campaign).where(Campaign.code == CODE)) is not None:
        return None
    rng = np.random.default_rng(seed)
    communes = sorted((a for a in main.agencies if a.kind in ("commune", "ward")),
                      key=lambda a: a.code)[:COMMUNES]  # fmt: skip
    if not communes:
        return None
    lines = ["commune_code,village_code,village_name,households"]
    for commune in communes:
        for v in range(int(rng.integers(5, 9))):
            lines.append(
                f"{commune.code},T{v + 1},Thôn {v + 1} (minh họa),{int(rng.integers(60, 400))}"
            )
    frames.import_frame("\n".join(lines).encode(), actor="demo seed")
    path = QUESTIONNAIRE_DIR / "sipas-household.yaml"
    version = import_definition(
        load_file(path), path.read_text(encoding="utf-8"), actor="demo seed"
    ).version
    # Named by the year most of its period falls in, as the demo campaign is.
    year = (main.period_start + (main.period_end - main.period_start) / 2).year
    campaign = Campaign(
        code=CODE,
        name_vi=f"Khảo sát hộ gia đình năm {year} (dữ liệu minh họa)",
        name_en=f"Household survey {year} (demo data)",
        period_start=main.period_start,
        period_end=main.period_end,
        status="open",
        design="household",
    )
    campaign.set_versions({"citizen": version})
    campaign.agencies = list(communes)
    db.session.add(campaign)
    db.session.flush()
    draw = random.Random(seed)
    sampling.draw_villages(
        campaign, villages=VILLAGES, households=HOUSEHOLDS, method="pps", actor="demo seed",
        random=draw,
    )  # fmt: skip
    definition = version.definition()
    drawn_villages = db.session.scalars(
        select(DrawnVillage).where(DrawnVillage.campaign_id == campaign.id)
    ).all()
    field_commune = communes[-1]
    for drawn in drawn_villages:
        village = db.session.get(Village, drawn.village_id)
        if village.agency_id == field_commune.id:
            continue  # left for the field app
        listing = [f"Nhà số {n} (minh họa)" for n in range(1, village.households + 1)]
        chosen = sampling.draw_households(campaign, village, listing, actor="demo seed",
                                          random=draw)  # fmt: skip
        effect = float(rng.normal(0, 0.5))
        for household in chosen:
            outcome = OUTCOMES[int(rng.choice(len(OUTCOMES), p=OUTCOME_SHARES))]
            if outcome in ("complete", "partial"):
                _interview(campaign, village, definition, drawn.probability * household.probability,
                           effect, outcome, rng)  # fmt: skip
            outcomes.count_visit(campaign.id, village.id, outcome)
    surveyor = db.session.scalar(select(User).where(User.username == "dieutra"))
    if surveyor is not None:
        db.session.add(SurveyorAssignment(campaign_id=campaign.id, agency_id=field_commune.id,
                                          user_id=surveyor.id, created_by="demo seed"))  # fmt: skip
    db.session.flush()
    return campaign


def _interview(campaign, village, definition, probability, effect, outcome, rng) -> None:
    answers = {"A1": int(rng.integers(1, 3)), "A2": int(rng.integers(1, 6)),
               "A3": int(rng.choice([1, 2])), "A4": int(rng.choice([1, 2]))}  # fmt: skip
    rated = {q.code for q in definition.satisfaction_items}
    if definition.global_item is not None:
        rated.add(definition.global_item.code)
    for question in definition.visible_items(answers):
        if question.code not in rated:
            continue
        if outcome == "partial" and rng.random() < 0.5:
            continue
        latent = 3.6 + effect + rng.normal(0, 0.9)
        answers[question.code] = int(min(5, max(1, round(latent))))
    day = campaign.period_start + timedelta(days=int(rng.integers(0, 60)))
    submitted = datetime(day.year, day.month, day.day, 9) + timedelta(
        minutes=int(rng.integers(0, 480))
    )
    insert_submission(
        campaign, db.session.get(Agency, village.agency_id), definition, answers,
        channel="household", service_id=None, service_point_id=None,
        started_at=submitted - timedelta(minutes=int(rng.integers(8, 20))),
        submitted_at=submitted, interviewed_on=day, selection_probability=probability,
        village_id=village.id,
    )  # fmt: skip
