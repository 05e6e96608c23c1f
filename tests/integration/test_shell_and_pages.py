"""Every page in both languages: shell, headers, fragments, errors, CLI, migrations."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.helpers import AIGERIM, Browser, text_of, title_of

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/", "/cabinet/login", "/cabinet/recovery", "/cabinet/recovery/unknown-number",
         "/cabinet/reregister", "/help/bmg", "/help/app", "/agreement", "/sandbox/app"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_both_languages(web: Browser, lang: str, path: str) -> None:
    page = web.get(f"/{lang}{path}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in body
    assert body.count("<h1") == 1
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in body
    assert 'class="skip-link" href="#main"' in body
    text = text_of(page)
    assert ("Эталонное время сервера: 2026.11.25 14:00 г.Павлодар" if lang == "ru"
            else "Сервердің эталондық уақыты: 2026.11.25 14:00 Павлодар қ.") in text
    assert ("Главная" if lang == "ru" else "Басты бет") in text
    assert "INDIGO" in text
    other = "kk" if lang == "ru" else "ru"
    assert f'href="/{other}{path}"' in body
    # Every visible form control has a label.
    for control in re.findall(r'<input (?![^>]*type="(?:hidden|radio)")[^>]*id="([^"]+)"', body):
        assert f'for="{control}"' in body, control


def test_site_city_is_configurable() -> None:
    from tests.helpers import make_app

    web = Browser(make_app(SITE_CITY="Астана"))
    assert "г.Астана" in text_of(web.get("/ru/"))


@pytest.mark.parametrize("accept, cookie, expected", [
    ("kk,ru;q=0.8", None, "/kk/"), ("ru,kk;q=0.5", None, "/ru/"), ("en", None, "/ru/"),
    ("ru", "kk", "/kk/"), (None, None, "/ru/"),
])
def test_root_redirects_by_cookie_then_accept_language(web: Browser, accept, cookie, expected) -> None:
    if cookie:
        web.client.set_cookie("lang", cookie)
    headers = {"Accept-Language": accept} if accept else {}
    page = web.get("/", headers=headers)
    assert page.status_code == 302 and page.headers["Location"].endswith(expected)


def test_unknown_language_and_page_are_localized_404(web: Browser) -> None:
    assert web.get("/en/").status_code == 404
    page = web.get("/kk/no-such-page")
    assert page.status_code == 404 and "Бет табылмады" in title_of(page)


def test_healthz(web: Browser) -> None:
    assert web.get("/healthz").get_json() == {"status": "ok"}


def test_security_headers(web: Browser) -> None:
    page = web.get("/ru/cabinet/login")
    csp = page.headers["Content-Security-Policy"]
    for part in ("default-src 'self'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Permissions-Policy" in page.headers
    cookie = page.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_inline_script_or_style_in_pages(web: Browser) -> None:
    for path in PAGES:
        body = web.get(f"/ru{path}").get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), path
        assert "<style" not in body and " style=" not in body and " hx-on" not in body, path


def test_pages_are_compressed(web: Browser) -> None:
    page = web.get("/ru/cabinet/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"


def test_sign_in_page_weighs_under_40_kb_compressed(web: Browser) -> None:
    import gzip

    page = web.get("/ru/cabinet/login")
    total = len(gzip.compress(page.get_data()))
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.get_data(as_text=True)):
        total += len(gzip.compress(web.get(asset).get_data()))
    assert total < 40 * 1024, total


class TestFragments:
    def test_iin_fragment_messages(self, web: Browser, lang: str) -> None:
        url = f"/{lang}/fragments/iin"
        typing = web.post(url, {"iin": "90051", "event": "input"}, htmx=True)
        assert typing.status_code == 200 and typing.get_data(as_text=True).strip() == ""
        letters = web.post(url, {"iin": "90a", "event": "input"}, htmx=True)
        assert ("12 цифр" if lang == "ru" else "12 саннан") in letters.get_data(as_text=True)
        left = web.post(url, {"iin": "90051", "event": "blur"}, htmx=True)
        assert left.get_data(as_text=True).strip() != ""
        good = web.post(url, {"iin": AIGERIM, "event": "blur"}, htmx=True)
        assert good.get_data(as_text=True).strip() == ""

    def test_iin_fragment_keeps_the_draft_for_the_language_switch(self, web: Browser) -> None:
        web.post("/ru/fragments/iin", {"iin": "900515"}, htmx=True)
        assert 'value="900515"' in web.get("/kk/cabinet/login").get_data(as_text=True)

    def test_fragment_without_csrf_tells_to_reload(self, web: Browser, lang: str) -> None:
        page = web.post(f"/{lang}/fragments/iin", {"iin": "1"}, htmx=True, csrf=False)
        assert page.status_code == 400
        assert ("Обновите страницу" if lang == "ru" else "Бетті жаңартып") in page.get_data(as_text=True)
        assert "<html" not in page.get_data(as_text=True)

    def test_checklist_flips_as_rules_are_met(self, web: Browser, lang: str) -> None:
        url = f"/{lang}/fragments/password-rules"
        weak = web.post(url, {"password": "abc"}, htmx=True).get_data(as_text=True)
        assert weak.count('class="met"') == 1 and weak.count('class="unmet"') == 4
        strong = web.post(url, {"password": "Tulpar!2024abc"}, htmx=True).get_data(as_text=True)
        assert strong.count('class="met"') == 5 and 'hx-swap-oob' in strong
        assert ("выполнено 5 из 5" if lang == "ru" else "орындалғаны — 5") in strong

    def test_checklist_refuses_the_iin_inside(self, web: Browser) -> None:
        body = web.post("/ru/fragments/password-rules",
                        {"password": f"Aa!{AIGERIM}", "applicant_iin": AIGERIM}, htmx=True)
        assert "не должен содержать ИИН" in body.get_data(as_text=True)

    def test_phone_fragment(self, web: Browser) -> None:
        assert web.post("/ru/fragments/phone", {"phone": "8705", "event": "input"}, htmx=True) \
            .get_data(as_text=True).strip() == ""
        assert "Казахстана" in web.post("/ru/fragments/phone", {"phone": "12345", "event": "blur"},
                                        htmx=True).get_data(as_text=True)

    def test_countdown_fragment_follows_the_server_clock(self, web: Browser) -> None:
        web.post("/ru/cabinet/login", {"iin": AIGERIM, "agree_terms": "y", "agree_contacts": "y"})
        web.get("/ru/cabinet/recovery")
        web.clock.advance(45)
        body = web.get("/ru/fragments/resend/recovery", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert 'data-countdown="15"' in body
        web.clock.advance(15)
        body = web.get("/ru/fragments/resend/recovery", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "data-countdown" not in body and 'value="resend"' in body

    def test_huge_and_wrong_method(self, web: Browser) -> None:
        assert web.post("/ru/fragments/iin", {"iin": "9" * 100_000}, htmx=True).status_code == 413
        assert web.get("/ru/fragments/iin").status_code == 405


def test_kk_catalog_is_complete() -> None:
    with open(ROOT / "webapp/translations/kk/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="kk")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert not problems, problems


def test_catalogs_cover_every_source_string() -> None:
    """Extract the texts from the code and templates now: each has a kk translation."""
    from babel.messages.extract import extract_from_dir

    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    method_map = [("webapp/**.py", "python"), ("webapp/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    for lang in ("ru", "kk"):
        with open(ROOT / f"webapp/translations/{lang}/LC_MESSAGES/messages.po", "rb") as fh:
            translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string
                          for m in read_po(fh) if m.id}
        missing = sorted(m for m in found if not translated.get(m))
        assert not missing, (lang, missing)


def test_ru_plural_forms(web: Browser) -> None:
    from flask_babel import force_locale

    from webapp.i18n import duration
    from datetime import timedelta

    with web.app.test_request_context(), force_locale("ru"):
        assert duration(timedelta(minutes=1)) == "через 1 минуту"
        assert duration(timedelta(minutes=3)) == "через 3 минуты"
        assert duration(timedelta(minutes=15)) == "через 15 минут"
        assert duration(timedelta(minutes=21)) == "через 21 минуту"
        assert duration(timedelta(seconds=40)) == "через 40 секунд"
    with web.app.test_request_context(), force_locale("kk"):
        assert duration(timedelta(minutes=1)) == "1 минуттан кейін"
        assert duration(timedelta(days=3)) == "3 күннен кейін"


def test_migrations_match_the_models(tmp_path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tests.helpers import make_app
    from webapp.cli import upgrade_database
    from webapp.db import make_engine
    from webapp.models import Base

    app = make_app(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    app.extensions["db_engine"] = engine
    app.config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    upgrade_database(app)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_cli_load_outbox_and_bad_file(tmp_path) -> None:
    import json

    from tests.helpers import DEMO_DATA, make_app

    app = make_app(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    runner = app.test_cli_runner()
    good = tmp_path / "good.json"
    good.write_text(json.dumps(DEMO_DATA, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["sandbox", "load", str(good)]).exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"cabinets": [{"iin": "1", "phone": "+77057546868"}]}), encoding="utf-8")
    result = runner.invoke(args=["sandbox", "load", str(bad)])
    assert result.exit_code == 1 and "cabinets[0].iin" in result.output
    web = Browser(app)
    web.post("/ru/cabinet/login", {"iin": AIGERIM, "agree_terms": "y", "agree_contacts": "y"})
    web.get("/ru/cabinet/recovery")
    out = runner.invoke(args=["sandbox", "outbox", "--phone", "87057546868"])
    assert out.exit_code == 0 and "Код подтверждения для Личного кабинета" in out.output


def test_production_config_refuses_to_start_unsafely(monkeypatch) -> None:
    from webapp import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SANDBOX", "1")
    with pytest.raises(RuntimeError):
        create_app("production")


def test_sandbox_app_is_404_when_sandbox_is_off() -> None:
    from tests.helpers import make_app

    web = Browser(make_app(SANDBOX=False))
    assert web.get("/ru/sandbox/app").status_code == 404
    assert web.get("/sandbox/app").status_code == 404


def test_database_down_gives_a_localized_503(lang: str) -> None:
    from sqlalchemy.orm import sessionmaker

    from tests.helpers import make_app
    from webapp.db import make_engine

    app = make_app()
    web = Browser(app)
    web.post(f"/{lang}/cabinet/login", {"iin": AIGERIM, "agree_terms": "y", "agree_contacts": "y"})
    down = make_engine("sqlite:////nonexistent-dir/down.sqlite3")
    app.extensions["db_engine"] = down
    app.extensions["db_sessionmaker"] = sessionmaker(down)
    words = "временно недоступен" if lang == "ru" else "уақытша қолжетімсіз"
    for response in (web.get(f"/{lang}/cabinet/login/password"),
                     web.client.post(f"/{lang}/cabinet/login/password", data={"password": "x"}),
                     web.get("/healthz")):
        assert response.status_code == 503
    page = web.get(f"/{lang}/cabinet/recovery")
    assert page.status_code == 503 and words in text_of(page)
    fresh = app.test_client().get(f"/{lang}/cabinet/reregister")
    assert fresh.status_code in (200, 503)


def test_production_headers_and_cookies(monkeypatch) -> None:
    from webapp import create_app
    from webapp.models import Base

    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.delenv("SANDBOX", raising=False)
    from sqlalchemy.orm import sessionmaker

    from webapp.db import make_engine

    app = create_app("production")
    engine = make_engine("sqlite://")  # not the instance/ database of the configuration
    app.extensions["db_engine"], app.extensions["db_sessionmaker"] = engine, sessionmaker(engine)
    Base.metadata.create_all(engine)
    page = app.test_client().get("/ru/cabinet/login", base_url="https://example.kz")
    assert page.status_code == 200
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.test_client().get("/ru/sandbox/app").status_code == 404
