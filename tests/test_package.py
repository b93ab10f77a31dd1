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


def _pins(lock: Path) -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins = {}
    for line in lock.read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split(" ")[0].split("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_the_lock_files_pin_every_dependency_within_its_range_and_run_has_no_test_tools():
    """`make run` and `make test` install from requirements/*.txt only (hash-checked): a
    dependency added to pyproject.toml without `make lock` would be missing there."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    run, test = _pins(ROOT / "requirements/run.txt"), _pins(ROOT / "requirements/test.txt")
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    for text, lock in [*((r, run) for r in project["dependencies"]), *((r, test) for r in extras)]:
        wanted = Requirement(text)
        name = canonicalize_name(wanted.name)
        assert name in lock, f"{name} is not in the lock: run `make lock`"
        assert wanted.specifier.contains(lock[name], prereleases=True), (name, lock[name])
        assert test.get(name) == lock[name], f"{name}: run and test locks differ"
    for tool in ("pytest", "ruff", "playwright", "hypothesis", "uv"):
        assert tool not in run, f"{tool} is a test or development tool"
    lines = (ROOT / "requirements/test.txt").read_text().splitlines()
    pinned = [i for i, line in enumerate(lines) if "==" in line and not line.startswith(" ")]
    assert all("--hash=sha256:" in lines[i + 1] for i in pinned), "every pin has its hashes"
