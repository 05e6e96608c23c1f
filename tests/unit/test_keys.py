"""Keyed hashes rotate without killing a code in flight; IINs in logs are keyed pseudonyms."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from webapp.services import binding, codes
from webapp.services.codes import Channel, Target
from webapp.services.epoch import subject
from webapp.services.keys import Keys, Pseudonyms

OLD, NEW = b"the key before the rotation", b"the key after the rotation"
ROTATED = Keys(NEW, fallbacks=(OLD,))
PHONE = "+77057546868"


def test_a_hash_is_made_with_the_current_key() -> None:
    assert ROTATED.hash("link", "t") == Keys(NEW).hash("link", "t") != Keys(OLD).hash("link", "t")
    assert ROTATED.hashes("link", "t") == [Keys(NEW).hash("link", "t"), Keys(OLD).hash("link", "t")]


@given(parts=st.lists(st.text(max_size=20), min_size=1, max_size=4))
def test_what_an_older_key_hashed_still_matches(parts: list[str]) -> None:
    stored = Keys(OLD).hash(*parts)
    assert ROTATED.matches(stored, *parts)
    assert not Keys(NEW).matches(stored, *parts)  # a removed key ends what it hashed


@given(a=st.lists(st.text(max_size=10), min_size=1, max_size=3),
       b=st.lists(st.text(max_size=10), min_size=1, max_size=3))
def test_different_parts_never_match(a: list[str], b: list[str]) -> None:
    if a != b:
        assert not ROTATED.matches(ROTATED.hash(*a), *b)


def test_parts_are_separated() -> None:
    assert Keys(NEW).hash("ab", "c") != Keys(NEW).hash("a", "bc")


def test_a_code_sent_before_a_rotation_still_verifies(make_deps, cabinet, phone) -> None:
    target = Target("recovery", subject(cabinet), PHONE, cabinet)
    codes.send(make_deps(keys=Keys(OLD)), target, "session", Channel.APP)
    assert codes.verify(make_deps(keys=ROTATED), target, "session", phone.code(PHONE)) == codes.Verified(Channel.APP)


def test_a_code_sent_before_a_rotation_still_counts_its_session(make_deps, cabinet, clock) -> None:
    target = Target("recovery", subject(cabinet), PHONE, cabinet)
    codes.send(make_deps(keys=Keys(OLD)), target, "session", Channel.APP)
    clock.advance(30)
    assert codes.send(make_deps(keys=ROTATED), target, "session", Channel.APP) == codes.TooSoon(30)


def test_a_code_hashed_under_a_removed_key_is_dead(make_deps, cabinet, phone) -> None:
    target = Target("recovery", subject(cabinet), PHONE, cabinet)
    codes.send(make_deps(keys=Keys(OLD)), target, "session", Channel.APP)
    assert codes.verify(make_deps(keys=Keys(NEW)), target, "session", phone.code(PHONE)) is codes.Refusal.NO_CODE


def test_a_binding_password_sent_before_a_rotation_still_binds(make_deps, phone) -> None:
    binding.send_sms(make_deps(keys=Keys(OLD)), PHONE, None)
    result = binding.bind(make_deps(keys=ROTATED), phone=PHONE, secret=phone.otp(PHONE), install_id="i",
                          name="n", push_token=None)
    assert isinstance(result, binding.Bound)


def test_pseudonyms_are_stable_versioned_and_keyed() -> None:
    iin = "900515401230"
    one = Pseudonyms(b"key one").of(iin)
    assert one == Pseudonyms(b"key one").of(iin) and one.startswith("v1:") and iin not in one
    assert Pseudonyms(b"key two", version="v2").of(iin).startswith("v2:")
    assert Pseudonyms(b"key two").of(iin) != one
    assert Pseudonyms(b"key one").of("870123302154") != one
