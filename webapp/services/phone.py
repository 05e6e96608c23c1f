"""Kazakhstan mobile numbers: normalisation to +77XXXXXXXXX and masking."""
from __future__ import annotations

import enum
import re

_SEPARATORS = re.compile(r"[\s()\-.\u00a0]")
_ASCII_DIGITS = frozenset("0123456789")
MOBILE_PREFIXES = frozenset({"70", "74", "75", "76", "77"})


class PhoneError(enum.Enum):
    EMPTY = "empty"
    INVALID = "invalid"


def normalise(raw: str | None) -> tuple[str, PhoneError | None]:
    """Accept "+7 (705) 754-68-68", "87057546868", "7057546868"; return "+77057546868"."""
    value = _SEPARATORS.sub("", (raw or "").strip())
    if not value:
        return "", PhoneError.EMPTY
    if value.startswith("+"):
        value = value[1:]
        if not value.startswith("7"):
            return "", PhoneError.INVALID
    if len(value) > 20 or not set(value) <= _ASCII_DIGITS:
        return "", PhoneError.INVALID
    if len(value) == 11 and value[0] in "78":
        national = value[1:]
    elif len(value) == 10:
        national = value
    else:
        return "", PhoneError.INVALID
    # Mobile operators' codes are 70x, 747, 75x, 76x, 77x; 71x-73x are landlines.
    if national[:2] not in MOBILE_PREFIXES:
        return "", PhoneError.INVALID
    return "+7" + national, None


def inline_error(raw: str | None, *, typing: bool) -> PhoneError | None:
    """What to say under the field: nothing while digits are still being typed, nothing for
    an empty field."""
    value = raw or ""
    if not value.strip():
        return None
    digits = sum(ch.isdigit() for ch in value)
    if typing and digits < 11 and not any(ch.isalpha() for ch in value):
        return None
    return normalise(value)[1]


def mask(phone: str) -> str:
    """+77057546868 → +770****6868, as the manual shows it."""
    if len(phone) != 12:
        return "****"
    return f"{phone[:4]}****{phone[-4:]}"
