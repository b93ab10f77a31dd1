"""The package installs whole: a wheel of the project carries the compiled catalogs, so
`pip install .` gives the Vietnamese interface, not an English-only one."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_carries_the_compiled_vietnamese_catalog(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "survey/translations/vi/LC_MESSAGES/messages.mo" in names
        catalog = read_mo(archive.open("survey/translations/vi/LC_MESSAGES/messages.mo"))
    assert catalog.get("You are signed out.").string == "Bạn đã đăng xuất."
    assert "survey/templates/base.html" in names
