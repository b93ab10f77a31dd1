"""PDF rendering with WeasyPrint, fetching nothing from outside: every image is inline
(data: URLs) and fonts come from the system, so no template can make the server read its
files or reach the network."""

from __future__ import annotations

from flask import render_template


def html_to_pdf(html: str) -> bytes:
    return laid_out(html).write_pdf()


def laid_out(html: str):
    """The WeasyPrint document of `html`: its pages and boxes, ready to write as PDF."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher, base_url="data:,").render()


def render_pdf(template: str, **context) -> bytes:
    return html_to_pdf(render_template(template, **context))
