"""Password rules (one list, shown as the checklist and enforced on submit) and hashing."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128
SPECIALS = "!@#$%&*?"

# Local words that lists of English-speaking users miss; compared like the list.
LOCAL_COMMON = frozenset({
    "kazakhstan", "qazaqstan", "astana", "nursultan", "almaty", "shymkent", "karaganda",
    "pavlodar", "parol", "parol123", "qwerty", "admin", "welcome", "iloveyou",
})
_TRAILING_NOISE = re.compile(r"[\d!@#$%&*?.\-_ ]+$")
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


@cache
def _common_passwords() -> frozenset[str]:
    """30 000 common and breached passwords (zxcvbn's list) plus local words."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | LOCAL_COMMON


def is_common(password: str) -> bool:
    """"Password123!", "Qwerty123456!": a listed password dressed up with digits and signs."""
    lower = password.lower()
    forms = {lower, _NOT_ALNUM.sub("", lower), _TRAILING_NOISE.sub("", lower)}
    return bool(forms & _common_passwords())


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
    """The checklist rules and the refusals. `iin` and `phone` are only values the
    visitor typed on the same form or that the flow has proved: nothing else is
    compared, so the answer never reveals a secret."""
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
    if password and is_common(password):
        problems.append(Problem.COMMON)
    return Check(met=met, problems=tuple(problems))


def _national(phone: str) -> str:
    """+77057546868 → 7057546868: found inside "87057546868" and "+77057546868" too."""
    return phone[2:] if phone.startswith("+7") else phone


# argon2id at OWASP's recommended minimum (m=19 MiB, t=2, p=1): about 18 ms a
# verification on this machine's cores. Hashes made with other parameters are
# replaced at the next sign-in (needs_rehash). Tests lower the cost by configuration
# (ARGON2_TIME_COST, ARGON2_MEMORY_KIB), never production.
ARGON2 = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}
_hasher = PasswordHasher(time_cost=ARGON2["time_cost"], memory_cost=ARGON2["memory_cost"],
                         parallelism=ARGON2["parallelism"])
_dummy: dict[str, str] = {}


def configure(*, time_cost: int, memory_kib: int) -> None:
    global _hasher
    if (_hasher.time_cost, _hasher.memory_cost) != (time_cost, memory_kib):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        _dummy.clear()


def _dummy_hash() -> str:
    """Verifying against this hash keeps the time of an unknown-IIN sign-in the same."""
    if "hash" not in _dummy:
        _dummy["hash"] = _hasher.hash("dummy password for timing only")
    return _dummy["hash"]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
