"""Fill the Vietnamese catalog from a {msgid: translation} dict in a Python file.

    python scripts/translate.py TRANSLATIONS.py

Used after `make messages` adds new interface strings; it never overwrites a translation
that is already there and prints the strings still missing.
"""

import runpy
import sys

from babel.messages.pofile import read_po, write_po

CATALOG = "survey/translations/vi/LC_MESSAGES/messages.po"


def main(path: str) -> None:
    translations = runpy.run_path(path)["VI"]
    with open(CATALOG, "rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            # Plural entries: one text serves every form (Vietnamese has one).
            if all(message.string):
                continue
            key = message.id[0]
            if key in translations:
                message.string = (translations[key],) * catalog.num_plurals
            else:
                missing.append(key)
            continue
        if message.string:
            continue
        key = message.id
        if key in translations:
            message.string = translations[key]
        else:
            missing.append(key)
    with open(CATALOG, "wb") as handle:
        write_po(handle, catalog, width=100)
    for key in missing:
        print(f"missing: {key!r}")


if __name__ == "__main__":
    main(sys.argv[1])
