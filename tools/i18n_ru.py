"""The ru catalog says what the source says: fill its empty singular entries with the msgid.

Russian is the source language, so its catalog exists for the plural forms (3 in
Russian), which are written by hand; this fills everything else after
`pybabel update`. Run by `make i18n-update`.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "webapp/translations/ru/LC_MESSAGES/messages.po"


def main() -> int:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    missing_plurals = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                missing_plurals.append(message.id[0])
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, ignore_obsolete=True)
    for msgid in missing_plurals:
        print(f"ru: write the three plural forms of {msgid!r}", file=sys.stderr)
    return 1 if missing_plurals else 0


if __name__ == "__main__":
    sys.exit(main())
