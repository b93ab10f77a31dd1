"""Administrators' page for integration tokens: create one (its secret shown once),
revoke one, see when each was last used."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from survey.agencies.models import Agency
from survey.choices import choices
from survey.codes import CODE_PATTERN
from survey.extensions import db
from survey.form_messages import Form
from survey.i18n import localized
from survey.integrations import tokens
from survey.integrations.models import IntegrationToken
from survey.permissions import requires
from survey.web import ConfirmForm, actor

blueprint = Blueprint("integrations", __name__, url_prefix="/admin/integrations")


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    system = StringField(
        _l("Province system (code)"),
        validators=[
            DataRequired(),
            Length(max=32),
            Regexp(CODE_PATTERN, message=_l("Letters, digits, . _ - only.")),
        ],
        description=_l(
            "The system the token speaks for, e.g. motcua: it can change only the "
            "records it wrote itself."
        ),
    )
    agencies = SelectMultipleField(
        _l("Agencies"),
        coerce=int,
        description=_l(
            "Only the records of these agencies; none chosen: every agency. "
            "Hold Ctrl (⌘ on a Mac) to choose several."
        ),
    )


def _token_form() -> TokenForm:
    form = TokenForm()
    form.agencies.choices = choices(
        (a.id, f"{localized({'vi': a.name_vi, 'en': a.name_en})} ({a.code})")
        for a in db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.code))
    )
    return form


@blueprint.route("/", methods=["GET", "POST"])
@requires("admin")
def list_tokens():
    form = _token_form()
    if form.validate_on_submit():
        chosen = [db.session.get(Agency, agency_id) for agency_id in form.agencies.data or []]
        try:
            token, secret = tokens.create(
                form.name.data, form.system.data, agencies=chosen, **actor()
            )
        except tokens.TokenError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            # Post/Redirect/Get: the secret waits in this browser's signed session for the
            # one page that shows it, so a reload creates nothing and shows it no more.
            session["new_token"] = {"id": token.id, "secret": secret}
            return redirect(url_for("integrations.show_new_token", token_id=token.id), code=303)
    listed = db.session.scalars(
        select(IntegrationToken).order_by(
            IntegrationToken.revoked_at.is_not(None), IntegrationToken.created_at.desc()
        )
    ).all()
    return render_template("integrations/list.html", tokens=listed, form=form)


@blueprint.get("/<int:token_id>/created")
@requires("admin")
def show_new_token(token_id: int):
    """The new token's secret, shown once; afterwards the page says it cannot be shown."""
    token = db.session.get(IntegrationToken, token_id) or abort(404)
    kept = session.get("new_token") or {}
    secret = kept.get("secret") if kept.get("id") == token.id else None
    if secret is not None:
        session.pop("new_token")
    return render_template("integrations/shown.html", token=token, secret=secret)


@blueprint.post("/<int:token_id>/revoke")
@requires("admin")
def revoke_token(token_id: int):
    token = db.session.get(IntegrationToken, token_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    tokens.revoke(token, **actor())
    db.session.commit()
    flash(
        _(
            "The token %(prefix)s… is revoked: its calls are refused from now on.",
            prefix=token.prefix,
        ),
        "success",
    )
    return redirect(url_for("integrations.list_tokens"))
