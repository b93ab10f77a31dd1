"""Exports for analysts: a campaign's responses (CSV, Excel, SPSS .sav) with a codebook,
and a run's results (CSV, Excel).

Responses carry what was answered and the design columns, never who took part: no
invitation, client hash, form key or dossier hash ever leaves this way, what people wrote
is masked (survey/privacy.py), and no cell is a formula a spreadsheet would run.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from survey import local_time
from survey.agencies.models import Agency, RankingGroup, Service, ServiceField, ServicePoint
from survey.campaigns.models import Campaign
from survey.csv_files import spreadsheet_safe
from survey.extensions import db
from survey.i18n import localized
from survey.labels import LABELS
from survey.privacy import mask_personal_data
from survey.questionnaires.models import QuestionnaireVersion
from survey.responses import coded
from survey.responses.models import Answer, Submission, SubmissionReview
from survey.runs.extract import definitions_of
from survey.runs.models import AnalysisRun

FORMATS = ("csv", "xlsx", "sav")
DESIGN_COLUMNS = {
    "submission": ("Submission number", "Số phiếu trả lời"),
    "agency": ("Agency code", "Mã cơ quan"),
    "service_point": ("Service point code (sampling unit)", "Mã điểm tiếp nhận"),
    "service": ("Service (procedure) code", "Mã thủ tục"),
    "field": ("Service field code", "Mã lĩnh vực"),
    "channel": ("Channel: web-qr, web-link, paper, kiosk", "Kênh trả lời"),
    "respondent_type": ("Respondent type", "Loại người trả lời"),
    "submitted_at": ("Submitted at (local time)", "Thời điểm gửi (giờ địa phương)"),
    "decision": (
        "Evaluator's decision: exclude, keep (despite a screening flag), or empty",
        "Quyết định của người đánh giá: exclude (loại), keep (giữ dù bị gắn cờ), hoặc trống",
    ),
}


@dataclass
class Codebook:
    """Variable labels and value labels, in the export's language."""

    variables: dict[str, str]
    values: dict[str, dict[int | str, str]]  # value labels (respondent_type's are codes)

    def rows(self) -> Iterable[dict[str, Any]]:
        for name, label in self.variables.items():
            labels = self.values.get(name, {})
            yield {
                "variable": name,
                "label": label,
                "values": "; ".join(f"{v} = {text}" for v, text in labels.items()),
            }


def responses(campaign: Campaign, language: str = "vi") -> tuple[pd.DataFrame, Codebook]:
    """Every submission of the campaign (with any evaluator's decision), one column per
    answer: the columns of every questionnaire version it used (citizens' and
    organisations'), empty where a submission's form did not ask the question."""
    with force_locale(language):
        kinds = {k: str(v) for k, v in LABELS["respondent_type"].items()}
    codebook = Codebook(
        {k: v[0] if language == "en" else v[1] for k, v in DESIGN_COLUMNS.items()},
        {"respondent_type": kinds},
    )
    parts, written = [], []
    for version_id, definition in definitions_of(campaign, datetime.max).items():
        parts.append(_responses_of(campaign, version_id, definition, language, codebook))
        written += [q.code for q in definition.items if q.written and q.code not in written]
    data = pd.concat(parts, ignore_index=True).sort_values("submission", ignore_index=True)
    return safe_frame(data, masked=written), codebook


def _responses_of(
    campaign: Campaign, version_id: int, definition, language: str, codebook: Codebook
) -> pd.DataFrame:
    """The submissions of one questionnaire version, its answers as columns (each
    question type says which); adds its questions to the codebook (the first version's
    wording of a shared question)."""
    frame = _submissions(campaign, version_id)
    stored = _Stored(
        frame,
        coded.coded_items(definition),
        _answer_rows(campaign, version_id, [q.code for q in definition.items if not q.coded]),
    )
    columns: dict[str, Any] = {}
    for question in definition.items:
        for column in question.export_columns(stored, language, definition.satisfaction_scale):
            columns[column.name] = column.values
            codebook.variables.setdefault(column.name, column.label)
            if column.value_labels is not None:
                codebook.values.setdefault(column.name, dict(column.value_labels))
    return pd.concat([frame.reset_index(drop=True), pd.DataFrame(columns)], axis=1)


class _Stored:
    """One version's answers as an export reads them (types.StoredAnswers): coded items
    from the submissions' coded text, the others from their answer rows."""

    def __init__(self, frame: pd.DataFrame, codes: list[str], rows: pd.DataFrame) -> None:
        self.size = len(frame)
        self.codes_of = dict(
            zip(
                codes,
                coded.decode("".join(frame.pop("coded_answers")).encode(), self.size, len(codes)),
                strict=True,
            )
        )
        # Each item's rows, split once: a multiple choice reads its rows once per option.
        self.rows_of = dict(tuple(rows.groupby("item_code", sort=False)))
        self.none = rows.iloc[:0]
        self.row_of = {sid: row for row, sid in enumerate(frame["submission"].to_numpy())}

    def codes(self, item: str) -> Any:
        values = self.codes_of[item]
        return pd.array(np.where(np.isnan(values), pd.NA, values), dtype="Int64")

    def numbers(self, item: str) -> Any:
        return self._values(item, "value_int").astype("Int64").to_numpy()

    def texts(self, item: str) -> Any:
        return self._values(item, "value_text").to_numpy()

    def ticked(self, item: str, value: int) -> Any:
        chosen = self.rows_of.get(item, self.none)
        answered = np.zeros(self.size, dtype=bool)
        answered[[self.row_of[s] for s in chosen["submission_id"]]] = True
        picked = np.zeros(self.size, dtype=bool)
        rows = chosen[chosen["value_int"] == value]["submission_id"]
        picked[[self.row_of[s] for s in rows]] = True
        return pd.array(np.where(answered, picked.astype(int), pd.NA), dtype="Int64")

    def _values(self, item: str, column: str) -> pd.Series:
        rows = self.rows_of.get(item, self.none)
        series = pd.Series([pd.NA] * self.size, dtype="object")
        for sid, value in zip(rows["submission_id"], rows[column], strict=True):
            series.iloc[self.row_of[sid]] = value
        return series


def safe_frame(frame: pd.DataFrame, masked: Iterable[str] = ()) -> pd.DataFrame:
    """No cell a spreadsheet would run as a formula, and personal data masked in the
    `masked` columns (what respondents wrote)."""
    masked = set(masked)
    for column in frame.columns:
        if frame[column].dtype != object and not pd.api.types.is_string_dtype(frame[column]):
            continue
        if column in masked:
            frame[column] = frame[column].map(
                lambda v: spreadsheet_safe(mask_personal_data(v)) if isinstance(v, str) else v
            )
        else:
            frame[column] = frame[column].map(spreadsheet_safe)
    return frame


def _submissions(campaign: Campaign, version_id: int) -> pd.DataFrame:
    query = (
        select(
            Submission.id.label("submission"),
            Agency.code.label("agency"),
            ServicePoint.code.label("service_point"),
            Service.code.label("service"),
            ServiceField.code.label("field"),
            Submission.channel,
            Submission.respondent_type,
            Submission.submitted_at,
            SubmissionReview.decision,
            Submission.coded_answers,
        )
        .join(Agency, Agency.id == Submission.agency_id)
        .outerjoin(ServicePoint, ServicePoint.id == Submission.service_point_id)
        .outerjoin(Service, Service.id == Submission.service_id)
        .outerjoin(ServiceField, ServiceField.id == Service.field_id)
        .outerjoin(SubmissionReview, SubmissionReview.submission_id == Submission.id)
        .where(
            Submission.campaign_id == campaign.id,
            Submission.questionnaire_version_id == version_id,
        )
        .order_by(Submission.id)
    )
    rows = db.session.execute(query).all()
    frame = pd.DataFrame(rows, columns=[c.key for c in query.selected_columns])
    frame["submitted_at"] = (
        pd.to_datetime(frame["submitted_at"])
        .dt.tz_localize("UTC")
        .dt.tz_convert(local_time.zone())
        .dt.strftime("%Y-%m-%d %H:%M")
    )
    return frame


def _answer_rows(campaign: Campaign, version_id: int, uncoded: list[str]) -> pd.DataFrame:
    """Answer rows of the items the coded text does not hold."""
    rows = db.session.execute(
        select(Answer.submission_id, Answer.item_code, Answer.value_int, Answer.value_text)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(
            Submission.campaign_id == campaign.id,
            Submission.questionnaire_version_id == version_id,
            Answer.item_code.in_(uncoded),
        )
        .order_by(Answer.submission_id, Answer.item_code, Answer.position)
    ).all()
    return pd.DataFrame(rows, columns=["submission_id", "item_code", "value_int", "value_text"])


def write_responses(campaign: Campaign, fmt: str, output: Path, language: str = "vi") -> Path:
    """Write the responses; CSV gets its codebook beside it (NAME.codebook.csv).

    Returns the codebook's path for CSV, else the output itself.
    """
    import pyreadstat

    data, codebook = responses(campaign, language)
    if fmt == "csv":
        data.to_csv(output, index=False, encoding="utf-8-sig")
        book = output.with_name(output.stem + ".codebook.csv")
        safe_frame(pd.DataFrame(list(codebook.rows()))).to_csv(
            book, index=False, encoding="utf-8-sig"
        )
        return book
    if fmt == "xlsx":
        with pd.ExcelWriter(output, engine="openpyxl") as writer:
            data.to_excel(writer, sheet_name="responses", index=False)
            safe_frame(pd.DataFrame(list(codebook.rows()))).to_excel(
                writer, sheet_name="codebook", index=False
            )
        return output
    if fmt == "sav":
        pyreadstat.write_sav(
            _for_spss(data),
            str(output),
            column_labels={c: codebook.variables.get(c, c) for c in data.columns},
            variable_value_labels={k: v for k, v in codebook.values.items() if v},
        )
        return output
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


MIMETYPES = {
    "csv": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}


def responses_file(campaign: Campaign, fmt: str, language: str) -> tuple[str, str, bytes]:
    """The responses export as one file (name, type, content): CSV and its codebook in a
    zip, an Excel workbook, an SPSS file."""
    import tempfile
    import zipfile

    name = f"{campaign.code}-responses-{language}"
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / f"{name}.{fmt}"
        written = write_responses(campaign, fmt, output, language)
        if fmt != "csv":
            return f"{name}.{fmt}", MIMETYPES[fmt], output.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(output, output.name)
            archive.write(written, written.name)
        return f"{name}.zip", MIMETYPES[fmt], buffer.getvalue()


def responses_state(campaign: Campaign) -> str:
    """What the responses export depends on, as a short digest: the submissions and the
    evaluators' decisions (any change makes a new file)."""
    in_campaign = Submission.campaign_id == campaign.id
    submissions = db.session.execute(
        select(func.count(), func.max(Submission.id)).where(in_campaign)
    ).one()
    decisions = db.session.execute(
        select(func.count(), func.max(SubmissionReview.decided_at))
        .join(Submission, Submission.id == SubmissionReview.submission_id)
        .where(in_campaign)
    ).one()
    state = repr((tuple(submissions), tuple(decisions)))
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _for_spss(data: pd.DataFrame) -> pd.DataFrame:
    """SPSS has numbers and strings: nullable integers become floats with NaN."""
    converted = data.copy()
    for column in converted.columns:
        if str(converted[column].dtype) == "Int64":
            converted[column] = converted[column].astype("float64")
        elif converted[column].dtype == object:
            converted[column] = converted[column].where(converted[column].notna(), "")
    return converted


RESULT_COLUMNS = (
    "table", "domain", "level", "code", "estimate", "se", "ci_low", "ci_high", "n", "deff",
    "df", "low_precision", "suppressed", "mean", "mean_se",
)  # fmt: skip
# On the pages' scale: shares as percentages, their SEs in percentage points.
PERCENT_COLUMNS = ("estimate", "se", "ci_low", "ci_high")


def result_rows(run: AnalysisRun) -> list[dict[str, Any]]:
    """Every stored estimate of the run, one row each (proportions on the 0–1 scale)."""
    rows = []
    tables = [("agency", run.results["agencies"]), ("province", {"all": run.results["province"]})]
    for name, table in run.results.get("breakdowns", {}).items():
        tables.append((name, table))
    # Each agency's citizens' and organisations' parts: table "agency_citizen", ...
    for kind, table in (run.results.get("by_type") or {}).items():
        tables.append((f"agency_{kind}", table))
    for table_name, table in tables:
        for domain, entries in table.items():
            for code, entry in entries.items():
                rows.append(
                    {
                        "table": table_name,
                        "domain": domain,
                        "code": code,
                        **{k: entry.get(k) for k in RESULT_COLUMNS if k in entry},
                    }
                )
    # Small-area (Fay–Herriot) estimates, beside the direct ones: "se" is √MSE.
    for fitted in (run.results.get("small_areas") or {}).values():
        for domain, area in fitted.get("areas", {}).items():
            rows.append(
                {
                    "table": "small_area",
                    "domain": domain,
                    "level": "overall",
                    "code": fitted["index"],
                    **{k: area.get(k) for k in ("estimate", "se", "ci_low", "ci_high", "n")},
                }
            )
    return rows


def _headings() -> dict[str, str]:
    """The results file's column headings in the current language (the keys are the
    columns' stable names, what the command line's `--language en` file shows)."""
    return {
        "table": _("table"),
        "domain": _("code"),
        "domain_name": _("name"),
        "level": _("level"),
        "code": _("statistic code"),
        "statistic": _("statistic"),
        "estimate": _("estimate (%)"),
        "se": _("standard error (points)"),
        "ci_low": _("%(level)s%% interval, low (%%)", level=95),
        "ci_high": _("%(level)s%% interval, high (%%)", level=95),
        "n": _("answers"),
        "deff": _("design effect"),
        "df": _("degrees of freedom"),
        "low_precision": _("low precision"),
        "suppressed": _("withheld"),
        "mean": _("mean score (1–5)"),
        "mean_se": _("standard error of the mean score"),
    }


def _table_names() -> dict[str, str]:
    return {
        "agency": _("agency"),
        "province": _("province"),
        "channel": _("channel"),
        "respondent_type": _("respondent type"),
        "agency_citizen": _("agency, citizens"),
        "agency_organisation": _("agency, organisations"),
        "small_area": _("small-area estimate"),
    }


def _level_names() -> dict[str, str]:
    return {"item": _("criterion"), "component": _("component"), "overall": _("index")}


def readable_results(run: AnalysisRun, language: str) -> pd.DataFrame:
    """The run's estimates as people read them: names beside codes, percentages as on the
    pages, headings and labels in `language`."""
    definition = db.session.get(QuestionnaireVersion, run.questionnaire_version_id).definition()
    with force_locale(language):
        statistic = {q.code: localized(q.text, language) for q in definition.satisfaction_items}
        statistic |= {c.code: localized(c.name, language) for c in definition.index.components}
        statistic[definition.index.code] = localized(definition.index.name, language)
        if definition.global_item is not None:
            statistic[definition.global_item.code] = localized(
                definition.global_item.text, language
            )
        agencies = {
            a.code: a.name_vi if language == "vi" else a.name_en
            for a in db.session.scalars(select(Agency))
        }
        tables, levels, headings = _table_names(), _level_names(), _headings()
        yes = _("yes")
        names = {
            "province": {"all": _("whole province")},
            "channel": {c: str(label) for c, label in LABELS["channel"].items()},
            "respondent_type": {c: str(label) for c, label in LABELS["respondent_type"].items()},
        }
        rows = []
        for row in result_rows(run):
            shown = dict(row)
            for column in PERCENT_COLUMNS:
                if shown.get(column) is not None:
                    shown[column] = 100 * shown[column]
            table = row["table"]
            shown["domain_name"] = names.get(table, agencies).get(row["domain"], "")
            shown["statistic"] = statistic.get(row["code"], "")
            shown["table"] = tables.get(table, table)
            shown["level"] = levels.get(row.get("level"), row.get("level") or "")
            for flag in ("low_precision", "suppressed"):
                shown[flag] = yes if row.get(flag) else ""
            rows.append(shown)
        order = ["table", "domain", "domain_name", "level", "code", "statistic"]
        order += [c for c in RESULT_COLUMNS if c not in order]
        frame = pd.DataFrame(rows, columns=order)
        return frame.rename(columns=headings)


def _parameter_rows(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """The run's parameters, one row each (the design's one row per entry: together they
    would pass a spreadsheet cell's 32,767 characters)."""
    rows = []
    for key, value in parameters.items():
        if isinstance(value, dict) and key == "design":
            for name, entry in value.items():
                label = f"parameter {key}.{name}"
                if isinstance(entry, list):  # collapsed cells: one row each
                    rows += [(f"{label}[{i}]", str(e)) for i, e in enumerate(entry)]
                elif isinstance(entry, dict) and len(str(entry)) > 1000:
                    rows += [(f"{label}.{k}", str(v)) for k, v in entry.items()]
                else:
                    rows.append((label, str(entry)))
        else:
            rows.append((f"parameter {key}", str(value)))
    return rows


def results_bytes(run: AnalysisRun, fmt: str, language: str = "vi") -> bytes:
    """The run's estimates for people and analysts: codes and names, percentages as on
    the pages, headings in `language`; Excel adds the ranks, the comparisons with the
    group mean, the small-area estimates and the run's parameters, headed the same way."""
    frame = safe_frame(readable_results(run, language))
    if fmt == "csv":
        return ("\ufeff" + frame.to_csv(index=False)).encode("utf-8")
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}; use csv or xlsx")
    buffer = io.BytesIO()
    with force_locale(language), pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, sheet in [(_("estimates"), frame), *_analyst_sheets(run, language)]:
            safe_frame(sheet).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def _analyst_sheets(run: AnalysisRun, language: str) -> list[tuple[str, pd.DataFrame]]:
    """The workbook's other sheets, headed in the current language (forced by the caller):
    ranks, comparisons with the group mean, small areas, key drivers, the run."""
    agencies = {
        a.code: a.name_vi if language == "vi" else a.name_en
        for a in db.session.scalars(select(Agency))
    }
    groups = {
        g.code: g.name_vi if language == "vi" else g.name_en
        for g in db.session.scalars(select(RankingGroup))
    }

    def agency(code: str) -> dict[str, str]:
        return {_("code"): code, _("name"): agencies.get(code, "")}

    ranks = [
        {_("ranking group"): groups.get(group, group), **agency(row["domain"]),
         _("rank"): row["rank"], _("rank, %(level)s%% interval low", level=95): row["low"],
         _("rank, %(level)s%% interval high", level=95): row["high"]}
        for group, rows in run.results.get("ranks", {}).items()
        for row in rows
    ]  # fmt: skip

    def points(value):
        return None if value is None else 100 * value

    comparisons = [
        {_("ranking group"): groups.get(c.get("group"), c.get("group")), **agency(c["domain"]),
         _("difference from the group mean (points)"): points(c["difference"]),
         _("standard error (points)"): points(c["se"]), "t": c["t"],
         _("degrees of freedom"): c["df"], _("p"): c["p_value"], _("Holm-adjusted p"): c["p_holm"]}
        for c in run.results.get("comparisons", [])
    ]  # fmt: skip
    small_areas = [
        {_("ranking group"): groups.get(group, group), **agency(code), _("answers"): area.get("n"),
         _("direct estimate (%)"): points(area.get("direct")),
         _("small-area estimate (%)"): points(area.get("estimate")),
         _("%(level)s%% interval, low (%%)", level=95): points(area.get("ci_low")),
         _("%(level)s%% interval, high (%%)", level=95): points(area.get("ci_high")),
         _("weight on the direct estimate (%)"): points(area.get("shrinkage")),
         _("model prediction (%)"): area.get("fitted"),  # stored in points
         _("standardised residual"): area.get("residual")}
        for group, fitted in (run.results.get("small_areas") or {}).items()
        for code, area in fitted.get("areas", {}).items()
    ]  # fmt: skip
    fitted = run.results.get("drivers") or {}
    drivers = [
        {_("code"): d["component"], _("importance (%)"): points(d.get("importance")),
         _("%(level)s%% interval, low (%%)", level=95): points(d.get("importance_low")),
         _("%(level)s%% interval, high (%%)", level=95): points(d.get("importance_high")),
         _("coefficient"): d.get("coefficient"), _("standard error"): d.get("se"),
         _("p"): d.get("p_value"), "R²": fitted.get("r_squared"), _("answers"): fitted.get("n")}
        for d in fitted.get("components", [])
    ]  # fmt: skip
    about = pd.DataFrame(
        [
            ("run", run.id),
            ("campaign", run.campaign.code),
            ("created_at", local_time.local(run.created_at).isoformat()),
            ("cutoff_at", local_time.local(run.cutoff_at).isoformat()),
            ("data_hash", run.data_hash),
            *_parameter_rows(run.parameters),
            *((f"version {k}", v) for k, v in run.versions.items()),
        ],
        columns=[_("item"), _("value")],
    )
    sheets = [
        (_("ranks"), pd.DataFrame(ranks)),
        (_("comparisons"), pd.DataFrame(comparisons)),
    ]
    if small_areas:
        sheets.append((_("small areas"), pd.DataFrame(small_areas)))
    if drivers:
        sheets.append((_("key drivers"), pd.DataFrame(drivers)))
    return [*sheets, (_("run"), about)]
