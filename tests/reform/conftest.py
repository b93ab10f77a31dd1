from datetime import date

import pytest

from survey.reform import services
from survey.runs.models import AnalysisRun
from tests import factories

# Hand-checkable: 10 entered points + 10 from the survey; a 2-point bonus outside the maximum.
SMALL_FRAMEWORK = """
code: small
title: {vi: Bộ tiêu chí nhỏ, en: Small framework}
fields:
  - code: F1
    title: {vi: Chỉ đạo, en: Direction}
    criteria:
      - {code: "1.1", text: {vi: Kế hoạch, en: Plan}, max_points: 4}
      - {code: "1.2", text: {vi: Báo cáo, en: Reports}, max_points: 6}
  - code: F8
    title: {vi: Tác động, en: Impact}
    criteria:
      - {code: "8.1", text: {vi: SIPAS, en: SIPAS}, max_points: 10, index: SIPAS}
      - {code: B, text: {vi: Thưởng, en: Bonus}, max_points: 2, bonus: true}
"""


def store_run(campaign, indices: dict[str, float | None]) -> AnalysisRun:
    """A stored run whose agencies have these SIPAS estimates (0–1)."""
    run = factories.analysis_run(
        campaign,
        {"agencies": {code: {"SIPAS": {"estimate": value}} for code, value in indices.items()}},
    )
    return run


@pytest.fixture
def small_campaign(db):
    """Two departments and two districts on the small framework."""
    agencies = [
        factories.agency(code="S1"),
        factories.agency(code="S2"),
        factories.agency(code="H1", kind="district", ranking_group="districts"),
        factories.agency(code="H2", kind="district", ranking_group="districts"),
    ]
    campaign = factories.campaign(agencies=agencies)
    framework, _new = services.import_framework(text=SMALL_FRAMEWORK, actor="test")
    services.set_framework(campaign, framework, actor="test")
    return campaign


def agency(campaign, code):
    return next(a for a in campaign.agencies if a.code == code)


def previous_of(campaign, **values):
    before = factories.campaign(
        agencies=list(campaign.agencies),
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        framework=campaign.framework,
        **values,
    )
    return before
