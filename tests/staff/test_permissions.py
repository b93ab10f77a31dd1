"""Every endpoint declares who may use it; this walk fails for a route without a rule."""

import re

import pytest

from survey.permissions import STAFF


def _endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        url = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule.endpoint, view, url, method


def _integration(view) -> bool:
    return getattr(view, "integration", False)


def test_every_endpoint_declares_public_or_roles(app):
    undeclared = [
        endpoint
        for endpoint, view, _, _ in _endpoints(app)
        if not getattr(view, "public", False)
        and not hasattr(view, "allowed_roles")
        and not _integration(view)
    ]
    assert undeclared == []


def test_integration_endpoints_refuse_calls_without_a_token(app, client, login_as):
    """The API knows no session: even a signed-in administrator needs a token."""
    login_as("admin")
    checked = 0
    for endpoint, view, url, method in _endpoints(app):
        if _integration(view):
            response = client.open(url, method=method, json={})
            assert response.status_code == 401, endpoint
            assert response.is_json, endpoint
            checked += 1
    assert checked >= 2


def test_staff_endpoints_send_anonymous_visitors_to_sign_in(app, client):
    checked = 0
    for endpoint, view, url, method in _endpoints(app):
        if getattr(view, "public", False) or _integration(view):
            continue
        response = client.open(url, method=method)
        assert response.status_code == 302, endpoint
        assert "/sign-in?next=" in response.headers["Location"], endpoint
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("role", STAFF)
def test_each_role_is_refused_where_it_has_no_rule(app, client, login_as, role):
    login_as(role)
    refused = allowed = 0
    for endpoint, view, url, method in _endpoints(app):
        if getattr(view, "public", False) or _integration(view) or endpoint == "users.sign_out":
            continue
        response = client.open(url, method=method)
        if role in view.allowed_roles:
            assert response.status_code != 403, endpoint
            allowed += 1
        else:
            assert response.status_code == 403, (endpoint, response.status_code)
            refused += 1
    assert allowed > 0
    assert refused > 0 or role == "admin"


def test_an_endpoint_without_a_rule_is_refused_at_run_time(app):
    from flask import Flask

    from survey.permissions import check_declared

    bare = Flask("bare")
    bare.before_request(check_declared)
    bare.add_url_rule("/forgotten", "forgotten", lambda: "exposed")
    assert bare.test_client().get("/forgotten").status_code == 403
