"""What the administration manages, described once: fields, columns, keys and how a
validated form becomes a record. The same form validates the web page and every CSV row,
and the CSV export has exactly the columns the import reads."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import inspect, or_, select
from wtforms import SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from survey.admin.fields import CodeField, DayField, FlagField, Unique
from survey.agencies import lineage
from survey.agencies.models import (
    AGENCY_KINDS,
    SUCCESSION_KINDS,
    Agency,
    AgencySuccession,
    RankingGroup,
    Service,
    ServiceField,
    ServicePoint,
)
from survey.choices import choices
from survey.codes import CODE_PATTERN
from survey.extensions import db
from survey.form_messages import Form
from survey.i18n import localized
from survey.inputs import DecimalNumberField, WholeNumberField
from survey.labels import code_label

CODE = [
    DataRequired(),
    Length(max=32),
    Regexp(CODE_PATTERN, message=_l("Letters, digits, . _ - only.")),
]
NAME = [DataRequired(), Length(max=200)]


def offer_agencies(field: CodeField, *, blank: bool = False, inactive: bool = False) -> None:
    """Set an agency picker: the agencies in use, by group and name ("Sở Xây dựng (SXD)"),
    after a "choose" line; agencies no longer active (merged, abolished) only where the
    record already names one, where the page asks for them (?inactive=1), or `inactive`
    (lineage, whose predecessors are mostly gone). Every agency's code stays valid, so a
    CSV file or an older record naming an inactive one still reads."""
    agencies = db.session.scalars(
        select(Agency).join(Agency.group).order_by(RankingGroup.position, Agency.name_vi)
    ).all()
    shown_all = inactive or _asked_for_inactive()
    offered = [a for a in agencies if a.active or shown_all or a.code == field.data]
    gone = _("no longer active")
    field.choices = choices(
        [("", "—" if blank else _("— choose an agency —"))]
        + [
            (a.code, f"{localized({'vi': a.name_vi, 'en': a.name_en})} ({a.code})"
             + ("" if a.active else f" · {gone}"))
            for a in offered
        ]
    )  # fmt: skip
    field.accepted = frozenset(a.code for a in agencies)


def _asked_for_inactive() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.args.get("inactive") == "1"


def _field_choices() -> list[tuple[str, str]]:
    fields = db.session.scalars(select(ServiceField).order_by(ServiceField.code)).all()
    return choices(
        (f.code, f"{localized({'vi': f.name_vi, 'en': f.name_en})} ({f.code})") for f in fields
    )


# Inside an import (`lookups_cached`): records found by code, kept for the rest of the
# file, so that 100,000 rows do not look up the same agency 100,000 times. Only found
# records are kept: one the import itself creates is looked up again.
_found: ContextVar[dict | None] = ContextVar("admin_lookups", default=None)


@contextlib.contextmanager
def lookups_cached() -> Iterator[None]:
    token = _found.set({})
    try:
        yield
    finally:
        _found.reset(token)


def _by_code(model, code: str | None):
    if not code:
        return None
    found = _found.get()
    if found is not None and (model, code) in found:
        return found[(model, code)]
    record = db.session.scalar(select(model).where(model.code == code))
    if found is not None and record is not None:
        found[(model, code)] = record
    return record


def agency_by_code(code: str | None) -> Agency | None:
    return _by_code(Agency, code)


def field_by_code(code: str | None) -> ServiceField | None:
    return _by_code(ServiceField, code)


def cell_text(value: Any) -> str:
    """A value as CSV rows (exports, and so imports) write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Resource:
    name: str  # URL segment and blueprint name, plural
    singular: str
    title: Any
    model: type
    form: type[FlaskForm]
    # (CSV column = form field, label, value of a record)
    columns: tuple[tuple[str, Any, Callable[[Any], Any]], ...]
    search: tuple[Any, ...]
    order_by: Any
    find: Callable[[dict[str, Any]], Any]  # the existing record a CSV row updates, or None
    apply: Callable[[Any, dict[str, Any]], None]  # set a record's attributes from form data
    prepare: Callable[[FlaskForm], None] = lambda form: None
    check: Callable[[FlaskForm], None] = lambda form: None
    extra_actions: tuple[tuple[str, Any], ...] = field(default_factory=tuple)
    key: tuple[str, ...] = ("code",)  # the columns that identify a record in a CSV file
    # After an import is applied (not committed): a message when the result is not
    # allowed, so the whole import is refused.
    verify_import: Callable[[], str | None] = lambda: None
    # `apply` sets columns only (foreign keys by id, no relationship): an import may then
    # insert the new records in one statement, past the session's unit of work.
    columns_only: bool = False
    # The table columns that identify a stored record (unique together): how an import
    # finds the ids of the records it inserted.
    stored_key: tuple[str, ...] = ("code",)
    # Columns whose stored codes the list page shows by their label (code_label kind);
    # the CSV keeps the codes.
    labelled: dict[str, str] = field(default_factory=dict)
    # Columns the list page shows formatted for the reader (numbers, days): name -> show.
    shown: dict[str, Callable[[Any], str]] = field(default_factory=dict)

    def new(self):
        return self.model()

    @property
    def ordering(self) -> tuple:
        return self.order_by if isinstance(self.order_by, tuple) else (self.order_by,)

    @property
    def blueprint(self) -> str:
        return self.name.replace("-", "_")

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.columns)

    def row(self, record) -> dict[str, str]:
        return {name: cell_text(get(record)) for name, _, get in self.columns}

    def shown_row(self, record) -> dict[str, str]:
        """The row as the list page shows it: codes by their labels, numbers and days as
        the reader's language writes them."""
        row = self.row(record)
        for name, kind in self.labelled.items():
            row[name] = code_label(kind, row[name]) if row[name] else ""
        for name, show in self.shown.items():
            row[name] = show(record)
        return row

    def search_clause(self, text: str):
        return or_(*(column.ilike(f"%{text}%") for column in self.search))


# Agencies ------------------------------------------------------------------------------

KIND_LABELS = dict(
    zip(
        AGENCY_KINDS,
        (_l("Department"), _l("District"), _l("Commune"), _l("Ward")),
        strict=True,
    )
)
# Kinds no agency is created as any more (districts since July 2025).
RETIRED_KINDS = frozenset({"district"})


class AgencyForm(Form):
    code = StringField(_l("Code"), validators=[*CODE, Unique(Agency, "code")])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=NAME)
    name_en = StringField(_l("Name (English)"), validators=NAME)
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    ranking_group = CodeField(
        _l("Ranking group"),
        choices=[],
        validators=[DataRequired()],
        description=_l("Agencies are ranked within their group (Ranking groups page)."),
    )
    parent_code = CodeField(_l("Parent agency"), choices=[], validators=[Optional()])
    active = FlagField(_l("Active"), default=True)


def _agency_apply(agency: Agency, data: dict) -> None:
    for name in ("code", "name_vi", "name_en", "kind", "ranking_group", "active"):
        setattr(agency, name, data[name])
    agency.parent = agency_by_code(data["parent_code"])


def _agency_check(form: AgencyForm) -> None:
    if form.parent_code.data and form.parent_code.data == form.code.data:
        form.parent_code.errors.append(_l("An agency cannot be its own parent."))
        raise ValidationError


def _agency_prepare(form: AgencyForm) -> None:
    offer_agencies(form.parent_code, blank=True)
    # District people's committees were abolished on 1 July 2025: no new one is made, but
    # one on record (or in a file of the earlier structure) keeps its kind.
    if not (getattr(form, "_importing", False) or form.kind.data in RETIRED_KINDS):
        form.kind.choices = [c for c in form.kind.choices if c.value not in RETIRED_KINDS]
    groups = db.session.scalars(select(RankingGroup).order_by(RankingGroup.position)).all()
    # Named, not coded: the code is what CSV files carry.
    form.ranking_group.choices = choices(
        (g.code, localized({"vi": g.name_vi, "en": g.name_en})) for g in groups
    )


AGENCIES = Resource(
    name="agencies",
    singular="agency",
    title=_l("Agencies"),
    model=Agency,
    form=AgencyForm,
    columns=(
        ("code", _l("Code"), lambda a: a.code),
        ("name_vi", _l("Name (Vietnamese)"), lambda a: a.name_vi),
        ("name_en", _l("Name (English)"), lambda a: a.name_en),
        ("kind", _l("Kind"), lambda a: a.kind),
        ("ranking_group", _l("Ranking group"), lambda a: a.ranking_group),
        ("parent_code", _l("Parent agency"), lambda a: a.parent.code if a.parent else ""),
        ("active", _l("Active"), lambda a: a.active),
    ),
    labelled={"kind": "agency_kind", "ranking_group": "ranking_group", "active": "yes_no"},
    search=(Agency.code, Agency.name_vi, Agency.name_en),
    order_by=Agency.code,
    find=lambda data: agency_by_code(data.get("code")),
    apply=_agency_apply,
    prepare=_agency_prepare,
    check=_agency_check,
)


# Service fields ------------------------------------------------------------------------


class ServiceFieldForm(Form):
    code = StringField(_l("Code"), validators=[*CODE, Unique(ServiceField, "code")])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=NAME)
    name_en = StringField(_l("Name (English)"), validators=NAME)
    active = FlagField(_l("Active"), default=True)


def _set(names):
    def apply(record, data):
        for name in names:
            setattr(record, name, data[name])

    return apply


SERVICE_FIELDS = Resource(
    name="service-fields",
    singular="service field",
    title=_l("Service fields"),
    model=ServiceField,
    form=ServiceFieldForm,
    columns=(
        ("code", _l("Code"), lambda f: f.code),
        ("name_vi", _l("Name (Vietnamese)"), lambda f: f.name_vi),
        ("name_en", _l("Name (English)"), lambda f: f.name_en),
        ("active", _l("Active"), lambda f: f.active),
    ),
    labelled={"active": "yes_no"},
    search=(ServiceField.code, ServiceField.name_vi, ServiceField.name_en),
    order_by=ServiceField.code,
    find=lambda data: db.session.scalar(
        select(ServiceField).where(ServiceField.code == data.get("code"))
    ),
    apply=_set(("code", "name_vi", "name_en", "active")),
)


# Ranking groups ------------------------------------------------------------------------


class RankingGroupForm(Form):
    code = StringField(_l("Code"), validators=[*CODE, Unique(RankingGroup, "code")])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=NAME)
    name_en = StringField(_l("Name (English)"), validators=NAME)
    position = WholeNumberField(
        _l("Position"),
        default=0,
        validators=[Optional()],
        description=_l("Where the group comes in leagues and reports (smallest first)."),
    )
    active = FlagField(_l("Active"), default=True)


def _group_apply(group: RankingGroup, data: dict) -> None:
    # Agencies name their group by code and follow a corrected one (ON UPDATE CASCADE).
    for name in ("code", "name_vi", "name_en", "active"):
        setattr(group, name, data[name])
    group.position = data["position"] or 0


RANKING_GROUPS = Resource(
    name="ranking-groups",
    singular="ranking group",
    title=_l("Ranking groups"),
    model=RankingGroup,
    form=RankingGroupForm,
    columns=(
        ("code", _l("Code"), lambda g: g.code),
        ("name_vi", _l("Name (Vietnamese)"), lambda g: g.name_vi),
        ("name_en", _l("Name (English)"), lambda g: g.name_en),
        ("position", _l("Position"), lambda g: g.position),
        ("active", _l("Active"), lambda g: g.active),
    ),
    labelled={"active": "yes_no"},
    search=(RankingGroup.code, RankingGroup.name_vi, RankingGroup.name_en),
    order_by=(RankingGroup.position, RankingGroup.code),
    find=lambda data: db.session.scalar(
        select(RankingGroup).where(RankingGroup.code == data.get("code"))
    ),
    apply=_group_apply,
)


# Services ------------------------------------------------------------------------------


class ServiceForm(Form):
    agency_code = CodeField(_l("Agency"), choices=[], validators=[DataRequired()])
    field_code = CodeField(_l("Service field"), choices=[], validators=[DataRequired()])
    code = StringField(_l("Procedure code"), validators=CODE)
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=400)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=400)])
    active = FlagField(_l("Active"), default=True)


def _find_service(data: dict) -> Service | None:
    agency = agency_by_code(data.get("agency_code"))
    if agency is None:
        return None
    return db.session.scalar(
        select(Service).where(Service.agency_id == agency.id, Service.code == data.get("code"))
    )


def _service_check(form: ServiceForm) -> None:
    if getattr(form, "_importing", False):
        return  # an import finds each row's record by this very key, and updates it
    other = _find_service({"agency_code": form.agency_code.data, "code": form.code.data})
    editing = getattr(form, "_obj", None)
    if other is not None and (editing is None or other.id != editing.id):
        form.code.errors.append(_l("%(value)s is already used.", value=form.code.data))
        raise ValidationError


def _service_apply(service: Service, data: dict) -> None:
    for name in ("code", "name_vi", "name_en", "active"):
        setattr(service, name, data[name])
    # By key, not by relationship: assigning `service.agency` appends to the agency's
    # whole list of services (loading it), which at 100,000 imported rows is most of the
    # work. The relationships read the new keys when next used.
    _set_keys(
        service,
        ("agency", "field"),
        agency_id=agency_by_code(data["agency_code"]).id,
        field_id=field_by_code(data["field_code"]).id,
    )


def _set_keys(record, relationships: tuple[str, ...], **keys) -> None:
    """Set foreign keys; the stored record's `relationships` then read them afresh."""
    for name, value in keys.items():
        setattr(record, name, value)
    # Not a mapped record: an import's new row, its columns only (services.save_all).
    if isinstance(record, db.Model) and inspect(record).persistent:
        db.session.expire(record, list(relationships))


def _service_prepare(form: ServiceForm) -> None:
    offer_agencies(form.agency_code)
    form.field_code.choices = _field_choices()


SERVICES = Resource(
    name="services",
    singular="service",
    title=_l("Services"),
    model=Service,
    form=ServiceForm,
    columns=(
        ("agency_code", _l("Agency"), lambda s: s.agency.code),
        ("field_code", _l("Service field"), lambda s: s.field.code),
        ("code", _l("Procedure code"), lambda s: s.code),
        ("name_vi", _l("Name (Vietnamese)"), lambda s: s.name_vi),
        ("name_en", _l("Name (English)"), lambda s: s.name_en),
        ("active", _l("Active"), lambda s: s.active),
    ),
    labelled={"active": "yes_no"},
    search=(Service.code, Service.name_vi, Service.name_en),
    order_by=(Service.agency_id, Service.code),
    find=_find_service,
    apply=_service_apply,
    prepare=_service_prepare,
    check=_service_check,
    key=("agency_code", "code"),
    columns_only=True,
    stored_key=("agency_id", "code"),
)


# Service points ------------------------------------------------------------------------


class ServicePointForm(Form):
    code = StringField(
        _l("Code"),
        validators=[*CODE, Unique(ServicePoint, "code")],
        description=_l("Printed on the poster as the short address /p/CODE."),
    )
    agency_code = CodeField(_l("Agency"), choices=[], validators=[DataRequired()])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=NAME)
    name_en = StringField(_l("Name (English)"), validators=NAME)
    address = StringField(_l("Address"), validators=[Optional(), Length(max=400)])
    active = FlagField(_l("Active"), default=True)


def _point_apply(point: ServicePoint, data: dict) -> None:
    for name in ("code", "name_vi", "name_en", "active"):
        setattr(point, name, data[name])
    point.address = data["address"] or None
    _set_keys(point, ("agency",), agency_id=agency_by_code(data["agency_code"]).id)


SERVICE_POINTS = Resource(
    name="service-points",
    singular="service point",
    title=_l("Service points"),
    model=ServicePoint,
    form=ServicePointForm,
    columns=(
        ("code", _l("Code"), lambda p: p.code),
        ("agency_code", _l("Agency"), lambda p: p.agency.code),
        ("name_vi", _l("Name (Vietnamese)"), lambda p: p.name_vi),
        ("name_en", _l("Name (English)"), lambda p: p.name_en),
        ("address", _l("Address"), lambda p: p.address),
        ("active", _l("Active"), lambda p: p.active),
    ),
    labelled={"active": "yes_no"},
    search=(ServicePoint.code, ServicePoint.name_vi, ServicePoint.name_en),
    order_by=ServicePoint.code,
    find=lambda data: db.session.scalar(
        select(ServicePoint).where(ServicePoint.code == data.get("code"))
    ),
    apply=_point_apply,
    prepare=lambda form: offer_agencies(form.agency_code),
    extra_actions=(("points.download_poster", _l("QR poster (PDF)")),),
    columns_only=True,
)


# Agency lineage ------------------------------------------------------------------------

SUCCESSION_LABELS = dict(
    zip(SUCCESSION_KINDS, (_l("Merge"), _l("Split (a share)"), _l("Rename")), strict=True)
)


class SuccessionForm(Form):
    predecessor_code = CodeField(
        _l("Predecessor"),
        choices=[],
        validators=[DataRequired()],
        description=_l("The agency whose work passed on."),
    )
    successor_code = CodeField(
        _l("Successor"),
        choices=[],
        validators=[DataRequired()],
        description=_l("The agency that took it over."),
    )
    kind = SelectField(_l("Kind"), choices=choices(SUCCESSION_LABELS.items()))
    share = DecimalNumberField(
        _l("Share"),
        default=1.0,
        validators=[InputRequired(), NumberRange(min=0.0001, max=1)],
        description=_l(
            "The share of the predecessor's dossiers the successor took over: 1 for a merge "
            "or a rename, the part's share for a split (0.4 = 40%)."
        ),
    )
    effective_on = DayField(_l("Effective from"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=400)])
    active = FlagField(_l("Active"), default=True)


def _find_succession(data: dict) -> AgencySuccession | None:
    before = agency_by_code(data.get("predecessor_code"))
    after = agency_by_code(data.get("successor_code"))
    if before is None or after is None:
        return None
    return db.session.scalar(
        select(AgencySuccession).where(
            AgencySuccession.predecessor_id == before.id,
            AgencySuccession.successor_id == after.id,
        )
    )


def _succession_check(form: SuccessionForm) -> None:
    if form.predecessor_code.data == form.successor_code.data:
        form.successor_code.errors.append(_l("An agency cannot succeed itself."))
        raise ValidationError
    editing = getattr(form, "_obj", None)
    other = _find_succession(
        {"predecessor_code": form.predecessor_code.data, "successor_code": form.successor_code.data}
    )
    if other is not None and (editing is None or other.id != editing.id):
        form.successor_code.errors.append(_l("This succession is already recorded."))
        raise ValidationError
    if getattr(form, "_importing", False):
        return  # an import checks the lineage once, as a whole (_verify_lineage)
    # The lineage as it would be with this row: no cycle, shares that add up.
    proposed = lineage.Link(
        form.predecessor_code.data,
        form.successor_code.data,
        form.kind.data,
        form.share.data or 0.0,
        form.effective_on.data,
    )
    kept = [
        link
        for link in lineage.links()
        if editing is None
        or (link.predecessor, link.successor) != (editing.predecessor.code, editing.successor.code)
    ]
    chain = [*kept, proposed] if form.active.data else kept
    found = lineage.problems(chain, lineage.named(chain))
    for problem in found:
        # Each under the field it concerns: a circle under the successor, shares under
        # the share, a rename's one-to-one rule under the kind.
        form[problem.field].errors.append(problem.message)
    if found:
        raise ValidationError


def _succession_apply(succession: AgencySuccession, data: dict) -> None:
    succession.predecessor = agency_by_code(data["predecessor_code"])
    succession.successor = agency_by_code(data["successor_code"])
    for name in ("kind", "share", "effective_on", "active"):
        setattr(succession, name, data[name])
    succession.note = data["note"] or None


def _succession_prepare(form: SuccessionForm) -> None:
    offer_agencies(form.predecessor_code, inactive=True)
    offer_agencies(form.successor_code, inactive=True)


def _name(agency: Agency) -> str:
    return localized({"vi": agency.name_vi, "en": agency.name_en})


def _verify_lineage() -> str | None:
    chain = lineage.links()
    found = lineage.problems(chain, lineage.named(chain))
    return str(found[0]) if found else None


SUCCESSIONS = Resource(
    name="agency-successions",
    singular="agency succession",
    title=_l("Agency lineage"),
    model=AgencySuccession,
    form=SuccessionForm,
    columns=(
        ("predecessor_code", _l("Predecessor"), lambda r: r.predecessor.code),
        ("successor_code", _l("Successor"), lambda r: r.successor.code),
        ("kind", _l("Kind"), lambda r: r.kind),
        ("share", _l("Share"), lambda r: f"{r.share:g}"),
        ("effective_on", _l("Effective from"), lambda r: r.effective_on.isoformat()),
        ("note", _l("Note"), lambda r: r.note),
        ("active", _l("Active"), lambda r: r.active),
    ),
    labelled={"kind": "succession_kind", "active": "yes_no"},
    shown={
        # Named as people read them; the CSV keeps the codes.
        "predecessor_code": lambda r: f"{_name(r.predecessor)} ({r.predecessor.code})",
        "successor_code": lambda r: f"{_name(r.successor)} ({r.successor.code})",
        "share": lambda r: format_decimal(r.share, "#,##0.###"),
        "effective_on": lambda r: r.effective_on.strftime("%d/%m/%Y"),
    },
    search=(AgencySuccession.note,),
    order_by=(AgencySuccession.effective_on, AgencySuccession.id),
    find=_find_succession,
    apply=_succession_apply,
    prepare=_succession_prepare,
    check=_succession_check,
    key=("predecessor_code", "successor_code"),
    verify_import=_verify_lineage,
)

RESOURCES = (AGENCIES, RANKING_GROUPS, SERVICE_FIELDS, SERVICES, SERVICE_POINTS, SUCCESSIONS)
