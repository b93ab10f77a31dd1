"""Administrators' page for integration tokens: create one (its secret shown once),
revoke one, see when each was last used."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from survey.codes import CODE_PATTERN
from survey.extensions import db
from survey.form_messages import Form
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


@blueprint.route("/", methods=["GET", "POST"])
@requires("admin")
def list_tokens():
    form = TokenForm()
    if form.validate_on_submit():
        token, secret = tokens.create(form.name.data, form.system.data, **actor())
        db.session.commit()
        return render_template("integrations/shown.html", token=token, secret=secret)
    listed = db.session.scalars(
        select(IntegrationToken).order_by(
            IntegrationToken.revoked_at.is_not(None), IntegrationToken.created_at.desc()
        )
    ).all()
    return render_template("integrations/list.html", tokens=listed, form=form)


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
