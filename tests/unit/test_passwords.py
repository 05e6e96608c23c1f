import pytest

from webapp.services.passwords import (Problem, Rule, check, hash_password, verify_password)


def test_a_good_password_meets_every_rule() -> None:
    result = check("Tulpar!2024abc")
    assert result.ok and result.unmet == [] and result.problems == ()


@pytest.mark.parametrize("password, rule", [
    ("Tulpar!2024", Rule.MIN_LENGTH), ("TULPAR!2024ABC", Rule.LOWER), ("tulpar!2024abc", Rule.UPPER),
    ("Tulpar!abcdefg", Rule.DIGIT), ("Tulpar12024abc", Rule.SPECIAL), ("Tulpar^2024abc", Rule.SPECIAL),
    ("Тулпар!2024АБВ", Rule.LOWER),  # Cyrillic letters are not Latin
])
def test_each_rule(password: str, rule: Rule) -> None:
    assert rule in check(password).unmet


def test_exactly_twelve_is_enough() -> None:
    assert check("Aa1!aaaaaaaa").met[Rule.MIN_LENGTH]


@pytest.mark.parametrize("password, problem, context", [
    ("Aa1!" + "b" * 125, Problem.TOO_LONG, {}),
    ("Aa1!bbbbbbbb\x00", Problem.BAD_CHARACTER, {}),
    ("Aa1!bbbbbbbb\n", Problem.BAD_CHARACTER, {}),
    ("Aa!900515401230", Problem.CONTAINS_IIN, {"iin": "900515401230"}),
    ("Aa!87057546868x", Problem.CONTAINS_PHONE, {"phone": "+77057546868"}),
    ("Password123!", Problem.COMMON, {}), ("QWERTY123456!", Problem.COMMON, {}),
])
def test_refusals_beyond_the_checklist(password: str, problem: Problem, context: dict) -> None:
    assert problem in check(password, **context).problems
    assert not check(password, **context).ok


@pytest.mark.parametrize("password", ["Qwerty123456!", "Password123!", "Superman2024!!", "Football!!1234",
                                      "Aa123456789!", "Kazakhstan2025!", "Iloveyou1234!"])
def test_listed_passwords_dressed_up_are_common(password: str) -> None:
    assert Problem.COMMON in check(password).problems


@pytest.mark.parametrize("password", ["Tulpar!2024abc", "Dala#Samal2025", "Bayterek?1997x", "Samal!Kokshe2026"])
def test_good_passwords_are_not_common(password: str) -> None:
    assert check(password).ok


def test_the_list_has_thousands_of_passwords() -> None:
    from webapp.services.passwords import _common_passwords

    assert len(_common_passwords()) > 20_000


def test_other_printable_characters_are_allowed() -> None:
    assert check("Aa1! пароль ключ ~^").ok


def test_hash_is_argon2id_and_verifies() -> None:
    stored = hash_password("Tulpar!2024abc")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "Tulpar!2024abc")
    assert not verify_password(stored, "Tulpar!2024abd")
    assert not verify_password(None, "anything")
    assert not verify_password("not a hash", "anything")


def test_argon2_defaults_are_owasps() -> None:
    # The unit tests run argon2 at its cheapest (conftest); production's default is OWASP's.
    from webapp import config
    from webapp.services import passwords

    assert passwords.ARGON2 == {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}
    settings = config.from_environment({})
    assert (settings["ARGON2_TIME_COST"], settings["ARGON2_MEMORY_KIB"]) == (2, 19 * 1024)


def test_the_configured_cost_is_used_and_other_hashes_are_replaced() -> None:
    from argon2 import PasswordHasher

    from webapp.services.passwords import needs_rehash

    stored = hash_password("Tulpar!2024abc")
    assert "$m=64,t=1,p=1$" in stored and not needs_rehash(stored)
    older = PasswordHasher(memory_cost=128, time_cost=2, parallelism=1).hash("Tulpar!2024abc")
    assert needs_rehash(older) and verify_password(older, "Tulpar!2024abc")
