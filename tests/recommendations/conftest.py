import pytest

from tests import factories
from tests.respond.conftest import complete_answers, form_fields


@pytest.fixture
def answered(client, db):
    """An open campaign at a counter of SXD, and a client that has just answered there."""
    agency = factories.agency(
        code="SXD", name_vi="Sở Xây dựng", name_en="Department of Construction"
    )
    field = factories.service_field(code="DD", name_vi="Đất đai", name_en="Land")
    service = factories.service(agency=agency, field=field)
    factories.service_point(code="sxd-1", agency=agency)
    campaign = factories.campaign(agencies=[agency], status="open")
    db.session.commit()
    page = client.get("/p/sxd-1").get_data(as_text=True)
    response = client.post("/p/sxd-1", data={**form_fields(page), **complete_answers(service.id)})
    assert response.status_code == 303
    return campaign, agency, field
