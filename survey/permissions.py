"""Who may open what. Every endpoint declares it: `@public`, `@requires(role, ...)` or,
for the API other systems call, `@integration` (an integration token, checked by the
API's own blueprint).

An endpoint with neither is refused for everyone (and a test that walks the URL map
fails), so a new route cannot be exposed by forgetting a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

STAFF = ("admin", "surveyor", "evaluator", "agency-viewer")


def public(view: Callable) -> Callable:
    view.public = True
    return view


def integration(view: Callable) -> Callable:
    """For API endpoints: callers show an integration token, which the API's blueprint
    checks before the view runs (survey/dossiers/api.py)."""
    view.integration = True
    return view


def requires(*roles: str) -> Callable[[Callable], Callable]:
    """Allow signed-in staff with one of `roles` (admin is always allowed)."""
    allowed = tuple(dict.fromkeys(("admin", *roles)))

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("users.sign_in", next=request.full_path.rstrip("?")))
            if current_user.role not in allowed:
                abort(403)
            if current_user.must_change_password and request.endpoint not in (
                "users.change_password",
                "users.sign_out",
            ):
                # A password someone else saw opens nothing but the page that replaces it.
                return redirect(url_for("users.change_password"))
            return view(*args, **kwargs)

        guarded.allowed_roles = allowed
        return guarded

    return decorate


def check_declared() -> None:
    """before_request: refuse endpoints that declare no rule."""
    if request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "public", False) or hasattr(view, "allowed_roles"):
        return
    if getattr(view, "integration", False):
        return
    if request.endpoint == "static":
        return
    current_app.logger.error("endpoint %s declares no access rule", request.endpoint)
    abort(403)


def can(*roles: str) -> bool:
    """For templates: whether the current user has one of `roles` (admins always)."""
    return current_user.is_authenticated and current_user.role in ("admin", *roles)
