"""`flask reports`: the province report, an agency's report, or every agency's in a zip."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.cli_support import by_code, output_option, write_whole
from survey.extensions import db
from survey.reform.services import latest_run
from survey.reports import exports, render
from survey.runs.models import AnalysisRun

reports_cli = AppGroup("reports", help="PDF reports from an analysis run.")

campaign_option = click.option("--campaign", "campaign_code", required=True, help="Campaign code.")
run_option = click.option("--run", "run_id", type=int, help="Run id (default: the latest).")
language_option = click.option(
    "--language", type=click.Choice(render.LANGUAGES), default="vi", show_default=True
)


def _campaign_and_run(campaign_code: str, run_id: int | None) -> tuple[Campaign, AnalysisRun]:
    campaign = by_code(Campaign, campaign_code, "--campaign")
    if run_id is None:
        run = latest_run(campaign)
        if run is None:
            raise click.ClickException(
                f"campaign {campaign_code} has no analysis run; run `flask analysis run` first"
            )
        return campaign, run
    run = db.session.get(AnalysisRun, run_id)
    if run is None or run.campaign_id != campaign.id:
        raise click.BadParameter(f"no run {run_id} of campaign {campaign_code}", param_hint="--run")
    return campaign, run


@reports_cli.command("province")
@campaign_option
@run_option
@language_option
@output_option
def province_command(campaign_code, run_id, language, output):
    """The province report: summary, league tables, indices, methods."""
    campaign, run = _campaign_and_run(campaign_code, run_id)
    write_whole(output, render.province_pdf(campaign, run, language))
    click.echo(f"province report of run {run.id} written to {output}")


@reports_cli.command("agency")
@campaign_option
@click.option("--agency", "agency_code", required=True, help="Agency code.")
@run_option
@language_option
@output_option
def agency_command(campaign_code, agency_code, run_id, language, output):
    """One agency's report: its indices against the province, trend, comments."""
    campaign, run = _campaign_and_run(campaign_code, run_id)
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None or agency not in campaign.agencies:
        raise click.BadParameter(
            f"{agency_code!r} is not an agency of campaign {campaign_code}", param_hint="--agency"
        )
    write_whole(output, render.agency_pdf(campaign, agency, run, language))
    click.echo(f"report of {agency.code} from run {run.id} written to {output}")


@reports_cli.command("agencies")
@campaign_option
@run_option
@language_option
@output_option
def agencies_command(campaign_code, run_id, language, output):
    """Every agency's report in one zip file."""
    campaign, run = _campaign_and_run(campaign_code, run_id)
    write_whole(output, render.agencies_zip(campaign, run, language))
    click.echo(f"agency reports of run {run.id} written to {output}")


export_cli = AppGroup("export", help="Data for SPSS, Excel and R users.")


@export_cli.command("responses")
@campaign_option
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), required=True)
@language_option
@output_option
def export_responses_command(campaign_code, fmt, language, output):
    """Every submission with its answers, value labels and a codebook (no personal data)."""
    campaign = by_code(Campaign, campaign_code, "--campaign")
    codebook = exports.write_responses(campaign, fmt, output, language)
    extra = f" (codebook {codebook})" if codebook != output else ""
    click.echo(f"responses of campaign {campaign.code} written to {output}{extra}")


@export_cli.command("results")
@campaign_option
@run_option
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), required=True)
@click.option(
    "--language", type=click.Choice(("vi", "en")), default="vi", show_default=True,
    help="Language of the headings and of the names beside the codes.",
)  # fmt: skip
@output_option
def export_results_command(campaign_code, run_id, fmt, language, output):
    """Every estimate of a run (default: the latest) as CSV or Excel: codes and names,
    percentages as the pages show them."""
    _campaign, run = _campaign_and_run(campaign_code, run_id)
    write_whole(output, exports.results_bytes(run, fmt, language))
    click.echo(f"results of run {run.id} written to {output}")


@export_cli.command("run-data")
@click.option("--run", "run_id", type=int, help="Run id.")
@click.option("--campaign", "campaign_code", help="Campaign code (its latest run).")
@output_option
def export_run_data_command(run_id, campaign_code, output):
    """A run's microdata with its design: FILE.csv and FILE.design.json, for R, Stata, SPSS."""
    from survey.runs.microdata import MicrodataError, design_json, run_data

    if (run_id is None) == (campaign_code is None):
        raise click.UsageError("give either --run ID or --campaign CODE")
    if run_id is not None:
        run = db.session.get(AnalysisRun, run_id)
        if run is None:
            raise click.BadParameter(f"no analysis run {run_id}", param_hint="--run")
    else:
        _campaign, run = _campaign_and_run(campaign_code, None)
    try:
        text, description = run_data(run)
    except MicrodataError as error:
        raise click.ClickException(str(error)) from None
    side = output.with_name(output.stem + ".design.json")
    write_whole(output, text.encode("utf-8"))
    write_whole(side, design_json(description))
    click.echo(f"{description['rows']} rows of run {run.id} written to {output}; design in {side}")
