import re

import pytest

from tests import factories


@pytest.fixture
def open_campaign(db):
    """An open campaign for one agency with a service and a service point."""
    agency = factories.agency(code="SXD", name_vi="Sở Xây dựng")
    factories.service(agency=agency, name_vi="Cấp giấy phép xây dựng")
    point = factories.service_point(code="sxd-1", agency=agency)
    campaign = factories.campaign(agencies=[agency], status="open")
    db.session.commit()
    return campaign, agency, point


def form_fields(page: str) -> dict[str, str]:
    """The hidden fields of a survey page (CSRF is off in tests; the form token is not)."""
    return {"form_token": re.search(r'name="form_token" value="([^"]+)"', page).group(1)}


def complete_answers(service_id: int, **overrides) -> dict:
    answers = {"A1": "1", "A2": "3", "B1": str(service_id), "B2": "1", "B4": "3"}
    for code in (
        "TC1",
        "TC2",
        "TC3",
        "TC4",
        "TT1",
        "TT2",
        "TT3",
        "TT4",
        "CC1",
        "CC2",
        "CC3",
        "CC4",
        "CC5",
        "KQ1",
        "KQ2",
        "KQ3",
    ):
        answers[code] = "4"
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}
