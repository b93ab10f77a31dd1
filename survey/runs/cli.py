"""`flask analysis run`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.campaigns.models import Campaign
from survey.cli_support import by_code
from survey.extensions import db
from survey.runs.services import RunError, run

analysis_cli = AppGroup("analysis", help="Analysis runs.")


@analysis_cli.command("run")
@click.option("--campaign", "code", required=True, help="Campaign code.")
@click.option(
    "--rake",
    "margins_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Population margins to rake to (CSV: variable,level,target).",
)
def run_command(code: str, margins_file: str | None) -> None:
    """Screen the campaign's submissions, estimate every index and store the run."""
    from analysis import AnalysisError
    from analysis.cli import read_margins

    campaign = by_code(Campaign, code, "--campaign")
    try:
        margins = read_margins(margins_file) if margins_file else None
        result = run(campaign, actor="cli", margins=margins)
    except (RunError, AnalysisError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    index = campaign.questionnaire_version.definition().index.code
    counts = result.screening
    design = result.parameters["design"]
    click.echo(
        f"run {result.id} of campaign {campaign.code}: {counts['used']} submissions used; "
        f"this run's screening flagged {counts['flagged']}, evaluators kept "
        f"{counts['kept_despite_flag']} of them and excluded {counts['excluded_by_decision']}"
    )
    click.echo("flags: " + ", ".join(f"{rule} {n}" for rule, n in counts["counts"].items()))
    click.echo(
        f"design: {design['kind']}, strata {design['strata']}, PSU {design['psu']}"
        + (f", raked to {', '.join(design['margins'])}" if design["raked"] else "")
    )
    for cell in design["collapsed_cells"]:
        click.echo(
            f"collapsed empty cell {cell['cell']}: {cell['dossiers']:g} dossiers moved to the "
            f"rest of {cell['group']}"
        )
    for agency, dossiers in design["unrepresented_agencies"].items():
        click.echo(f"agency {agency} has {dossiers:g} dossiers and no respondent")
    click.echo(f"data hash {result.data_hash}")
    click.echo(f"{'agency':12} {'n':>6} {index:>8} {'95% CI':>17}  flags")
    for agency, rows in sorted(result.results["agencies"].items()):
        overall = rows[index]
        estimate = "—" if overall["estimate"] is None else f"{100 * overall['estimate']:.2f}"
        low, high = overall["ci_low"], overall["ci_high"]
        interval = "—" if low is None or high is None else f"{100 * low:.2f}–{100 * high:.2f}"
        reasons = ", ".join(_reason(rule, value) for rule, value in overall.get("precision", []))
        click.echo(f"{agency:12} {overall['n']:>6} {estimate:>8} {interval:>17}  {reasons}")
    province = result.results["province"][index]
    click.echo(f"{'province':12} {province['n']:>6} {100 * province['estimate']:>8.2f}")


def _reason(rule: str, value) -> str:
    if rule == "not_estimable":
        return "variance not estimable"
    if rule == "half_width":
        return f"±{100 * value:.1f} points"
    return f"{rule} = {value}"
