"""make audit: Lighthouse 12 (mobile), offline against a local server, in ru and kk.

Serves the app with gunicorn on loopback (sandbox data) and runs Debian's Chromium
through Lighthouse:

1. Sign-in step 1, in both languages, with the Lighthouse CLI: performance,
   accessibility and best practices; fails below performance 98, accessibility 100,
   best practices 100 (as before).
2. Accessibility on every page state (the names of e2e/states.py), in both languages;
   fails below 100 on any of them. Pages reachable by GET are opened directly; a flow
   page is first reached over HTTP by a small visitor (cookies, CSRF token, the code
   read from the sandbox API) whose cookies the browser then carries; a page that only
   a POST answer shows (the error states) is submitted in the browser and audited as a
   Lighthouse snapshot, as is the 404 page (a navigation refuses to audit a 404). Each
   page runs on fresh demo data (sandbox reset). This part uses the Lighthouse user-flow
   API through a small Node script written next to the installed Lighthouse
   (.lighthouse/flow-audit.mjs), one Chromium for all pages.
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.helpers import (  # noqa: E402
    AIGERIM,
    AIGERIM_PASSWORD,
    AIGERIM_PHONE,
    AMINA_ANSWERS,
    ARMAN,
    ARMAN_PHONE,
    DANA,
    ERLAN,
    ERLAN_PASSWORD,
    MADINA,
    MADINA_PHONE,
    UNKNOWN_IIN,
    wrong,
)
from e2e.sandbox_api import SandboxApi  # noqa: E402
from tests.servers import _wait_for, free_port  # noqa: E402

LIGHTHOUSE_DIR = ROOT / ".lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100}
ACCESSIBILITY_TARGET = 100
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
FLAGS = " ".join(["--headless=new", *CHROME_ARGS])
WRONG_PASSWORD = "Wrong!pass2026"


# -- 1. Sign-in step 1: the three categories, with the CLI (unchanged) -------------------

def signin_step1(port: int, folder: str, env: dict[str, str]) -> list[str]:
    failures = []
    for lang in ("ru", "kk"):
        url = f"http://127.0.0.1:{port}/{lang}/cabinet/login"
        report = Path(folder) / f"{lang}.json"
        subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                        "--only-categories=performance,accessibility,best-practices",
                        f"--chrome-flags={FLAGS}", "--form-factor=mobile"],
                       env={**env, "CHROME_PATH": CHROMIUM}, check=True, cwd=folder)
        data = json.loads(report.read_text())
        scores = {k: round(v["score"] * 100) for k, v in data["categories"].items()}
        print(f"Lighthouse, sign-in step 1 ({lang}): " +
              ", ".join(f"{k} {v}" for k, v in scores.items()), flush=True)
        for key, minimum in TARGETS.items():
            if scores.get(key, 0) < minimum:
                failures.append(f"{lang} {key} {scores.get(key)} < {minimum}")
                for audit in data["audits"].values():
                    if audit.get("score") is not None and audit["score"] < 1 and \
                            audit.get("scoreDisplayMode") in ("binary", "numeric"):
                        print(f"   {lang}: {audit['id']}: {audit['title']} ({audit['score']})")
    return failures


# -- 2. Every page state: how to reach it ----------------------------------------------

class Visitor:
    """A browser without a browser: cookies, the page's CSRF token, redirects followed."""

    def __init__(self, base: str, lang: str) -> None:
        self.base, self.lang = base, lang
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def _open(self, request: urllib.request.Request) -> str:
        with self.opener.open(request, timeout=20) as response:
            page = response.read().decode("utf-8")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if found:
            self.token = html.unescape(found.group(1))
        return page

    def get(self, path: str) -> str:
        return self._open(urllib.request.Request(f"{self.base}/{self.lang}{path}"))

    def post(self, path: str, **form: str) -> str:
        if not self.token:
            self.get("/")
        body = urllib.parse.urlencode({"csrf_token": self.token, **form}).encode()
        return self._open(urllib.request.Request(f"{self.base}/{self.lang}{path}", data=body, method="POST"))

    def cookies(self) -> list[dict[str, str]]:
        return [{"name": c.name, "value": c.value or "", "domain": "127.0.0.1", "path": c.path or "/"}
                for c in self.jar]


Prepare = Callable[[Visitor, SandboxApi], None]


@dataclass
class Page:
    state: str
    path: str                           # opened (after `prepare`) in the browser
    expect: str                         # a CSS selector the page must show, or the run fails
    prepare: Prepare | None = None      # reaches the state over HTTP; the browser gets its cookies
    # then done in the browser (fill / click), and the page it leads to audited as a snapshot
    submit: list[dict[str, str]] | Callable[[SandboxApi], list[dict[str, str]]] = field(default_factory=list)
    snapshot: bool = False              # audit the page as loaded, as a snapshot (a 404 page, which
                                        # a Lighthouse navigation refuses to audit)


def _step1(iin: str) -> Prepare:
    return lambda v, s: (v.get("/cabinet/login"),
                         v.post("/cabinet/login", iin=iin, agree_terms="y", agree_contacts="y"))


def _sign_in(iin: str, password: str) -> Prepare:
    def prepare(v: Visitor, s: SandboxApi) -> None:
        _step1(iin)(v, s)
        v.post("/cabinet/login/password", password=password)
    return prepare


def _locked(v: Visitor, s: SandboxApi) -> None:
    _step1(AIGERIM)(v, s)
    for _ in range(5):
        v.post("/cabinet/login/password", password=WRONG_PASSWORD)


def _recovery(iin: str) -> Prepare:
    return lambda v, s: (v.get("/cabinet/recovery"), v.post("/cabinet/recovery/start", iin=iin))


def _recovery_password(v: Visitor, s: SandboxApi) -> None:
    _recovery(AIGERIM)(v, s)
    v.post("/cabinet/recovery/code", code=s.code(AIGERIM_PHONE))


def _recovery_sms(v: Visitor, s: SandboxApi) -> None:
    _recovery(ERLAN)(v, s)
    v.post("/cabinet/recovery/sms")


def _answers(v: Visitor, s: SandboxApi) -> None:
    v.get("/cabinet/reregister")
    v.post("/cabinet/reregister/answers", **AMINA_ANSWERS)


def _applicant(iin: str, phone: str) -> Prepare:
    return lambda v, s: (_answers(v, s), v.post("/cabinet/reregister/applicant", applicant_iin=iin, phone=phone))


def _rereg_password(v: Visitor, s: SandboxApi) -> None:
    _applicant(MADINA, MADINA_PHONE)(v, s)
    v.post("/cabinet/reregister/code", code=s.code(MADINA_PHONE))


def _app_feed(v: Visitor, s: SandboxApi) -> None:
    _recovery(AIGERIM)(v, s)  # so that the feed has a code in it
    v.get("/sandbox/app")
    v.post("/sandbox/app/open", phone=AIGERIM_PHONE)


def _wrong_code(s: SandboxApi) -> list[dict[str, str]]:
    return [{"fill": "#code", "value": wrong(s.code(AIGERIM_PHONE))},
            {"click": "form[action$='/recovery/code'] button[type=submit]"}]


MAIN_SUBMIT = "main form[novalidate] button[type=submit]:not([form])"
CODE_FIELD = "#code[autocomplete=one-time-code]"

PAGES: list[Page] = [
    Page("home", "/", "main h1"),
    Page("agreement", "/agreement", "main h1"),
    Page("accessibility", "/accessibility", "main h1"),
    Page("help-bmg", "/help/bmg", "main h1"),
    Page("help-app", "/help/app", "main h1"),
    Page("unknown-number", "/cabinet/recovery/unknown-number", "main form input[name=confirm]"),
    Page("unknown-number-confirm", "/cabinet/recovery/unknown-number?confirm=1", "#confirm-title"),
    Page("not-found", "/no-such-page", "main h1", snapshot=True),
    Page("signin-step1", "/cabinet/login", "#iin"),
    Page("signin-step1-errors", "/cabinet/login", ".error-summary", submit=[{"click": MAIN_SUBMIT}]),
    Page("signin-step2", "/cabinet/login/password", "#password", _step1(AIGERIM)),
    Page("signin-step2-wrong", "/cabinet/login/password", ".error-summary", _step1(AIGERIM),
         [{"fill": "#password", "value": WRONG_PASSWORD}, {"click": MAIN_SUBMIT}]),
    Page("signin-step2-locked", "/cabinet/login/password", "#locked", _locked),
    Page("recovery-iin", "/cabinet/recovery", "#iin"),
    Page("recovery-code", "/cabinet/recovery", CODE_FIELD, _recovery(AIGERIM)),
    Page("unknown-number-from-code", "/cabinet/recovery/unknown-number", "main a.button", _recovery(AIGERIM)),
    Page("recovery-code-wrong", "/cabinet/recovery", ".error-summary", _recovery(AIGERIM), _wrong_code),
    Page("recovery-password", "/cabinet/recovery", "#password_repeat", _recovery_password),
    Page("recovery-no-cabinet", "/cabinet/recovery", "main a[href$='/cabinet/reregister']", _recovery(UNKNOWN_IIN)),
    Page("recovery-bind", "/cabinet/recovery", "form[action$='/recovery/sms']", _recovery(ERLAN)),
    Page("recovery-bind-sms", "/cabinet/recovery", ".notice-success[role=status]", _recovery_sms),
    Page("first-password", "/cabinet/recovery", CODE_FIELD, _step1(DANA)),
    Page("rereg-step1", "/cabinet/reregister", "#child_iin"),
    Page("rereg-step1-errors", "/cabinet/reregister", ".error-summary", submit=[{"click": MAIN_SUBMIT}]),
    Page("rereg-applicant", "/cabinet/reregister", "#applicant_iin", _answers),
    Page("rereg-bind", "/cabinet/reregister", "#binding form[action$='/reregister/sms']", _applicant(ARMAN, ARMAN_PHONE)),
    Page("rereg-code", "/cabinet/reregister", CODE_FIELD, _applicant(MADINA, MADINA_PHONE)),
    Page("rereg-password", "/cabinet/reregister", "#password_repeat", _rereg_password),
    Page("cabinet-bound", "/cabinet/", "form[action$='/cabinet/binding/sms']", _sign_in(AIGERIM, AIGERIM_PASSWORD)),
    Page("cabinet-binding", "/cabinet/", "#binding-otp", _sign_in(ERLAN, ERLAN_PASSWORD)),
    Page("app-phone", "/sandbox/app", "#app-phone"),
    Page("app-feed", "/sandbox/app", "#app-feed li", _app_feed),
]

# The Node side: one Chromium, one Lighthouse user flow per page, a page per line of stdin
# (JSON), a result per line of stdout. Accessibility only, so the waits for a quiet page
# are short and no full-page screenshot is taken.
FLOW_SCRIPT = r"""
import readline from 'node:readline';
import puppeteer from 'puppeteer-core';
import {startFlow} from 'lighthouse';

const [chromium, argsJson] = process.argv.slice(2);
const browser = await puppeteer.launch({executablePath: chromium, headless: true, args: JSON.parse(argsJson)});
const MOBILE = {width: 412, height: 823, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true};
const config = {extends: 'lighthouse:default', settings: {
  onlyCategories: ['accessibility'], disableFullPageScreenshot: true,
  pauseAfterFcpMs: 250, pauseAfterLoadMs: 250, networkQuietThresholdMs: 250, cpuQuietThresholdMs: 250}};
for await (const line of readline.createInterface({input: process.stdin})) {
  if (!line.trim()) continue;
  const job = JSON.parse(line);
  const out = {id: job.id};
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport(MOBILE);
    if (job.cookies.length) await context.setCookie(...job.cookies);
    const flow = await startFlow(page, {config, name: job.id});
    if (job.submit.length || job.snapshot) {
      await page.goto(job.url, {waitUntil: 'load'});
      for (const action of job.submit) {
        if (action.fill) await page.locator(action.fill).fill(action.value);
        if (action.click) await Promise.all([page.waitForNavigation({waitUntil: 'load'}), page.click(action.click)]);
      }
      if (!(await page.$(job.expect))) throw new Error('not the expected page: no ' + job.expect + ' at ' + page.url());
      await flow.snapshot({name: job.id});
    } else {
      await flow.navigate(job.url, {name: job.id});
      if (!(await page.$(job.expect))) throw new Error('not the expected page: no ' + job.expect + ' at ' + page.url());
    }
    const lhr = (await flow.createFlowResult()).steps[0].lhr;
    if (lhr.runtimeError) throw new Error(lhr.runtimeError.code + ': ' + lhr.runtimeError.message);
    out.url = lhr.finalDisplayedUrl;
    out.mode = lhr.gatherMode;
    out.score = lhr.categories.accessibility.score;
    out.failing = Object.values(lhr.audits)
      .filter(a => a.score !== null && a.score < 1 && ['binary', 'numeric'].includes(a.scoreDisplayMode))
      .map(a => a.id + ': ' + a.title + ' ' + JSON.stringify(((a.details || {}).items || []).slice(0, 3)
        .map(i => (i.node || {}).selector || '')));
  } catch (error) {
    out.error = String((error && error.stack) || error);
  } finally {
    await context.close();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
await browser.close();
"""


def every_page(base: str) -> list[str]:
    script = LIGHTHOUSE_DIR / "flow-audit.mjs"  # beside node_modules, so its imports resolve
    script.write_text(FLOW_SCRIPT, encoding="utf-8")
    sandbox = SandboxApi(base)
    node = subprocess.Popen(["node", str(script), CHROMIUM, json.dumps(CHROME_ARGS)], cwd=LIGHTHOUSE_DIR,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert node.stdin is not None and node.stdout is not None
    failures: list[str] = []
    scores: dict[str, dict[str, str]] = {}
    try:
        for lang in ("ru", "kk"):
            for page in PAGES:
                name = f"{lang} {page.state}"
                started = time.monotonic()
                try:
                    sandbox.reset()
                    visitor = Visitor(base, lang)
                    if page.prepare:
                        page.prepare(visitor, sandbox)
                    submit = page.submit(sandbox) if callable(page.submit) else page.submit
                    job = {"id": name, "url": f"{base}/{lang}{page.path}", "expect": page.expect,
                           "cookies": visitor.cookies(), "submit": submit, "snapshot": page.snapshot}
                except Exception as error:  # a page that cannot be reached is a failure too
                    result: dict[str, Any] = {"error": f"could not reach the state: {error}"}
                else:
                    node.stdin.write(json.dumps(job) + "\n")
                    node.stdin.flush()
                    result = json.loads(node.stdout.readline() or '{"error": "the Lighthouse runner stopped"}')
                seconds = time.monotonic() - started
                if "error" in result:
                    scores.setdefault(page.state, {})[lang] = "error"
                    failures.append(f"{name}: {result['error'].splitlines()[0]}")
                    print(f"Lighthouse accessibility, {name}: ERROR {result['error']}", flush=True)
                    continue
                score = round(result["score"] * 100)
                scores.setdefault(page.state, {})[lang] = str(score)
                print(f"Lighthouse accessibility, {name}: {score} ({result['mode']}, {seconds:.1f} s)", flush=True)
                if score < ACCESSIBILITY_TARGET:
                    failures.append(f"{name} accessibility {score} < {ACCESSIBILITY_TARGET}")
                    for line in result["failing"]:
                        print(f"   {name}: {line}")
    finally:
        node.stdin.close()
        node.wait(60)
    print("\nLighthouse accessibility per page    ru    kk")
    for page in PAGES:
        row = scores.get(page.state, {})
        print(f"  {page.state:32s} {row.get('ru', '-'):>5s} {row.get('kk', '-'):>5s}")
    return failures


def main() -> None:
    folder = tempfile.mkdtemp(prefix="ed24-audit-")
    # The sandbox on: its demo data, its gateways and its API (reset, outbox) are what the
    # pages are reached with.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/audit.sqlite3", "SANDBOX": "1",
           "SECRET_KEY": "audit-" + "x" * 40, "PYTHONPATH": str(ROOT)}
    flask = [sys.executable, "-m", "flask", "--app", "webapp"]
    subprocess.run([*flask, "db-upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*flask, "sandbox", "load-demo"], env=env, check=True, capture_output=True, cwd=ROOT)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
                               f"127.0.0.1:{port}", "--log-level", "warning", "webapp:create_app()"],
                              env=env, cwd=ROOT)
    try:
        _wait_for(port)
        time.sleep(1)
        failures = signin_step1(port, folder, env)
        failures += every_page(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(20)
    if failures:
        raise SystemExit("below target: " + "; ".join(failures))


if __name__ == "__main__":
    main()
