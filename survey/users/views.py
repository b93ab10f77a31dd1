"""Signing in and out, changing one's password, and managing staff accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select

from survey.admin.resources import agency_by_code, offer_agencies
from survey.admin.views import PAGE_SIZE, import_page
from survey.campaigns.models import Campaign, campaign_agency
from survey.csv_files import write_rows
from survey.downloads import attachment
from survey.extensions import db
from survey.pagination import paginate
from survey.permissions import STAFF, public, requires
from survey.users import services, sessions
from survey.users.forms import PasswordForm, SignInForm, UserForm
from survey.users.models import User
from survey.users.resources import USERS
from survey.web import ConfirmForm, actor

blueprint = Blueprint("users", __name__)


def _safe_next(target: str | None, user: User | None = None) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our name."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return _landing(user)


def _landing(user: User | None) -> str:
    """Where a user starts: an agency viewer on their agency's page of the latest
    campaign that covers it; everyone else on the home page."""
    if user is None or user.role != "agency-viewer" or user.agency is None:
        return url_for("main.show_home")
    campaign = db.session.scalar(
        select(Campaign)
        .join(campaign_agency, campaign_agency.c.campaign_id == Campaign.id)
        .where(campaign_agency.c.agency_id == user.agency_id, Campaign.status != "draft")
        .order_by(Campaign.period_start.desc(), Campaign.id.desc())
        .limit(1)
    )
    if campaign is None:
        return url_for("dashboard.list_campaigns")
    return url_for("dashboard.show_agency", code=campaign.code, agency_code=user.agency.code)


@blueprint.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next"), current_user))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        credentials = services.Credentials(
            form.login.data, form.password.data, request.remote_addr or "unknown"
        )
        try:
            user = services.authenticate(credentials)
        except services.Throttled as throttled:
            flash(
                _(
                    "Too many failed attempts from this device. Wait %(seconds)s seconds "
                    "and try again.",
                    seconds=throttled.wait_seconds,
                ),
                "error",
            )
            response = render_template("users/sign_in.html", form=form), 429
            return (*response, {"Retry-After": str(throttled.wait_seconds)})
        if user is not None:
            sessions.start(user)
            db.session.commit()
            login_user(user)
            if user.must_change_password:
                return redirect(url_for("users.change_password"))
            return redirect(_safe_next(request.args.get("next"), user))
        db.session.commit()
        flash(_("The user name or password is not right."), "error")
        status = 401
    return render_template("users/sign_in.html", form=form), status


@blueprint.post("/sign-out")
@requires(*STAFF)
def sign_out():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # The session row ends, so a copy of the cookie signs nobody in any more.
    sessions.end(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("main.show_home"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@requires(*STAFF)
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not services.check_password_hash(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is not right."))
        else:
            try:
                services.set_password(current_user, form.new.data, **actor())
            except services.AccountError as error:
                form.new.errors.append(_("Password: %(problem)s.", problem=str(error)))
            else:
                db.session.commit()
                flash(_("Your password is changed; other sessions are signed out."), "success")
                return redirect(url_for("main.show_home"))
    return render_template("users/password.html", form=form)


@blueprint.get("/admin/users/")
@requires("admin")
def list_users():
    query = select(User)
    text = request.args.get("q", "").strip()
    if text:
        query = query.where(or_(User.username.ilike(f"%{text}%"), User.email.ilike(f"%{text}%")))
    page = paginate(query, User.username, size=PAGE_SIZE)
    return render_template(
        "users/list.html",
        users=page.items,
        confirm=ConfirmForm(),
        text=text,
        total=page.total,
        page=page.number,
        pages=page.pages,
    )


@blueprint.route("/admin/users/import", methods=["GET", "POST"])
@requires("admin")
def import_users():
    return import_page(USERS, url_for(".list_users"))


@blueprint.get("/admin/users/export.csv")
@requires("admin")
def export_users():
    users = db.session.scalars(select(User).order_by(User.username)).all()
    return Response(
        write_rows(USERS.fields, [USERS.row(u) for u in users]),
        mimetype="text/csv",
        headers=attachment("users.csv"),
    )


@blueprint.route("/admin/users/new", methods=["GET", "POST"])
@requires("admin")
def create_user():
    form = UserForm()
    offer_agencies(form.agency_code, blank=True)
    if form.validate_on_submit():
        try:
            user, password = services.create_user(
                username=form.username.data,
                role=form.role.data,
                email=form.email.data,
                agency_code=form.agency_code.data or None,
                **actor(),
            )
        except services.AccountError as error:
            form.username.errors.append(str(error))
        else:
            db.session.commit()
            return render_template("users/password_shown.html", user=user, password=password)
    return render_template("users/form.html", form=form, user=None)


@blueprint.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user, agency_code=user.agency.code if user.agency else "")
    offer_agencies(form.agency_code, blank=True)
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                username=form.username.data,
                email=form.email.data,
                role=form.role.data,
                agency=agency_by_code(form.agency_code.data),
                active=form.active.data,
                editor=current_user,
                **actor(),
            )
        except services.AccountError as error:
            db.session.rollback()
            form[error.field or "username"].errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Saved %(code)s.", code=user.username), "success")
            return redirect(url_for(".list_users"))
    return render_template("users/form.html", form=form, user=user)


@blueprint.post("/admin/users/<int:user_id>/reset-password")
@requires("admin")
def reset_password(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    import secrets

    password = secrets.token_urlsafe(15)
    services.set_password(user, password, temporary=True, **actor())
    db.session.commit()
    return render_template("users/password_shown.html", user=user, password=password)
