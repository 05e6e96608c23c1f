"""Locust: parents of a busy morning, each from their own client address, against the stack.

scripts/load.py builds the parents (a JSON list, LOAD_PERSONAS), loads their data into
the sandbox, runs this file headless and reads what every parent saw (LOAD_EVENTS, one
JSON line per request and per journey). It can also be run by hand:

    LOAD_PERSONAS=... LOAD_EVENTS=... SANDBOX_API_TOKEN=... locust -f scripts/locustfile.py --host URL

Each simulated parent is one Locust user with its own cookies and its own source address
in 127.0.0.0/8 (nginx sees distinct clients, so the production per-address limits apply
unchanged). A parent does its journey once: sign-in (typing the IIN with inline
validation), recovery case 1 (the code read through the sandbox API) or re-registration;
then comes back now and then to sign in again. Like a person, a parent who meets an
error page (5xx, or no answer) waits a little and tries the same step again; the journey
fails if that lasts too long or if any page is not what the step expects.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from typing import Any
from urllib.parse import quote

from locust import HttpUser, task
from requests.exceptions import RequestException
from urllib3 import PoolManager

PERSONAS: list[dict[str, Any]] = json.loads(open(os.environ["LOAD_PERSONAS"], encoding="utf-8").read())
EVENTS = open(os.environ["LOAD_EVENTS"], "a", encoding="utf-8", buffering=1)
TOKEN = os.environ.get("SANDBOX_API_TOKEN", "")
THINK = float(os.environ.get("LOAD_THINK", "1"))           # scales every pause of a person
REVISIT = tuple(float(x) for x in os.environ.get("LOAD_REVISIT", "20,40").split(","))  # 0,0: none
RETRY_FOR = float(os.environ.get("LOAD_RETRY_FOR", "90"))  # how long a parent keeps trying a step
RETRY_PAUSE = float(os.environ.get("LOAD_RETRY_PAUSE", "2"))
UA = ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0 Mobile Safari/537.36")
_next = itertools.count()

CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
LEAD = re.compile(r'<p class="lead">(.*?)</p>', re.S)
STATIC = re.compile(r'(?:src|href)="(/static/[^"]+)"')
ERROR_TEXT = re.compile(r'<(?:div|p|span)[^>]*class="[^"]*(?:notice-error|field-error)[^"]*"[^>]*>(.*?)</', re.S)


def emit(record: dict[str, Any]) -> None:
    EVENTS.write(json.dumps(record, ensure_ascii=False) + "\n")


def think(low: float, high: float) -> None:
    time.sleep(random.uniform(low, high) * THINK)


class JourneyFailed(Exception):
    pass


def page_title(text: str) -> str:
    found = TITLE.search(text or "")
    return " ".join(found.group(1).split()) if found else (text or "")[:80].strip()


def describe(response: Any) -> str:
    """What the parent saw, in a line: status, title, the first error message, redirect."""
    if response is None:
        return "no answer"
    parts = [str(response.status_code), page_title(response.text)]
    error = ERROR_TEXT.search(response.text or "")
    if error and error.group(1).strip():
        parts.append("error: " + " ".join(re.sub(r"<[^>]+>", "", error.group(1)).split())[:120])
    if response.headers.get("Location"):
        parts.append("-> " + response.headers["Location"])
    return " | ".join(parts)


class Parent(HttpUser):
    """One parent: a persona from LOAD_PERSONAS, its own client address and cookies."""

    def __init__(self, environment: Any) -> None:
        self.persona = PERSONAS[next(_next) % len(PERSONAS)]
        # The parent's own client address: nginx passes it on in X-Forwarded-For.
        self.pool_manager = PoolManager(num_pools=2, maxsize=1,
                                        source_address=(self.persona["address"], 0))
        super().__init__(environment)
        self.client.headers["User-Agent"] = UA
        self.client.headers["Accept-Language"] = "ru-RU,ru;q=0.9,kk;q=0.8"
        self.main_done = False
        self.main_ok = False
        self.static_loaded = False
        self.csrf = ""
        self.journey = ""
        self.role = ""
        self.upstreams: list[str] = []
        self.retries = 0

    def wait_time(self) -> float:
        if not self.main_done:
            return 0
        if REVISIT[1] <= 0:
            return 3600
        return random.uniform(*REVISIT)

    # -- one request, as a person makes it -----------------------------------------------
    def request(self, step: str, method: str, path: str, *, expect: tuple[int, ...] = (200,),
                harness: bool = False, **kwargs: Any) -> Any:
        """Send; on 5xx or no answer wait and try again (a person reloading), for a while."""
        kwargs.setdefault("allow_redirects", False)
        first_failure = None
        while True:
            started = time.time()
            t0 = time.perf_counter()
            response, error = None, None
            try:
                with self.client.request(method, path, name=step, catch_response=True, **kwargs) as resp:
                    response = resp
                    if resp.status_code in expect:
                        resp.success()
                    else:
                        resp.failure(f"{resp.status_code}")
            except RequestException as exc:  # nginx did not answer at all
                error = type(exc).__name__
            ms = (time.perf_counter() - t0) * 1000
            status = response.status_code if response is not None and response.status_code else 0
            upstream = response.headers.get("X-Upstream", "") if response is not None else ""
            if upstream and not harness:
                self.upstreams.append(upstream)
            record = {"k": "req", "t": round(started, 3), "p": self.persona["idx"], "r": self.role,
                      "j": self.journey, "step": step, "m": method, "s": status, "ms": round(ms, 1),
                      "up": upstream, "h": harness}
            if status >= 500 or status == 0:
                record["saw"] = error or describe(response)
            emit(record)
            if status and status < 500:
                return response
            now = time.time()
            first_failure = first_failure or now
            if now - first_failure > RETRY_FOR:
                raise JourneyFailed(f"{step}: {record.get('saw')} for {RETRY_FOR:.0f} s")
            self.retries += 1
            time.sleep(RETRY_PAUSE)

    def expect(self, response: Any, step: str, status: int, location: str | None = None,
               contains: str | None = None) -> Any:
        if response.status_code != status:
            raise JourneyFailed(f"{step}: expected {status}, saw {describe(response)}")
        if location is not None:
            where = response.headers.get("Location", "")
            if not where.split("?")[0].endswith(location):
                raise JourneyFailed(f"{step}: expected a redirect to {location}, saw {describe(response)}")
        if contains is not None and contains not in response.text:
            raise JourneyFailed(f"{step}: the page lacks {contains!r}; saw {describe(response)}")
        return response

    def page(self, step: str, path: str, **checks: Any) -> Any:
        response = self.expect(self.request(step, "GET", path), step, 200, **checks)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        if not self.static_loaded:  # a first visit fetches the assets; later they are cached
            self.static_loaded = True
            for asset in sorted(set(STATIC.findall(response.text))):
                self.request("static", "GET", asset.replace("&amp;", "&"))
        return response

    def post(self, step: str, path: str, data: dict[str, str], status: int = 302,
             location: str | None = None) -> Any:
        response = self.request(step, "POST", path, data={"csrf_token": self.csrf, **data},
                                expect=(status,))
        return self.expect(response, step, status, location)

    def fragment(self, kind: str, field: str, data: dict[str, str], event: str = "input") -> None:
        """What htmx sends while the parent types (input, after a pause) or leaves a field (blur)."""
        headers = {"HX-Request": "true", "HX-Trigger": field, "HX-Trigger-Name": field,
                   "HX-Target": f"{field}-error" if kind != "password" else f"{field}-rules",
                   "X-CSRFToken": self.csrf}
        response = self.request(f"fragment {kind}", "POST", f"/ru/check/{kind}",
                                data={**data, "event": event}, headers=headers)
        self.expect(response, f"fragment {kind}", 200)

    def type_iin(self, field: str, value: str) -> None:
        """A 12-digit IIN typed in two or three bursts (a request after each pause), then Tab."""
        cuts = sorted(random.sample(range(3, 12), random.choice((1, 2)))) + [12]
        for cut in cuts:
            think(0.4, 1.0)
            self.fragment("iin", field, {field: value[:cut]})
        self.fragment("iin", field, {field: value}, event="blur")

    def type_phone(self, value: str) -> None:
        think(0.5, 1.2)
        self.fragment("phone", "phone", {"phone": value[:7]})
        think(0.5, 1.2)
        self.fragment("phone", "phone", {"phone": value})
        self.fragment("phone", "phone", {"phone": value}, event="blur")

    def type_new_password(self, username: str, password: str) -> None:
        """The live checklist: htmx sends the whole form after each short pause."""
        for cut in (3, 7, 11, len(password)):
            think(0.3, 0.8)
            self.fragment("password", "password", {"csrf_token": self.csrf, "username": username,
                                                    "password": password[:cut], "password_repeat": ""})
        think(1.0, 2.5)  # "Повторите пароль"

    def read_code(self, phone: str) -> str:
        """The code the ed24.kz app received (sandbox API), newest first."""
        for _ in range(5):
            response = self.request("sandbox outbox", "GET", f"/sandbox/api/outbox?phone={quote(phone)}",
                                    headers={"Authorization": f"Bearer {TOKEN}"}, harness=True)
            self.expect(response, "sandbox outbox", 200)
            for message in response.json()["messages"]:
                if message["channel"] == "app" and message.get("code"):
                    if message["code"] not in self.persona.setdefault("codes_used", []):
                        self.persona["codes_used"].append(message["code"])
                        return message["code"]
                    break
            time.sleep(1)
        raise JourneyFailed(f"no new code arrived in the app of {phone}")

    def check_cabinet(self, step: str, name: str) -> None:
        """The cabinet page greets this parent by their own name (never another's)."""
        response = self.page(step, "/ru/cabinet/")
        lead = LEAD.search(response.text)
        greeting = " ".join(re.sub(r"<[^>]+>", "", lead.group(1)).split()) if lead else ""
        if f"Здравствуйте, {name}!" != greeting:
            emit({"k": "foreign", "t": time.time(), "p": self.persona["idx"], "expected": name, "saw": greeting})
            raise JourneyFailed(f"{step}: expected the greeting of {name!r}, saw {greeting!r}")

    def logout(self) -> None:
        think(1.0, 3.0)
        self.post("POST logout", "/ru/cabinet/logout", {}, location="/ru/cabinet/login")
        self.page("GET signed-out page", "/ru/cabinet/login?signed_out=1")

    # -- journeys -----------------------------------------------------------------------
    def sign_in(self, iin: str, password: str, name: str, *, wrong_first: bool = False) -> None:
        self.page("GET login page", "/ru/cabinet/login")
        think(1.0, 2.0)
        self.type_iin("iin", iin)
        self.post("POST login IIN", "/ru/cabinet/login", {"iin": iin, "agree_terms": "y", "agree_contacts": "y"},
                  location="/ru/cabinet/login/password")
        self.page("GET password page", "/ru/cabinet/login/password")
        if wrong_first:
            think(2.0, 4.0)
            response = self.post("POST password (wrong)", "/ru/cabinet/login/password",
                                 {"password": password[:-1] + "x"}, status=200)
            if "Неверный ИИН или пароль" not in response.text:
                raise JourneyFailed(f"a wrong password was not refused: {describe(response)}")
            emit({"k": "wrong_password", "t": time.time(), "p": self.persona["idx"]})
        think(2.0, 4.0)
        self.post("POST password (sign-in)", "/ru/cabinet/login/password", {"password": password},
                  location="/ru/cabinet/")
        emit({"k": "signed_in", "t": time.time(), "p": self.persona["idx"], "iin": iin})
        self.check_cabinet("GET cabinet", name)
        self.logout()

    def recover(self) -> None:
        p = self.persona
        self.page("GET login page", "/ru/cabinet/login")
        think(1.0, 2.0)
        self.type_iin("iin", p["iin"])
        self.post("POST login IIN", "/ru/cabinet/login", {"iin": p["iin"], "agree_terms": "y", "agree_contacts": "y"},
                  location="/ru/cabinet/login/password")
        self.page("GET password page", "/ru/cabinet/login/password")
        think(2.0, 5.0)  # does not remember it: "Забыли пароль?"
        self.page("GET recovery page", "/ru/cabinet/recovery", contains=p["iin"])
        think(0.5, 1.5)
        self.post("POST recovery start", "/ru/cabinet/recovery/start", {"iin": p["iin"]},
                  location="/ru/cabinet/recovery")
        emit({"k": "recovery_started", "t": time.time(), "p": p["idx"]})
        self.page("GET recovery code page", "/ru/cabinet/recovery")
        think(3.0, 8.0)  # opens the ed24.kz app
        code = self.read_code(p["phone"])
        think(1.0, 3.0)
        self.post("POST recovery code", "/ru/cabinet/recovery/code", {"code": code}, location="/ru/cabinet/recovery")
        self.page("GET new password page", "/ru/cabinet/recovery")
        self.type_new_password(p["iin"], p["new_password"])
        self.post("POST recovery password", "/ru/cabinet/recovery/password",
                  {"username": p["iin"], "password": p["new_password"], "password_repeat": p["new_password"]},
                  location="/ru/cabinet/")
        p["password"] = p["new_password"]
        emit({"k": "password_changed", "t": time.time(), "p": p["idx"], "iin": p["iin"]})
        self.check_cabinet("GET cabinet", p["name"])
        self.logout()

    def reregister(self) -> None:
        p, a = self.persona, self.persona["rereg"]
        self.page("GET reregister page", "/ru/cabinet/reregister")
        think(1.0, 2.0)
        self.type_iin("child_iin", a["child_iin"])
        think(2.0, 4.0)  # finds the birth certificate
        self.type_iin("parent1_iin", a["parent1_iin"])
        if a["parent2_iin"]:
            self.type_iin("parent2_iin", a["parent2_iin"])
        think(0.5, 1.5)
        self.post("POST reregister answers", "/ru/cabinet/reregister/answers",
                  {"child_iin": a["child_iin"], "certificate": a["certificate"], "parent1_iin": a["parent1_iin"],
                   "parent2_iin": a["parent2_iin"], "status": a["status"]}, location="/ru/cabinet/reregister")
        self.page("GET reregister step 2", "/ru/cabinet/reregister", contains="Вы верно ответили на все вопросы")
        self.type_iin("applicant_iin", p["iin"])
        self.type_phone(p["phone"])
        self.post("POST reregister applicant", "/ru/cabinet/reregister/applicant",
                  {"applicant_iin": p["iin"], "phone": p["phone"]}, location="/ru/cabinet/reregister")
        self.page("GET reregister code part", "/ru/cabinet/reregister")
        think(3.0, 8.0)
        code = self.read_code(p["phone"])
        think(1.0, 3.0)
        self.post("POST reregister code", "/ru/cabinet/reregister/code", {"code": code},
                  location="/ru/cabinet/reregister")
        self.page("GET reregister password part", "/ru/cabinet/reregister")
        self.type_new_password(p["iin"], p["new_password"])
        emit({"k": "rereg_finish_sent", "t": time.time(), "p": p["idx"], "child": a["child_iin"]})
        self.post("POST reregister finish", "/ru/cabinet/reregister/finish",
                  {"username": p["iin"], "password": p["new_password"], "password_repeat": p["new_password"]},
                  location="/ru/cabinet/")
        p["password"] = p["new_password"]
        emit({"k": "reregistered", "t": time.time(), "p": p["idx"], "child": a["child_iin"], "iin": p["iin"]})
        self.check_cabinet("GET cabinet", p["name"])
        self.logout()

    @task
    def morning(self) -> None:
        p = self.persona
        first = not self.main_done
        if not first and not (self.main_ok and p["password"]):
            return  # a parent whose journey failed does not come back in this run
        self.role = p["role"] if first else "revisit"
        self.journey = uuid.uuid4().hex[:12]
        self.upstreams, self.retries = [], 0
        started = time.time()
        ok, reason = False, "interrupted (the run ended)"
        try:
            if not first or p["role"] == "signin":
                self.sign_in(p["iin"], p["password"], p["name"], wrong_first=first and p.get("wrong_first", False))
            elif p["role"] == "recovery":
                self.recover()
            else:
                self.reregister()
            ok, reason = True, ""
        except JourneyFailed as exc:
            reason = str(exc)
        except Exception as exc:  # a page so unexpected that the script could not read it
            reason = f"{type(exc).__name__}: {exc}"
        finally:
            if first:
                self.main_done, self.main_ok = True, ok
            emit({"k": "journey", "t": round(started, 3), "end": round(time.time(), 3), "p": p["idx"],
                  "r": self.role, "j": self.journey, "ok": ok, "reason": reason,
                  "ups": self.upstreams, "retries": self.retries})
