"""Reports as PDF: HTML from templates, WeasyPrint, and a cache keyed by the run.

A run never changes, so a report made from it never needs making again; the cache key also
carries a digest of the report templates, so a new release does not serve old layouts.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.numbers import format_decimal
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.charts import Interval, bar_chart, heat_map, interval_chart, priority_matrix
from survey.labels import code_label
from survey.pdf import html_to_pdf
from survey.reports import content
from survey.runs.models import AnalysisRun

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "reports"
LANGUAGES = ("vi", "en")


@cache
def templates_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.glob("*.html")):
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:10]


def number(value: float | None, digits: int = 2, language: str = "vi") -> str:
    """A number as the language writes it: 92,43 in Vietnamese, 92.43 in English."""
    if value is None:
        return "—"
    return format_decimal(value, format="0." + "0" * digits, locale=language)


def _helpers(language: str) -> dict:
    return {
        "language": language,
        "number": lambda value, digits=2: number(value, digits, language),
        "signed": lambda value: ("+" if value >= 0 else "") + number(value, 2, language),
        "published": content.published,
        "interval": content.interval,
    }


def province_html(campaign: Campaign, run: AnalysisRun, language: str = "vi") -> str:
    report = content.province_report(campaign, run)
    with force_locale(language):
        return render_template(
            "reports/province.html",
            report=report,
            charts=_province_charts(report),
            **_helpers(language),
        )


def agency_html(campaign: Campaign, agency: Agency, run: AnalysisRun, language="vi") -> str:
    report = content.agency_report(campaign, agency, run)
    with force_locale(language):
        return render_template(
            "reports/agency.html",
            report=report,
            charts=_agency_charts(report),
            **_helpers(language),
        )


def _line(label: str, entry) -> Interval:
    bounds = content.interval(entry)
    return Interval(
        label,
        content.published(entry),
        bounds[0] if bounds else None,
        bounds[1] if bounds else None,
        muted=bool(entry and entry.get("low_precision")),
    )


def _province_charts(report: content.ProvinceReport) -> dict:
    lines = [line for group in report.groups.values() for line in group]
    charts = {
        "index": interval_chart(
            [_line(line.agency.name_vi, line.entry) for line in lines],
            title=_(
                "%(index)s per agency with its 95%% confidence interval", index=report.index_code
            ),
            reference=content.published(report.province),
            reference_label=_("Province"),
        ),
        "heat": heat_map(*report.heat, title=_("Components by agency")),
        "channels": bar_chart(
            [(code_label("channel", c), n) for c, n in report.channels.items()],
            title=_("Submissions by channel"),
        ),
    }
    if report.drivers:
        charts["drivers"] = priority_matrix(
            report.drivers,
            title=_("Key drivers: importance against performance"),
            x_label=_("Importance (share of the explained score, %)"),
            y_label=_("Index (%)"),
        )
    return charts


def _agency_charts(report: content.AgencyReport) -> dict:
    charts = {}
    if report.items:
        charts["items"] = interval_chart(
            [_line(f"{i.code}", i.entry) for i in report.items],
            title=_("Criteria with their %(level)s%% confidence intervals", level=95),
            reference=content.published(report.province.get(report.definition.index.code)),
            reference_label=_("Province"),
        )
    if report.trend:
        charts["trend"] = interval_chart(
            [_line(p.campaign.code, p.entry) for p in report.trend],
            title=_("%(index)s over campaigns", index=report.definition.index.code),
        )
    return charts


def cached(name: str, run: AnalysisRun, build: Callable[[], bytes]) -> bytes:
    """The report `name` of `run` from the cache, made (and kept) when missing."""
    folder = Path(current_app.instance_path) / "reports" / f"run-{run.id}-{templates_digest()}"
    path = folder / name
    if path.is_file():
        return path.read_bytes()
    data = build()
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.{os.getpid()}"
    temporary.write_bytes(data)
    temporary.replace(path)
    return data


def province_pdf(campaign: Campaign, run: AnalysisRun, language: str = "vi") -> bytes:
    return cached(
        f"province-{language}.pdf",
        run,
        lambda: html_to_pdf(province_html(campaign, run, language)),
    )


def agency_pdf(campaign: Campaign, agency: Agency, run: AnalysisRun, language="vi") -> bytes:
    return cached(
        f"agency-{agency.code}-{language}.pdf",
        run,
        lambda: html_to_pdf(agency_html(campaign, agency, run, language)),
    )


def agencies_zip(campaign: Campaign, run: AnalysisRun, language: str = "vi") -> bytes:
    """Every agency's report in one zip, as a province hands them out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for agency in campaign.agencies:
            if agency.code in run.results["agencies"]:
                archive.writestr(
                    f"{campaign.code}-{agency.code}-{language}.pdf",
                    agency_pdf(campaign, agency, run, language),
                )
    return buffer.getvalue()
