from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from survey.choices import choices
from survey.form_messages import Form
from survey.inputs import WholeNumberField
from survey.questionnaires.types import MultiCheckboxField


class CampaignForm(Form):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Lower-case letters, digits and - only.")),
        ],
    )
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    # One pinned version per respondent type the campaign surveys (0: not surveyed).
    version_id = SelectField(_l("Questionnaire for citizens"), coerce=int, choices=[], default=0)
    organisation_version_id = SelectField(
        _l("Questionnaire for organisations"), coerce=int, choices=[], default=0
    )
    period_start = DateField(_l("First day"), validators=[DataRequired()])
    period_end = DateField(_l("Last day"), validators=[DataRequired()])
    agency_ids = MultiCheckboxField(_l("Agencies"), coerce=int, choices=[])
    # How respondents were selected; the analysis declares it (METHODS.md §1).
    design = SelectField(
        _l("Sampling design"),
        choices=choices(
            [
                (
                    "element",
                    _l("Element: respondents sampled within weighting cells (post-service)"),
                ),
                ("clustered", _l("Clustered: respondents reached in sampled clusters")),
                (
                    "household",
                    _l("Household: villages drawn in communes, households in villages"),
                ),
            ]
        ),
        default="element",
    )
    design_strata = SelectField(
        _l("Strata"),
        choices=choices(
            [
                ("cell", _l("agency × service field")),
                ("cell_channel", _l("agency × service field × channel")),
                ("agency", _l("agency")),
            ]
        ),
        default="cell",
    )
    design_cluster = SelectField(
        _l("Clusters (clustered design only)"),
        choices=choices([("", "—"), ("day_point", _l("interview day × service point"))]),
        default="",
    )
    # Where the base weights come from (METHODS.md §2).
    weighting = SelectField(
        _l("Weights"),
        choices=choices(
            [
                ("frame", _l("Frame counts: every answer stands for its cell's dossiers")),
                (
                    "selection",
                    _l("Selection: only answers to drawn invitations, weighted 1/π"),
                ),
            ]
        ),
        default="frame",
    )
    # Both estimates are always published; this picks the one the reform league ranks
    # by (METHODS.md §4a).
    league_estimate = SelectField(
        _l("Index in the reform league"),
        choices=choices(
            [
                ("direct", _l("Direct survey estimate of each agency")),
                (
                    "small_area",
                    _l("Small-area estimate (Fay–Herriot) where the run fitted one"),
                ),
            ]
        ),
        default="direct",
    )
    # Sampling fractions reach a fifth of a department's dossiers (METHODS.md §3).
    finite_population = SelectField(
        _l("Finite-population correction"),
        choices=choices(
            [
                ("frame", _l("From the frame counts: each cell's share of its dossiers sampled")),
                ("none", _l("None: variances as if the frame were unlimited")),
            ]
        ),
        default="frame",
    )
    # Counted in working days (weekends and Vietnam's public holidays do not count).
    reply_working_days = IntegerField(
        _l("Working days an agency has to answer a citizen's recommendation"),
        validators=[DataRequired(), NumberRange(min=1, max=60)],
        default=10,
    )


class SamplingPlanForm(Form):
    """The answers planned per agency and the expected response rate."""

    method = SelectField(
        _l("Answers planned per agency"),
        choices=choices(
            [
                ("yamane", _l("Yamane's formula at a 5% margin (as provincial plans state it)")),
                ("margin", _l("For a target margin of error")),
            ]
        ),
        default="yamane",
    )
    margin = WholeNumberField(
        _l("Target margin of error (percentage points)"),
        default=7,
        validators=[InputRequired(), NumberRange(min=1, max=49)],
    )
    response_rate = WholeNumberField(
        _l("Expected response rate (%)"),
        default=30,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )


class DrawForm(Form):
    through = DateField(_l("Dossiers returned up to"), validators=[DataRequired()])


class FrameImportForm(Form):
    file = FileField(validators=[FileRequired()])


class InvitationImportForm(Form):
    """The one-stop shop's export of returned dossiers: single-use links, as the CLI."""

    file = FileField(
        _l("CSV with columns dossier_code, agency_code, service_code, returned_date[, phone]"),
        validators=[FileRequired()],
    )
    valid_days = WholeNumberField(
        _l("Days a link stays valid after the result was returned"),
        default=30,
        validators=[InputRequired(), NumberRange(min=1, max=365)],
    )


class HouseholdDrawForm(Form):
    """The household survey's two-stage draw, as `households draw` makes it."""

    villages = IntegerField(
        _l("Villages drawn in each commune"), validators=[DataRequired(), NumberRange(1, 50)],
        default=2,
    )  # fmt: skip
    households = IntegerField(
        _l("Households drawn in each village"), validators=[DataRequired(), NumberRange(1, 100)],
        default=8,
    )  # fmt: skip
    method = SelectField(
        _l("How villages are drawn"),
        choices=choices(
            [
                ("srs", _l("Simple random sampling")),
                ("pps", _l("Proportional to households")),
            ]
        ),
        default="pps",
    )
