"""Every route, as every role, fed what an attacker or a broken client sends: NUL bytes,
integers beyond any column, digits that are not ASCII, values far too long. None of it
may end in a 500, and none of it may store anything.

The URL map is walked, so a route added later is fuzzed without anyone remembering to.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey.extensions import db as _db
from survey.local_time import today
from survey.recommendations import services as recommendation_services
from survey.users.services import create_user
from tests import factories

ROLES = (None, "admin", "surveyor", "evaluator", "agency-viewer")
# Values that no field of the platform accepts: each must be refused, storing nothing.
NEVER_VALID = ("\x00", "a\x00b", "x" * 5000, "Đ" * 300)
# Values that are wrong where a number or an id is expected (and may be fine text in a
# name): they must never break anything.
ODD = (
    str(2**31),
    str(2**63),
    "9" * 40,
    "²",
    "١٢",
    "𝟗",
    "-1",
    "\r\nX-Injected: 1",
    "' OR 1=1 --",
    "../../etc/passwd",
    "=cmd|' /C calc'!A0",
)
# Tables whose row counts must not move. (Actions that need no values, such as starting
# an analysis run or switching an agency off, change state by design and are not counted.)
COUNTED = (
    "agency",
    "service",
    "service_field",
    "service_point",
    "campaign",
    "frame_count",
    "invitation",
    "submission",
    "answer",
    "user_account",
    "questionnaire",
    "questionnaire_version",
    "paper_batch",
    "paper_form",
    "paper_entry",
    "submission_review",
    "reform_points",
    "integration_token",
    "dossier_record",
    "sampling_plan",
    "recommendation",
    "recommendation_contact",
)
PARAMETER = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


@pytest.fixture
def world(app, db):
    """One of everything a route may name, and a signed-in client per role."""
    agency = factories.agency(code="SXD")
    factories.service(agency=agency)
    point = factories.service_point(code="sxd-1", agency=agency)
    campaign = factories.campaign(agencies=[agency], status="open", code="C1")
    factories.submission(campaign=campaign, agency=agency, answers={"TC1": 4})
    recommendation = recommendation_services.receive(
        campaign, agency, recommendation_services.Received(text="Kiến nghị"), on=today()
    )
    valid = {
        "code": campaign.code,
        "agency_code": agency.code,
        "token": "t" * 22,
        "fmt": "csv",
        "point_id": str(point.id),
        "record_id": str(agency.id),
        "campaign_id": str(campaign.id),
        "user_id": "1",
        "version_id": str(campaign.questionnaire_version_id),
        "submission_id": "1",
        "batch_id": "1",
        "form_id": "1",
        "assignment_id": "1",
        "job_id": "0" * 32,
        "serial": "SXD-000001-8",
        "respondent": "citizen",
        "token_id": "1",
        "dossier_code": "H1",
        "recommendation_id": str(recommendation),
    }
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role is not None:
            extra = {"agency_code": agency.code} if role == "agency-viewer" else {}
            user, password = create_user(
                username=f"fuzz-{role}",
                role=role,
                password="fuzzing is fun 123",
                actor="t",
                **extra,
            )
            db.session.commit()
            client.post("/sign-in", data={"login": user.username, "password": password})
        clients[role] = client
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )
    return clients, rules, valid


def _counts() -> dict[str, int]:
    return {
        table: _db.session.scalar(select(func.count()).select_from(_db.metadata.tables[table]))
        for table in COUNTED
    }


def _path(rule, values: dict[str, str]) -> str:
    return PARAMETER.sub(lambda m: quote(values[m[1]], safe=""), rule.rule)


_fields_seen: dict[tuple, list[str]] = {}


def _field_names(client, rule, valid, role) -> list[str]:
    """The names of the form fields the route's own page offers (so posts reach the
    validators, not just the "missing field" path)."""
    key = (role, rule.rule)
    if key not in _fields_seen:
        names: list[str] = []
        if "GET" in rule.methods:
            response = client.get(_path(rule, valid))
            if response.mimetype == "text/html":
                page = response.get_data(as_text=True)
                names = sorted(set(re.findall(r'name="([^"]+)"', page)) - {"csrf_token"})
        _fields_seen[key] = names or ["name", "code", "value", "login", "password", "file"]
    return _fields_seen[key]


def _check(client, rule, method, path, data):
    response = client.open(path, method=method, data=data)
    assert response.status_code < 500, f"{method} {path} gave {response.status_code}"
    return response


def test_every_route_refuses_hostile_values_as_an_administrator(world, db):
    """Deterministic sweep: each hostile value in each URL parameter and each form
    field of each route, as the role that reaches every route."""
    clients, rules, valid = world
    client = clients["admin"]
    before = _counts()
    for rule in rules:
        names = _field_names(client, rule, valid, "admin")
        for hostile in (*NEVER_VALID, *ODD):
            for argument in rule.arguments:
                path = _path(rule, {**valid, argument: hostile})
                for method in sorted(rule.methods & {"GET", "POST"}):
                    _check(client, rule, method, path, {})
            if (
                hostile in NEVER_VALID
                and "POST" in rule.methods
                and rule.endpoint != "users.sign_out"
            ):
                _check(client, rule, "POST", _path(rule, valid), dict.fromkeys(names, hostile))
    db.session.rollback()
    assert _counts() == before


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_role_any_route_any_value_never_fails(world, db, data):
    clients, rules, valid = world
    role = data.draw(st.sampled_from(ROLES), label="role")
    rule = data.draw(st.sampled_from(rules), label="route")
    value = st.sampled_from(NEVER_VALID)
    if data.draw(st.booleans(), label="odd or arbitrary text (may be stored)"):
        value = st.one_of(st.sampled_from(ODD), st.text(max_size=40))
        counted = False
    else:
        counted = True
    values = {a: data.draw(st.one_of(st.just(valid[a]), value), label=a) for a in rule.arguments}
    method = data.draw(st.sampled_from(sorted(rule.methods & {"GET", "POST"})), label="method")
    form = {}
    if method == "POST" and rule.endpoint != "users.sign_out":
        names = _field_names(clients[role], rule, valid, role)
        form = {name: data.draw(value, label=name) for name in names}
    before = _counts()
    _check(clients[role], rule, method, _path(rule, values), form)
    db.session.rollback()
    if counted:
        assert _counts() == before


# Query-string parameters the pages read (filters, pages, steps): each with values that
# are not what it expects.
QUERY_NAMES = (
    "agency", "campaign", "page", "step", "run", "group", "status", "service", "point",
    "kind", "q", "lang", "year", "batch", "role", "field", "through", "all", "check",
)  # fmt: skip
QUERY_VALUES = ("9" * 30, str(2**63), "١٢", "\x00", "-1", "x" * 3000)


def test_every_page_refuses_hostile_query_values(world, db):
    clients, rules, valid = world
    client = clients["admin"]
    for rule in rules:
        if "GET" not in rule.methods:
            continue
        path = _path(rule, valid)
        for name in QUERY_NAMES:
            for value in QUERY_VALUES:
                response = client.get(path, query_string={name: value})
                assert response.status_code < 500, f"GET {path}?{name}=… gave a 500"


def test_every_form_refuses_odd_numbers_and_hostile_files(world, db):
    """Numbers past any column (a ranking group at position 10^30) in every field of
    every form, and uploaded files with a NUL byte, bad encodings or nonsense."""
    import io

    clients, rules, valid = world
    client = clients["admin"]
    files = (
        b"code,name_vi\nA\x00B,x\n",
        b"\xff\xfe\x00garbage",
        b"dossier_code,agency_code\n" + b"9" * 5000 + b",SXD\n",
        b"",
    )
    for rule in rules:
        if "POST" not in rule.methods or rule.endpoint == "users.sign_out":
            continue
        names = _field_names(client, rule, valid, "admin")
        path = _path(rule, valid)
        for odd in ("9" * 31, str(2**63), "١٢", "-1"):
            # May be stored where it is fine text (a name): only no 500 is asked.
            _check(client, rule, "POST", path, dict.fromkeys(names, odd))
        db.session.rollback()
        before = _counts()
        for name in [n for n in names if "file" in n]:
            for content in files:
                data = {n: "1" for n in names if n != name}
                data[name] = (io.BytesIO(content), "x.csv")
                _check(client, rule, "POST", path, data)
        db.session.rollback()
        assert _counts() == before, f"{path} stored something from a hostile file"
