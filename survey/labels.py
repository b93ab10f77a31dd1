"""Labels, in the reader's language, for codes the database stores.

A page never shows a stored code (a channel, a screening rule, a design) as it is kept:
it shows `code_label(kind, code)`. An unknown code falls back to itself, so a new value
is visible rather than hidden, and the translation test catches it on Vietnamese pages.
"""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

LABELS = {
    "channel": {
        "web-qr": _l("Web, QR code"),
        "web-link": _l("Web, invitation link"),
        "paper": _l("Paper"),
        "kiosk": _l("Kiosk"),
        "household": _l("Household interview"),
    },
    "form_status": {
        "issued": _l("issued, not keyed"),
        "keyed": _l("keyed once"),
        "adjudication": _l("entries differ: to adjudicate"),
        "verified": _l("verified"),
    },
    "campaign_status": {
        "draft": _l("draft"),
        "open": _l("open"),
        "closed": _l("closed"),
    },
    "agency_kind": {
        "department": _l("department"),
        "district": _l("district"),
        "commune": _l("commune"),
        "ward": _l("ward"),
    },
    "succession_kind": {
        "merge": _l("merge"),
        "split": _l("split"),
        "rename": _l("rename"),
    },
    "league_estimate": {
        "direct": _l("direct survey estimate"),
        "small_area": _l("small-area estimate (Fay–Herriot) where fitted"),
    },
    "finite_population": {
        "frame": _l("from the frame counts"),
        "none": _l("none (frame taken as unlimited)"),
    },
    "small_area_covariate": {
        "ward": _l("ward (1) or commune (0)"),
        "earlier_index": _l("index in the previous campaign (own or predecessors')"),
        "on_time_rate": _l("dossiers returned on time, in percent"),
        "log_frame": _l("log of the dossiers handled"),
        "(intercept)": _l("intercept"),
    },
    "covariate_dropped": {
        "missing": _l("not known for every agency"),
        "constant": _l("the same for every agency"),
        "collinear": _l("collinear with the others"),
        "league_criterion": _l("the reform league scores it itself, and takes these estimates"),
    },
    "previous_basis": {
        "own": _l("its own earlier figure"),
        "predecessors": _l("predecessors combined"),
        "new": _l("new"),
    },
    "respondent_type": {
        "citizen": _l("citizens"),
        "organisation": _l("organisations"),
    },
    # At a QR point of a campaign that surveys both: on whose behalf the respondent came.
    "on_behalf": {
        "citizen": _l("For myself or my family"),
        "organisation": _l("For an organisation: a business, cooperative or association"),
    },
    "yes_no": {"true": _l("yes"), "false": _l("no")},
    "role": {
        "admin": _l("Administrator"),
        "surveyor": _l("Surveyor"),
        "evaluator": _l("Evaluator"),
        "agency-viewer": _l("Agency viewer"),
    },
    "rule": {
        "speeder": _l("answered too fast"),
        "straight_line": _l("same answer to every item"),
        "repeated_dossier": _l("dossier already answered"),
        "burst": _l("many forms from one device in minutes"),
        "outside_period": _l("outside the campaign period"),
    },
    "dossier_channel": {
        "counter": _l("at the counter"),
        "online": _l("online"),
        "post": _l("by post"),
    },
    "dossier_timeliness": {
        "on_time": _l("returned on time"),
        "late": _l("returned late"),
    },
    "weighting": {
        "frame": _l("frame counts per agency × service field"),
        "selection": _l("1/π of drawn invitations, adjusted for nonresponse within cells"),
    },
    "village_method": {
        "srs": _l("simple random sampling"),
        "pps": _l("proportional to households"),
    },
    "design": {
        "element": _l("element design (respondents sampled within weighting cells)"),
        "clustered": _l("clustered design (respondents reached in sampled clusters)"),
        "household": _l("household design (villages drawn in communes, households in villages)"),
    },
    "design_strata": {
        "cell": _l("agency × service field"),
        "cell_channel": _l("agency × service field × channel"),
        "agency": _l("agency"),
    },
    "design_cluster": {
        "day_point": _l("interview day × service point"),
    },
    "job_kind": {
        "analysis_run": _l("Analysis run"),
        "agency_reports": _l("All agency reports (ZIP)"),
        "report_pdf": _l("Report (PDF)"),
        "paper_forms": _l("Paper forms of a batch (PDF)"),
        "audit_export": _l("Audit trail (CSV)"),
        "responses_export": _l("Every response (file)"),
        "invitations_export": _l("Links to send (CSV)"),
        "run_data_export": _l("The run's data with its design (ZIP)"),
    },
    # Who acted when no person signed in did: the command line, the demo, the workers.
    "actor": {
        "cli": _l("the command line"),
        "demo seed": _l("the demo"),
        "system": _l("the platform"),
        "retention": _l("the platform (phone erasure)"),
    },
    # How a stratum with a single sampling unit enters the variance (R's survey.lonely.psu).
    "lonely_psu": {
        "adjust": _l("its variance is measured about the whole sample's mean"),
        "remove": _l("it adds nothing to the variance"),
        "certainty": _l("it is taken as sampled with certainty"),
        "average": _l("it gets the average variance of the other strata"),
        "fail": _l("it stops the run"),
    },
    "job_step": {
        "agency_reports": _l("writing the agency reports"),
        "report_pdf": _l("laying out the report"),
        "paper_forms": _l("printing the forms"),
        "audit_export": _l("writing the events"),
        "responses_export": _l("writing the responses"),
        "invitations_export": _l("writing the links"),
        "run_data_export": _l("writing the run's data"),
        "reading": _l("reading the submissions"),
        "screening": _l("screening"),
        "estimating": _l("estimating the indices"),
        "small_areas": _l("fitting the small-area estimates"),
        "storing": _l("storing the run"),
        "recording": _l("recording the league, timeliness and response rates"),
    },
}


def code_label(kind: str, code: str | None) -> str:
    if code is None or code == "":
        return "—"
    if kind in NAMED_IN_DATA:
        return NAMED_IN_DATA[kind]().get(code, str(code))
    label = LABELS.get(kind, {}).get(code)
    return str(label) if label is not None else str(code)


def _ranking_groups() -> dict[str, str]:
    """Ranking groups' names in the reader's language, read once per request or job."""
    from flask import g
    from flask_babel import get_locale
    from sqlalchemy import select

    from survey.agencies.models import RankingGroup
    from survey.extensions import db

    locale = get_locale()
    language = locale.language if locale else "vi"
    cache = g.setdefault("ranking_group_names", {})
    if language not in cache:
        rows = db.session.execute(
            select(RankingGroup.code, RankingGroup.name_vi, RankingGroup.name_en)
        ).all()
        cache[language] = {code: vi if language == "vi" else en for code, vi, en in rows}
    return cache[language]


def _named_records(kind: str):
    """Names of records administrators keep (agencies, service fields) by code, in the
    reader's language, read once per request or job."""

    def read() -> dict[str, str]:
        from flask import g
        from flask_babel import get_locale
        from sqlalchemy import select

        from survey.agencies.models import Agency, ServiceField
        from survey.extensions import db

        model = {"agency": Agency, "service_field": ServiceField}[kind]
        locale = get_locale()
        language = locale.language if locale else "vi"
        cache = g.setdefault(f"{kind}_names", {})
        if language not in cache:
            rows = db.session.execute(select(model.code, model.name_vi, model.name_en)).all()
            cache[language] = {code: vi if language == "vi" else en for code, vi, en in rows}
        return cache[language]

    return read


# Codes whose names administrators keep as data rather than the catalog.
NAMED_IN_DATA = {
    "ranking_group": _ranking_groups,
    "agency": _named_records("agency"),
    "service_field": _named_records("service_field"),
}


def precision_reason(rule: str, value) -> str:
    """One reason an estimate is marked or withheld, in words: "n = 12", "df = 2"."""
    if rule == "not_estimable":
        return _("variance not estimable")
    if rule == "n":
        return _("n = %(n)s", n=format_decimal(value, format="0"))
    if rule == "effective_n":
        return _("effective n = %(n)s", n=format_decimal(value, format="0.0"))
    if rule == "df":
        return _("df = %(df)s", df=format_decimal(value, format="0"))
    if rule == "all_alike":
        return _("every answer alike: its standard error is 0")
    if rule == "half_width":
        return _("± %(points)s points", points=format_decimal(100 * value, format="0.0"))
    return str(rule)


def weighting_cell(cell: str) -> str:
    """A weighting cell (agency|field|respondent type, or a group agency|type) as people
    read it: the agency's and the field's names, the respondent type in words."""
    parts = cell.split("|")
    if len(parts) > 1 and parts[-1] in LABELS["respondent_type"]:
        parts[-1] = str(LABELS["respondent_type"][parts[-1]])
    parts[0] = code_label("agency", parts[0])
    if len(parts) == 3:
        parts[1] = code_label("service_field", parts[1])
    return " · ".join(parts)
