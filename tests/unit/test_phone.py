import pytest

from webapp.services.phone import PhoneError, mask, normalise


@pytest.mark.parametrize("raw", ["+7 (705) 754-68-68", "87057546868", "7057546868", "+77057546868",
                                 "8 705 754 68 68", "77057546868", " +7-705-754-68-68 "])
def test_accepted_forms(raw: str) -> None:
    assert normalise(raw) == ("+77057546868", None)


@pytest.mark.parametrize("raw, error", [
    ("", PhoneError.EMPTY), (None, PhoneError.EMPTY),
    ("12345", PhoneError.INVALID), ("+1 555 123 4567", PhoneError.INVALID),
    ("87272123456", PhoneError.INVALID),  # Almaty landline
    ("８７０５７５４６８６８", PhoneError.INVALID), ("+7705754686a", PhoneError.INVALID),
    ("9" * 5000, PhoneError.INVALID), ("++77057546868", PhoneError.INVALID),
])
def test_refused(raw: str | None, error: PhoneError) -> None:
    assert normalise(raw)[1] is error


def test_mask_as_in_the_manual() -> None:
    assert mask("+77057546868") == "+770****6868"
    assert mask("+77022229223") == "+770****9223"


@pytest.mark.parametrize("raw, typing, error", [
    ("+7 705", True, None), ("8705754686", True, None), ("+7 705 754 68 68", True, None),
    ("+7 70a", True, PhoneError.INVALID), ("12345", False, PhoneError.INVALID), ("", False, None),
])
def test_inline_messages(raw: str, typing: bool, error) -> None:
    from webapp.services.phone import inline_error

    assert inline_error(raw, typing=typing) is error
