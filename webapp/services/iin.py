"""IIN (ЖСН): the 12-digit individual identification number of Kazakhstan."""
from __future__ import annotations

import enum
from datetime import date

WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# The 7th digit gives century and sex: 1-2 → 1800s, 3-4 → 1900s, 5-6 → 2000s.
CENTURY_BY_DIGIT = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}
ASCII_DIGITS = frozenset("0123456789")
# Only spaces between groups are forgiven; no other character is removed.
IGNORED = " \u00a0\t"


class IinError(enum.Enum):
    EMPTY = "empty"
    NOT_12_DIGITS = "not_12_digits"
    BAD_DATE = "bad_date"
    BAD_CHECK_DIGIT = "bad_check_digit"


def clean(raw: str | None) -> str:
    """What the user typed, with the spaces between groups removed."""
    if raw is None:
        return ""
    return "".join(ch for ch in raw.strip() if ch not in IGNORED)


def check_digit(first_eleven: str) -> int | None:
    """The 12th digit for the first 11, or None when no valid one exists."""
    digits = [int(ch) for ch in first_eleven]
    remainder = sum(d * w for d, w in zip(digits, WEIGHTS_FIRST, strict=True)) % 11
    if remainder == 10:
        remainder = sum(d * w for d, w in zip(digits, WEIGHTS_SECOND, strict=True)) % 11
        if remainder == 10:
            return None
    return remainder


def birth_date(iin: str) -> date | None:
    century = CENTURY_BY_DIGIT.get(int(iin[6]))
    if century is None:
        return None
    try:
        return date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        return None


def validate(raw: str | None) -> tuple[str, IinError | None]:
    """Return (cleaned IIN, first error or None)."""
    value = clean(raw)
    if not value:
        return value, IinError.EMPTY
    # str.isdigit() accepts Arabic-Indic and full-width digits: the rule is ASCII only.
    if len(value) != 12 or not set(value) <= ASCII_DIGITS:
        return value, IinError.NOT_12_DIGITS
    if birth_date(value) is None:
        return value, IinError.BAD_DATE
    if check_digit(value[:11]) != int(value[11]):
        return value, IinError.BAD_CHECK_DIGIT
    return value, None


def inline_error(raw: str | None, *, typing: bool) -> IinError | None:
    """What to say under the field while the visitor types (`typing`) or on leaving it:
    nothing yet for fewer than 12 digits being typed, nothing for an empty field (passing
    through a field is not a mistake; the form says what is missing when it is sent)."""
    cleaned = clean(raw)
    if not cleaned:
        return None
    if typing and len(cleaned) < 12 and set(cleaned) <= ASCII_DIGITS:
        return None
    return validate(raw)[1]


def make(birth: date, sex_digit: int, serial: str) -> str:
    """Build a valid IIN (demo data and tests): yymmdd + century/sex + 4-digit serial."""
    for n in range(10000):
        body = f"{birth:%y%m%d}{sex_digit}{(int(serial) + n) % 10000:04d}"
        digit = check_digit(body)
        if digit is not None:
            return body + str(digit)
    raise ValueError("no valid IIN for these inputs")
