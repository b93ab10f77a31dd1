import io
import re

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select

from survey.campaigns.models import Campaign
from survey.responses.models import Answer, Submission
from survey.runs.services import run as analyse

PRIVATE = ("client_hash", "form_key", "dossier_hash", "duration_seconds", "invitation", "phone")


@pytest.fixture
def demo(runner, db):
    result = runner.invoke(args=["demo", "seed", "--responses", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Campaign).where(Campaign.code == "demo"))


def _export(runner, campaign, fmt, output, *more):
    arguments = ["--campaign", campaign, "--format", fmt, "--output", str(output), *more]
    return runner.invoke(args=["export", "responses", *arguments])


def _stored_answers(db, submission_id) -> dict:
    return {
        a.item_code: a.value
        for a in db.session.scalars(select(Answer).where(Answer.submission_id == submission_id))
    }


def test_the_sav_file_reads_back_with_value_and_variable_labels(runner, demo, db, tmp_path):
    output = tmp_path / "responses.sav"
    result = runner.invoke(
        args=[
            "export",
            "responses",
            "--campaign",
            "demo",
            "--format",
            "sav",
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    data, meta = pyreadstat.read_sav(str(output))
    assert len(data) == 300
    assert meta.column_names_to_labels["TC1"].startswith("Cơ quan cung cấp thông tin")
    assert meta.variable_value_labels["TC1"][5.0] == "Rất hài lòng"
    assert meta.variable_value_labels["A1"] == {1.0: "Nam", 2.0: "Nữ"}
    first = data.iloc[0]
    stored = _stored_answers(db, int(first["submission"]))
    for code in ("TC1", "CC3", "A2"):
        expected = stored.get(code)
        assert (pd.isna(first[code]) and expected is None) or first[code] == expected, code
    assert not any(name in " ".join(data.columns) for name in PRIVATE)


def test_csv_comes_with_a_codebook_and_xlsx_with_a_codebook_sheet(runner, demo, tmp_path):
    csv_path = tmp_path / "responses.csv"
    _export(runner, "demo", "csv", csv_path, "--language", "en")
    data = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert list(data.columns[:9]) == [
        "submission", "agency", "service_point", "service", "field", "channel",
        "respondent_type", "submitted_at", "decision",
    ]  # fmt: skip
    codebook = pd.read_csv(tmp_path / "responses.codebook.csv", encoding="utf-8-sig")
    tc1 = codebook[codebook["variable"] == "TC1"].iloc[0]
    assert "5 = Very satisfied" in tc1["values"]
    xlsx_path = tmp_path / "responses.xlsx"
    _export(runner, "demo", "xlsx", xlsx_path)
    sheets = pd.read_excel(xlsx_path, sheet_name=None)
    assert set(sheets) == {"responses", "codebook"}
    assert len(sheets["responses"]) == 300


def test_results_export_holds_every_stored_estimate(client, login_as, demo, db):
    stored = analyse(demo, actor="test")
    db.session.commit()
    login_as("evaluator")
    response = client.get(f"/results/demo/results.csv?run={stored.id}&language=en")
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")
    row = frame[
        (frame["table"] == "agency")
        & (frame["code"] == "SXD")
        & (frame["statistic code"] == "SIPAS")
    ]
    # On the pages' scale (76.31, not 0.7631), with the agency's name beside its code.
    assert row["estimate (%)"].iloc[0] == pytest.approx(
        100 * stored.results["agencies"]["SXD"]["SIPAS"]["estimate"]
    )
    assert row["name"].iloc[0] == "Department of Construction"
    assert row["statistic"].iloc[0] == "Satisfaction index of public administrative services"
    province = frame[(frame["table"] == "province") & (frame["statistic code"] == "SIPAS")]
    assert province["answers"].iloc[0] == stored.results["province"]["SIPAS"]["n"]
    # The communes' small-area estimates come beside the direct ones.
    code, area = next(iter(stored.results["small_areas"]["communes"]["areas"].items()))
    small = frame[(frame["table"] == "small-area estimate") & (frame["code"] == code)]
    assert small["estimate (%)"].iloc[0] == pytest.approx(100 * area["estimate"])
    workbook = client.get(f"/results/demo/results.xlsx?run={stored.id}&language=en")
    sheets = pd.read_excel(io.BytesIO(workbook.data), sheet_name=None)
    assert {"estimates", "ranks", "comparisons", "small areas", "run"} <= set(sheets)
    assert "weight on the direct estimate (%)" in sheets["small areas"].columns
    # The model's prediction in points, as the residual plot shows it (not × 100 again).
    predicted = sheets["small areas"].set_index("code").loc[code, "model prediction (%)"]
    assert predicted == pytest.approx(area["fitted"])
    assert 0 < predicted < 100
    # The key drivers with their intervals and the model's R², as the pages show them.
    drivers = sheets["key drivers"].set_index("code")
    for driver in stored.results["drivers"]["components"]:
        line = drivers.loc[driver["component"]]
        assert line["importance (%)"] == pytest.approx(100 * driver["importance"])
        assert line["95% interval, low (%)"] == pytest.approx(100 * driver["importance_low"])
        assert line["R²"] == pytest.approx(stored.results["drivers"]["r_squared"])
    assert client.get("/results/demo/results.json").status_code == 404


def test_the_vietnamese_results_file_is_headed_and_labelled_in_vietnamese(
    client, login_as, demo, db
):
    stored = analyse(demo, actor="test")
    db.session.commit()
    login_as("evaluator")
    workbook = client.get(f"/results/demo/results.xlsx?run={stored.id}")
    sheets = pd.read_excel(io.BytesIO(workbook.data), sheet_name=None)
    estimates = sheets["ước lượng"]
    assert {"mã", "tên", "ước lượng (%)", "số câu trả lời"} <= set(estimates.columns)
    row = estimates[(estimates["mã"] == "SXD") & (estimates["mã chỉ tiêu"] == "SIPAS")]
    assert row["bảng"].iloc[0] == "cơ quan"
    assert row["tên"].iloc[0] == "Sở Xây dựng"
    english = re.compile(r"\b(estimate|table|code|level|answers|rank|group)\b")
    for name, sheet in sheets.items():
        headers = [str(c) for c in sheet.columns]
        assert not [h for h in headers if english.search(h)], (name, headers)


def test_unknown_campaign_is_named(runner, db, tmp_path):
    result = _export(runner, "nope", "csv", tmp_path / "x.csv")
    assert result.exit_code == 2
    assert "no campaign with code 'nope'" in result.output
    assert db.session.scalar(select(Submission.id).limit(1)) is None
