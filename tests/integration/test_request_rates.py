"""Request rates per client address (Flask-Limiter, real time): a form POST is counted against
its address only once its CSRF token is valid; a missing or bad token gets 400 and is counted in
a bucket of its own, so a page on another site cannot spend the budget of the parents behind one
address (contract v3, Availability)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.helpers import AGREE, Browser, make_app, t

FORMS_PER_MINUTE = 4
BAD_CSRF_PER_MINUTE = 6


@pytest.fixture
def limited() -> Iterator[Flask]:
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_FORMS=f"{FORMS_PER_MINUTE} per minute",
                   RATELIMIT_BAD_CSRF=f"{BAD_CSRF_PER_MINUTE} per minute")
    yield app
    app.extensions["db_engine"].dispose()


def forged(web: Browser, kind: str) -> int:
    """A POST another site's page could make from this browser: no token, a made-up one, or
    a token of another browser's session."""
    data = {"iin": "900515401230", **AGREE}
    if kind == "missing":
        return web.post("/ru/cabinet/login", data, csrf=False).status_code
    if kind == "made-up":
        return web.post("/ru/cabinet/login", {**data, "csrf_token": "IjAwMDAi.aaaa.bbbb"}, csrf=False).status_code
    other = Browser(web.app, address=web.client.environ_base.get("REMOTE_ADDR", "127.0.0.1"))
    return web.post("/ru/cabinet/login", {**data, "csrf_token": other.token()}, csrf=False).status_code


def test_bad_csrf_posts_never_spend_the_addresss_form_budget(limited: Flask) -> None:
    parent, attacker = Browser(limited, address="100.64.0.1"), Browser(limited, address="100.64.0.1")
    kinds = ["missing", "made-up", "another session's"]
    statuses = [forged(attacker, kinds[n % 3]) for n in range(BAD_CSRF_PER_MINUTE)]
    assert statuses == [400] * BAD_CSRF_PER_MINUTE
    # The parents behind the same address still have their whole budget.
    sent = [parent.post("/ru/cabinet/login", {"iin": "1", **AGREE}).status_code for _ in range(FORMS_PER_MINUTE)]
    assert sent == [303] * FORMS_PER_MINUTE
    assert parent.post("/ru/cabinet/login", {"iin": "1", **AGREE}).status_code == 429


def test_bad_csrf_posts_are_limited_in_their_own_bucket(limited: Flask, lang: str) -> None:
    attacker = Browser(limited, address="198.51.100.3")
    statuses = [attacker.post(f"/{lang}/cabinet/login", {"iin": "1"}, csrf=False).status_code
                for _ in range(BAD_CSRF_PER_MINUTE + 2)]
    assert statuses == [400] * BAD_CSRF_PER_MINUTE + [429, 429]
    page = attacker.follow(attacker.post(f"/{lang}/cabinet/recovery/start", {"iin": "1"}, csrf=False))
    assert page.status == 429 and page.soup.html["lang"] == lang
    assert page.h1 == t(lang, "Слишком много запросов")
    # The bucket is this address's: another address's forged POSTs still get the plain 400.
    assert Browser(limited, address="203.0.113.4").post(f"/{lang}/cabinet/login", {}, csrf=False).status_code == 400
    # … and the form budget of the address itself is untouched.
    assert attacker.post(f"/{lang}/cabinet/login", {"iin": "1"}).status_code == 303


def test_the_form_budget_counts_valid_posts_and_reading_pages_is_free(limited: Flask, lang: str) -> None:
    web = Browser(limited, address="192.0.2.10")
    for _ in range(3 * FORMS_PER_MINUTE):
        assert web.get(f"/{lang}/cabinet/login").status_code == 200
    sent = [web.post(f"/{lang}/cabinet/login", {"iin": "1"}).status_code for _ in range(FORMS_PER_MINUTE + 1)]
    assert sent == [303] * FORMS_PER_MINUTE + [429]
    refused = web.follow(web.post(f"/{lang}/cabinet/login", {"iin": "1"}))
    assert refused.status == 429 and refused.soup.html["lang"] == lang
    assert t(lang, "С вашего IP-адреса слишком много запросов. Подождите минуту и повторите.") in refused.text
    assert web.get(f"/{lang}/cabinet/login").status_code == 200
