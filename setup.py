"""Compile the interface catalogs (.po → .mo) into every build, so that `pip install .`
gives the Vietnamese interface; everything else is declared in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for source in Path("survey/translations").glob("*/LC_MESSAGES/messages.po"):
            target = Path(self.build_lib) / source.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as po, target.open("wb") as mo:
                write_mo(mo, read_po(po, locale=source.parts[-3]))


setup(cmdclass={"build_py": BuildWithCatalogs})
