from datetime import date

import pytest

from webapp.services.iin import IinError, birth_date, check_digit, clean, make, validate

VALID = ["900515401230", "210610501239", "880302301234", "920314405125", "900702307339",
         "651120401014", "210905604213", "870123302154", "950630406127", "000101500001"]


@pytest.mark.parametrize("iin", VALID)
def test_valid(iin: str) -> None:
    assert validate(iin) == (iin, None)


@pytest.mark.parametrize("raw", ["900515 401230", " 900515401230 ", "900 515 401 230", "9005\u00a015401230"])
def test_spaces_between_groups_are_ignored(raw: str) -> None:
    assert validate(raw) == ("900515401230", None)


@pytest.mark.parametrize("raw, error", [
    ("", IinError.EMPTY), ("   ", IinError.EMPTY), (None, IinError.EMPTY),
    ("90051540123", IinError.NOT_12_DIGITS), ("9005154012301", IinError.NOT_12_DIGITS),
    ("90051540123a", IinError.NOT_12_DIGITS), ("900-515-401230", IinError.NOT_12_DIGITS),
    ("٩٠٠٥١٥٤٠١٢٣٠", IinError.NOT_12_DIGITS),        # Arabic-Indic digits
    ("９００５１５４０１２３０", IinError.NOT_12_DIGITS),  # full-width digits
    ("９00515401230", IinError.NOT_12_DIGITS),
    ("1" * 10_000, IinError.NOT_12_DIGITS),
    ("000000000000", IinError.BAD_DATE),
    ("901315401230", IinError.BAD_DATE),   # month 13
    ("900230401230", IinError.BAD_DATE),   # 30 February
    ("900515701230", IinError.BAD_DATE),   # century digit 7
    ("900515001230", IinError.BAD_DATE),   # century digit 0
    ("900515401231", IinError.BAD_CHECK_DIGIT),
    ("210610501238", IinError.BAD_CHECK_DIGIT),
])
def test_invalid(raw: str | None, error: IinError) -> None:
    assert validate(raw)[1] is error


def test_leap_day_by_century() -> None:
    assert birth_date("000229500000") == date(2000, 2, 29)
    assert birth_date("000229300000") is None  # 1900 was not a leap year


def test_second_weights_are_used_when_the_first_remainder_is_10() -> None:
    # 880302301234: the first weights give remainder 10, the second give 4.
    assert check_digit("88030230123") == 4


def test_no_valid_check_digit_exists_for_some_bodies() -> None:
    bodies = [f"9005154{n:04d}" for n in range(10000)]
    assert any(check_digit(b) is None for b in bodies)
    assert all(not validate(b + str(d))[1] is None for b in bodies if check_digit(b) is None
               for d in range(10))


def test_make_builds_valid_iins() -> None:
    assert validate(make(date(2021, 9, 5), 6, "0421"))[1] is None


def test_clean_only_drops_spaces() -> None:
    assert clean("12 34\t56") == "123456"
    assert clean("12-34") == "12-34"


@pytest.mark.parametrize("raw, typing, error", [
    ("90051", True, None),                         # still typing digits: nothing yet
    ("90051", False, IinError.NOT_12_DIGITS),      # left the field
    ("90a", True, IinError.NOT_12_DIGITS),         # a letter is wrong at once
    ("", True, None), ("", False, None),           # passing through an empty field is no mistake
    ("900515401231", True, IinError.BAD_CHECK_DIGIT),
    ("900515401230", True, None),
])
def test_inline_messages(raw: str, typing: bool, error) -> None:
    from webapp.services.iin import inline_error

    assert inline_error(raw, typing=typing) is error
