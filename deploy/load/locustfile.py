"""Parents of a busy morning against the stack, with faults on the load's own clock.

    make load                        (deploy/load/locust.conf; stack.mk passes the rest)
    locust --config deploy/load/locust.conf --host URL --stack-env instance/stack/stack.env \\
           --parents-file parents.json --faults drain:40:20,kill:80:20 --csv out/locust

Each Locust user is one parent of parents.json (deploy/load/parents.py) with its own
cookies and its own client address in 127.0.0.0/8, so nginx and the app's per-address
limits see distinct people. A parent does its journey once (sign-in typing the IIN with
inline validation, recovery with the code read from the ed24.kz app through the sandbox
API, or re-registration), then comes back every --revisit seconds to sign in again.
Like a person, a parent who meets an error page (5xx, or no answer) waits 2-5 s and tries
the same step again; the journey fails if that lasts 90 s or a page is not what the step
expects, or the cabinet greets someone else.

Everything lands in Locust's own statistics (--csv), read by deploy/load/analyse.py:
- each request under "<kind>: <step>" (kind: page, fragment, form, password, static,
  sandbox), with " [<fault window>]" appended while a fault is under way and GRACE seconds
  after (SETTLE after PostgreSQL, while the parents who waited catch up);
- a listener of `events.request` also counts each request under its kind alone (method
  KIND), so the CSV has percentiles per kind of request;
- each journey as a JOURNEY entry named by its role, a failed one with its reason;
- each planned fault as a FAULT entry: a failure when it missed its window (started
  more than TOLERANCE late, overran, or the run ended first), which fails the run.

Faults (--faults kind:at:down, seconds from the start of the test): drain (a planned
stop of app2: marked down in nginx, nginx reloaded, then stopped), kill (app2 crashes:
SIGKILL to its gunicorn master and workers), term (app2 stopped without telling nginx),
redis, postgres (stopped, then started again after `down` seconds).
"""
from __future__ import annotations

import json
import logging
import os
import random
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gevent
from locust import HttpUser, events, task
from locust.env import Environment
from urllib3 import PoolManager

ROOT = Path(__file__).resolve().parents[2]
STACKCTL = ROOT / "deploy" / "stack" / "stackctl.py"
TOLERANCE = 2.0        # seconds a fault may start late before it counts as missed
GRACE = 3.0            # seconds after a service is back that still belong to its window
# ... and after PostgreSQL: the parents who waited through it resume together for a while.
SETTLE = {"postgres": 15.0}
RETRY_FOR = 90.0       # how long a parent keeps trying one step
RETRY_PAUSE = (2.0, 5.0)
UA = ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0 Mobile Safari/537.36")
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
LEAD = re.compile(r'<p class="lead">(.*?)</p>', re.S)
STATIC = re.compile(r'(?:src|href)="(/static/[^"]+)"')
WINDOW_NAMES = {"drain": "app2 drained", "kill": "app2 killed", "term": "app2 stopped", "redis": "redis down",
                "postgres": "postgres down"}

log = logging.getLogger("load")
PARENTS: list[dict[str, Any]] = []
STACK: dict[str, str] = {}
window: str = ""       # the fault window open now ("" outside): appended to request names
_next_parent = 0


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument("--stack-env", default="instance/stack/stack.env", help="the stack's stack.env")
    parser.add_argument("--parents-file", default="", help="parents.json of deploy/load/parents.py")
    parser.add_argument("--faults", default="none",
                        help="kind:at:down,... (drain, kill, term, redis, postgres)")
    parser.add_argument("--think", type=float, default=1.0, help="scales every pause of a parent")
    parser.add_argument("--revisit", default="20,40",
                        help="seconds between a parent's later sign-ins (0,0: none)")


@events.init.add_listener
def _init(environment: Environment, **_kwargs: Any) -> None:
    options = environment.parsed_options
    if options is None or not options.parents_file:
        raise SystemExit("--parents-file is required (deploy/load/parents.py writes it)")
    PARENTS.extend(json.loads(Path(options.parents_file).read_text(encoding="utf-8")))
    for line in Path(options.stack_env).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            STACK[name] = value

    def by_kind(request_type: str, name: str, response_time: float, response_length: int,
                exception: Exception | None = None, **_: Any) -> None:
        """The same request counted again under its kind: percentiles per kind in the CSV."""
        if request_type not in ("GET", "POST"):
            return
        kind, _sep, rest = name.partition(": ")
        tag = rest[rest.index(" ["):] if " [" in rest else ""
        entry = environment.stats.get(kind + tag, "KIND")
        entry.log(round(response_time), response_length or 0)
        if exception is not None:
            entry.log_error(exception)

    environment.events.request.add_listener(by_kind)


# -- faults ----------------------------------------------------------------------------------

@dataclass
class Fault:
    kind: str
    at: float
    down: float
    done: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind} at t+{self.at:.0f}s for {self.down:.0f}s"


def plan(spec: str) -> list[Fault]:
    faults = []
    for item in filter(None, (x.strip() for x in spec.split(","))):
        if item == "none":
            continue
        kind, at, down = item.split(":")
        if kind not in WINDOW_NAMES:
            raise SystemExit(f"--faults: {kind!r} is not one of {', '.join(WINDOW_NAMES)}")
        faults.append(Fault(kind, float(at), float(down)))
    return sorted(faults, key=lambda f: f.at)


def run(*cmd: str) -> str:
    done = subprocess.run(list(cmd), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}: {done.stdout.strip()} {done.stderr.strip()}")
    return done.stdout


def supervisorctl(*args: str) -> str:
    return run("supervisorctl", "-s", f"unix://{STACK['STACK_DIR']}/supervisor.sock", *args)


def stackctl(*args: str) -> None:
    run(str(ROOT / ".venv" / "bin" / "python"), str(STACKCTL), "--dir", STACK["STACK_DIR"], *args)


def wait_ready(port: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        gevent.sleep(0.2)
    raise RuntimeError(f"nothing ready on 127.0.0.1:{port} after {seconds:.0f} s")


class FaultClock:
    """Injects the planned faults at their offsets from the test's start, each in its own
    greenlet of this process; reports each one as a FAULT entry."""

    def __init__(self, environment: Environment, faults: list[Fault]) -> None:
        self.environment, self.faults = environment, faults
        self.t0 = time.monotonic()

    def t(self) -> float:
        return time.monotonic() - self.t0

    def note(self, fault: Fault, text: str) -> None:
        log.info("fault %s: %s at t+%.1fs", fault.kind, text, self.t())

    def report(self, fault: Fault, lateness: float, problem: str = "") -> None:
        fault.done = True
        if problem:
            log.error("FAULT MISSED ITS WINDOW: %s: %s", fault.label, problem)
        self.environment.events.request.fire(
            request_type="FAULT", name=fault.label, response_time=round(lateness * 1000), response_length=0,
            exception=RuntimeError(problem) if problem else None, context={})

    def start(self) -> None:
        for fault in self.faults:
            gevent.spawn(self.inject, fault)

    def inject(self, fault: Fault) -> None:
        global window
        gevent.sleep(max(0.0, fault.at - self.t()))
        lateness = self.t() - fault.at
        if lateness > TOLERANCE:
            self.report(fault, lateness, f"started {lateness:.1f} s late (the load generator was starved)")
            return
        steps: dict[str, Callable[[Fault], None]] = {
            "drain": self.app_planned, "kill": self.app_crash, "term": self.app_crash, "redis": self.restart,
            "postgres": self.restart}
        window = WINDOW_NAMES[fault.kind]
        began = self.t()
        try:
            steps[fault.kind](fault)
        except Exception as exc:  # a fault that could not be injected is a failed run
            self.report(fault, lateness, f"could not be injected: {exc}")
            return
        finally:
            gevent.spawn_later(SETTLE.get(fault.kind, GRACE), self.close, WINDOW_NAMES[fault.kind])
        overrun = self.t() - began - fault.down
        self.report(fault, lateness, f"took {overrun:.0f} s longer than planned" if overrun > 60 else "")

    @staticmethod
    def close(name: str) -> None:
        global window
        if window == name:
            window = ""

    def app_planned(self, fault: Fault) -> None:
        self.note(fault, "app2 marked down in nginx, reloaded")
        stackctl("drain", "app2")
        gevent.sleep(2)  # nginx's old workers finish the requests they hold
        supervisorctl("stop", "app2")
        self.note(fault, "app2 stopped (SIGTERM)")
        gevent.sleep(fault.down)
        supervisorctl("start", "app2")
        wait_ready(STACK["APP2_PORT"])
        stackctl("undrain", "app2")
        self.note(fault, "app2 ready and back in nginx")

    def app_crash(self, fault: Fault) -> None:
        if fault.kind == "kill":
            os.killpg(int(supervisorctl("pid", "app2").strip()), signal.SIGKILL)
            self.note(fault, "app2 killed (SIGKILL to its master and workers)")
        else:
            supervisorctl("stop", "app2")
            self.note(fault, "app2 stopped (SIGTERM), nginx not told")
        gevent.sleep(fault.down)
        supervisorctl("start", "app2")
        wait_ready(STACK["APP2_PORT"])
        self.note(fault, "app2 ready (nginx tries it again within its fail_timeout, 10 s)")

    def restart(self, fault: Fault) -> None:
        supervisorctl("stop", fault.kind)
        self.note(fault, f"{fault.kind} stopped")
        gevent.sleep(fault.down)
        supervisorctl("start", fault.kind)
        self.note(fault, f"{fault.kind} started again")

    def finish(self) -> None:
        for fault in self.faults:
            if not fault.done:
                self.report(fault, max(0.0, self.t() - fault.at),
                            "not injected or not finished before the run ended")


clock: FaultClock | None = None


@events.test_start.add_listener
def _start_faults(environment: Environment, **_kwargs: Any) -> None:
    global clock
    assert environment.parsed_options is not None
    clock = FaultClock(environment, plan(environment.parsed_options.faults))
    log.info("faults planned: %s", ", ".join(f.label for f in clock.faults) or "none")
    clock.start()


@events.test_stop.add_listener
def _faults_done(environment: Environment, **_kwargs: Any) -> None:
    if clock is not None:
        clock.finish()


@events.quitting.add_listener
def _restore(environment: Environment, **_kwargs: Any) -> None:
    """Whatever a fault left stopped runs again: the stack is as `make stack` left it."""
    try:
        stackctl("undrain", "app2")
        # "already started" is an error status to supervisorctl: its status is not looked at.
        subprocess.run(["supervisorctl", "-s", f"unix://{STACK['STACK_DIR']}/supervisor.sock", "start",
                        "postgres", "redis", "app1", "app2", "worker", "nginx"], capture_output=True,
                       timeout=120)
    except Exception as exc:
        log.error("could not restore the stack: %s", exc)


# -- parents -----------------------------------------------------------------------------------

class JourneyFailed(Exception):
    pass


def target(response: Any) -> str:
    """Where a redirect points, without its query or fragment."""
    return str(response.headers.get("Location", "")).split("?")[0].split("#")[0]


def think(low: float, high: float, scale: float) -> None:
    gevent.sleep(random.uniform(low, high) * scale)


class Parent(HttpUser):
    """One parent of parents.json: its own client address, cookies and journey."""

    def __init__(self, environment: Environment) -> None:
        global _next_parent
        self.parent = PARENTS[_next_parent % len(PARENTS)]
        _next_parent += 1
        # The parent's own client address: nginx passes it on in X-Forwarded-For.
        self.pool_manager = PoolManager(num_pools=2, maxsize=1, source_address=(self.parent["address"], 0))
        super().__init__(environment)
        options = environment.parsed_options
        assert options is not None
        self.scale = options.think
        self.revisit = tuple(float(x) for x in options.revisit.split(","))
        self.client.headers.update({"User-Agent": UA, "Accept-Language": "ru-RU,ru;q=0.9,kk;q=0.8"})
        self.first_done = False
        self.journey_ok = False
        self.assets_loaded = False
        self.csrf = ""
        self.codes_used: set[str] = set()

    def wait_time(self) -> float:
        if not self.first_done:
            return 0
        return random.uniform(*self.revisit) if self.revisit[1] > 0 else 3600

    def pause(self, low: float, high: float) -> None:
        think(low, high, self.scale)

    # -- one request, as a person makes it ---------------------------------------------------
    def send(self, kind: str, step: str, method: str, path: str, expect: int, location: str = "",
             **kwargs: Any) -> Any:
        """Send; on 5xx or no answer wait and try again (a person reloading), for a while.
        Any other status than `expect` (and redirect target than `location`) fails the journey."""
        first_failure = 0.0
        while True:
            name = f"{kind}: {step}" + (f" [{window}]" if window else "")
            with self.client.request(method, path, name=name, catch_response=True, allow_redirects=False,
                                     **kwargs) as response:
                status = response.status_code or 0
                if status == 0 or status >= 500:
                    what = f"no answer ({type(response.error).__name__})" if status == 0 else f"HTTP {status}"
                    response.failure(what)
                elif status != expect or not target(response).endswith(location):
                    problem = f"expected {expect}{' to ' + location if location else ''}, got {status}"
                    response.failure(problem)
                    raise JourneyFailed(f"{step}: {problem} {response.headers.get('Location', '')}")
                else:
                    response.success()
                    return response
            now = time.monotonic()
            first_failure = first_failure or now
            if now - first_failure > RETRY_FOR:
                raise JourneyFailed(f"{step}: {what} for {RETRY_FOR:.0f} s")
            gevent.sleep(random.uniform(*RETRY_PAUSE))

    def page(self, step: str, path: str, contains: str = "") -> Any:
        response = self.send("page", step, "GET", path, 200)
        if contains and contains not in response.text:
            raise JourneyFailed(f"{step}: the page lacks {contains!r}")
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        if not self.assets_loaded:  # a first visit loads the assets; later they are cached
            self.assets_loaded = True
            for asset in sorted(set(STATIC.findall(response.text))):
                self.send("static", "asset", "GET", asset.replace("&amp;", "&"), 200)
        return response

    def post(self, kind: str, step: str, path: str, data: dict[str, str], location: str) -> Any:
        return self.send(kind, step, "POST", path, 303, location, data={"csrf_token": self.csrf, **data})

    def fragment(self, check: str, field: str, data: dict[str, str], event: str = "input") -> None:
        """What htmx sends while the parent types (input, after a pause) or leaves a field (blur)."""
        headers = {"HX-Request": "true", "HX-Trigger": field, "HX-Trigger-Name": field,
                   "X-CSRFToken": self.csrf}
        self.send("fragment", check, "POST", f"/ru/check/{check}", 200, data={**data, "event": event},
                  headers=headers)

    def type_iin(self, field: str, value: str) -> None:
        """A 12-digit IIN typed in two or three bursts (a request after each pause), then Tab."""
        for cut in sorted(random.sample(range(3, 12), random.choice((1, 2)))) + [12]:
            self.pause(0.4, 1.0)
            self.fragment("iin", field, {field: value[:cut]})
        self.fragment("iin", field, {field: value}, event="blur")

    def type_phone(self, value: str) -> None:
        for cut in (7, len(value)):
            self.pause(0.5, 1.2)
            self.fragment("phone", "phone", {"phone": value[:cut]})
        self.fragment("phone", "phone", {"phone": value}, event="blur")

    def type_new_password(self, password: str) -> None:
        """The live checklist: htmx sends the form after each short pause."""
        for cut in (3, 7, 11, len(password)):
            self.pause(0.3, 0.8)
            self.fragment("password", "password", {"username": self.parent["iin"], "password": password[:cut],
                                                    "password_repeat": ""})
        self.pause(1.0, 2.5)  # "Повторите пароль"

    def read_code(self) -> str:
        """The newest code the ed24.kz app received (the sandbox API delivers what is due)."""
        path = f"/sandbox/api/outbox?phone={quote(self.parent['phone'])}&channel=app&limit=5"
        for _ in range(10):
            response = self.send("sandbox", "outbox", "GET", path, 200,
                                 headers={"Authorization": f"Bearer {STACK['SANDBOX_API_TOKEN']}"})
            for message in response.json()["messages"]:
                if message.get("code") and message["code"] not in self.codes_used:
                    self.codes_used.add(message["code"])
                    return message["code"]
            gevent.sleep(1)
        raise JourneyFailed("no new code arrived in the app")

    def cabinet(self) -> None:
        """The cabinet greets this parent by their own name (never another's); then sign out."""
        response = self.page("cabinet", "/ru/cabinet/")
        found = LEAD.search(response.text)
        greeting = " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else ""
        if greeting != f"Здравствуйте, {self.parent['name']}!":
            raise JourneyFailed(f"foreign session: the cabinet greeted {greeting!r}")
        self.pause(1.0, 3.0)
        self.post("form", "logout", "/ru/cabinet/logout", {}, "/ru/cabinet/login")
        self.page("signed out", "/ru/cabinet/login?signed_out=1")

    def login_iin(self) -> None:
        iin = self.parent["iin"]
        self.page("login", "/ru/cabinet/login")
        self.pause(1.0, 2.0)
        self.type_iin("iin", iin)
        self.post("form", "login IIN", "/ru/cabinet/login",
                  {"iin": iin, "agree_terms": "y", "agree_contacts": "y"}, "/ru/cabinet/login/password")
        self.page("password", "/ru/cabinet/login/password")

    # -- journeys ------------------------------------------------------------------------------
    def sign_in(self, wrong_first: bool) -> None:
        self.login_iin()
        if wrong_first:
            self.pause(2.0, 4.0)
            self.post("password", "wrong password", "/ru/cabinet/login/password",
                      {"password": self.parent["password"][:-1] + "x"}, "/ru/cabinet/login/password")
            self.page("password again", "/ru/cabinet/login/password", contains="Неверный ИИН или пароль")
        self.pause(2.0, 4.0)
        self.post("password", "sign-in", "/ru/cabinet/login/password", {"password": self.parent["password"]},
                  "/ru/cabinet/")
        self.cabinet()

    def recover(self) -> None:
        new = self.parent["new_password"]
        self.login_iin()
        self.pause(2.0, 5.0)  # does not remember it: "Забыли пароль?"
        self.page("recovery", "/ru/cabinet/recovery", contains=self.parent["iin"])
        self.pause(0.5, 1.5)
        self.post("form", "recovery start", "/ru/cabinet/recovery/start", {"iin": self.parent["iin"]},
                  "/ru/cabinet/recovery")
        self.page("recovery code", "/ru/cabinet/recovery")
        self.pause(3.0, 8.0)  # opens the ed24.kz app
        code = self.read_code()
        self.pause(1.0, 3.0)
        self.post("form", "recovery code", "/ru/cabinet/recovery/code", {"code": code},
                  "/ru/cabinet/recovery")
        self.page("new password", "/ru/cabinet/recovery")
        self.type_new_password(new)
        self.post("password", "new password", "/ru/cabinet/recovery/password",
                  {"username": self.parent["iin"], "password": new, "password_repeat": new}, "/ru/cabinet/")
        self.parent["password"] = new
        self.cabinet()

    def reregister(self) -> None:
        answers, new = self.parent["rereg"], self.parent["new_password"]
        self.page("reregister", "/ru/cabinet/reregister")
        self.pause(1.0, 2.0)
        for field in ("child_iin", "parent1_iin", "parent2_iin"):
            self.type_iin(field, answers[field])
        self.pause(0.5, 1.5)
        self.post("form", "reregister answers", "/ru/cabinet/reregister/answers", answers,
                  "/ru/cabinet/reregister")
        self.page("reregister step 2", "/ru/cabinet/reregister", contains="Вы верно ответили на все вопросы")
        self.type_iin("applicant_iin", self.parent["iin"])
        self.type_phone(self.parent["phone"])
        self.post("form", "reregister applicant", "/ru/cabinet/reregister/applicant",
                  {"applicant_iin": self.parent["iin"], "phone": self.parent["phone"]},
                  "/ru/cabinet/reregister")
        self.page("reregister code", "/ru/cabinet/reregister")
        self.pause(3.0, 8.0)
        code = self.read_code()
        self.pause(1.0, 3.0)
        self.post("form", "reregister code", "/ru/cabinet/reregister/code", {"code": code},
                  "/ru/cabinet/reregister")
        self.page("reregister password", "/ru/cabinet/reregister")
        self.type_new_password(new)
        self.post("password", "reregister finish", "/ru/cabinet/reregister/finish",
                  {"username": self.parent["iin"], "password": new, "password_repeat": new}, "/ru/cabinet/")
        self.parent["password"] = new
        self.cabinet()

    @task
    def morning(self) -> None:
        first = not self.first_done
        if not first and not self.journey_ok:
            return  # a parent whose journey failed does not come back in this run
        role = self.parent["role"] if first else "revisit"
        started = time.monotonic()
        problem: Exception | None = None
        try:
            if role in ("signin", "revisit"):
                self.sign_in(wrong_first=first and self.parent["wrong_first"])
            elif role == "recovery":
                self.recover()
            else:
                self.reregister()
        except JourneyFailed as exc:
            problem = exc
        except Exception as exc:  # a page so unexpected that the script could not read it
            problem = JourneyFailed(f"{type(exc).__name__}: {exc}")
        if first:
            self.first_done, self.journey_ok = True, problem is None
        if problem is not None:
            log.warning("parent %s (%s) failed: %s", self.parent["index"], role, problem)
        self.environment.events.request.fire(
            request_type="JOURNEY", name=role, response_time=round((time.monotonic() - started) * 1000),
            response_length=0, exception=problem, context={})
