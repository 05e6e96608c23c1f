"""The link in a code message: /r/<token>, 22 characters, 60 minutes, once, in any browser."""
from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from webapp.models import Cabinet, CodeLink
from webapp.services import accounts, codes, links
from webapp.services.codes import Channel, Target
from webapp.services.epoch import subject
from webapp.services.keys import Keys

PHONE = "+77057546868"
ALPHABET = string.ascii_letters + string.digits + "-_"


def send(make_deps, cabinet: Cabinet, purpose: str = "recovery", nonce: str = "n", channel=Channel.APP, **client):
    return codes.send(make_deps(**client), Target(purpose, subject(cabinet), cabinet.phone, cabinet), nonce,
                      channel)


# -- format ---------------------------------------------------------------------------------------

def test_the_link_is_the_public_origin_and_22_base64url_characters(make_deps, cabinet, phone) -> None:
    send(make_deps, cabinet)
    link = phone.link(PHONE)
    origin, token = link.split("/r/")
    assert origin == "https://cabinet.ed24.kz"
    assert len(token) == 22 and set(token) <= set(ALPHABET) and links.well_formed(token)


def test_only_a_keyed_hash_of_the_token_is_stored(db, make_deps, cabinet, phone) -> None:
    send(make_deps, cabinet)
    token = phone.token(PHONE)
    row = db.scalars(select(CodeLink)).one()
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert (row.cabinet_id, row.phone, row.purpose, row.epoch, row.lang) == (cabinet.id, PHONE, "recovery", 0, "ru")


def test_tokens_differ_from_message_to_message(make_deps, cabinet, phone, clock) -> None:
    for _ in range(5):
        send(make_deps, cabinet)
        clock.advance(60)
    tokens = [m.link for m in phone(PHONE)]
    assert len(set(tokens)) == 5


@given(st.text(alphabet=ALPHABET, min_size=22, max_size=22))
def test_every_22_character_base64url_token_is_well_formed(token: str) -> None:
    assert links.well_formed(token)


@given(st.text(max_size=40).filter(lambda t: len(t) != 22 or not set(t) <= set(ALPHABET)))
def test_nothing_else_is_well_formed(token: str) -> None:
    assert not links.well_formed(token)


@pytest.mark.parametrize("token", ["A" * 21, "A" * 23, "A" * 21 + "=", "A" * 21 + "+", "A" * 21 + "/",
                                   "A" * 21 + "\n", "A" * 21 + "Ａ", " " + "A" * 21])
def test_near_misses_are_not_well_formed(token: str) -> None:
    assert not links.well_formed(token)


def test_re_registration_messages_carry_the_code_only(make_deps, phone) -> None:
    codes.send(make_deps(), Target("reregister", "rereg:210905604213", PHONE, None), "n", Channel.SMS)
    message = phone(PHONE)[0]
    assert message.code and message.link is None


# -- lifetime, once, any browser ---------------------------------------------------------------------

def test_a_link_works_for_60_minutes(make_deps, cabinet, phone, clock) -> None:
    send(make_deps, cabinet)
    token = phone.token(PHONE)
    clock.advance(minutes=59, seconds=59)
    assert isinstance(links.look(make_deps(), token), links.Opened)
    assert phone.link(PHONE).endswith(token)  # the phone still shows it
    clock.advance(seconds=1)
    assert isinstance(links.look(make_deps(), token), links.Invalid)
    assert phone(PHONE)[0].link is None


def test_a_link_opened_in_time_expires_before_its_button(make_deps, cabinet, phone, clock) -> None:
    send(make_deps, cabinet)
    opened = links.look(make_deps(), phone.token(PHONE))
    clock.advance(minutes=60)
    assert not links.still_valid(make_deps(), opened.token_hash)
    assert isinstance(links.redeem(make_deps(), opened.token_hash), links.Invalid)


def test_looking_uses_nothing(make_deps, cabinet, phone) -> None:
    # GET /r/<token>: link previews and scanners open links
    send(make_deps, cabinet)
    token = phone.token(PHONE)
    for address in ("8.8.8.8", "9.9.9.9", "10.0.0.1"):
        for _ in range(30):
            opened = links.look(make_deps(address=address), token)
    assert links.still_valid(make_deps(), opened.token_hash)
    redeemed = links.redeem(make_deps(), opened.token_hash)
    assert isinstance(redeemed, links.Redeemed) and redeemed.cabinet.id == cabinet.id
    assert redeemed.purpose == "recovery"


def test_a_link_is_used_once(db, make_deps, cabinet, phone) -> None:
    send(make_deps, cabinet)
    token = phone.token(PHONE)
    opened = links.look(make_deps(), token)
    assert isinstance(links.redeem(make_deps(), opened.token_hash), links.Redeemed)
    db.commit()
    assert isinstance(links.redeem(make_deps(), opened.token_hash), links.Invalid)
    assert isinstance(links.look(make_deps(), token), links.Invalid)
    assert phone(PHONE)[0].link is None  # the outbox forgot it


def test_two_browsers_racing_for_one_link(db, sessions, make_deps, cabinet, phone) -> None:
    send(make_deps, cabinet)
    token = phone.token(PHONE)
    with sessions() as second:
        laptop, handset = make_deps(address="1.1.1.1"), make_deps(address="2.2.2.2", session=second)
        seen_by_laptop, seen_by_handset = links.look(laptop, token), links.look(handset, token)
        assert isinstance(seen_by_laptop, links.Opened) and isinstance(seen_by_handset, links.Opened)
        first = links.redeem(laptop, seen_by_laptop.token_hash)
        laptop.db.commit()
        second_try = links.redeem(handset, seen_by_handset.token_hash)
        second.commit()
    assert isinstance(isinstance(first, links.Redeemed) and second_try, links.Invalid)


def test_a_newer_message_does_not_cancel_older_links(make_deps, cabinet, phone, clock) -> None:
    send(make_deps, cabinet)
    older = phone.token(PHONE)
    clock.advance(60)
    send(make_deps, cabinet, channel=Channel.SMS)
    newer = phone.token(PHONE)
    assert older != newer
    assert isinstance(links.look(make_deps(), older), links.Opened)
    assert isinstance(links.look(make_deps(), newer), links.Opened)


def test_the_link_keeps_the_messages_language(db, make_deps, cabinet, phone) -> None:
    class Kazakh:
        lang = "kk"

        def message(self, channel, kind, params):
            return f"kk {kind} {sorted(params.items())}"

    import dataclasses

    deps = dataclasses.replace(make_deps(), words=Kazakh())
    codes.send(deps, Target("setup", subject(cabinet), PHONE, cabinet), "n", Channel.APP)
    opened = links.look(make_deps(), phone.token(PHONE))
    assert opened.lang == "kk"
    assert links.redeem(make_deps(), opened.token_hash).purpose == "setup"


# -- the security epoch ---------------------------------------------------------------------------------

def test_a_password_change_retires_every_link(db, make_deps, cabinet, phone, clock) -> None:
    send(make_deps, cabinet)
    first = phone.token(PHONE)
    clock.advance(60)
    send(make_deps, cabinet, purpose="setup")
    second = phone.token(PHONE)
    accounts.set_password(make_deps(), cabinet, "Samal!Kokshe2026", kind="password_changed")
    db.commit()
    assert cabinet.security_epoch == 1
    assert isinstance(links.look(make_deps(), first), links.Invalid)
    assert isinstance(links.look(make_deps(), second), links.Invalid)
    assert [m.link for m in phone(PHONE) if m.kind.startswith("code_")] == [None, None]


def test_a_new_phone_retires_the_links_to_the_old_one(db, make_deps, cabinet, phone) -> None:
    send(make_deps, cabinet)
    token = phone.token(PHONE)
    cabinet.phone = "+77011231885"
    db.commit()
    assert isinstance(links.look(make_deps(), token), links.Invalid)


def test_a_link_opened_before_the_change_cannot_be_used_after(db, make_deps, cabinet, phone) -> None:
    send(make_deps, cabinet)
    opened = links.look(make_deps(), phone.token(PHONE))
    accounts.set_password(make_deps(), cabinet, "Samal!Kokshe2026", kind="password_changed")
    db.commit()
    assert isinstance(links.redeem(make_deps(), opened.token_hash), links.Invalid)


# -- unknown tokens ------------------------------------------------------------------------------------

def unknown(n: int) -> str:
    return f"{n:0>22}"


def test_unknown_tokens_are_counted_per_address(make_deps, events) -> None:
    for n in range(20):
        assert isinstance(links.look(make_deps(address="6.6.6.6"), unknown(n)), links.Invalid)
    refused = links.look(make_deps(address="6.6.6.6"), unknown(99))
    assert isinstance(refused, links.TooManyUnknown) and 0 < refused.wait.total_seconds() <= 3600
    assert isinstance(links.look(make_deps(address="7.7.7.7"), unknown(99)), links.Invalid)
    assert events.names().count("link_unknown") == 22


def test_no_limit_ever_refuses_a_valid_token(make_deps, cabinet, phone) -> None:
    send(make_deps, cabinet)
    token = phone.token(PHONE)
    for n in range(50):
        links.look(make_deps(address="6.6.6.6"), unknown(n))
    assert isinstance(links.look(make_deps(address="6.6.6.6"), unknown(99)), links.TooManyUnknown)
    opened = links.look(make_deps(address="6.6.6.6"), token)
    assert isinstance(opened, links.Opened)
    assert isinstance(links.redeem(make_deps(address="6.6.6.6"), opened.token_hash), links.Redeemed)


def test_known_tokens_are_never_counted(db, make_deps, cabinet, phone) -> None:
    send(make_deps, cabinet)
    token = phone.token(PHONE)
    for _ in range(40):
        links.look(make_deps(address="6.6.6.6"), token)
    opened = links.look(make_deps(), token)
    links.redeem(make_deps(), opened.token_hash)
    db.commit()
    for _ in range(40):  # used now: still not an unknown token
        assert isinstance(links.look(make_deps(address="6.6.6.6"), token), links.Invalid)
    assert isinstance(links.look(make_deps(address="6.6.6.6"), unknown(1)), links.Invalid)


# -- keys rotate -----------------------------------------------------------------------------------------

def test_a_link_made_before_a_key_rotation_still_works(make_deps, cabinet, phone) -> None:
    old = Keys(b"old key")
    codes.send(make_deps(keys=old), Target("recovery", subject(cabinet), PHONE, cabinet), "n", Channel.APP)
    token = phone.token(PHONE)
    rotated = Keys(b"new key", fallbacks=(b"old key",))
    opened = links.look(make_deps(keys=rotated), token)
    assert isinstance(opened, links.Opened)
    assert isinstance(links.redeem(make_deps(keys=rotated), opened.token_hash), links.Redeemed)


def test_a_removed_key_ends_its_links(make_deps, cabinet, phone) -> None:
    codes.send(make_deps(keys=Keys(b"compromised")), Target("recovery", subject(cabinet), PHONE, cabinet), "n",
               Channel.APP)
    assert isinstance(links.look(make_deps(keys=Keys(b"new key")), phone.token(PHONE)), links.Invalid)
