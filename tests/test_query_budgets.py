"""List pages cost a fixed number of queries, however many rows they list.

Each page is opened with 10 rows of everything and again with 1,000: the number of SQL
statements must not grow. (It used to: the paper quality report ran 2,111 queries for
42 batches, the batch list one per batch, the campaign list one per campaign.)
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import event, insert, select

from survey.audit.models import AuditEvent
from survey.campaigns.models import Campaign, campaign_agency
from survey.extensions import db as _db
from survey.paper.models import Batch, PaperEntry, PaperForm, PaperResolution
from survey.questionnaires.models import QuestionnaireVersion
from survey.responses import coded
from survey.responses.models import Submission
from survey.runs.models import AnalysisRun
from survey.users.models import User
from survey.users.services import create_user
from tests import factories

PAGES = (
    "/paper/",
    "/paper/quality?campaign=qb",
    "/paper/adjudication",
    "/results/",
    "/admin/campaigns/",
    "/admin/submissions/",
    "/admin/audit/",
    "/admin/users/",
    "/admin/agencies/",
    "/admin/services/",
    "/admin/service-points/",
    "/questionnaires/",
)
WHEN = datetime(2026, 3, 1, 8, 0)


@contextmanager
def _counted():
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _grow(world, start: int, stop: int) -> None:
    """Rows `start`..`stop` of every listed kind, written in bulk."""
    version_id, agency, point, keyers, campaign = world
    numbers = range(start, stop)
    session = _db.session
    session.execute(
        insert(Campaign),
        [
            {
                "code": f"old{n}",
                "name_vi": f"Đợt {n}",
                "name_en": f"Campaign {n}",
                "questionnaire_version_id": version_id,
                "period_start": date(2020, 1, 1),
                "period_end": date(2020, 12, 31),
                "status": "closed",
            }
            for n in numbers
        ],
    )
    old = dict(
        session.execute(select(Campaign.code, Campaign.id).where(Campaign.code.like("old%"))).all()
    )
    session.execute(
        insert(campaign_agency),
        [{"campaign_id": old[f"old{n}"], "agency_id": agency} for n in numbers],
    )
    session.execute(
        insert(AnalysisRun),
        [
            {
                "campaign_id": old[f"old{n}"],
                "questionnaire_version_id": version_id,
                "cutoff_at": WHEN,
                "actor": "test",
                "data_hash": "0" * 64,
                "parameters": {},
                "versions": {},
                "timings": {},
                "screening": {},
                "results": {"agencies": {}, "padding": "x" * 2000},
            }
            for n in numbers
        ],
    )
    # Forms without answers: their coded text says so, as the app's writers would.
    definition = session.get(QuestionnaireVersion, version_id).definition()
    unanswered = coded.encode(coded.coded_items(definition), {})
    session.execute(
        insert(Submission),
        [
            {
                "coded_answers": unanswered,
                "campaign_id": campaign,
                "questionnaire_version_id": version_id,
                "agency_id": agency,
                "service_point_id": point,
                "channel": "web-qr",
                "respondent_type": "citizen",
                "submitted_at": WHEN,
            }
            for _ in numbers
        ],
    )
    session.execute(
        insert(AuditEvent),
        [{"actor": "t", "action": "x.y", "entity_type": "x", "entity_id": str(n)} for n in numbers],
    )
    session.execute(
        insert(User),
        [
            {"username": f"user{n}", "password_hash": "x", "role": "surveyor", "active": True}
            for n in numbers
        ],
    )
    session.execute(
        insert(Batch),
        [
            {
                "campaign_id": campaign,
                "agency_id": agency,
                "surveyor_id": keyers[n % 2],
                "service_numbers": {},
                "created_by": "t",
            }
            for n in numbers
        ],
    )
    batches = session.scalars(select(Batch.id).order_by(Batch.id)).all()[start:stop]
    session.execute(
        insert(PaperForm),
        [
            {
                "campaign_id": campaign,
                "batch_id": batch,
                "serial": f"SXD-{batch:06d}-{k}",
                "verify": True,
                "status": ("adjudication", "issued")[k],
            }
            for batch in batches
            for k in (0, 1)
        ],
    )
    forms = session.scalars(
        select(PaperForm.id).where(PaperForm.batch_id.in_(batches), PaperForm.status != "issued")
    ).all()
    session.execute(
        insert(PaperEntry),
        [
            {
                "form_id": form,
                "keyer_id": keyer,
                "values": {},
                "field_count": 30,
                "finished_at": WHEN,
            }
            for form in forms
            for keyer in keyers
        ],
    )
    session.execute(
        insert(PaperResolution),
        [
            {
                "form_id": form,
                "item_code": "TC1",
                "first_wrong": True,
                "second_wrong": False,
                "resolved_by_id": keyers[0],
            }
            for form in forms
        ],
    )
    session.commit()


def _queries(client) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        with _counted() as statements:
            response = client.get(page)
        assert response.status_code == 200, page
        counts[page] = len(statements)
    return counts


def test_list_pages_cost_the_same_queries_for_10_and_1000_rows(client, login_as, db):
    login_as("admin")
    agency = factories.agency(code="SXD")
    point = factories.service_point(agency=agency)
    campaign = factories.campaign(code="qb", agencies=[agency])
    keyers = [_keyer(name) for name in ("keyer.a", "keyer.b")]
    db.session.commit()
    world = (campaign.questionnaire_version_id, agency.id, point.id, keyers, campaign.id)
    _grow(world, 0, 10)
    few = _queries(client)
    _grow(world, 10, 1000)
    many = _queries(client)
    grown = {page: (few[page], many[page]) for page in PAGES if many[page] > few[page]}
    assert not grown, f"queries grew with the rows (10 rows, 1,000 rows): {grown}"


def _keyer(name: str) -> int:
    user, _ = create_user(username=name, role="surveyor", password="keying all day 1", actor="t")
    return user.id
