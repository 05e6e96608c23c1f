"""The app's texts in ru and kk, from its translation catalogs (texts.json is generated
from webapp/translations by `make testkit-texts`; a test keeps it in step)."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

TEXTS = Path(__file__).resolve().parent / "texts.json"


@cache
def _catalog() -> dict[str, dict[str, str]]:
    value: dict[str, dict[str, str]] = json.loads(TEXTS.read_text(encoding="utf-8"))
    return value


def text(lang: str, msgid: str, **variables: Any) -> str:
    """What the page says for `msgid` (the Russian source text) in `lang`, with its variables."""
    entry = _catalog().get(msgid)
    if entry is None:
        raise KeyError(f"no such text in the catalogs: {msgid!r}")
    words = entry.get(lang) or msgid
    return words % variables if variables else words


def generate(translations: Path) -> dict[str, dict[str, str]]:
    """msgid -> {"ru": …, "kk": …} from the .po catalogs (singular forms)."""
    from babel.messages.pofile import read_po

    found: dict[str, dict[str, str]] = {}
    for lang in ("ru", "kk"):
        with open(translations / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
            for message in read_po(fh):
                if not message.id:
                    continue
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                string = message.string if isinstance(message.string, str) else message.string[0]
                found.setdefault(msgid, {})[lang] = string or msgid
    return dict(sorted(found.items()))


if __name__ == "__main__":  # python -m ed24_testkit.texts webapp/translations
    import sys

    TEXTS.write_text(json.dumps(generate(Path(sys.argv[1])), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
