"""Reports as PDF: HTML from templates, WeasyPrint, and a cache keyed by what they show.

A report of run N shows run N: its estimates, what the run recorded beside them (the
reform league, timeliness, response rates: survey/runs/snapshots.py), comments of the
answers it used, and the trend of other campaigns as it stood when it was made. Beside
the run it shows the names of the day (campaign, agencies, groups, fields, lineage) in
the words of the templates and catalogues. The cache key digests exactly these: the run,
the agency, the language, those records, the report code, templates and catalogues, and
the WeasyPrint version (`report_key`), so a download finds its PDF without laying out
any HTML, and a new database whose run ids start again at 1 is never served another's
report (the run's creation time is in the key).
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


# What the report's words and layout come from, besides the records it reads.
_REPORT_SOURCES = (
    "templates/reports",
    "reports",
    "charts.py",
    "results.py",
    "labels.py",
    "i18n.py",
    "privacy.py",
    "translations",
)


@cache
def _code_digest() -> str:
    """The report code, templates and compiled catalogues, and the renderer: a change to
    any of them (a new release, a corrected translation) makes new PDFs."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(_renderer().encode())
    for name in _REPORT_SOURCES:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix in {".py", ".html", ".mo", ".css"}:
                digest.update(f"{file.relative_to(root)}\n".encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def _records_digest(campaign: Campaign) -> str:
    """The live records a report shows by name: the campaign, its agencies, every agency
    (lineage and trends name predecessors), ranking groups, service fields and lineage."""
    from sqlalchemy import select

    from survey.agencies.models import AgencySuccession, RankingGroup, ServiceField
    from survey.campaigns.models import campaign_agency
    from survey.extensions import db

    tables = [Campaign.__table__, Agency.__table__, RankingGroup.__table__]
    tables += [ServiceField.__table__, AgencySuccession.__table__]
    digest = hashlib.sha256()
    for table in tables:
        query = select(table).order_by(*table.primary_key.columns)
        for row in db.session.execute(query):
            digest.update(repr(tuple(row)).encode())
    members = select(campaign_agency.c.agency_id).where(
        campaign_agency.c.campaign_id == campaign.id
    )
    digest.update(repr(sorted(db.session.scalars(members))).encode())
    return digest.hexdigest()


def report_key(campaign: Campaign, run: AnalysisRun, agency: Agency | None, language: str) -> str:
    """A digest of everything a report's PDF shows, computed without drawing it."""
    parts = (
        _code_digest(),
        run.id,
        run.created_at.isoformat(),
        agency.code if agency is not None else None,
        language,
        _records_digest(campaign),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _cache_path(key: str) -> Path:
    return Path(current_app.instance_path) / "reports" / key[:2] / f"{key}.pdf"


def kept_pdf(key: str) -> bytes | None:
    """The PDF of the report with this key (`report_key`) if this machine's cache has it."""
    path = _cache_path(key)
    return path.read_bytes() if path.is_file() else None


def cached_pdf(
    campaign: Campaign, run: AnalysisRun, agency: Agency | None, language: str = "vi"
) -> bytes:
    """The report's PDF from the cache, drawn (and kept) when missing."""
    key = report_key(campaign, run, agency, language)
    path = _cache_path(key)
    folder = path.parent
    if path.is_file():
        return path.read_bytes()
    if agency is None:
        html = province_html(campaign, run, language)
    else:
        html = agency_html(campaign, agency, run, language)
    data = html_to_pdf(html)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{key}.{os.getpid()}"
    temporary.write_bytes(data)
    temporary.replace(path)
    return data


def province_pdf(campaign: Campaign, run: AnalysisRun, language: str = "vi") -> bytes:
    return cached_pdf(campaign, run, None, language)


def agency_pdf(campaign: Campaign, agency: Agency, run: AnalysisRun, language="vi") -> bytes:
    return cached_pdf(campaign, run, agency, language)


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
