"""Reports as PDF: HTML from templates, WeasyPrint, and a cache keyed by what they show.

A report shows more than its run: reform points edited later, trends from other
campaigns, comments and the labels of the day. So the cache key is a digest of the very
HTML the PDF is made from (self-contained: styles and charts are inline) and of the
WeasyPrint version. Rendering the HTML is cheap; the PDF is what costs. Any change to
anything shown makes a new PDF, and a new database whose run ids start again at 1 is
never served another database's report.
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

from survey import i18n, results
from survey.agencies.models import Agency
from survey.campaigns.models import Campaign
from survey.charts import (
    Interval,
    bar_chart,
    heat_map,
    interval_chart,
    priority_matrix,
    residual_plot,
)
from survey.labels import code_label
from survey.pdf import html_to_pdf
from survey.reports import content
from survey.runs.models import AnalysisRun

LANGUAGES = ("vi", "en")


def number(value: float | None, digits: int = 2, language: str = "vi") -> str:
    """A number as the language writes it: 92,43 in Vietnamese, 92.43 in English."""
    if value is None:
        return "—"
    return format_decimal(value, format="0." + "0" * digits, locale=language)


def _helpers(language: str) -> dict:
    return {
        "language": language,
        "number": lambda value, digits=2: number(value, digits, language),
        # Templates render inside force_locale(language): the pages' own formatter.
        "count": i18n.count,
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
            charts=_province_charts(report, language),
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


def _name(agency: Agency, language: str) -> str:
    return agency.name_vi if language == "vi" else agency.name_en


def _province_charts(report: content.ProvinceReport, language: str) -> dict:
    lines = [line for group in report.groups.values() for line in group]
    agencies, components, values = report.heat
    charts = {
        "index": interval_chart(
            [_line(_name(line.agency, language), line.entry) for line in lines],
            title=_(
                "%(index)s per agency with its 95%% confidence interval", index=report.index_code
            ),
            reference=content.published(report.province),
            reference_label=_("Province"),
        ),
        "heat": heat_map(
            [_name(a, language) for a in agencies],
            components,
            values,
            title=_("Components by agency"),
        ),
        "channels": bar_chart(
            [(code_label("channel", line.channel), line.used) for line in report.channels],
            title=_("Submissions used in the estimates, by channel"),
        ),
    }
    if report.drivers:
        charts["drivers"] = priority_matrix(
            report.drivers,
            title=_("Key drivers: importance against performance"),
            x_label=_("Importance (share of the explained score, %)"),
            y_label=_("Index (%)"),
        )
    for group in report.small_areas:
        points = [
            (row.area["fitted"], row.area["residual"])
            for row in group.rows
            if row.area.get("residual") is not None
        ]
        if points:
            charts[f"residuals-{group.group}"] = residual_plot(
                points,
                title=_(
                    "%(group)s: standardised residuals of the small-area model",
                    group=code_label("ranking_group", group.group),
                ),
                x_label=_("Model prediction (points)"),
                y_label=_("Standardised residual"),
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
            [_line(results.trend_label(p), p.entry) for p in report.trend],
            title=_("%(index)s over campaigns", index=report.definition.index.code),
        )
    return charts


@cache
def _renderer() -> str:
    from importlib.metadata import version

    return f"weasyprint {version('weasyprint')}"


def cache_key(html: str) -> str:
    """A digest of everything the PDF shows: the HTML it is made from, and the renderer."""
    return hashlib.sha256(f"{_renderer()}\n{html}".encode()).hexdigest()


def _cache_path(key: str) -> Path:
    return Path(current_app.instance_path) / "reports" / key[:2] / f"{key}.pdf"


def kept_pdf(html: str) -> bytes | None:
    """The PDF of `html` if this machine's cache has it."""
    path = _cache_path(cache_key(html))
    return path.read_bytes() if path.is_file() else None


def cached_pdf(html: str) -> bytes:
    """The PDF of `html` from the cache, made (and kept) when missing."""
    key = cache_key(html)
    path = _cache_path(key)
    folder = path.parent
    if path.is_file():
        return path.read_bytes()
    data = html_to_pdf(html)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{key}.{os.getpid()}"
    temporary.write_bytes(data)
    temporary.replace(path)
    return data


def province_pdf(campaign: Campaign, run: AnalysisRun, language: str = "vi") -> bytes:
    return cached_pdf(province_html(campaign, run, language))


def agency_pdf(campaign: Campaign, agency: Agency, run: AnalysisRun, language="vi") -> bytes:
    return cached_pdf(agency_html(campaign, agency, run, language))


def reported_agencies(campaign: Campaign, run: AnalysisRun) -> list[Agency]:
    return [a for a in campaign.agencies if a.code in run.results["agencies"]]


def agencies_zip(
    campaign: Campaign,
    run: AnalysisRun,
    language: str = "vi",
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> bytes:
    """Every agency's report in one zip, as a province hands them out; `progress(done,
    total)` is told before each agency (a job shows it)."""
    agencies = reported_agencies(campaign, run)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, agency in enumerate(agencies):
            progress(done, len(agencies))
            archive.writestr(
                f"{campaign.code}-{agency.code}-{language}.pdf",
                agency_pdf(campaign, agency, run, language),
            )
    return buffer.getvalue()
