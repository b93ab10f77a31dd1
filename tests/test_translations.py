"""Every interface string is translated into Vietnamese, the default language."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "survey" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
METHODS = [("survey/**.py", "python"), ("survey/templates/**.html", "jinja2")]


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=METHODS,
        keywords={"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_interface_string_has_a_vietnamese_translation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    # A plural entry's string is a tuple, truthy even when its texts are empty.
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and (all(m.string) if m.pluralizable else m.string)
    }
    missing = sorted(_source_messages() - translated)
    assert not missing, f"run `make translations` and translate: {missing}"


def test_the_catalog_has_no_fuzzy_or_obsolete_entries():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    assert not [m.id for m in catalog if m.id and m.fuzzy]
    assert not catalog.obsolete
