"""Administrators keep the lineage: by form or CSV, refused whole when impossible."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from survey.agencies.models import AgencySuccession
from survey.audit.models import AuditEvent
from tests import factories

HEADER = "predecessor_code,successor_code,kind,share,effective_on,note,active\n"


@pytest.fixture
def admin(login_as):
    return login_as("admin")


@pytest.fixture
def agencies(db):
    return {c: factories.agency(code=c) for c in ("A", "B", "C", "M", "S1", "S2")}


def upload(client, text):
    return client.post(
        "/admin/agency-successions/import",
        data={"file": (BytesIO(text.encode()), "lineage.csv")},
        content_type="multipart/form-data",
    )


def count(db):
    return db.session.scalar(select(func.count()).select_from(AgencySuccession))


def test_a_lineage_imported_by_csv_round_trips_and_is_audited(client, admin, db, agencies):
    body = (
        HEADER
        + "A,M,merge,1,2025-07-01,Nghị quyết 1656,true\n"
        + "B,M,merge,1,2025-07-01,,true\n"
        + "C,S1,split,0.6,2025-07-01,,true\n"
        + "C,S2,split,0.4,2025-07-01,,true\n"
    )
    assert upload(client, body).status_code == 302
    assert count(db) == 4
    page = client.get("/admin/agency-successions/").get_data(as_text=True)
    assert "sáp nhập" in page
    assert "chia tách" in page
    exported = client.get("/admin/agency-successions/export.csv").get_data(as_text=True)
    assert exported.lstrip("\ufeff").splitlines() == body.splitlines()
    assert upload(client, exported.lstrip("\ufeff")).status_code == 302
    assert count(db) == 4
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "agency_succession.create")
        )
        == 4
    )


def test_shares_may_be_corrected_together_in_one_file(client, admin, db, agencies):
    upload(client, HEADER + "C,S1,split,0.5,2025-07-01,,true\nC,S2,split,0.5,2025-07-01,,true\n")
    assert (
        upload(
            client, HEADER + "C,S1,split,0.7,2025-07-01,,true\nC,S2,split,0.3,2025-07-01,,true\n"
        ).status_code
        == 302
    )
    shares = db.session.scalars(select(AgencySuccession.share).order_by(AgencySuccession.id))
    assert list(shares) == [0.7, 0.3]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("A,M,merge,1,2025-07-01,,true\nM,A,merge,1,2025-07-01,,true\n", "vòng tròn"),
        ("C,S1,split,0.7,2025-07-01,,true\nC,S2,split,0.5,2025-07-01,,true\n", "1,2"),
        ("A,A,merge,1,2025-07-01,,true\n", "dòng 2, cột successor_code"),
        ("A,NOPE,merge,1,2025-07-01,,true\n", "Không có mã NOPE"),
        ("A,M,merge,1,2025-13-01,,true\n", "dòng 2, cột effective_on"),
        ("A,M,merge,1.5,2025-07-01,,true\n", "dòng 2, cột share"),
        ("A,M,merge,0.5,2025-07-01,,true\n", "(tỷ lệ 1)"),
    ],
    ids=["cycle", "shares over 1", "itself", "unknown", "bad date", "share over 1", "partial"],
)
def test_an_impossible_lineage_changes_nothing_and_says_why(
    client, admin, db, agencies, body, message
):
    response = upload(client, HEADER + body)
    page = response.get_data(as_text=True)
    assert "Chưa nhập dữ liệu nào" in page
    assert message in page
    assert count(db) == 0


def test_the_form_refuses_a_second_rename_of_one_agency(client, admin, db, agencies):
    upload(client, HEADER + "A,M,rename,1,2025-07-01,,true\n")
    response = client.post(
        "/admin/agency-successions/new",
        data={
            "predecessor_code": "A",
            "successor_code": "S1",
            "kind": "split",
            "share": "0.5",
            "effective_on": "2025-07-01",
            "active": "y",
        },
    )
    assert response.status_code == 200
    assert "đổi tên" in response.get_data(as_text=True)
    assert count(db) == 1


def test_the_form_reads_a_decimal_comma_and_says_a_circle_under_the_successor(
    client, admin, db, agencies
):
    posted = client.post(
        "/admin/agency-successions/new",
        data={
            "predecessor_code": "A",
            "successor_code": "S1",
            "kind": "split",
            "share": "0,5",
            "effective_on": "2025-07-01",
            "active": "y",
        },
    )
    assert posted.status_code == 302, posted.get_data(as_text=True)
    assert db.session.scalar(select(AgencySuccession.share)) == 0.5
    listed = client.get("/admin/agency-successions/").get_data(as_text=True)
    assert "0,5" in listed
    upload(client, HEADER + "M,A,merge,1,2025-07-01,,true\n")
    circle = client.post(
        "/admin/agency-successions/new",
        data={
            "predecessor_code": "A",
            "successor_code": "M",
            "kind": "merge",
            "share": "1",
            "effective_on": "2025-07-01",
            "active": "y",
        },
    ).get_data(as_text=True)
    successor = circle[circle.index('for="successor_code"') : circle.index('for="kind"')]
    assert "vòng tròn" in successor, "under the successor, not under the share"
    share = circle[circle.index('for="share"') :]
    assert "vòng tròn" not in share[: share.index("</div>")]
    refused = client.post(
        "/admin/agency-successions/new",
        data={"predecessor_code": "A", "successor_code": "S2", "kind": "split",
              "share": "٠,٥", "effective_on": "2025-07-01", "active": "y"},
    )  # fmt: skip
    page = refused.get_data(as_text=True)
    assert "Không phải là số" in page, re.findall(r"field-errors[^<]*<li>([^<]*)", page)
