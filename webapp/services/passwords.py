"""Password rules (one list, shown as the checklist and enforced on submit) and hashing."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128
SPECIALS = "!@#$%&*?"

# Passwords that satisfy the character rules but are among the first tried by
# attackers; compared case-insensitively.
COMMON_PASSWORDS = frozenset(
    p.lower()
    for p in (
        "Password123!", "Password1234!", "Password12345!", "Qwerty123456!",
        "Qwerty12345!", "Qwerty1234!?", "Qwertyuiop1!", "Qwertyuiop123!",
        "Aa123456789!", "Aa1234567890!", "Admin123456!", "Welcome12345!",
        "Passw0rd1234!", "P@ssw0rd1234", "P@ssword1234", "Zxcvbnm12345!",
        "Asdfghjkl123!", "Qazwsx123456!", "Iloveyou1234!", "Kazakhstan123!",
        "Kazakhstan2024!", "Kazakhstan2025!", "Astana123456!", "Almaty123456!",
        "Abcdef123456!", "Abc123456789!", "Parol1234567!", "Parol123456!",
    )
)


class Rule(enum.Enum):
    """The checklist rules, in the order the manual lists them."""

    MIN_LENGTH = "min_length"
    LOWER = "lower"
    UPPER = "upper"
    DIGIT = "digit"
    SPECIAL = "special"


class Problem(enum.Enum):
    """Refusals beyond the checklist: told only when they apply."""

    TOO_LONG = "too_long"
    BAD_CHARACTER = "bad_character"
    CONTAINS_IIN = "contains_iin"
    CONTAINS_PHONE = "contains_phone"
    COMMON = "common"


@dataclass(frozen=True)
class Check:
    met: dict[Rule, bool]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return all(self.met.values()) and not self.problems

    @property
    def unmet(self) -> list[Rule]:
        return [rule for rule, met in self.met.items() if not met]


def _printable(ch: str) -> bool:
    return ch.isprintable() and ch not in "\t\r\n"


def check(password: str, *, iin: str | None = None, phone: str | None = None) -> Check:
    met = {
        Rule.MIN_LENGTH: len(password) >= MIN_LENGTH,
        Rule.LOWER: any("a" <= ch <= "z" for ch in password),
        Rule.UPPER: any("A" <= ch <= "Z" for ch in password),
        Rule.DIGIT: any("0" <= ch <= "9" for ch in password),
        Rule.SPECIAL: any(ch in SPECIALS for ch in password),
    }
    problems: list[Problem] = []
    if len(password) > MAX_LENGTH:
        problems.append(Problem.TOO_LONG)
    if not all(_printable(ch) for ch in password):
        problems.append(Problem.BAD_CHARACTER)
    if iin and iin in password:
        problems.append(Problem.CONTAINS_IIN)
    if phone and _national(phone) in password:
        problems.append(Problem.CONTAINS_PHONE)
    if password.lower() in COMMON_PASSWORDS:
        problems.append(Problem.COMMON)
    return Check(met=met, problems=tuple(problems))


def _national(phone: str) -> str:
    """+77057546868 → 7057546868: found inside "87057546868" and "+77057546868" too."""
    return phone[2:] if phone.startswith("+7") else phone


# argon2id with the library's RFC 9106 "low memory" defaults.
_hasher = PasswordHasher()
# Verifying against this hash keeps the time of an unknown-IIN sign-in the same.
_DUMMY_HASH = _hasher.hash("dummy password for timing only")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
