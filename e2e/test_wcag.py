"""WCAG 2.2 AA beyond axe, in ru and kk, on every page state (e2e/states.py).

How it runs: for each language the browser passes once through every page state (each
journey in a sandbox namespace of its own, codes and links read through the sandbox
API), and at each state every check below measures the page as it is, the ARIA snapshot
is taken and the page's markup saved for v.Nu (e2e/test_html_valid.py). Each test then
asserts one check on one state, so a failure names the check, the language and the
state, and a known product failure is an xfail(strict=True) of exactly that item (KNOWN
below): it flips to a failure the day the product is fixed.

With pytest-xdist the two workers share the work: the first to need a language claims it
(a lock file), passes through it and writes what it found where every worker reads it; a
worker waiting for a language another one is measuring measures the other language
meanwhile. So `-n 2` passes through each language once, both at the same time.

The checks (the success criterion, then what is measured; the page functions are in
e2e/wcag/*.js, each with e2e/wcag/helpers.js in scope as H):
  reflow         1.4.10  at 320×640: no sideways scroll (scrollWidth against the layout
                         width, clientWidth: on a mobile viewport innerWidth grows with
                         too-wide content); no visible text or control past the viewport's
                         edges; no text clipped by an overflow box
  text_spacing   1.4.12  the WCAG text-spacing bookmarklet's styles (line-height 1.5,
                         paragraphs 2em apart, letter-spacing .12em, word-spacing .16em):
                         no text clipped or spilling out of its box, no sideways scroll
  forced_colors  (1.4.11, 2.4.7, 1.4.1 in Windows' contrast themes; Chromium emulation)
                         every focus stop keeps an outline; every checkbox and radio is
                         drawn; the password checklist says met / not met in visible text
  reduced_motion prefers-reduced-motion (cf. 2.3.3): no animation or transition runs or
                         is set up to run (computed durations too); no smooth scrolling
  target_size    2.5.8   every visible control ≥ 24×24 CSS px, or an inline link in a
                         sentence, or spaced (a 24 px circle on its centre meets no other
                         target); the main button of each form (the first submit button
                         inside it; Назад / Отмена tied by form= to a side form are not)
                         ≥ 44 px high
  focus_in_view  2.4.11  Tab, then Shift+Tab, through the whole page (and the element
                         focused on load): each focus stop is inside the viewport once the
                         browser has scrolled to it, and on top (elementFromPoint at its
                         centre is it or inside it)
  paste_autocomplete 3.3.8 (and 1.3.5): every IIN, password and code field takes a real
                         paste (Ctrl+V from the clipboard) and no paste handler cancels
                         it; its autocomplete token is the one EXPECTED_AUTOCOMPLETE names
  htmx_refresh   (3.2.1/3.2.2, 2.1.1) what htmx asks for again by itself (where the code
                         is, the cabinet's rotating binding password, the emulator's feed)
                         replaces an element: the server's answer keeps every link, button
                         and field of it
  aria_snapshot  what a screen reader is given: the ARIA snapshot of <main> per state
                         and language (and of the header, breadcrumbs and footer once per
                         language, "shell"), compared with e2e/aria/<lang>/<state>.yml.

ARIA snapshots: a difference fails with a diff. When the change is intended, rewrite
the files and review them in the commit:

    UPDATE_ARIA=1 .venv/bin/python -m pytest -q e2e/test_wcag.py -k aria -m wcag

What changes from run to run is normalised first (server time and event times, the
"Отправлено в 14:05" of a code, countdown seconds, 6-digit codes, grouped 12-digit
binding passwords, QR, deep-link and link tokens, the server's address, and the masked
phone of people made at random by the people builder).

The whole matrix is marked `wcag`: it runs after `make test` (make test-long, CI), not in it.
"""
from __future__ import annotations

import difflib
import fcntl
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ed24_testkit import SandboxClient, text
from e2e.conftest import PHONE
from e2e.states import CHECKLIST_STATES, RANDOM_PEOPLE_STATES, STATES, tour

pytestmark = pytest.mark.wcag

LANGS = ["ru", "kk"]
HERE = Path(__file__).resolve().parent
ARIA_DIR = HERE / "aria"
JS_DIR = HERE / "wcag"
UPDATE_ARIA = os.environ.get("UPDATE_ARIA") == "1"
PHONE_VIEWPORT = PHONE["viewport"]
REFLOW_VIEWPORT = {"width": 320, "height": 640}

# The product failures known today: (check, lang, state) -> what to fix. Each is an
# xfail(strict=True) of that one item; the fix turns it into an XPASS (a failure that
# says: take the line out). None today.
KNOWN: dict[tuple[str, str, str], str] = {}


# -- The page functions (e2e/wcag/*.js) --------------------------------------------------

@cache
def script(name: str) -> str:
    """e2e/wcag/<name>.js as a page function of one argument, with the helpers in scope as H."""
    helpers = (JS_DIR / "helpers.js").read_text(encoding="utf-8")
    check = (JS_DIR / f"{name}.js").read_text(encoding="utf-8")
    return f"(arg) => {{\nconst H = {helpers}\n;\nreturn (\n{check}\n)(arg, H);\n}}"


def run(page: Page, name: str, arg: Any = None) -> Any:
    return page.evaluate(script(name), arg)


# -- The expected autocomplete tokens (3.3.8 / 1.3.5) ------------------------------------
# IIN fields of sign-in and recovery are the account's user name; the applicant's own IIN
# in re-registration becomes it. "off" only where the value is not the visitor's own:
# the child's IIN. The parents' IINs on the certificate include the visitor's own (the
# applicant must be one of them), so the browser may offer it: "on" (or no attribute).
EXPECTED_AUTOCOMPLETE: dict[str, set[str | None]] = {
    "iin": {"username"},
    "applicant_iin": {"username"},
    "child_iin": {"off"},
    "parent1_iin": {"on", None},
    "parent2_iin": {"on", None},
    "code": {"one-time-code"},
    "app-otp": {"one-time-code"},
    "password_repeat": {"new-password"},
}
PASTE_SAMPLES = {"iin": "900515401230", "password": "Pasted!Secret2026", "code": "123456"}


def expected_autocomplete(state: str, field_id: str) -> set[str | None]:
    if field_id == "password":
        return {"current-password"} if state.startswith("signin-step2") else {"new-password"}
    return EXPECTED_AUTOCOMPLETE.get(field_id, {"(not listed: add it to EXPECTED_AUTOCOMPLETE)"})


# -- The checks: each returns the problems it found on the page as it is -----------------

def check_reflow(page: Page, lang: str, state: str, focus: dict[str, Any]) -> list[str]:
    page.set_viewport_size(REFLOW_VIEWPORT)
    try:
        problems: list[str] = run(page, "reflow")
        return problems
    finally:
        page.set_viewport_size(PHONE_VIEWPORT)


def check_text_spacing(page: Page, lang: str, state: str, focus: dict[str, Any]) -> list[str]:
    problems: list[str] = run(page, "text-spacing")
    return problems


def check_reduced_motion(page: Page, lang: str, state: str, focus: dict[str, Any]) -> list[str]:
    page.emulate_media(reduced_motion="reduce")
    try:
        problems: list[str] = run(page, "reduced-motion")
        return problems
    finally:
        page.emulate_media(reduced_motion="no-preference")


def check_target_size(page: Page, lang: str, state: str, focus: dict[str, Any]) -> list[str]:
    problems: list[str] = run(page, "target-size")
    return problems


def _walk_focus(page: Page, key: str = "Tab", limit: int = 120) -> list[dict[str, Any]]:
    """Tab (or Shift+Tab) through the whole page (the walk wraps around, so where focus
    starts does not matter) and describe each focus stop once."""
    stops: list[dict[str, Any]] = []
    for i in range(limit):
        page.keyboard.press(key)
        stop = run(page, "focus-stop", "reset" if i == 0 else None)
        if stop.get("again"):
            break
        if not stop.get("outside"):  # past the last stop focus leaves the page, then comes round
            stops.append(stop)
    else:
        raise AssertionError(f"the {key} walk did not come round in {limit} presses")
    return stops


def focus_on_load(page: Page) -> dict[str, Any]:
    """The element a page focuses when it loads (an error summary, the code field…), as it
    is then, plainly and in forced colors: the Tab walks below start elsewhere."""
    plain = run(page, "focus-stop", "reset")
    page.emulate_media(forced_colors="active")
    try:
        forced = run(page, "focus-stop", "reset")
    finally:
        page.emulate_media(forced_colors="none")
    return {"plain": None if plain.get("outside") else plain, "forced": None if forced.get("outside") else forced}


def _on_load(focus: dict[str, Any], mode: str) -> list[dict[str, Any]]:
    stop = focus.get(mode)
    return [{**stop, "what": stop["what"] + " (focused on load)"}] if stop else []


def check_focus_in_view(page: Page, lang: str, state: str, focus: dict[str, Any]) -> list[str]:
    """Both ways round: going forward the browser scrolls a stop up from the bottom edge,
    going back (Shift+Tab) down from the top, where a sticky header would cover it."""
    problems: list[str] = []
    for how, stops in (("", _on_load(focus, "plain")), ("Tab", _walk_focus(page, "Tab")),
                       ("Shift+Tab", _walk_focus(page, "Shift+Tab"))):
        for stop in stops:
            if not stop["inView"]:
                problems.append(f"{stop['what']}{how and f' ({how})'}: focused but outside the viewport")
            elif not stop["onTop"]:
                problems.append(f"{stop['what']}{how and f' ({how})'}: focused but covered by {stop['coveredBy']}")
    return problems


def check_forced_colors(page: Page, lang: str, state: str, focus: dict[str, Any]) -> list[str]:
    page.emulate_media(forced_colors="active")
    try:
        problems = [f"{stop['what']}: no focus outline in forced colors ({stop['outline']} {stop['outlineWidth']}px)"
                    for stop in _on_load(focus, "forced") + _walk_focus(page)
                    if stop["outline"] == "none" or stop["outlineWidth"] <= 0]
        problems += run(page, "checkboxes")
        if state in CHECKLIST_STATES:
            field = page.get_by_label(text(lang, "Придумайте пароль Личного кабинета"), exact=True)
            field.fill("")
            field.press_sequentially("abcDEF12")
            expect(page.locator(".checklist .state.met").first).to_be_visible()
            problems += run(page, "checklist", [text(lang, "выполнено"), text(lang, "не выполнено")])
        return problems
    finally:
        page.emulate_media(forced_colors="none")


def check_paste_autocomplete(page: Page, lang: str, state: str, focus: dict[str, Any]) -> list[str]:
    problems = []
    for field in run(page, "fields"):
        allowed = expected_autocomplete(state, field["id"])
        if field["autocomplete"] not in allowed:
            problems.append(f"{field['what']}: autocomplete={field['autocomplete']!r}, "
                            f"expected {' or '.join(repr(a) for a in sorted(allowed, key=str))}")
        if not field["pasteAllowed"]:
            problems.append(f"{field['what']}: a paste handler cancels pasting")
        sample = PASTE_SAMPLES[field["kind"]]
        control = page.locator(f"#{field['id']}")
        control.fill("")
        control.focus()
        run(page, "clipboard", sample)
        page.keyboard.press("ControlOrMeta+V")
        pasted = control.input_value()
        if pasted != sample:
            problems.append(f"{field['what']}: Ctrl+V of {sample!r} left {pasted!r} in the field")
        control.fill(field["value"])
    return problems


Check = Callable[[Page, str, str, dict[str, Any]], list[str]]
CHECKS: dict[str, Check] = {
    # In this order: the typing and pasting last.
    "reflow": check_reflow,
    "text_spacing": check_text_spacing,
    "reduced_motion": check_reduced_motion,
    "target_size": check_target_size,
    "focus_in_view": check_focus_in_view,
    "forced_colors": check_forced_colors,
    "paste_autocomplete": check_paste_autocomplete,
}


# -- ARIA snapshots ------------------------------------------------------------------------

NORMALISE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}"), "<time>"),          # server time, event times
    (re.compile(r"(?<![\d:])\d{2}:\d{2}(?![\d:])"), "<time>"),            # "Отправлено в 14:05"
    (re.compile(r"\b\d{1,3}(?=\s*сек)"), "<seconds>"),                    # countdowns (ru "сек.", kk "секундтан")
    (re.compile(r"\b\d{4} \d{4} \d{4}\b"), "<binding password>"),
    (re.compile(r"(?<![\d*])\d{6}(?!\d)"), "<code>"),
    (re.compile(r"(token=)[^\s\"&]+"), r"\1<token>"),
    (re.compile(r"/r/[A-Za-z0-9_-]+"), "/r/<token>"),                      # the links in code messages
    (re.compile(r"https?://127\.0\.0\.1:\d+"), "<origin>"),               # the test server's port
]
RANDOM_PHONE = (re.compile(r"\+7\d{2}\*{4}\d{4}"), "<masked phone>")


def normalise(snapshot: str, state: str) -> str:
    patterns = NORMALISE + ([RANDOM_PHONE] if state in RANDOM_PEOPLE_STATES else [])
    for pattern, replacement in patterns:
        snapshot = pattern.sub(replacement, snapshot)
    return snapshot.rstrip() + "\n"


def aria_of(page: Page, state: str) -> dict[str, str]:
    snapshots = {state: normalise(page.locator("main").aria_snapshot(), state)}
    if state == "signin-step1":
        shell = [f"# {name}\n" + page.locator(selector).aria_snapshot()
                 for name, selector in (("header", "body > header"), ("breadcrumbs", "nav.breadcrumbs"),
                                        ("footer", "body > footer"))]
        snapshots["shell"] = normalise("\n".join(shell), "shell")
    return snapshots


# -- The markup for v.Nu: the page as the browser has it, and htmx's answers -----------------

FRAGMENT_DOCUMENT = ('<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
                     "<title>{title}</title></head>\n<body>\n{body}\n</body></html>\n")

# GET fragments htmx asks for on a state's page, and the element each replaces (outerHTML).
FRAGMENTS: dict[str, list[tuple[str, str, str]]] = {
    "recovery-code": [("recovery-status", "/{lang}/cabinet/recovery/status", "#delivery")],
    "rereg-code": [("rereg-status", "/{lang}/cabinet/reregister/status", "#delivery")],
    "cabinet-binding": [("cabinet-binding", "/{lang}/cabinet/binding", "#binding")],
    "app-feed": [("app-feed", "/{lang}/sandbox/app/feed?after=0&screen=feed", "#inbox")],
}


def _save(folder: Path, name: str, markup: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.html").write_text(markup, encoding="utf-8")


def refreshed(page: Page, lang: str, state: str, folder: Path | None) -> list[str]:
    """The GET fragments htmx asks for on this state's page (where the code is, the next
    binding password, the emulator's feed): the controls a refresh would take away, and
    each fragment saved for v.Nu (in a minimal document) when `folder` is given."""
    problems: list[str] = []
    for name, url, replaced in FRAGMENTS.get(state, []):
        status, body = run(page, "fetch", url.format(lang=lang))
        if status != 200:
            problems.append(f"{url}: {status} {body[:200]}")
            continue
        problems += run(page, "controls", {"selector": replaced, "markup": body, "url": url})
        if folder is not None:
            _save(folder, f"{state}+fragment-{name}",
                  FRAGMENT_DOCUMENT.format(lang=lang, title=f"{name} (htmx fragment)", body=body))
    return problems


def typed_answers(page: Page, state: str, folder: Path) -> None:
    """The page again once htmx swapped in its answers to typing (the inline IIN and phone
    messages, the password checklist): what those fragments put into the page. Run after
    the checks (it changes the page); the next state is reached through the UI anyway."""
    def typed(field_id: str, value: str, answered: str) -> None:
        field = page.locator(f"#{field_id}")
        field.fill("")
        field.press_sequentially(value)
        field.blur()
        expect(page.locator(answered).first).not_to_be_empty()
        page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
        _save(folder, f"{state}+{field_id}-typed", page.content())
        field.fill("")

    if state == "signin-step1":
        typed("iin", "900515401231", "#iin-error")
    elif state == "rereg-applicant":
        typed("phone", "12345", "#phone-error")
    elif state in CHECKLIST_STATES:
        typed("password", "abc", "#password-state-min_length")


# -- One pass per language: every state, every check; shared by the xdist workers ----------

# What each test needs measured.
NEEDS = {"test_reflow": "reflow", "test_text_spacing": "text_spacing", "test_forced_colors": "forced_colors",
         "test_reduced_motion": "reduced_motion", "test_target_size": "target_size",
         "test_focus_not_obscured": "focus_in_view", "test_paste_and_autocomplete": "paste_autocomplete",
         "test_aria_snapshot": "aria", "test_htmx_refresh_keeps_every_control": "htmx_refresh",
         "test_every_page_state_is_valid_html": "html"}


@contextmanager
def _locked(path: Path, wait: bool) -> Iterator[bool]:
    """An exclusive lock on `path` (True), or False at once when another process holds it
    and `wait` is off."""
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Survey:
    """What the tour of each language found: each check's problems per state, the ARIA
    snapshots, the states not reached, and the saved markup (under `folder`/html)."""

    def __init__(self, browser: Browser, base_url: str, sandbox: SandboxClient, wanted: set[str],
                 states: set[str], folder: Path) -> None:
        self.browser, self.base_url, self.sandbox = browser, base_url, sandbox
        self.wanted, self.states, self.folder = wanted, states, folder
        self.html = folder / "html"
        self._found: dict[str, dict[str, Any]] = {}

    def _measure(self, lang: str) -> None:
        found: dict[str, list[str]] = {}
        aria: dict[str, str] = {}
        html = self.html / lang

        def visit(state: str, page: Page) -> None:
            if "aria" in self.wanted:
                aria.update(aria_of(page, state))
            if "html" in self.wanted:
                _save(html, state, page.content())
            focus = focus_on_load(page) if self.wanted & {"focus_in_view", "forced_colors"} else {}
            for name, check in CHECKS.items():
                if name in self.wanted:
                    try:
                        found[f"{name} {state}"] = check(page, lang, state, focus)
                    except Exception as error:  # a check that cannot measure fails its test
                        found[f"{name} {state}"] = [f"the check could not run: {type(error).__name__}: {error}"]
            if self.wanted & {"htmx_refresh", "html"}:
                try:
                    found[f"htmx_refresh {state}"] = refreshed(page, lang, state,
                                                               html if "html" in self.wanted else None)
                except Exception as error:
                    found[f"htmx_refresh {state}"] = [f"the check could not run: {type(error).__name__}: {error}"]
            if "html" in self.wanted:
                try:
                    typed_answers(page, state, html)
                    found[f"html {state}"] = []
                except Exception as error:  # the markup test says so
                    found[f"html {state}"] = [f"htmx's answers not saved: {type(error).__name__}: {error}"]

        missed = tour(self.browser, self.base_url, lang, self.sandbox, visit, only=self.states,
                      **PHONE, permissions=["clipboard-read", "clipboard-write"])
        done = self.folder / f"{lang}.json"
        written = done.with_suffix(".tmp")
        written.write_text(json.dumps({"found": found, "aria": aria, "missed": missed}, ensure_ascii=False),
                           encoding="utf-8")
        os.replace(written, done)

    def _claim(self, lang: str, wait: bool) -> bool:
        """Measure `lang` unless it is done; False when another worker is at it (and not `wait`)."""
        done = self.folder / f"{lang}.json"
        with _locked(self.folder / f"{lang}.lock", wait) as mine:
            if not mine:
                return False
            if not done.exists():
                self._measure(lang)
        return True

    def results(self, lang: str) -> dict[str, Any]:
        if lang not in self._found:
            if not self._claim(lang, wait=False):
                for other in LANGS:  # another worker measures `lang`: do another language meanwhile
                    if other != lang:
                        self._claim(other, wait=False)
                self._claim(lang, wait=True)
            self._found[lang] = json.loads((self.folder / f"{lang}.json").read_text(encoding="utf-8"))
        return self._found[lang]

    def reached(self, lang: str, state: str) -> dict[str, Any]:
        found = self.results(lang)
        if state in found["missed"]:
            pytest.fail(f"{lang} {state} was not reached: {found['missed'][state]}")
        return found

    def problems(self, check: str, lang: str, state: str) -> list[str]:
        problems: list[str] = self.reached(lang, state)["found"][f"{check} {state}"]
        return problems

    def snapshot(self, lang: str, state: str) -> str:
        snapshot: str = self.reached(lang, "signin-step1" if state == "shell" else state)["aria"][state]
        return snapshot


@pytest.fixture(scope="session")
def survey(request: pytest.FixtureRequest, browser: Browser, base_url: str, sandbox: SandboxClient,
           tmp_path_factory: pytest.TempPathFactory) -> Survey:
    """Measure only what the selected tests ask for (-k runs stay short). Every worker of a
    run computes the same from the same items, and shares one folder: the run's base
    temporary directory (each xdist worker's basetemp is a folder of it)."""
    mine = [item for item in request.session.items if getattr(item, "originalname", None) in NEEDS]
    wanted = {NEEDS[item.originalname] for item in mine}  # type: ignore[attr-defined]
    states = {item.callspec.params["state"] for item in mine
              if hasattr(item, "callspec") and "state" in item.callspec.params}
    if "html" in wanted:
        states |= set(STATES)
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / f"wcag-{os.environ.get('PYTEST_XDIST_TESTRUNUID', 'solo')}"
    folder.mkdir(parents=True, exist_ok=True)
    return Survey(browser, base_url, sandbox, wanted, {s if s != "shell" else "signin-step1" for s in states},
                  folder)


def cases(check: str, states: tuple[str, ...] = STATES) -> list[Any]:
    """(lang, state) for every language and state; the known failures as strict xfails."""
    params = []
    for lang in LANGS:
        for state in states:
            reason = KNOWN.get((check, lang, state))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(lang, state, marks=marks, id=f"{lang}-{state}"))
    return params


def report(check: str, lang: str, state: str, problems: list[str]) -> str:
    return f"{check} on {lang} {state}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(("lang", "state"), cases("reflow"))
def test_reflow(survey: Survey, lang: str, state: str) -> None:
    """1.4.10: at 320×640 nothing scrolls sideways, nothing is past the edges or clipped."""
    problems = survey.problems("reflow", lang, state)
    assert not problems, report("reflow (320×640)", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("text_spacing"))
def test_text_spacing(survey: Survey, lang: str, state: str) -> None:
    """1.4.12: with the bookmarklet's spacing no text is lost and nothing scrolls sideways."""
    problems = survey.problems("text_spacing", lang, state)
    assert not problems, report("text spacing", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("forced_colors"))
def test_forced_colors(survey: Survey, lang: str, state: str) -> None:
    """Forced colors: focus outlines, checkboxes and the checklist's states stay visible."""
    problems = survey.problems("forced_colors", lang, state)
    assert not problems, report("forced colors", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("reduced_motion"))
def test_reduced_motion(survey: Survey, lang: str, state: str) -> None:
    """prefers-reduced-motion: nothing animates."""
    problems = survey.problems("reduced_motion", lang, state)
    assert not problems, report("reduced motion", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("target_size"))
def test_target_size(survey: Survey, lang: str, state: str) -> None:
    """2.5.8: targets ≥ 24×24 (or inline, or spaced); main buttons ≥ 44 px high."""
    problems = survey.problems("target_size", lang, state)
    assert not problems, report("target size", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("focus_in_view"))
def test_focus_not_obscured(survey: Survey, lang: str, state: str) -> None:
    """2.4.11: every focus stop is in the viewport and not under another element."""
    problems = survey.problems("focus_in_view", lang, state)
    assert not problems, report("focus not obscured", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("paste_autocomplete"))
def test_paste_and_autocomplete(survey: Survey, lang: str, state: str) -> None:
    """3.3.8: IIN, password and code fields take a paste and carry the right autocomplete."""
    problems = survey.problems("paste_autocomplete", lang, state)
    assert not problems, report("paste and autocomplete", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("htmx_refresh", tuple(FRAGMENTS)))
def test_htmx_refresh_keeps_every_control(survey: Survey, lang: str, state: str) -> None:
    """What htmx asks for again (a status, a rotating password, a feed) replaces an element
    with the server's answer: no link, button or field of it may go missing (a control
    that vanishes under a person's finger, or under the keyboard focus, and a way lost)."""
    problems = survey.problems("htmx_refresh", lang, state)
    assert not problems, report("htmx refresh", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("aria", ("shell", *STATES)))
def test_aria_snapshot(survey: Survey, lang: str, state: str) -> None:
    """What a screen reader is given, per state, against the committed file."""
    live = survey.snapshot(lang, state)
    path = ARIA_DIR / lang / f"{state}.yml"
    if UPDATE_ARIA:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(live, encoding="utf-8")
        return
    assert path.exists(), f"no {path.relative_to(ARIA_DIR.parent.parent)}: run with UPDATE_ARIA=1 and review it"
    committed = path.read_text(encoding="utf-8")
    if live != committed:
        diff = "".join(difflib.unified_diff(committed.splitlines(keepends=True), live.splitlines(keepends=True),
                                            fromfile=f"committed {lang}/{state}.yml", tofile="live"))
        pytest.fail(f"the accessibility tree of {lang} {state} changed (UPDATE_ARIA=1 rewrites the file):\n{diff}")


def test_every_state_has_a_snapshot_and_no_snapshot_is_orphaned() -> None:
    """A state renamed or dropped takes its snapshot files with it."""
    expected = {f"{lang}/{state}.yml" for lang in LANGS for state in ("shell", *STATES)}
    present = {str(p.relative_to(ARIA_DIR)) for p in ARIA_DIR.glob("*/*.yml")}
    assert present == expected, {"orphaned": sorted(present - expected), "missing": sorted(expected - present)}
