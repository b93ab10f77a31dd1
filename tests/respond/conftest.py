import functools
import re

import pytest

from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
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


def refused(client, response):
    """The page a refused post leads to (Post/Redirect/Get): the same form, read with
    GET, what was typed kept and the problems shown."""
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    assert "check=1" in location, location
    page = client.get(location)
    assert page.status_code == 200
    return page


@functools.cache
def always_asked_criteria() -> tuple[str, ...]:
    """The shipped citizen questionnaire's satisfaction items that no skip rule hides,
    with the global item (overall satisfaction) outside the index."""
    definition = load_file(QUESTIONNAIRE_DIR / "sipas-citizen.yaml")
    items = [*definition.satisfaction_items, definition.global_item]
    return tuple(q.code for q in items if q is not None and q.show_if is None)


def complete_answers(service_id: int, **overrides) -> dict:
    answers = {"A1": "1", "A2": "3", "B1": str(service_id), "B2": "1", "B4": "3"}
    answers.update(dict.fromkeys(always_asked_criteria(), "4"))
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}
