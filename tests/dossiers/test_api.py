"""The one-stop-shop system's API: tokens (created, scoped, revoked), batches upserted
all or nothing and idempotently, errors as JSON naming the record's index, every call
audited, calls rate-limited per token, and no phone ever going out."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey.audit.models import AuditEvent
from survey.dossiers.api import MAX_BATCH, TEXT_FIELDS
from survey.dossiers.models import DossierRecord
from survey.integrations import tokens
from survey.integrations.models import IntegrationToken
from survey.local_time import today
from tests import factories


@pytest.fixture
def offices(db):
    sxd = factories.agency(code="SXD")
    xa = factories.agency(code="XA-EAKAR", kind="commune", ranking_group="communes")
    xd, dd = (factories.service_field(code=c) for c in ("XD", "DD"))
    factories.service(agency=sxd, field=xd, code="XD-01")
    factories.service(agency=xa, field=dd, code="DD-01")
    return sxd, xa


@pytest.fixture
def token(offices, db):
    _, secret = tokens.create("Một cửa tỉnh", "motcua", actor="test", user_id=None)
    db.session.commit()
    return secret


def _day(days_ago: int) -> str:
    # Recent dates: dossiers returned over 30 days ago bring no phone (retention).
    return str(today() - timedelta(days=days_ago))


def record(code: str, **values) -> dict:
    return {
        "dossier_code": code,
        "agency_code": "XA-EAKAR",
        "service_code": "DD-01",
        "channel": "online",
        "received_date": _day(20),
        "due_date": _day(10),
        "returned_date": _day(5),
        "result": "approved",
        "phone": "0912345678",
        **values,
    }


def post(client, secret, records, **headers):
    return client.post(
        "/api/v1/dossiers",
        json={"records": records},
        headers={"Authorization": f"Bearer {secret}", **headers},
    )


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(DossierRecord))


def test_a_batch_is_upserted_by_dossier_code_and_sending_it_again_changes_nothing(
    client, db, token
):
    batch = [record(f"A{i}") for i in range(3)] + [record("A3", returned_date=None, result=None)]
    first = post(client, token, batch)
    assert first.status_code == 200, first.json
    assert first.json == {"created": 4, "updated": 0, "unchanged": 0}
    again = post(client, token, batch)
    assert again.json == {"created": 0, "updated": 0, "unchanged": 4}
    batch[3] = record("A3")  # returned since
    later = post(client, token, batch)
    assert later.json == {"created": 0, "updated": 1, "unchanged": 3}
    stored = db.session.scalar(select(DossierRecord).where(DossierRecord.dossier_code == "A3"))
    assert stored.returned_on is not None
    assert stored.source_system == "motcua"
    calls = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.dossiers.upsert")
    ).all()
    assert [c.after["created"] for c in calls] == [4, 0, 0]
    assert all(c.actor.startswith("token:sks_") for c in calls)


def test_a_bad_record_refuses_the_batch_naming_its_index_and_nothing_is_stored(client, db, token):
    batch = [
        record("B0"),
        record("B1", channel="fax"),
        record("B2", agency_code="NOPE"),
        record("B3", received_date="2026-02-30"),
        record("B0"),
        record("B5", due_date=17),
        record("B6", colour="red"),
    ]
    response = post(client, token, batch)
    assert response.status_code == 422
    assert response.is_json
    named = {(e["index"], e["field"]) for e in response.json["errors"]}
    assert named >= {
        (1, "channel"),
        (2, "agency_code"),
        (3, "received_date"),
        (4, "dossier_code"),
        (5, "due_date"),
        (6, "colour"),
    }
    assert 0 not in {e["index"] for e in response.json["errors"]}
    assert _count(db) == 0
    refused = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "api.dossiers.refused")
    )
    assert refused.after == {"records": 7, "problems": len(response.json["errors"])}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b'{"records": []}', 422),
        (b'{"records": "many"}', 422),
        (b'{"rows": [1]}', 422),
        (b"[]", 422),
    ],
)
def test_malformed_bodies_get_a_clear_json_error(client, db, token, body, status):
    response = client.post(
        "/api/v1/dossiers",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == status
    assert response.is_json
    assert response.json["code"] == status
    assert _count(db) == 0


def test_an_oversized_batch_is_refused_whole(client, db, token):
    batch = [record(f"C{i}") for i in range(MAX_BATCH + 1)]
    response = post(client, token, batch)
    assert response.status_code == 422
    assert "5000" in json.dumps(response.json["errors"])
    assert _count(db) == 0


def test_calls_without_an_active_token_are_refused(client, db, token):
    assert post(client, "", [record("D1")]).status_code == 401
    assert post(client, "sks_" + "x" * 43, [record("D1")]).status_code == 401
    plain = client.post("/api/v1/dossiers", json={"records": [record("D1")]})
    assert plain.status_code == 401
    assert plain.headers["WWW-Authenticate"] == "Bearer"
    stored = db.session.scalar(select(IntegrationToken))
    tokens.revoke(stored, actor="test", user_id=None)
    db.session.commit()
    assert post(client, token, [record("D1")]).status_code == 401
    assert _count(db) == 0


def test_a_token_changes_only_its_own_systems_records(client, db, token):
    assert post(client, token, [record("E1")]).status_code == 200
    _, other = tokens.create("Cổng dịch vụ công", "dvc", actor="test", user_id=None)
    db.session.commit()
    response = post(client, other, [record("E2"), record("E1", channel="counter")])
    assert response.status_code == 422
    assert response.json["errors"] == [
        {
            "index": 1,
            "field": "dossier_code",
            "message": response.json["errors"][0]["message"],
        }
    ]
    assert "motcua" in response.json["errors"][0]["message"]
    assert _count(db) == 1
    assert (
        client.get("/api/v1/dossiers/E1", headers={"Authorization": f"Bearer {other}"}).status_code
        == 404
    )


def test_a_token_cannot_take_over_a_record_that_came_by_file(client, db, token):
    """A file import's record has no owner: no token writes it (it used to take it over,
    phone and all, and the one-stop-shop system then got 422 for its own dossier)."""
    from survey.dossiers.importing import import_records

    line = "H01.2026.0007,XA-EAKAR,DD-01,online,{r},{d},{t},approved,0900000001\n"
    data = (
        "dossier_code,agency_code,service_code,channel,received_date,due_date,"
        "returned_date,result,phone\n" + line.format(r=_day(20), d=_day(10), t=_day(5))
    )
    import_records(data.encode(), actor="test")
    db.session.commit()
    response = post(client, token, [record("H01.2026.0007", phone="0888000111")])
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "dossier_code"
    stored = db.session.scalar(select(DossierRecord))
    db.session.refresh(stored)
    assert (stored.phone, stored.source_system) == ("0900000001", None)


def test_a_token_given_agencies_writes_and_reads_only_theirs(client, db, offices):
    _sxd, xa = offices
    _, scoped = tokens.create("Xã Ea Kar", "xa-eakar", agencies=[xa], actor="t", user_id=None)
    db.session.commit()
    assert post(client, scoped, [record("K1")]).status_code == 200
    other = record("K2", agency_code="SXD", service_code="XD-01")
    refused = post(client, scoped, [record("K3"), other])
    assert refused.status_code == 422
    assert [(e["index"], e["field"]) for e in refused.json["errors"]] == [(1, "agency_code")]
    assert _count(db) == 1
    headers = {"Authorization": f"Bearer {scoped}"}
    assert client.get("/api/v1/dossiers/K1", headers=headers).status_code == 200


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "  Bearer"])
def test_the_bearer_scheme_is_matched_regardless_of_case(client, db, token, scheme):
    response = client.post(
        "/api/v1/dossiers",
        json={"records": [record("L1")]},
        headers={"Authorization": f"{scheme} {token}"},
    )
    assert response.status_code == 200, response.json


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dossier_code", "M1\n"),
        ("dossier_code", "M1\x00"),
        ("dossier_code", "M\u00a01"),
        ("phone", "0912345678\n"),
        ("phone", "0912\x07345678"),
        ("phone", "０９１２３４５６７８"),
    ],
)
def test_codes_and_phones_with_control_characters_are_refused(client, db, token, field, value):
    response = post(client, token, [record("M0"), record("M2", **{field: value})])
    assert response.status_code == 422
    assert response.json["errors"][0]["index"] == 1
    assert response.json["errors"][0]["field"] == field
    assert _count(db) == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"records": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"records": [{"dossier_code": ' + b"9" * 5000 + b"}]}",
        b'{"records": [{"dossier_code": 1e999999}]}',
        rb'{"records": [{"dossier_code": "\ud800"}]}',
    ],
)
def test_hostile_json_gets_a_json_error_not_a_500(client, db, token, body):
    response = client.post(
        "/api/v1/dossiers",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (400, 422), response.status_code
    assert response.is_json
    assert response.json.get("message"), response.json
    assert _count(db) == 0


def test_guessed_tokens_are_limited_per_client(database_url, tmp_path):
    from tests.conftest import migrated_app

    with migrated_app(
        tmp_path, RATELIMIT_ENABLED=True, SURVEY_RATE_LIMIT_API_GUESSES="3/minute"
    ) as app:
        client = app.test_client()
        guesses = [
            post(client, f"sks_guess{n:040d}", [{"dossier_code": "x"}]).status_code
            for n in range(5)
        ]
        assert guesses == [401, 401, 401, 429, 429], "each guess is a new token, one client"


def test_a_record_reads_back_without_its_phone(client, db, token):
    post(client, token, [record("H56.26/000123")])
    response = client.get(
        "/api/v1/dossiers/H56.26/000123", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json["dossier_code"] == "H56.26/000123"
    assert "phone" not in response.json
    assert "0912345678" not in response.get_data(as_text=True)
    stored = db.session.scalar(select(DossierRecord.phone))
    assert stored == "0912345678", "kept for invitations"


def test_the_openapi_document_describes_the_api(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    post_ = document["paths"]["/api/v1/dossiers"]["post"]
    assert post_["security"] == [{"bearer": []}]
    assert {"200", "401", "422", "429"} <= set(post_["responses"])
    record_schema = document["components"]["schemas"]["Dossier"]
    assert set(record_schema["properties"]) >= {"dossier_code", "channel", "phone"}
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_errors_follow_the_callers_language(client, db, token):
    vi = post(client, token, [record("F1", channel="fax")], **{"Accept-Language": "vi"})
    en = post(client, token, [record("F1", channel="fax")], **{"Accept-Language": "en"})
    assert vi.json["message"] != en.json["message"]
    assert "nothing was stored" in en.json["message"]


def test_calls_are_rate_limited_per_token(database_url, tmp_path):
    from tests.conftest import migrated_app

    with migrated_app(tmp_path, RATELIMIT_ENABLED=True, SURVEY_RATE_LIMIT_API="2/minute") as app:
        from survey.extensions import db as database

        with app.app_context():
            factories.agency(code="XA-EAKAR", kind="commune", ranking_group="communes")
            database.session.commit()
            _, first = tokens.create("A", "motcua", actor="test", user_id=None)
            _, second = tokens.create("B", "dvc", actor="test", user_id=None)
            database.session.commit()
        client = app.test_client()
        codes = [post(client, first, [{"dossier_code": "x"}]).status_code for _ in range(3)]
        assert codes == [422, 422, 429]
        limited = post(client, first, [{"dossier_code": "x"}])
        assert limited.is_json
        assert limited.json["code"] == 429
        assert post(client, second, [{"dossier_code": "x"}]).status_code == 422, "own counter"


TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            "G1",
            "XA-EAKAR",
            "DD-01",
            "online",
            "post",
            "approved",
            str(date.today() - timedelta(days=9)),
            str(date.today() - timedelta(days=3)),
            "2026-02-30",
            "0912345678",
            "=cmd|'/c calc'!A0",
            "x" * 80,
        ]
    ),
    st.text(max_size=10),
    st.none(),
    st.integers(),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batch=st.lists(st.fixed_dictionaries(dict.fromkeys(TEXT_FIELDS, TEXT)), min_size=1, max_size=5)
)
def test_random_records_are_stored_whole_or_refused_with_nothing_stored(client, db, token, batch):
    before = _count(db)
    response = post(client, token, batch)
    assert response.status_code in (200, 422), response.get_data(as_text=True)
    assert response.is_json
    if response.status_code == 422:
        assert response.json["errors"]
        assert _count(db) == before
    else:
        assert sum(response.json.values()) == len({r["dossier_code"] for r in batch})
