import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from survey.campaigns.models import Invitation

HEADER = "dossier_code,agency_code,service_code,returned_date,phone\n"


@pytest.fixture
def service_code(open_campaign):
    return open_campaign[1].services[0].code


def _write(tmp_path, text):
    path = tmp_path / "dossiers.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_creates_unguessable_links_and_export_lists_them(
    runner, db, open_campaign, service_code, tmp_path
):
    campaign = open_campaign[0]
    today = date.today()
    path = _write(
        tmp_path,
        HEADER + f"H01.001,SXD,{service_code},{today:%Y-%m-%d},0912 345 678\n"
        f"H01.002,SXD,{service_code},{today:%d/%m/%Y},\n"
        f"H01.003,SXD,{service_code},2020-01-01,\n",
    )
    result = runner.invoke(args=["invitations", "import", path, "--campaign", campaign.code])
    assert result.exit_code == 0, result.output
    assert "created 3 invitations" in result.output
    tokens = db.session.scalars(select(Invitation.token)).all()
    assert len(set(tokens)) == 3
    assert all(len(t) >= 22 for t in tokens)
    out = tmp_path / "links.csv"
    result = runner.invoke(
        args=[
            "invitations",
            "export",
            "--campaign",
            campaign.code,
            "--output",
            str(out),
            "--base-url",
            "https://ks.daklak.gov.vn",
        ]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()
    assert lines[0] == "dossier_code,phone,link"
    assert lines[1].startswith("H01.001,0912 345 678,https://ks.daklak.gov.vn/s/")
    assert len(lines) == 3, "the link of a dossier returned in 2020 has expired"


def test_a_file_with_bad_rows_creates_nothing_and_names_them(
    runner, db, open_campaign, service_code, tmp_path
):
    campaign = open_campaign[0]
    path = _write(
        tmp_path,
        HEADER + f"H01.001,SXD,{service_code},2026-03-02,\n"
        f"H01.001,SXD,{service_code},2026-03-02,\n"
        "H01.003,BMT,X,2026-03-02,\n"
        f"H01.004,SXD,{service_code},31/02/2026,call me\n",
    )
    result = runner.invoke(args=["invitations", "import", path, "--campaign", campaign.code])
    assert result.exit_code == 1
    assert "dòng 3, cột dossier_code: trùng với dòng 2" in result.output
    assert "dòng 4, cột agency_code: BMT không thuộc đợt khảo sát này" in result.output
    assert "dòng 5, cột returned_date" in result.output
    assert "dòng 5, cột phone" in result.output
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_unknown_campaign_and_missing_columns(runner, db, open_campaign, tmp_path):
    path = _write(tmp_path, "dossier_code\nH1\n")
    result = runner.invoke(args=["invitations", "import", path, "--campaign", "nope"])
    assert result.exit_code == 2
    assert "no campaign with code 'nope'" in result.output
    result = runner.invoke(
        args=["invitations", "import", path, "--campaign", open_campaign[0].code]
    )
    assert "cột agency_code: thiếu cột bắt buộc" in result.output


def test_posters_for_an_agency(runner, db, open_campaign, tmp_path):
    out = tmp_path / "posters.pdf"
    result = runner.invoke(
        args=[
            "points",
            "posters",
            "--agency",
            "SXD",
            "--output",
            str(out),
            "--base-url",
            "https://ks.daklak.gov.vn",
        ]
    )
    assert result.exit_code == 0, result.output
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "https://ks.daklak.gov.vn/p/sxd-1" in text
    assert "Sở Xây dựng" in text
    result = runner.invoke(
        args=[
            "points",
            "posters",
            "--agency",
            "NOPE",
            "--output",
            str(out),
            "--base-url",
            "https://x.vn",
        ]
    )
    assert result.exit_code == 2


def test_a_cumulative_export_adds_the_new_dossiers_and_skips_the_known(
    runner, db, open_campaign, service_code, tmp_path
):
    campaign = open_campaign[0]
    first = HEADER + f"H01.001,SXD,{service_code},{date.today():%Y-%m-%d},\n"
    runner.invoke(
        args=["invitations", "import", _write(tmp_path, first), "--campaign", campaign.code]
    )
    cumulative = first + f"H01.002,SXD,{service_code},{date.today():%Y-%m-%d},\n"
    result = runner.invoke(
        args=["invitations", "import", _write(tmp_path, cumulative), "--campaign", campaign.code]
    )
    assert result.exit_code == 0, result.output
    assert "created 1 invitations" in result.output
    assert "skipped 1 dossiers that already have a link" in result.output
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2


def test_an_empty_service_code_and_an_ended_campaign_are_said_plainly(
    runner, db, open_campaign, tmp_path
):
    from datetime import timedelta

    campaign = open_campaign[0]
    path = _write(tmp_path, HEADER + "H01.001,SXD,,2026-03-02,\n")
    result = runner.invoke(args=["invitations", "import", path, "--campaign", campaign.code])
    assert result.exit_code == 1
    assert "dòng 2, cột service_code: mã thủ tục đang để trống" in result.output
    campaign.period_end = date.today() - timedelta(days=2)
    db.session.commit()
    result = runner.invoke(args=["invitations", "import", path, "--campaign", campaign.code])
    assert result.exit_code == 1
    assert "đã kết thúc" in result.output
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
