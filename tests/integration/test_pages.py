"""Every page in both languages: shell, headers, errors, weight, catalogs, CLI, migrations."""
from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta

import pytest
from babel.messages.pofile import read_po

from tests.helpers import (AIGERIM, DEMO_DATA, ROOT, SANDBOX_OFF, Browser, Page, make_app, t,
                           take_the_database_down, tn)

PAGES = ["/", "/cabinet/login", "/cabinet/recovery", "/cabinet/recovery/unknown-number",
         "/cabinet/reregister", "/help/bmg", "/help/app", "/agreement", "/accessibility", "/sandbox/app"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_both_languages(web: Browser, lang: str, path: str) -> None:
    page = web.page(f"/{lang}{path}")
    assert page.status == 200
    assert page.soup.html["lang"] == lang
    assert len(page.soup.find_all("h1")) == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert page.soup.find(landmark), landmark
    assert page.soup.select_one('a.skip-link[href="#main"]')
    assert t(lang, "Эталонное время сервера: %(time)s %(city)s", time="2026.11.25 14:00",
             city=t(lang, "г.%(city)s", city="Павлодар")) in page.text
    assert t(lang, "Главная") in page.text and "INDIGO" in page.text
    assert t(lang, "Тестовый режим: коды и пароли видны всем") in page.text
    other = "kk" if lang == "ru" else "ru"
    assert page.soup.find("a", href=f"/{other}{path}", hreflang=other)
    assert page.soup.find("a", href=f"/{lang}/accessibility")
    # Every visible form control has a label.
    for control in page.soup.select("input:not([type=hidden]):not([hidden])"):
        assert page.soup.find("label", attrs={"for": control["id"]}), control


def test_breadcrumbs_name_the_page(web: Browser) -> None:
    crumbs = web.page("/ru/cabinet/reregister").soup.select(".breadcrumbs li")
    assert [" ".join(li.get_text(" ").split()).strip("/ ") for li in crumbs] == [
        "Главная", "Личный кабинет", "Переоформление Личного кабинета"]


def test_site_city_is_configurable() -> None:
    assert "г.Астана" in Browser(make_app(SITE_CITY="Астана")).page("/ru/")


@pytest.mark.parametrize("accept, cookie, expected", [
    ("kk,ru;q=0.8", None, "/kk/"), ("ru,kk;q=0.5", None, "/ru/"), ("en", None, "/ru/"),
    ("ru", "kk", "/kk/"), (None, None, "/ru/"),
])
def test_root_redirects_by_cookie_then_accept_language(web: Browser, accept, cookie, expected) -> None:
    if cookie:
        web.client.set_cookie("lang", cookie)
    page = web.get("/", headers={"Accept-Language": accept} if accept else {})
    assert page.status_code == 302 and page.headers["Location"].endswith(expected)


@pytest.mark.parametrize("status, path, method", [
    (404, "/kk/no-such-page", "get"), (405, "/kk/cabinet/recovery/code", "get"), (400, "/kk/cabinet/login", "post"),
])
def test_error_pages_are_localized(web: Browser, status: int, path: str, method: str) -> None:
    page = Page(getattr(web.client, method)(path))
    assert page.status == status
    assert page.soup.html["lang"] == "kk"
    assert not re.search(r"Bad Request|Not Found|Method Not Allowed", page.html)
    assert page.h1 in {t("kk", "Страница не найдена"), t("kk", "Действие недоступно"), t("kk", "Страница устарела")}


def test_unknown_language_is_404(web: Browser) -> None:
    assert web.get("/en/").status_code == 404


def test_healthz(web: Browser) -> None:
    assert web.get("/healthz").get_json() == {"status": "ok"}


def test_healthz_refuses_an_empty_or_missing_database(tmp_path) -> None:
    from tests.helpers import TEST_CONFIG
    from webapp import create_app

    # An existing but empty file: the schema is missing.
    bare = tmp_path / "bare.sqlite3"
    bare.write_bytes(b"")
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{bare}"})
    assert app.test_client().get("/healthz").status_code == 503
    # A missing file is an error, not a new empty database.
    gone = tmp_path / "gone.sqlite3"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{gone}"})
    assert app.test_client().get("/healthz").status_code == 503
    assert not gone.exists()


def test_security_headers(web: Browser) -> None:
    page = web.get("/ru/cabinet/login")
    csp = page.headers["Content-Security-Policy"]
    for part in ("default-src 'self'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in page.headers["Vary"]
    cookie = page.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_inline_script_style_or_eval_attributes(web: Browser) -> None:
    for path in PAGES:
        body = web.get(f"/ru{path}").get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), path
        assert "<style" not in body and " style=" not in body and " hx-on" not in body, path


def test_every_form_is_novalidate_and_posts_carry_a_csrf_token(web: Browser) -> None:
    for path in PAGES:
        page = web.page(f"/ru{path}")
        for form in page.soup.find_all("form"):
            if form.get("method", "get").lower() == "post":
                assert form.find("input", attrs={"name": "csrf_token"}), (path, form.get("action"))


def test_pages_are_compressed(web: Browser) -> None:
    page = web.get("/ru/cabinet/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"


def test_sign_in_page_weighs_under_40_kb_compressed(web: Browser) -> None:
    page = web.get("/ru/cabinet/login")
    total = len(gzip.compress(page.get_data()))
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.get_data(as_text=True)):
        total += len(gzip.compress(web.get(asset).get_data()))
    assert total < 40 * 1024, total


def test_static_files_are_cached_for_a_year(web: Browser) -> None:
    asset = re.search(r'src="(/static/js/app\.js\?v=[0-9a-f]+)"', web.get("/ru/").get_data(as_text=True)).group(1)
    assert "immutable" in web.get(asset).headers["Cache-Control"]


def test_manifest(web: Browser) -> None:
    data = web.get("/kk/manifest.webmanifest").get_json()
    assert data["lang"] == "kk" and data["start_url"] == "/kk/cabinet/login"


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
    """The texts in the code and templates now: each has a ru and a kk entry."""
    from babel.messages.extract import extract_from_dir

    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    method_map = [("webapp/**.py", "python"), ("webapp/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    for lang in ("ru", "kk"):
        with open(ROOT / f"webapp/translations/{lang}/LC_MESSAGES/messages.po", "rb") as fh:
            translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(fh) if m.id}
        missing = sorted(m for m in found if not translated.get(m))
        assert not missing, (lang, missing)


def test_plural_forms_and_durations_in_words(app) -> None:
    from webapp.web.i18n import duration

    assert tn("ru", "через %(num)d минуту", "через %(num)d минут", 3) == "через 3 минуты"
    with app.test_request_context("/ru/"):
        from flask_babel import force_locale

        with force_locale("ru"):
            assert duration(timedelta(minutes=1)) == "через 1 минуту"
            assert duration(timedelta(minutes=21)) == "через 21 минуту"
            assert duration(timedelta(seconds=40)) == "через 40 секунд"
            assert duration(timedelta(minutes=61)) == "через 2 часа"
            assert duration(timedelta(hours=24)) == "через 24 часа"
        with force_locale("kk"):
            words = tn("kk", "через %(num)d минуту", "через %(num)d минут", 15)
            assert duration(timedelta(minutes=15)) == words and words.startswith("15 ")


def test_force_locale_works_inside_a_request(web: Browser) -> None:
    """Inside a /ru request, force_locale("kk") speaks Kazakh (no own translation cache)."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext

    with web.app.test_request_context("/ru/cabinet/login"):
        web.app.preprocess_request()
        assert gettext("Главная") == "Главная"
        with force_locale("kk"):
            assert gettext("Главная") == t("kk", "Главная") != "Главная"
            assert render_template_string("{{ _('Главная') }}") == t("kk", "Главная")
        assert gettext("Главная") == "Главная"


def test_migrations_match_the_models(tmp_path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from webapp.cli import upgrade_database
    from webapp.db import make_engine
    from webapp.models import Base

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = make_app(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    app.config["DATABASE_URL"] = url
    upgrade_database(app)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_cli_load_outbox_and_bad_file(tmp_path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'cli.sqlite3'}", clock=None)
    runner = app.test_cli_runner()
    good = tmp_path / "good.json"
    good.write_text(json.dumps(DEMO_DATA, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["sandbox", "load", str(good)]).exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"cabinets": [{"iin": "1", "phone": "+77057546868"}]}), encoding="utf-8")
    result = runner.invoke(args=["sandbox", "load", str(bad)])
    assert result.exit_code == 1 and "cabinets[0].iin" in result.output
    Browser(app).start_recovery("ru", "870123302154")
    web = Browser(app)
    web.start_recovery("ru", "870123302154")
    web.post("/ru/cabinet/recovery/sms")
    out = runner.invoke(args=["sandbox", "outbox", "--phone", "87011231885"])
    assert out.exit_code == 0 and out.output.startswith("SMS ")
    assert "одноразовый пароль для привязки" in out.output
    web.start_recovery("ru", AIGERIM)
    out = runner.invoke(args=["sandbox", "outbox", "--phone", "87057546868"])
    assert out.output.startswith("app ") and "Код подтверждения для Личного кабинета" in out.output


def test_sandbox_is_404_when_off() -> None:
    web = Browser(make_app(**SANDBOX_OFF))
    for path in ("/ru/sandbox/app", "/sandbox/app", "/sandbox/api/clock", "/sandbox/api/outbox?phone=87057546868",
                 "/sandbox/api/openapi.json", "/sandbox/api/schema.json", "/ru/sandbox/app/bind?token=x"):
        assert web.get(path).status_code == 404
    assert web.client.post("/sandbox/api/namespaces", json={}).status_code == 404
    assert "Тестовый режим" not in web.page("/ru/")
    assert web.client.post("/sandbox/api/reset", json={}).status_code == 404


def test_database_down_gives_a_localized_503(lang: str) -> None:
    app = make_app()
    web = Browser(app)
    web.step1(lang, AIGERIM)
    take_the_database_down(app)
    for response in (web.get(f"/{lang}/cabinet/login/password"),
                     web.post(f"/{lang}/cabinet/login/password", {"password": "x"}),
                     # the service asks the database before the session is read
                     web.post(f"/{lang}/cabinet/recovery/start", {"iin": AIGERIM}),
                     web.get("/healthz"), web.get(f"/{lang}/cabinet/recovery")):
        assert response.status_code == 503
    page = Page(web.get(f"/{lang}/cabinet/recovery"))
    assert page.h1 == t(lang, "Сервис временно недоступен")
    # A visitor who only looks at pages is not touched by the outage.
    assert app.test_client().get(f"/{lang}/cabinet/login").status_code == 200
