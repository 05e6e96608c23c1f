"""WCAG 2.2 AA beyond axe, in ru and kk, on every page state (issue 12, point 4).

How it runs: for each language the browser passes once through every page state
(e2e/states.py: each journey on fresh sandbox data, codes read through the sandbox
API), and at each state every check below measures the page as it is. Each test
then asserts one check on one state, so a failure names the check, the language and
the state, and a known product failure is an xfail(strict=True) of exactly that item
(KNOWN below): it flips to a failure the day the product is fixed.

The checks (the success criterion, then what is measured):
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
                         focused on load):
                         each focus stop is inside the viewport once the browser has
                         scrolled to it, and on top (elementFromPoint at its centre is it
                         or inside it)
  paste_autocomplete 3.3.8 (and 1.3.5): every IIN, password and code field takes a real
                         paste (Ctrl+V from the clipboard) and no paste handler cancels
                         it; its autocomplete token is the one EXPECTED_AUTOCOMPLETE names
  aria_snapshot  what a screen reader is given: the ARIA snapshot of <main> per state
                         and language (and of the header, breadcrumbs and footer once per
                         language, "shell"), compared with e2e/aria/<lang>/<state>.yml.

ARIA snapshots: a difference fails with a diff. When the change is intended, rewrite
the files and review them in the commit:

    UPDATE_ARIA=1 .venv/bin/python -m pytest -q e2e/test_wcag.py -k aria

What changes from run to run is normalised first (server time and event times, countdown
seconds, 6-digit codes, grouped 12-digit binding passwords, QR and deep-link tokens).
"""
from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import PHONE
from e2e.states import CHECKLIST_STATES, STATES, tour
from tests.helpers import t

LANGS = ["ru", "kk"]
ARIA_DIR = Path(__file__).resolve().parent / "aria"
UPDATE_ARIA = os.environ.get("UPDATE_ARIA") == "1"
PHONE_VIEWPORT = PHONE["viewport"]
REFLOW_VIEWPORT = {"width": 320, "height": 640}

# The product failures known today: (check, lang, state) -> what to fix. Each is an
# xfail(strict=True) of that one item; the lead's fix turns it into an XPASS (a failure
# that says: take the line out).
KNOWN: dict[tuple[str, str, str], str] = {}

# -- JavaScript measurements (run in the page; shared helpers first) ---------------------

JS_HELPERS = r"""
const H = {
  describe(el) {
    let s = el.tagName.toLowerCase();
    if (el.id) return s + '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    if (el.getAttribute('href')) s += '[href="' + el.getAttribute('href').slice(0, 60) + '"]';
    if (el.getAttribute('type') && el.tagName === 'INPUT') s += '[type=' + el.getAttribute('type') + ']';
    if (el.getAttribute('name')) s += '[name=' + el.getAttribute('name') + ']';
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
    if (text) s += ' "' + text.slice(0, 40) + '"';
    return s;
  },
  // Visually hidden on purpose (.visually-hidden: 1px, clipped) or inside such an element.
  srOnly(el) {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if ((cs.clip && cs.clip !== 'auto') || (cs.clipPath && cs.clipPath !== 'none')) {
        const r = e.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) return true;
      }
    }
    return false;
  },
  // Moved above the page on purpose until focused (the skip link).
  parkedAbove(el) {
    const r = el.getBoundingClientRect();
    return r.bottom + window.scrollY <= 0;
  },
  visible(el) {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !H.srOnly(el) && !(H.parkedAbove(el) && document.activeElement !== el);
  },
  ownText(el) {
    return [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  },
  // Text that an overflow box cuts off, or that spills out of a box of fixed size.
  lostText() {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (['INPUT', 'SELECT', 'TEXTAREA', 'SCRIPT', 'STYLE', 'svg'].includes(el.tagName)) continue;
      if (el.closest('svg')) continue;
      if (!H.visible(el)) continue;
      const text = (el.innerText || '').trim();
      if (!text) continue;
      const cs = getComputedStyle(el);
      if (cs.display === 'inline' || cs.display === 'contents') continue;
      const cutX = cs.overflowX !== 'visible', cutY = cs.overflowY !== 'visible';
      const dx = el.scrollWidth - el.clientWidth, dy = el.scrollHeight - el.clientHeight;
      if (cutX && dx > 1) out.push(H.describe(el) + ': text cut off sideways (' + el.scrollWidth + ' > ' + el.clientWidth + ' px, overflow-x ' + cs.overflowX + ')');
      if (cutY && dy > 1) out.push(H.describe(el) + ': text cut off at the bottom (' + el.scrollHeight + ' > ' + el.clientHeight + ' px, overflow-y ' + cs.overflowY + ')');
      if (!cutY && H.ownText(el) && dy > 1)
        out.push(H.describe(el) + ': text spills out of its box (' + el.scrollHeight + ' > ' + el.clientHeight + ' px)');
    }
    return out;
  },
  // Visible text and controls past the left or right edge of the viewport.
  pastTheEdges() {
    const out = [], width = document.documentElement.clientWidth;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const el = n.parentElement;
      if (!el || seen.has(el) || !H.visible(el)) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        if (r.width > 0 && (r.left < -1 || r.right > width + 1)) {
          out.push(H.describe(el) + ': text from ' + Math.round(r.left) + ' to ' + Math.round(r.right) + ' px in a ' + width + ' px viewport');
          seen.add(el);
          break;
        }
      }
    }
    for (const el of document.body.querySelectorAll('input, button, select, textarea, img, svg, .qr, a')) {
      if (!H.visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.left < -1 || r.right > width + 1)
        out.push(H.describe(el) + ': box from ' + Math.round(r.left) + ' to ' + Math.round(r.right) + ' px in a ' + width + ' px viewport');
    }
    return out;
  },
  // Against the layout width (clientWidth): on a mobile viewport innerWidth grows with
  // content that is too wide, so scrollWidth <= innerWidth would always hold there.
  sidewaysScroll() {
    const w = document.documentElement.scrollWidth, v = document.documentElement.clientWidth;
    return w > v ? ['the page scrolls sideways: ' + w + ' px wide in a ' + v + ' px viewport'] : [];
  },
};
"""


def js(body: str) -> str:
    """A page function with the helpers in scope."""
    return "(arg) => {" + JS_HELPERS + body + "}"


REFLOW_JS = js("return [...H.sidewaysScroll(), ...H.pastTheEdges(), ...H.lostText()];")

TEXT_SPACING_JS = js(r"""
const sheet = new CSSStyleSheet();
sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: 0.12em !important; ' +
                  'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }');
const before = document.adoptedStyleSheets;
document.adoptedStyleSheets = [...before, sheet];
try {
  const probe = document.querySelector('main p, main h1') || document.body;
  const ls = parseFloat(getComputedStyle(probe).letterSpacing) || 0;
  if (ls < 0.1 * parseFloat(getComputedStyle(probe).fontSize)) return ['the text-spacing styles did not apply'];
  return [...H.sidewaysScroll(), ...H.pastTheEdges(), ...H.lostText()];
} finally {
  document.adoptedStyleSheets = before;
}
""")

REDUCED_MOTION_JS = js(r"""
const out = [];
for (const a of document.getAnimations()) {
  const timing = a.effect ? a.effect.getComputedTiming() : {};
  const target = a.effect && a.effect.target;
  if (a.playState === 'running' && (timing.activeDuration || 0) > 0)
    out.push((target ? H.describe(target) : 'an element') + ': ' + (a.animationName || a.transitionProperty || 'animation') +
             ' runs for ' + timing.activeDuration + ' ms');
}
const seconds = (list) => Math.max(0, ...list.split(',').map(v => v.trim().endsWith('ms') ? parseFloat(v) / 1000 : parseFloat(v)));
for (const el of document.querySelectorAll('*')) {
  for (const pseudo of [null, '::before', '::after']) {
    const cs = getComputedStyle(el, pseudo);
    if (pseudo && (cs.content === 'none' || cs.content === 'normal')) continue;
    const where = H.describe(el) + (pseudo || '');
    const transition = seconds(cs.transitionDuration) + seconds(cs.transitionDelay);
    if (transition > 0.01 && cs.transitionProperty !== 'none') out.push(where + ': transition ' + cs.transitionProperty + ' ' + cs.transitionDuration);
    if (cs.animationName !== 'none' && seconds(cs.animationDuration) > 0.01) out.push(where + ': animation ' + cs.animationName + ' ' + cs.animationDuration);
  }
}
if (getComputedStyle(document.documentElement).scrollBehavior === 'smooth') out.push('html: scroll-behavior smooth');
return out;
""")

TARGET_SIZE_JS = js(r"""
const out = [];
const SEL = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
const targets = [...document.querySelectorAll(SEL)].filter(H.visible);
const box = (el) => el.getBoundingClientRect();
const centre = (r) => [r.left + r.width / 2, r.top + r.height / 2];
const distToRect = (x, y, r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
const small = (r) => r.width < 24 - 0.01 || r.height < 24 - 0.01;
// WCAG's inline exception: a link in a sentence, its size set by the line of text it sits in.
const inline = (el) => {
  if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
  let block = el.parentElement;
  while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
  if (!block) return false;
  const own = (el.innerText || '').trim().length, all = (block.innerText || '').trim().length;
  return all > own;
};
for (const el of targets) {
  const r = box(el);
  if (!small(r) || inline(el)) continue;
  const [x, y] = centre(r);
  const crowded = targets.filter(o => o !== el && !o.contains(el) && !el.contains(o)).filter(o => {
    const ro = box(o);
    if (distToRect(x, y, ro) < 12) return true;
    if (small(ro) && !inline(o)) { const [ox, oy] = centre(ro); return Math.hypot(ox - x, oy - y) < 24; }
    return false;
  });
  if (crowded.length)
    out.push(H.describe(el) + ': ' + Math.round(r.width * 10) / 10 + '×' + Math.round(r.height * 10) / 10 +
             ' px, and within 12 px of its centre: ' + crowded.slice(0, 3).map(H.describe).join(', '));
}
// Main buttons: the first submit button inside each form.
for (const form of document.querySelectorAll('form')) {
  const main = form.querySelector('button[type=submit], button:not([type]), input[type=submit]');
  if (!main || !H.visible(main)) continue;
  const r = box(main);
  if (r.height < 44 - 0.01) out.push(H.describe(main) + ': the main button of its form is ' + Math.round(r.height * 10) / 10 + ' px high (< 44)');
}
return out;
""")

# After each Tab, once what the Tab set off has settled (a message htmx fetches on blur
# can move the page): where the focus is and whether it can be seen (in the viewport, on top).
FOCUS_STOP_JS = "async " + js(r"""
const frame = () => new Promise(r => requestAnimationFrame(r));
for (let i = 0; i < 200 && document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling'); i++) await frame();
await frame();
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return {outside: true};
window.__focusSeen = window.__focusSeen || new WeakSet();
if (window.__focusSeen.has(el)) return {again: true};
window.__focusSeen.add(el);
const vw = window.innerWidth, vh = window.innerHeight;
let inView = false, onTop = false, coveredBy = null;
for (const r of el.getClientRects()) {
  const x0 = Math.max(r.left, 0), x1 = Math.min(r.right, vw), y0 = Math.max(r.top, 0), y1 = Math.min(r.bottom, vh);
  if (x1 <= x0 || y1 <= y0) continue;
  inView = true;
  const hit = document.elementFromPoint((x0 + x1) / 2, (y0 + y1) / 2);
  if (hit && (hit === el || el.contains(hit))) onTop = true; else if (hit) coveredBy = H.describe(hit);
}
const cs = getComputedStyle(el);
return {what: H.describe(el), inView, onTop, coveredBy,
        outline: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0};
""")

RESET_FOCUS_WALK_JS = "() => { window.__focusSeen = new WeakSet(); }"

CHECKBOXES_JS = js(r"""
const out = [];
for (const el of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) || r.width < 1 || r.height < 1 || H.srOnly(el))
    out.push(H.describe(el) + ': not drawn (' + Math.round(r.width) + '×' + Math.round(r.height) + ' px, opacity ' + cs.opacity + ')');
  else if (cs.appearance === 'none' && cs.forcedColorAdjust === 'none')
    out.push(H.describe(el) + ': custom-drawn with forced-color-adjust none');
}
return out;
""")

CHECKLIST_JS = js(r"""
const [met, unmet] = arg;
const out = [];
const lines = [...document.querySelectorAll('.checklist li')].filter(li => li.querySelector('.state'));
if (lines.length < 5) out.push('only ' + lines.length + ' checklist lines say their state');
for (const li of lines) {
  const state = li.querySelector('.state');
  const text = (state.innerText || '').trim();
  const r = state.getBoundingClientRect();
  const says = text.includes(unmet) ? 'unmet' : text.includes(met) ? 'met' : null;
  if (!says) out.push(H.describe(li) + ': its state is not in words');
  else if (!state.classList.contains(says)) out.push(H.describe(li) + ': says ' + says + ' but is styled ' + state.className);
  if (!H.visible(state) || r.width < 2) out.push(H.describe(li) + ': the state words are not visible');
}
return out;
""")

FIELDS_JS = js(r"""
const fields = [];
for (const el of document.querySelectorAll('input')) {
  if (!H.visible(el)) continue;
  const kind = el.type === 'password' || el.id === 'password' || el.id === 'password_repeat' ? 'password'
    : /iin$/i.test(el.id) ? 'iin'
    : (el.autocomplete === 'one-time-code' || /(^|[-_])(code|otp)$/i.test(el.id)) ? 'code' : null;
  if (!kind) continue;
  const dt = new DataTransfer();
  dt.setData('text/plain', '123456');
  const ev = new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true});
  const pasteAllowed = el.dispatchEvent(ev);
  fields.push({id: el.id, kind, autocomplete: el.getAttribute('autocomplete'), pasteAllowed,
               what: H.describe(el), value: el.value});
}
return fields;
""")

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

def check_reflow(page: Page, lang: str, state: str) -> list[str]:
    page.set_viewport_size(REFLOW_VIEWPORT)
    try:
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return page.evaluate(REFLOW_JS)
    finally:
        page.set_viewport_size(PHONE_VIEWPORT)


def check_text_spacing(page: Page, lang: str, state: str) -> list[str]:
    return page.evaluate(TEXT_SPACING_JS)


def check_reduced_motion(page: Page, lang: str, state: str) -> list[str]:
    page.emulate_media(reduced_motion="reduce")
    try:
        return page.evaluate(REDUCED_MOTION_JS)
    finally:
        page.emulate_media(reduced_motion="no-preference")


def check_target_size(page: Page, lang: str, state: str) -> list[str]:
    return page.evaluate(TARGET_SIZE_JS)


def _walk_focus(page: Page, key: str = "Tab", limit: int = 120) -> list[dict[str, Any]]:
    """Tab (or Shift+Tab) through the whole page (the walk wraps around, so where focus
    starts does not matter) and describe each focus stop once."""
    page.evaluate(RESET_FOCUS_WALK_JS)
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press(key)
        stop = page.evaluate(FOCUS_STOP_JS)
        if stop.get("again"):
            break
        if not stop.get("outside"):  # past the last stop focus leaves the page, then comes round
            stops.append(stop)
    else:
        raise AssertionError(f"the {key} walk did not come round in {limit} presses")
    return stops


def probe_focus_on_load(page: Page) -> None:
    """The element a page focuses when it loads (an error summary, the code field…), as it
    is then, plainly and in forced colors: the Tab walks below start elsewhere."""
    page.evaluate(RESET_FOCUS_WALK_JS)
    plain = page.evaluate(FOCUS_STOP_JS)
    page.evaluate(RESET_FOCUS_WALK_JS)
    page.emulate_media(forced_colors="active")
    try:
        forced = page.evaluate(FOCUS_STOP_JS)
    finally:
        page.emulate_media(forced_colors="none")
    page.focus_on_load = {"plain": None if plain.get("outside") else plain,  # type: ignore[attr-defined]
                          "forced": None if forced.get("outside") else forced}


def _on_load(page: Page, mode: str) -> list[dict[str, Any]]:
    stop = getattr(page, "focus_on_load", {}).get(mode)
    return [{**stop, "what": stop["what"] + " (focused on load)"}] if stop else []


def check_focus_in_view(page: Page, lang: str, state: str) -> list[str]:
    """Both ways round: going forward the browser scrolls a stop up from the bottom edge,
    going back (Shift+Tab) down from the top, where a sticky header would cover it."""
    problems: list[str] = []
    for how, stops in (("", _on_load(page, "plain")), ("Tab", _walk_focus(page, "Tab")),
                       ("Shift+Tab", _walk_focus(page, "Shift+Tab"))):
        for stop in stops:
            if not stop["inView"]:
                problems.append(f"{stop['what']}{how and f' ({how})'}: focused but outside the viewport")
            elif not stop["onTop"]:
                problems.append(f"{stop['what']}{how and f' ({how})'}: focused but covered by {stop['coveredBy']}")
    return problems


def check_forced_colors(page: Page, lang: str, state: str) -> list[str]:
    page.emulate_media(forced_colors="active")
    try:
        problems = [f"{stop['what']}: no focus outline in forced colors ({stop['outline']} {stop['outlineWidth']}px)"
                    for stop in _on_load(page, "forced") + _walk_focus(page)
                    if stop["outline"] == "none" or stop["outlineWidth"] <= 0]
        problems += page.evaluate(CHECKBOXES_JS)
        if state in CHECKLIST_STATES:
            field = page.get_by_label(t(lang, "Придумайте пароль Личного кабинета"), exact=True)
            field.fill("")
            field.press_sequentially("abcDEF12")
            expect(page.locator(".checklist .state.met").first).to_be_visible()
            problems += page.evaluate(CHECKLIST_JS, [t(lang, "выполнено"), t(lang, "не выполнено")])
        return problems
    finally:
        page.emulate_media(forced_colors="none")


def check_paste_autocomplete(page: Page, lang: str, state: str) -> list[str]:
    problems = []
    for field in page.evaluate(FIELDS_JS):
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
        page.evaluate("text => navigator.clipboard.writeText(text)", sample)
        page.keyboard.press("ControlOrMeta+V")
        pasted = control.input_value()
        if pasted != sample:
            problems.append(f"{field['what']}: Ctrl+V of {sample!r} left {pasted!r} in the field")
        control.fill(field["value"])
    return problems


# -- ARIA snapshots ------------------------------------------------------------------------

NORMALISE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}"), "<time>"),          # server time, event times
    (re.compile(r"\b\d{1,3}(?=\s*сек)"), "<seconds>"),                    # countdowns (ru "сек.", kk "секундтан")
    (re.compile(r"\b\d{4} \d{4} \d{4}\b"), "<binding password>"),
    (re.compile(r"(?<![\d*])\d{6}(?!\d)"), "<code>"),
    (re.compile(r"(token=)[^\s\"&]+"), r"\1<token>"),
]


def normalise(snapshot: str) -> str:
    for pattern, replacement in NORMALISE:
        snapshot = pattern.sub(replacement, snapshot)
    return snapshot.rstrip() + "\n"


def aria_of(page: Page, state: str) -> dict[str, str]:
    snapshots = {state: normalise(page.locator("main").aria_snapshot())}
    if state == "signin-step1":
        shell = [f"# {name}\n" + page.locator(selector).aria_snapshot()
                 for name, selector in (("header", "body > header"), ("breadcrumbs", "nav.breadcrumbs"),
                                        ("footer", "body > footer"))]
        snapshots["shell"] = normalise("\n".join(shell))
    return snapshots


# -- One pass per language: every state, every check ---------------------------------------

CHECKS: dict[str, Callable[[Page, str, str], list[str]]] = {
    # In this order: the snapshot first (the page untouched), the typing and pasting last.
    "reflow": check_reflow,
    "text_spacing": check_text_spacing,
    "reduced_motion": check_reduced_motion,
    "target_size": check_target_size,
    "focus_in_view": check_focus_in_view,
    "forced_colors": check_forced_colors,
    "paste_autocomplete": check_paste_autocomplete,
}


class Measurements:
    """What each check found at each state, measured on first use per language."""

    def __init__(self, browser: Browser, base_url: str, sandbox: Any, wanted: set[str], states: set[str]) -> None:
        self.browser, self.base_url, self.sandbox = browser, base_url, sandbox
        self.wanted, self.states = wanted, states
        self.found: dict[str, dict[tuple[str, str], list[str]]] = {}
        self.aria: dict[str, dict[str, str]] = {}
        self.missed: dict[str, dict[str, str]] = {}

    def _measure(self, lang: str) -> None:
        found: dict[tuple[str, str], list[str]] = {}
        aria: dict[str, str] = {}

        def visit(state: str, page: Page) -> None:
            if "aria" in self.wanted:
                aria.update(aria_of(page, state))
            probe_focus_on_load(page)
            for name, check in CHECKS.items():
                if name not in self.wanted:
                    continue
                try:
                    found[name, state] = check(page, lang, state)
                except Exception as error:  # a check that cannot measure fails its test
                    found[name, state] = [f"the check could not run: {type(error).__name__}: {error}"]

        self.missed[lang] = tour(self.browser, self.base_url, lang, self.sandbox, visit, only=self.states,
                                 **PHONE, permissions=["clipboard-read", "clipboard-write"])
        self.found[lang], self.aria[lang] = found, aria

    def _ensure(self, lang: str, state: str) -> None:
        if lang not in self.found:
            self._measure(lang)
        if state in self.missed[lang]:
            pytest.fail(f"{lang} {state} was not reached: {self.missed[lang][state]}")

    def problems(self, check: str, lang: str, state: str) -> list[str]:
        self._ensure(lang, state)
        return self.found[lang][check, state]

    def snapshot(self, lang: str, state: str) -> str:
        self._ensure(lang, "signin-step1" if state == "shell" else state)
        return self.aria[lang][state]


TEST_CHECK = {"test_reflow": "reflow", "test_text_spacing": "text_spacing", "test_forced_colors": "forced_colors",
              "test_reduced_motion": "reduced_motion", "test_target_size": "target_size",
              "test_focus_not_obscured": "focus_in_view", "test_paste_and_autocomplete": "paste_autocomplete",
              "test_aria_snapshot": "aria"}


@pytest.fixture(scope="module")
def measured(request: pytest.FixtureRequest, browser: Browser, base_url: str, sandbox: Any) -> Measurements:
    """Measure only what the selected tests ask for (-k runs stay short)."""
    mine = [item for item in request.session.items if item.module is request.module]
    wanted = {TEST_CHECK[item.originalname] for item in mine if item.originalname in TEST_CHECK}
    states = {item.callspec.params["state"] for item in mine if hasattr(item, "callspec")
              and "state" in item.callspec.params}
    return Measurements(browser, base_url, sandbox, wanted, {s if s != "shell" else "signin-step1" for s in states})


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
def test_reflow(measured: Measurements, lang: str, state: str) -> None:
    """1.4.10: at 320×640 nothing scrolls sideways, nothing is past the edges or clipped."""
    problems = measured.problems("reflow", lang, state)
    assert not problems, report("reflow (320×640)", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("text_spacing"))
def test_text_spacing(measured: Measurements, lang: str, state: str) -> None:
    """1.4.12: with the bookmarklet's spacing no text is lost and nothing scrolls sideways."""
    problems = measured.problems("text_spacing", lang, state)
    assert not problems, report("text spacing", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("forced_colors"))
def test_forced_colors(measured: Measurements, lang: str, state: str) -> None:
    """Forced colors: focus outlines, checkboxes and the checklist's states stay visible."""
    problems = measured.problems("forced_colors", lang, state)
    assert not problems, report("forced colors", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("reduced_motion"))
def test_reduced_motion(measured: Measurements, lang: str, state: str) -> None:
    """prefers-reduced-motion: nothing animates."""
    problems = measured.problems("reduced_motion", lang, state)
    assert not problems, report("reduced motion", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("target_size"))
def test_target_size(measured: Measurements, lang: str, state: str) -> None:
    """2.5.8: targets ≥ 24×24 (or inline, or spaced); main buttons ≥ 44 px high."""
    problems = measured.problems("target_size", lang, state)
    assert not problems, report("target size", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("focus_in_view"))
def test_focus_not_obscured(measured: Measurements, lang: str, state: str) -> None:
    """2.4.11: every focus stop is in the viewport and not under another element."""
    problems = measured.problems("focus_in_view", lang, state)
    assert not problems, report("focus not obscured", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("paste_autocomplete"))
def test_paste_and_autocomplete(measured: Measurements, lang: str, state: str) -> None:
    """3.3.8: IIN, password and code fields take a paste and carry the right autocomplete."""
    problems = measured.problems("paste_autocomplete", lang, state)
    assert not problems, report("paste and autocomplete", lang, state, problems)


@pytest.mark.parametrize(("lang", "state"), cases("aria", ("shell", *STATES)))
def test_aria_snapshot(measured: Measurements, lang: str, state: str) -> None:
    """What a screen reader is given, per state, against the committed file."""
    live = measured.snapshot(lang, state)
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
