"""make load: a busy morning of parents against the stack, faults on the way, then the checks.

    python scripts/load.py [--dir instance/stack] [--parents 200] [--ramp 120] [--duration S]
                           [--faults app,redis,postgres|none] [--mix 60,25,15] [--seed 1]

1. Builds the parents (sign-in, recovery case 1, re-registration; --mix in percent) as
   sandbox data, loads it (the sandbox API, or `flask sandbox load` when the file is over
   the app's 64 KiB body limit) and empties Redis.
2. Runs scripts/locustfile.py headless: --parents arrive evenly over --ramp seconds, each
   from its own client address in 127.0.0.0/8; each does its journey once, then comes back
   every 20-40 s to sign in again until --duration ends (journeys under way are finished).
3. Meanwhile injects the faults, each once, at fixed points of the run: stops one app server
   (SIGTERM) and starts it again; stops Redis and starts it again (and probes the request
   limits from one address before, during and after); stops PostgreSQL (fast shutdown) and
   starts it again.
4. Prints p50/p95/p99 per step, errors, requests/s and CPU per component, what parents saw
   in each fault window, and the integrity checks against the database and Redis; writes
   report.json, events.jsonl and the locust logs to <dir>/load-<time>/. Exit status 1 when
   a check fails.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from stack import BIN, DEFAULT_DIR, Stack, StackError, start_time  # noqa: E402

LOCUSTFILE = ROOT / "scripts" / "locustfile.py"
API_BODY_LIMIT = 60 * 1024   # the app refuses bodies over 64 KiB (MAX_CONTENT_LENGTH)
GRACE = 3.0                  # seconds after a service is back that still count as its fault window
PAGE_TARGET_MS = 300.0

# -- the parents ------------------------------------------------------------------------

SURNAMES = [("Ахметов", "Ахметова"), ("Сапаров", "Сапарова"), ("Нурланов", "Нурланова"),
            ("Серикбаев", "Серикбаева"), ("Жумабаев", "Жумабаева"), ("Касымов", "Касымова"),
            ("Оспанов", "Оспанова"), ("Абдрахманов", "Абдрахманова"), ("Бекмуханов", "Бекмуханова"),
            ("Исмаилов", "Исмаилова"), ("Калиев", "Калиева"), ("Мусин", "Мусина"),
            ("Тулегенов", "Тулегенова"), ("Есенов", "Есенова"), ("Байжанов", "Байжанова"),
            ("Омаров", "Омарова"), ("Рахимов", "Рахимова"), ("Сулейменов", "Сулейменова"),
            ("Ержанов", "Ержанова"), ("Жакупов", "Жакупова"), ("Смагулов", "Смагулова"),
            ("Кенжебаев", "Кенжебаева"), ("Муканов", "Муканова"), ("Ибраев", "Ибраева")]
MALE = ["Ерлан", "Арман", "Нурлан", "Данияр", "Асхат", "Бауыржан", "Ержан", "Марат", "Канат", "Серик",
        "Талгат", "Азамат", "Руслан", "Айдар", "Олжас", "Дастан", "Нуржан", "Самат", "Жандос", "Мейрам"]
FEMALE = ["Айгерим", "Дана", "Мадина", "Гульнар", "Жанар", "Асель", "Динара", "Салтанат", "Айжан", "Камила",
          "Алия", "Сауле", "Меруерт", "Жулдыз", "Гаухар", "Томирис", "Аружан", "Индира", "Назерке", "Ботагоз"]
CHILDREN = {True: ["Алихан", "Тимур", "Нуртас", "Ернур", "Амир", "Альмансур", "Санжар", "Ислам"],
            False: ["Амина", "Айлин", "Аяла", "Медина", "Райана", "Асылым", "Сафия", "Айша"]}
PATRONYMICS = ["Ерланович", "Маратович", "Канатович", "Серикович", "Асхатович", "Нурланович"]


def parent_address(idx: int) -> str:
    return f"127.10.{idx // 250}.{idx % 250 + 1}"


PROBE_ADDRESSES = {"before": "127.99.0.1", "during": "127.99.0.2", "after": "127.99.0.3"}


class People:
    """Unique, valid IINs, phones, names, certificates and passwords for the sandbox data."""

    def __init__(self, seed: int) -> None:
        from webapp.services import iin as iin_rules
        from webapp.services import passwords

        self.rng = random.Random(seed)
        self._iin_rules, self._passwords = iin_rules, passwords
        self.iins: set[str] = set()
        self.phone_no = 1_000_000 + self.rng.randrange(1000) * 1000
        self.cert_no = self.rng.randrange(1_000_000, 2_000_000)
        combos = [(m, s, g) for m in (True, False) for s in range(len(SURNAMES))
                  for g in range(len(MALE if m else FEMALE))]
        self.rng.shuffle(combos)
        self.names = combos
        self.used_names: set[str] = set()

    def iin(self, born: date, sex_digit: int) -> str:
        while True:
            value = self._iin_rules.make(born, sex_digit, f"{self.rng.randrange(10000):04d}")
            if value not in self.iins:
                self.iins.add(value)
                return value

    def adult(self) -> tuple[str, str, bool]:
        """(iin, full name, male)"""
        male, s, g = self.names.pop() if self.names else (self.rng.random() < 0.5, 0, 0)
        name = f"{SURNAMES[s][0 if male else 1]} {(MALE if male else FEMALE)[g]}"
        while name in self.used_names:
            name = f"{name.split()[0]} {name.split()[1]} {self.rng.choice(PATRONYMICS)}"
        self.used_names.add(name)
        born = date(self.rng.randrange(1975, 1999), self.rng.randrange(1, 13), self.rng.randrange(1, 29))
        return self.iin(born, 3 if male else 4), name, male

    def child(self, surname_of: str) -> tuple[str, str]:
        male = self.rng.random() < 0.5
        surname = surname_of.split()[0]
        base = surname[:-1] if surname.endswith("а") else surname
        surname = base if male else base + "а"
        born = date(self.rng.randrange(2019, 2024), self.rng.randrange(1, 13), self.rng.randrange(1, 29))
        return self.iin(born, 5 if male else 6), f"{surname} {self.rng.choice(CHILDREN[male])}"

    def phone(self) -> str:
        self.phone_no += 1
        return f"+7701{self.phone_no:07d}"

    def certificate(self) -> str:
        self.cert_no += 1
        return f"{self.cert_no:07d}"

    def password(self, iin: str, phone: str) -> str:
        alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        while True:
            value = "Kezek!" + "".join(self.rng.choice(alphabet) for _ in range(7)) + str(self.rng.randrange(10))
            if self._passwords.check(value, iin=iin, phone=phone).ok:
                return value


def build_dataset(parents: int, mix: tuple[int, int, int], seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(sandbox data, personas): `parents` simulated parents split by `mix` (percent of
    sign-in, recovery, re-registration), plus the passive people their journeys need."""
    people = People(seed)
    rng = people.rng
    data: dict[str, list[dict[str, Any]]] = {"citizens": [], "cabinets": [], "children": [], "app_devices": []}
    personas: list[dict[str, Any]] = []
    counts = [parents * m // 100 for m in mix]
    counts[0] += parents - sum(counts)
    roles = ["signin"] * counts[0] + ["recovery"] * counts[1] + ["rereg"] * counts[2]
    rng.shuffle(roles)

    def citizen(iin: str, name: str, phone: str | None) -> None:
        data["citizens"].append({"iin": iin, "full_name": name, "phones": [phone] if phone else []})

    def cabinet(iin: str, phone: str, password: str | None) -> None:
        data["cabinets"].append({"iin": iin, "phone": phone, "password": password})

    def child(iin: str, name: str, cert: str, parents_: list[str], status: str, holder: str) -> None:
        data["children"].append({"iin": iin, "full_name": name, "birth_certificate": cert,
                                 "parents": parents_, "status": status, "cabinet_iin": holder})

    for idx, role in enumerate(roles):
        iin, name, _male = people.adult()
        phone = people.phone()
        citizen(iin, name, phone)
        persona: dict[str, Any] = {"idx": idx, "role": role, "address": parent_address(idx), "iin": iin,
                                   "name": name, "phone": phone, "password": None,
                                   "new_password": people.password(iin, phone), "wrong_first": False}
        if role in ("signin", "recovery"):
            persona["password"] = people.password(iin, phone)
            cabinet(iin, phone, persona["password"])
            kid, kid_name = people.child(name)
            child(kid, kid_name, people.certificate(), [iin], rng.choice(["attends", "queue"]), iin)
            if role == "recovery" or rng.random() < 0.8:
                data["app_devices"].append({"phone": phone})
            persona["wrong_first"] = role == "signin" and rng.random() < 0.1
        else:
            # The applicant's phone is theirs in БМГ with the app bound; the child's cabinet is
            # held by someone else (a foreign number), who may hold another child that stays.
            data["app_devices"].append({"phone": phone})
            other, other_name, _ = people.adult()
            citizen(other, other_name, None)
            holder, holder_name, _ = people.adult()
            holder_phone = people.phone()
            citizen(holder, holder_name, holder_phone)
            cabinet(holder, holder_phone, people.password(holder, holder_phone))
            if rng.random() < 0.5:
                data["app_devices"].append({"phone": holder_phone})
            kid, kid_name = people.child(name)
            cert = people.certificate()
            order = [iin, other] if rng.random() < 0.5 else [other, iin]
            status = rng.choice(["attends", "queue"])
            child(kid, kid_name, cert, order, status, holder)
            stays = None
            if rng.random() < 0.5:
                stays, stays_name = people.child(holder_name)
                child(stays, stays_name, people.certificate(), [holder], "queue", holder)
            joined = rng.random() < 0.33
            if joined:  # the applicant already has a cabinet of their own: the child joins it
                persona["password"] = people.password(iin, phone)
                cabinet(iin, phone, persona["password"])
                own, own_name = people.child(name)
                child(own, own_name, people.certificate(), [iin], "attends", iin)
            persona["rereg"] = {"child_iin": kid, "certificate": cert, "parent1_iin": order[0],
                                "parent2_iin": order[1], "status": status, "holder": holder,
                                "stays": stays, "joined": joined}
        personas.append(persona)
    return data, personas


# -- the stack's side ---------------------------------------------------------------------

def api(stack: Stack, method: str, path: str, body: Any = None, address: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(stack.url + path, data=data, method=method, headers={
        "Authorization": f"Bearer {stack.state['sandbox_token']}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def redis_client(stack: Stack) -> Any:
    import redis

    return redis.Redis.from_url(stack.state["redis_url"], socket_timeout=5)


def load_data(stack: Stack, data: dict[str, Any], folder: Path) -> str:
    """Replace the sandbox data; the request counts in Redis start from zero too."""
    path = folder / "sandbox-data.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    redis_client(stack).flushall()
    body = json.dumps(data, ensure_ascii=False).encode()
    if len(body) <= API_BODY_LIMIT:
        status, answer = api(stack, "POST", "/sandbox/api/load", data)
        if status != 200:
            raise StackError(f"POST /sandbox/api/load: {status} {answer}")
        how = "POST /sandbox/api/load"
    else:
        done = stack.flask("sandbox", "load", str(path), check=False)
        if done.returncode != 0:
            raise StackError(f"flask sandbox load: {done.stdout}{done.stderr}")
        how = f"flask sandbox load (the file is {len(body) // 1024} KiB, over the API's 64 KiB body limit)"
    status, answer = api(stack, "POST", "/sandbox/api/clock", {"reset": True})
    if status != 200:
        raise StackError(f"POST /sandbox/api/clock: {status} {answer}")
    return how


def psql_url(stack: Stack) -> str:
    return stack.state["database_url"].replace("postgresql+psycopg://", "postgresql://")


# -- CPU per component ---------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (ppid, own cpu ticks, reaped children's cpu ticks)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        f = raw[raw.rindex(")") + 2:].split()
        table[int(entry)] = (int(f[1]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14]))
    return table


def _busy_ticks() -> tuple[int, int]:
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


class CpuMeter(threading.Thread):
    """CPU seconds used by each component's process tree (restarted processes included)."""

    def __init__(self, stack: Stack, extra: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.stack, self.extra = stack, extra
        self.first: dict[tuple[str, int, int], int] = {}
        self.last: dict[tuple[str, int, int], int] = {}
        self.stopping = threading.Event()
        self.machine_start = _busy_ticks()
        self.machine_end = self.machine_start
        self.sample(initial=True)

    def roots(self) -> dict[str, list[tuple[int, int]]]:
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for name, rec in list(self.stack.processes.items()):
            component = "app servers" if name.startswith("app") else name
            found[component].append((rec["pid"], rec["start"]))
        for name, pid in self.extra.items():
            started = start_time(pid)
            if started is not None:
                found[name].append((pid, started))
        return found

    def sample(self, initial: bool = False) -> None:
        table = _proc_table()
        children: dict[int, list[int]] = defaultdict(list)
        for pid, (ppid, _, _) in table.items():
            children[ppid].append(pid)
        for component, roots in self.roots().items():
            for pid, started in roots:
                if pid not in table or start_time(pid) != started:
                    continue
                total, stack_ = table[pid][2], [pid]
                while stack_:
                    p = stack_.pop()
                    total += table[p][1]
                    stack_.extend(children.get(p, []))
                key = (component, pid, started)
                if key not in self.first:
                    self.first[key] = total if initial else 0
                self.last[key] = total

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            self.sample()

    def stop(self) -> dict[str, float]:
        self.sample()
        self.stopping.set()
        self.machine_end = _busy_ticks()
        used: dict[str, float] = defaultdict(float)
        for key, last in self.last.items():
            used[key[0]] += (last - self.first[key]) / TICK
        return dict(used)

    def machine(self) -> tuple[float, float]:
        """(busy CPU seconds, wall-clock CPU seconds available) over the run."""
        busy = (self.machine_end[0] - self.machine_start[0]) / TICK
        total = (self.machine_end[1] - self.machine_start[1]) / TICK
        return busy, total


# -- faults ------------------------------------------------------------------------------

@dataclass
class Window:
    name: str
    start: float
    back: float = 0.0
    notes: list[str] = field(default_factory=list)
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    victim: str = ""
    down_at: float = 0.0          # the stopped service is gone from here ...
    restart_at: float = 0.0       # ... until it is started again from here

    @property
    def end(self) -> float:
        return (self.back or time.time()) + GRACE

    def covers(self, t: float) -> bool:
        return self.start <= t <= self.end


def probe_limit(stack: Stack, address: str, attempts: int = 400) -> dict[str, Any]:
    """From one client address, POST a form as fast as possible: how many pass before the
    request limit (RATELIMIT_FORMS, 60 per minute) answers 429?"""
    import requests
    from urllib3 import PoolManager

    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter()
    adapter.poolmanager = PoolManager(maxsize=1, source_address=(address, 0))
    session.mount("http://", adapter)
    statuses: Counter[int] = Counter()
    passed, streak = 0, 0
    for _ in range(attempts):
        try:
            status = session.post(stack.url + "/ru/cabinet/login", data={"iin": "1"}, timeout=10).status_code
        except requests.RequestException:
            status = 0
        statuses[status] += 1
        if status == 429:
            streak += 1
            if streak >= 40:
                break
        else:
            streak = 0
            passed += 1
    return {"address": address, "sent": sum(statuses.values()), "passed": passed,
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}


def run_faults(stack: Stack, plan: list[tuple[str, float, float]], t0: float, app_mode: str,
               windows: list[Window], log: list[str], stop: threading.Event) -> None:
    """At each planned offset (seconds after t0), inject one fault and record its window."""
    def wait_until(offset: float) -> bool:
        while time.time() < t0 + offset:
            if stop.wait(0.2):
                return False
        return True

    def note(text: str) -> None:
        line = f"t+{time.time() - t0:6.1f}s  {text}"
        log.append(line)
        print("  fault: " + line, flush=True)

    for name, at, down in plan:
        if not wait_until(at):
            return
        try:
            if name == "app":
                victim = stack.app_names()[-1]
                w = Window(f"app server {victim} stopped", time.time())
                w.victim = f"127.0.0.1:{stack.state['ports']['apps'][victim]}"
                windows.append(w)
                if app_mode == "drain":
                    note(f"draining {victim}: marked down in nginx, reloaded")
                    stack.drain(victim)
                    time.sleep(2)
                note(f"stopping app server {victim} ({'SIGKILL' if app_mode == 'kill' else 'SIGTERM'})")
                stack.stop_app(victim, signal.SIGKILL if app_mode == "kill" else signal.SIGTERM)
                w.down_at = time.time()
                note(f"{victim} stopped; nginx sends everything to the other server(s)")
                time.sleep(down)
                w.restart_at = time.time()
                note(f"starting {victim} again")
                stack.start_app(victim)
                if app_mode == "drain":
                    stack.drain(victim, False)
                w.back = time.time()
                note(f"{victim} answers /healthz again"
                     + (" and is back in nginx" if app_mode == "drain" else
                        " (nginx tries it again at most 10 s after it refused: fail_timeout)"))
            elif name == "redis":
                w = Window("Redis restarted", time.time())
                windows.append(w)
                w.probes["before"] = probe_limit(stack, PROBE_ADDRESSES["before"])
                note(f"limit probe with Redis up: {w.probes['before']['passed']} of "
                     f"{w.probes['before']['sent']} POSTs passed from one address")
                w.start = time.time()
                stack.stop_redis()
                note("Redis stopped")
                time.sleep(min(2.0, down))
                w.probes["during"] = probe_limit(stack, PROBE_ADDRESSES["during"])
                note(f"limit probe with Redis away: {w.probes['during']['passed']} of "
                     f"{w.probes['during']['sent']} POSTs passed from one address")
                time.sleep(max(0.0, down - (time.time() - w.start)))
                stack.start_redis()
                w.back = time.time()
                note("Redis started again (its append-only file brings the counts back)")
                threading.Thread(target=_late_probe, args=(stack, w, note), daemon=True).start()
            elif name == "postgres":
                w = Window("PostgreSQL restarted", time.time())
                windows.append(w)
                note("stopping PostgreSQL (fast shutdown: open transactions roll back)")
                stack.stop_postgres()
                note("PostgreSQL stopped")
                time.sleep(down)
                note("starting PostgreSQL again")
                stack.start_postgres()
                w.back = time.time()
                note("PostgreSQL accepts connections again")
        except Exception as exc:  # a fault that could not be injected is a failed run
            note(f"FAULT INJECTION FAILED: {type(exc).__name__}: {exc}")
            if not windows or windows[-1].back:
                windows.append(Window(f"{name} (not injected)", time.time()))
            windows[-1].back = windows[-1].back or time.time()
            windows[-1].notes.append(f"injection failed: {exc}")


def _late_probe(stack: Stack, w: Window, note: Any) -> None:
    time.sleep(40)  # each worker looks for Redis again with a backoff of up to 32 s
    w.probes["after"] = probe_limit(stack, PROBE_ADDRESSES["after"])
    note(f"limit probe 40 s after Redis came back: {w.probes['after']['passed']} of "
         f"{w.probes['after']['sent']} POSTs passed from one address")


# -- analysis ---------------------------------------------------------------------------

CATEGORY = {
    "POST password (sign-in)": "argon2", "POST recovery password": "argon2",
    "POST reregister finish": "argon2", "POST password (wrong)": "argon2",
    "sandbox outbox": "harness", "static": "static",
}


def category(step: str) -> str:
    if step in CATEGORY:
        return CATEGORY[step]
    if step.startswith("fragment"):
        return "fragment"
    if step.startswith("GET"):
        return "page"
    return "form"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def summarize(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "max": max(values) if values else float("nan")}


def read_events(path: Path) -> list[dict[str, Any]]:
    events = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return events


def answered_by(upstream: str) -> str:
    """nginx names every server it tried ("a, b" when it went on to the next): the last answered."""
    return upstream.split(",")[-1].strip()


def in_windows(t: float, windows: list[Window]) -> Window | None:
    return next((w for w in windows if w.covers(t)), None)


def analyse(events: list[dict[str, Any]], windows: list[Window], t0: float) -> dict[str, Any]:
    reqs = [e for e in events if e["k"] == "req"]
    journeys = [e for e in events if e["k"] == "journey"]
    steady = [e for e in reqs if not in_windows(e["t"], windows)]
    steps: dict[str, dict[str, Any]] = {}
    for name in sorted({e["step"] for e in reqs}, key=lambda s: (category(s), s)):
        mine = [e for e in reqs if e["step"] == name]
        ok = [e["ms"] for e in mine if not in_windows(e["t"], windows) and 0 < e["s"] < 500]
        steps[name] = {"category": category(name), **summarize(ok), "all": len(mine),
                       "errors": sum(1 for e in mine if e["s"] == 0 or e["s"] >= 500),
                       "errors_outside": sum(1 for e in mine if (e["s"] == 0 or e["s"] >= 500)
                                             and not in_windows(e["t"], windows))}
    categories = {}
    for cat in ("page", "fragment", "form", "argon2", "static", "harness"):
        values = [e["ms"] for e in steady if category(e["step"]) == cat and 0 < e["s"] < 500]
        if values:
            categories[cat] = summarize(values)
    app_reqs = [e for e in reqs if not e.get("h")]
    first, last = (min(e["t"] for e in reqs), max(e["t"] for e in reqs)) if reqs else (t0, t0)
    per_second = Counter(int(e["t"] - t0) for e in app_reqs)
    peak10 = max((sum(per_second.get(s + i, 0) for i in range(10)) / 10 for s in per_second), default=0)
    statuses = Counter(e["s"] for e in reqs)
    outside_5xx = [e for e in reqs if (e["s"] >= 500 or e["s"] == 0) and not in_windows(e["t"], windows)]
    # A journey still under way when Locust stopped the run is not a failure of the stack.
    interrupted = [j for j in journeys if not j["ok"] and j["reason"].startswith("interrupted")]
    failed = [j for j in journeys if not j["ok"] and not j["reason"].startswith("interrupted")]
    failed_outside = [j for j in failed if not any(w.start - 1 <= j["end"] and j["t"] <= w.end + 30
                                                   for w in windows)]
    alternating = [j for j in journeys if j["ok"] and len({answered_by(u) for u in j["ups"]}) >= 2]
    example = None
    if alternating:
        j = max(alternating, key=lambda j: (j["r"] != "revisit", len(j["ups"])))
        servers = sorted({answered_by(e["up"]) for e in reqs if e["up"]})
        names = {u: chr(65 + i) for i, u in enumerate(servers)}
        example = {"parent": j["p"], "role": j["r"], "servers": {v: k for k, v in names.items()},
                   "sequence": "".join(names.get(answered_by(u), "?") for u in j["ups"])}
    by_role: dict[str, Counter[str]] = defaultdict(Counter)
    for j in journeys:
        by_role[j["r"]]["ok" if j["ok"] else "interrupted" if j in interrupted else "failed"] += 1
    return {
        "requests": len(app_reqs), "harness_requests": len(reqs) - len(app_reqs),
        "seconds": last - first, "rps": len(app_reqs) / max(1.0, last - first), "peak_rps_10s": peak10,
        "statuses": {str(k): v for k, v in sorted(statuses.items())}, "steps": steps, "categories": categories,
        "journeys": {r: dict(c) for r, c in sorted(by_role.items())}, "failed": failed,
        "interrupted": len(interrupted),
        "failed_outside": failed_outside, "outside_5xx": outside_5xx, "alternating": len(alternating),
        "journeys_ok": sum(1 for j in journeys if j["ok"]), "alternating_example": example,
        "rate_limited": sum(1 for e in reqs if e["s"] == 429),
        "foreign": [e for e in events if e["k"] == "foreign"],
        "greetings_checked": sum(1 for e in reqs if e["step"] == "GET cabinet" and e["s"] == 200),
    }


def window_report(events: list[dict[str, Any]], windows: list[Window], t0: float) -> list[dict[str, Any]]:
    """What parents saw during each fault: statuses by kind of request, the pages, the
    journeys that met an error page, and a per-second timeline (requests per app server)."""
    reqs = [e for e in events if e["k"] == "req" and not e.get("h")]
    journeys = {j["j"]: j for j in events if j["k"] == "journey"}
    servers = sorted({answered_by(e["up"]) for e in reqs if e["up"]})
    letter = {u: chr(65 + i) for i, u in enumerate(servers)}
    out = []
    for w in windows:
        inside = [e for e in reqs if w.covers(e["t"])]
        bad = [e for e in inside if e["s"] >= 500 or e["s"] == 0]
        saw = Counter(f"{category(e['step'])}: {e.get('saw', '')}" for e in bad)
        timeline = []
        for second in range(int(w.start - t0) - 2, int(w.end - t0) + 3):
            here = [e for e in reqs if int(e["t"] - t0) == second]
            ups = Counter(letter.get(answered_by(e["up"]), "?") for e in here if e["up"] and e["s"])
            errors = Counter(e["s"] for e in here if e["s"] >= 500 or e["s"] == 0)
            timeline.append({"t": second, "requests": len(here), "servers": dict(sorted(ups.items())),
                             "errors": {str(k): v for k, v in errors.items()}})
        met = {e["j"] for e in bad}
        under_way = [j for j in journeys.values() if j["t"] <= w.end and j["end"] >= w.start]
        back_at = None
        if w.victim:
            later = [e["t"] for e in reqs if e["t"] > w.back and answered_by(e["up"]) == w.victim and e["s"]]
            back_at = round(min(later) - t0, 1) if later else None
        out.append({
            "name": w.name, "from": round(w.start - t0, 1), "back": round((w.back or w.end) - t0, 1),
            "down_at": round(w.down_at - t0, 1) if w.down_at else None,
            "restart_at": round(w.restart_at - t0, 1) if w.restart_at else None,
            "requests": len(inside),
            "statuses": {str(k): v for k, v in sorted(Counter(e["s"] for e in inside).items())},
            "errors_by_kind": {f"{c} {s}": n for (c, s), n in sorted(Counter(
                (category(e["step"]), e["s"]) for e in bad).items())},
            "saw": dict(saw.most_common(8)), "journeys_under_way": len(under_way),
            "journeys_that_met_an_error": len(met),
            "of_which_completed": sum(1 for j in met if journeys.get(j, {}).get("ok")),
            "failed_journeys": [j["reason"] for j in under_way
                                if not j["ok"] and not j["reason"].startswith("interrupted")],
            "victim": w.victim, "victim_serves_again_at": back_at, "servers": letter,
            "probes": w.probes, "notes": w.notes, "timeline": timeline,
        })
    return out


# -- integrity ------------------------------------------------------------------------------

def limits_by_kind() -> dict[str, Any]:
    """Every account limit the app defines, by its counter kind (sizes: the defaults)."""
    from webapp.services import accounts, binding, codes, limits, recovery, reregistration
    from webapp.services.context import AddressLimits

    sizes = AddressLimits()
    found = {lim.kind: lim for module in (accounts, binding, codes, recovery, reregistration)
             for lim in vars(module).values() if isinstance(lim, limits.Limit)}
    for lim in (accounts.wrong_per_address(sizes.signin_failures), binding.sms_per_address(sizes.binding_sms),
                codes.wrong_per_address(sizes.code_failures), recovery.starts_per_address(sizes.recovery_starts),
                reregistration.wrong_per_address(sizes.rereg_failures)):
        found[lim.kind] = lim
    return found


def integrity(stack: Stack, data: dict[str, Any], personas: list[dict[str, Any]],
              events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    import psycopg

    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    by_idx = {p["idx"]: p for p in personas}
    done_rereg = {e["child"]: by_idx[e["p"]] for e in events if e["k"] == "reregistered"}
    sent_rereg = {e["child"]: by_idx[e["p"]] for e in events if e["k"] == "rereg_finish_sent"}
    changed = {by_idx[e["p"]]["iin"] for e in events if e["k"] == "password_changed"}
    signed_in = Counter(e["iin"] for e in events if e["k"] == "signed_in")
    wrong = Counter(by_idx[e["p"]]["address"] for e in events if e["k"] == "wrong_password")
    starts = Counter(by_idx[e["p"]]["address"] for e in events
                     if e["k"] == "req" and e["step"] == "POST recovery start" and e["s"] == 302)

    with psycopg.connect(psql_url(stack), connect_timeout=10) as db:
        q = db.execute
        cabinets = {iin: (cid, phone) for cid, iin, phone in q("SELECT id, iin, phone FROM cabinets")}
        by_id = {cid: iin for iin, (cid, _) in cabinets.items()}
        owners = {iin: by_id.get(cid) for iin, cid in q("SELECT iin, cabinet_id FROM children")}
        now = q("SELECT now()").fetchone()[0]

        # Cabinets: none lost, none duplicated; children where their journeys put them.
        loaded = {c["iin"] for c in data["cabinets"]}
        new = {p["iin"] for p in done_rereg.values() if p["iin"] not in loaded}
        lost = sorted(loaded - set(cabinets))
        check("no cabinet lost", not lost and len(cabinets) == len(loaded) + len(new),
              f"{len(cabinets)} cabinets = {len(loaded)} loaded + {len(new)} created by re-registration"
              + (f"; missing: {lost}" if lost else ""))
        expected: dict[str, set[str | None]] = {}
        for c in data["children"]:
            expected[c["iin"]] = {c["cabinet_iin"]}
        ambiguous = []
        for kid, p in sent_rereg.items():
            if kid in done_rereg:
                expected[kid] = {p["iin"]}
            else:  # the parent sent "Переоформить" but did not see the answer: either is right
                expected[kid] = {expected[kid].pop(), p["iin"]}
                ambiguous.append(kid)
        misplaced = {k: (owners.get(k), sorted(v, key=str)) for k, v in expected.items() if owners.get(k) not in v}
        check("every child in the cabinet its journey left it in", not misplaced,
              f"{len(expected)} children, {len(done_rereg)} moved by re-registration"
              + (f", {len(ambiguous)} whose parent did not see the outcome" if ambiguous else "")
              + (f"; misplaced: {dict(list(misplaced.items())[:5])}" if misplaced else ""))
        counts = Counter(owners.values())
        want = Counter()
        for kid, allowed in expected.items():
            want[owners.get(kid) if owners.get(kid) in allowed else next(iter(allowed))] += 1
        wrong_counts = {k: (counts.get(k, 0), v) for k, v in want.items() if counts.get(k, 0) != v}
        check("children per cabinet as expected", not wrong_counts,
              f"{len(want)} cabinets hold children" + (f"; differ: {dict(list(wrong_counts.items())[:5])}"
                                                       if wrong_counts else ""))
        kids = {c["iin"] for c in data["children"]}
        moves = {k: v for k, v in q("SELECT subject, count(*) FROM audit_events WHERE kind = 'reregistered' "
                                    "GROUP BY subject") if k in kids}
        twice = {k: v for k, v in moves.items() if v > 1}
        unrecorded = [k for k in done_rereg if moves.get(k) != 1]
        check("no cabinet moved twice", not twice and not unrecorded,
              f"{sum(moves.values())} re-registrations recorded for {len(done_rereg)} completed journeys"
              + (f"; twice: {twice}" if twice else "") + (f"; not recorded: {unrecorded[:5]}" if unrecorded else ""))
        moved_phone = [p["iin"] for p in done_rereg.values() if cabinets.get(p["iin"], (0, ""))[1] != p["phone"]]
        check("re-registered cabinets carry the new phone", not moved_phone,
              f"{len(done_rereg)} checked" + (f"; wrong phone: {moved_phone[:5]}" if moved_phone else ""))

        changes = dict(q("SELECT c.iin, count(*) FROM cabinet_events e JOIN cabinets c ON c.id = e.cabinet_id "
                         "WHERE e.kind = 'password_changed' GROUP BY c.iin"))
        bad = {k: changes.get(k, 0) for k in changed if changes.get(k, 0) != 1}
        tried = {by_idx[e["p"]]["iin"] for e in events if e["k"] == "req" and e["step"] == "POST recovery password"}
        extra = {k: v for k, v in changes.items() if k not in changed and (k not in tried or v > 1)}
        check("each recovery changed its password once", not bad and not extra,
              f"{len(changed)} recoveries, {sum(changes.values())} password changes recorded"
              + (f"; differ: {bad}" if bad else "") + (f"; unexpected: {extra}" if extra else ""))

        audits = list(q("SELECT subject, client FROM audit_events WHERE kind = 'signin'"))
        credited = Counter(s for s, _ in audits)
        differ = {k: (credited.get(k, 0), v) for k, v in (signed_in | credited).items()
                  if credited.get(k, 0) != signed_in.get(k, 0)}
        check("every sign-in credited to the cabinet that signed in", not differ,
              f"{sum(signed_in.values())} sign-ins seen by parents, {len(audits)} recorded"
              + (f"; differ (recorded, seen): {dict(list(differ.items())[:5])}" if differ else ""))
        address_of = {p["iin"]: p["address"] for p in personas}
        foreign_address = [(s, c) for s, c in audits if address_of.get(s) and c != address_of[s]]
        check("the app saw each parent's own address (X-Forwarded-For, one trusted proxy)", not foreign_address,
              f"{len(audits)} sign-ins, client addresses {len({c for _, c in audits})} distinct"
              + (f"; wrong: {foreign_address[:3]}" if foreign_address else ""))

        # Limit counters.
        known = limits_by_kind()
        rows = list(q("SELECT kind, key, count, window_ends FROM counters"))
        unknown = sorted({k for k, *_ in rows if k not in known})
        over = [(k, key, n) for k, key, n, _ in rows if k in known and n > known[k].max]
        negative = [(k, key, n) for k, key, n, _ in rows if n < 0]
        too_far = [(k, key) for k, key, _, ends in rows if k in known and
                   (ends - now).total_seconds() > max(known[k].window, known[k].lockout or known[k].window)
                   .total_seconds() + 120]
        check("limit counters within their limits", not (unknown or over or negative or too_far),
              f"{len(rows)} counters of {len({k for k, *_ in rows})} kinds"
              + (f"; unknown kinds {unknown}" if unknown else "") + (f"; above the limit {over[:5]}" if over else "")
              + (f"; negative {negative[:5]}" if negative else "") + (f"; windows too long {too_far[:5]}" if too_far else ""))
        wrong_tries = [(k, key, n) for k, key, n, _ in rows
                       if k.startswith(("code_wrong", "rereg_wrong", "bind_wrong")) and n != 0]
        check("no wrong code or answer counted (parents typed none)", not wrong_tries,
              f"{sum(1 for k, *_ in rows if k.startswith(('code_wrong', 'rereg_wrong')))} counters, all 0"
              if not wrong_tries else f"non-zero: {wrong_tries[:5]}")
        sends = defaultdict(int)
        for k, key, n, _ in rows:
            if k == "code_sends_phone":
                sends[key.split("|")[0]] += n
        delivered = dict(q("SELECT phone, count(*) FROM notifications WHERE channel = 'app' AND code IS NOT NULL "
                           "GROUP BY phone"))
        mismatch = {ph: (sends.get(ph, 0), delivered.get(ph, 0)) for ph in set(sends) | set(delivered)
                    if sends.get(ph, 0) < delivered.get(ph, 0) or sends.get(ph, 0) > delivered.get(ph, 0) + 1}
        check("code sends counted once per code delivered", not mismatch,
              f"{sum(delivered.values())} codes delivered to {len(delivered)} phones, {sum(sends.values())} counted"
              + (f"; (counted, delivered) differ: {dict(list(mismatch.items())[:5])}" if mismatch else ""))
        recovery_rows = {key: n for k, key, n, _ in rows if k == "recovery_starts"}
        differ = {a: (recovery_rows.get(a, 0), starts.get(a, 0)) for a in set(recovery_rows) | set(starts)
                  if recovery_rows.get(a, 0) < starts.get(a, 0)}
        check("recovery starts counted per client address", not differ,
              f"{sum(starts.values())} starts seen by parents, {sum(recovery_rows.values())} counted"
              + (f"; (counted, seen) differ: {dict(list(differ.items())[:5])}" if differ else ""))
        pw_client = {key: n for k, key, n, _ in rows if k == "pw_wrong_client"}
        differ = {a: (pw_client.get(a, 0), wrong.get(a, 0)) for a in set(pw_client) | set(wrong)
                  if pw_client.get(a, 0) != wrong.get(a, 0)}
        leftovers = [(k, key, n) for k, key, n, _ in rows if k in ("pw_wrong_near", "pw_wrong_iin") and n]
        check("wrong passwords counted, and cleared by the sign-in that followed", not differ and not leftovers,
              f"{sum(wrong.values())} wrong passwords typed, {sum(pw_client.values())} counted per address"
              + (f"; (counted, typed) differ: {dict(list(differ.items())[:5])}" if differ else "")
              + (f"; per-IIN counts not cleared: {leftovers[:5]}" if leftovers else ""))
        spent = [n for k, _, n, _ in rows if k == "code_confirmation_spent"]
        finished = len(changed) + len(done_rereg)
        check("each confirmed code allowed one change", all(n == 1 for n in spent) and len(spent) >= finished,
              f"{len(spent)} confirmations spent for {finished} completed changes")

    # Request limits in Redis: no parent's address went over a limit (nobody saw a 429).
    rate_over, seen = [], 0
    try:
        r = redis_client(stack)
        probes = set(PROBE_ADDRESSES.values())
        for key in r.scan_iter("LIMITS*", count=1000):
            name = key.decode()
            parts = name.split("/")
            value = r.get(key)
            if value is None or not value.isdigit() or len(parts) < 4 or any(a in name for a in probes):
                continue
            amount = next((int(x) for x in parts[-3:] if x.isdigit()), None)
            seen += 1
            if amount and int(value) > amount:
                rate_over.append((name, int(value)))
        check("request-rate counts (Redis) within their limits for every parent", not rate_over,
              f"{seen} counters, no parent's address over its limit" if not rate_over else f"over: {rate_over[:5]}")
    except Exception as exc:
        check("request-rate counts (Redis) within their limits for every parent", False, f"cannot read Redis: {exc}")
    return checks


# -- the run ----------------------------------------------------------------------------------

@dataclass
class Options:
    parents: int = 200
    ramp: float = 120
    duration: float = 0           # 0: ramp + 60 s
    faults: tuple[str, ...] = ("app", "redis", "postgres")
    mix: tuple[int, int, int] = (60, 25, 15)
    seed: int = 1
    think: float = 1.0
    revisit: tuple[float, float] = (20, 40)
    app_mode: str = "term"        # term | kill | drain (a planned stop: nginx first)
    app_down: float = 25
    redis_down: float = 15
    postgres_down: float = 10
    fault_at: dict[str, float] = field(default_factory=dict)   # offsets; default: spread over the run
    quiet: bool = False


def fault_plan(opts: Options, duration: float) -> list[tuple[str, float, float]]:
    at = {"app": 0.22 * duration, "redis": 0.45 * duration, "postgres": 0.68 * duration, **opts.fault_at}
    down = {"app": opts.app_down, "redis": opts.redis_down, "postgres": opts.postgres_down}
    return sorted(((name, at[name], down[name]) for name in opts.faults), key=lambda x: x[1])


def argon2_ms() -> float:
    from webapp.services import passwords

    stored = passwords.hash_password("Kezek!Measure2025")
    t0 = time.perf_counter()
    for _ in range(10):
        passwords.verify_password(stored, "Kezek!Measure2025")
    return (time.perf_counter() - t0) * 100


def run(stack: Stack, opts: Options, out: Path | None = None) -> dict[str, Any]:
    """One load run against a started stack; the report as a dict (also written to `out`)."""
    duration = opts.duration or opts.ramp + 60
    out = out or stack.dir / f"load-{datetime.now():%Y%m%d-%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)

    def say(text: str = "") -> None:
        if not opts.quiet:
            print(text, flush=True)

    stack.wait_healthy(30)
    data, personas = build_dataset(opts.parents, opts.mix, opts.seed)
    (out / "personas.json").write_text(json.dumps(personas, ensure_ascii=False, indent=1), encoding="utf-8")
    how = load_data(stack, data, out)
    say(f"loaded {len(data['citizens'])} citizens, {len(data['cabinets'])} cabinets, {len(data['children'])} "
        f"children ({how})")
    events_path = out / "events.jsonl"
    events_path.write_text("")
    plan = fault_plan(opts, duration)
    rate = opts.parents / max(1.0, opts.ramp)
    env = {**os.environ, "LOAD_PERSONAS": str(out / "personas.json"), "LOAD_EVENTS": str(events_path),
           "SANDBOX_API_TOKEN": stack.state["sandbox_token"], "LOAD_THINK": str(opts.think),
           "LOAD_REVISIT": ",".join(str(x) for x in opts.revisit), "PYTHONUNBUFFERED": "1"}
    cmd = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", stack.url,
           "-u", str(opts.parents), "-r", f"{rate:.4f}", "-t", f"{int(duration)}s", "--stop-timeout", "120",
           "--csv", str(out / "locust"), "--only-summary", "--loglevel", "WARNING"]
    say(f"{opts.parents} parents over {opts.ramp:.0f} s ({rate:.2f}/s), run {duration:.0f} s; faults: "
        + (", ".join(f"{n} at t+{a:.0f}s for {d:.0f}s" for n, a, d in plan) or "none"))
    windows: list[Window] = []
    fault_log: list[str] = []
    stop = threading.Event()
    with open(out / "locust.log", "w") as log:
        t0 = time.time()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        meter = CpuMeter(stack, {"locust (load generator)": proc.pid})
        meter.start()
        faults = threading.Thread(target=run_faults, args=(stack, plan, t0, opts.app_mode, windows, fault_log, stop),
                                  daemon=True)
        faults.start()
        try:
            proc.wait(timeout=duration + 300)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        except BaseException:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
            raise
        finally:
            stop.set()
            cpu = meter.stop()
        faults.join(timeout=120)
        for w in windows:  # a late Redis probe may still be running
            w.back = w.back or time.time()
    # Everything back before the checks (a fault still under way ends now).
    for name in stack.app_names():
        if not stack.running().get(name):
            stack.start_app(name)
    if not stack.running().get("redis"):
        stack.start_redis()
    if not stack.postgres_running():
        stack.start_postgres()
    stack.wait_healthy(60)
    time.sleep(1)
    events = read_events(events_path)
    result = analyse(events, windows, t0)
    result["windows"] = window_report(events, windows, t0)
    result["fault_log"] = fault_log
    result["integrity"] = integrity(stack, data, personas, events)
    busy, available = meter.machine()
    result["cpu"] = {"components": cpu, "machine_busy_s": busy, "machine_available_s": available,
                     "cores": os.cpu_count() or 1, "wall_s": time.time() - t0}
    result["argon2_ms"] = argon2_ms()
    result["options"] = {"parents": opts.parents, "ramp": opts.ramp, "duration": duration, "faults": list(opts.faults),
                         "mix": list(opts.mix), "seed": opts.seed, "think": opts.think, "revisit": list(opts.revisit),
                         "app_stop": opts.app_mode, "loaded": how,
                         "workers": stack.state["workers"], "app_servers": len(stack.app_names())}
    result["locust_exit"] = proc.returncode
    result["out"] = str(out)
    result["ok"] = verdict(result)
    (out / "report.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    (out / "report.txt").write_text(render(result), encoding="utf-8")
    return result


def verdict(result: dict[str, Any]) -> dict[str, bool]:
    cats = result["categories"]
    return {
        "every planned fault injected": len(result["windows"]) == len(result["options"]["faults"]) and not any(
            w["notes"] for w in result["windows"]),
        "no failed journey outside fault windows": not result["failed_outside"],
        "no 5xx outside fault windows": not result["outside_5xx"],
        "integrity": all(c["ok"] for c in result["integrity"]),
        "no session seen by another parent": not result["foreign"],
        f"p95 of pages and fragments <= {PAGE_TARGET_MS:.0f} ms": all(
            cats.get(c, {}).get("p95", 0) <= PAGE_TARGET_MS for c in ("page", "fragment")),
    }


def render(r: dict[str, Any]) -> str:
    o = r["options"]
    lines = [f"== load: {o['parents']} parents over {o['ramp']:.0f} s, {o['duration']:.0f} s run, "
             f"{o['app_servers']} app servers x {o['workers']} workers, faults: {', '.join(o['faults']) or 'none'}",
             "", "Per step (outside fault windows; ms)",
             f"  {'step':34} {'kind':8} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  5xx all/outside"]
    for name, s in r["steps"].items():
        figures = " ".join(f"{s[k]:7.1f}" if s["n"] else f"{'-':>7}" for k in ("p50", "p95", "p99", "max"))
        lines.append(f"  {name:34} {s['category']:8} {s['n']:6d} {figures} {s['errors']:5d}/{s['errors_outside']}")
    lines += ["", "Per kind of request (outside fault windows; ms)"]
    for cat, s in r["categories"].items():
        lines.append(f"  {cat:9} n={s['n']:6d}  p50 {s['p50']:6.1f}  p95 {s['p95']:6.1f}  p99 {s['p99']:6.1f}")
    cpu, cores = r["cpu"], r["cpu"]["cores"]
    app_cpu = cpu["components"].get("app servers", 0.0)
    lines += ["", f"Requests: {r['requests']} to the app (+{r['harness_requests']} sandbox API reads) in "
              f"{r['seconds']:.0f} s: {r['rps']:.1f} req/s on average, {r['peak_rps_10s']:.1f} req/s peak (10 s); "
              f"statuses {r['statuses']}",
              f"CPU over the run ({cores} cores, {cpu['machine_busy_s'] / max(1, cpu['machine_available_s']) * 100:.0f}% "
              f"busy): " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(cpu["components"].items(), key=lambda x: -x[1])),
              f"  app servers: {app_cpu / max(1, r['requests']) * 1000:.2f} ms CPU per request -> about "
              f"{r['requests'] / max(0.1, app_cpu):.0f} req/s per core of app server at this mix; argon2 "
              f"{r['argon2_ms']:.1f} ms per hash here"]
    lines += ["", "Journeys: " + ", ".join(f"{role} {c.get('ok', 0)} ok / {c.get('failed', 0)} failed"
                                         + (f" / {c['interrupted']} cut off by the end of the run"
                                            if c.get("interrupted") else "")
                                         for role, c in r["journeys"].items()),
              f"  {r['alternating']} of {r['journeys_ok']} completed journeys were served by more than one app server"]
    if r["alternating_example"]:
        e = r["alternating_example"]
        lines.append(f"  e.g. parent {e['parent']} ({e['role']}), server per request in order: {e['sequence']} "
                     f"({', '.join(f'{k}={v}' for k, v in e['servers'].items())})")
    for j in r["failed"]:
        lines.append(f"  FAILED parent {j['p']} ({j['r']}) at t={j['end']:.0f}: {j['reason']}")
    lines += ["", "Faults (what parents saw)"] + [f"  {x}" for x in r["fault_log"]]
    for w in r["windows"]:
        lines.append(f"  -- {w['name']}: t+{w['from']}s .. back t+{w['back']}s (+{GRACE:.0f}s): {w['requests']} "
                     f"requests, statuses {w['statuses']}")
        for text in w["notes"]:
            lines.append(f"     NOTE: {text}")
        if w["errors_by_kind"]:
            lines.append(f"     errors by kind of request: {w['errors_by_kind']}")
        for saw, n in w["saw"].items():
            lines.append(f"     {n:4d} x {saw}")
        lines.append(f"     journeys under way {w['journeys_under_way']}; {w['journeys_that_met_an_error']} met an error "
                     f"page and tried again, {w['of_which_completed']} of them completed; failed: "
                     f"{len(w['failed_journeys'])}")
        for reason in w["failed_journeys"][:5]:
            lines.append(f"       {reason}")
        if w["victim_serves_again_at"] is not None:
            lines.append(f"     the stopped server answered parents again from t+{w['victim_serves_again_at']}s")
        for name, p in w["probes"].items():
            lines.append(f"     limit probe ({name}): {p['passed']} of {p['sent']} POSTs passed before 429 {p['statuses']}")
        lines.append("     per second (requests by server A/B, errors): " + "  ".join(
            f"{x['t']}:" + ",".join(f"{k}{v}" for k, v in x["servers"].items())
            + ("!" + ",".join(f"{k}x{v}" for k, v in x["errors"].items()) if x["errors"] else "")
            for x in w["timeline"]))
    lines += ["", "Integrity"] + [f"  [{'ok' if c['ok'] else 'FAIL'}] {c['check']}: {c['detail']}"
                                  for c in r["integrity"]]
    if r["outside_5xx"]:
        lines += ["", f"5xx outside fault windows: {len(r['outside_5xx'])}"] + [
            f"  t={e['t']:.1f} {e['step']} {e['s']} {e.get('saw', '')}" for e in r["outside_5xx"][:10]]
    lines += ["", "Verdict"] + [f"  [{'ok' if v else 'FAIL'}] {k}" for k, v in r["ok"].items()]
    lines.append(f"\n(report: {r['out']}/report.json, events.jsonl, locust_stats.csv)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=os.environ.get("STACK_DIR") or str(DEFAULT_DIR))
    parser.add_argument("--parents", type=int, default=200)
    parser.add_argument("--ramp", type=float, default=120, help="seconds over which the parents arrive")
    parser.add_argument("--duration", type=float, default=0, help="seconds of load (default: ramp + 60)")
    parser.add_argument("--faults", default="app,redis,postgres", help="comma list of app, redis, postgres; or none")
    parser.add_argument("--mix", default="60,25,15", help="percent of sign-in, recovery, re-registration parents")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--think", type=float, default=1.0, help="scales the parents' pauses")
    parser.add_argument("--revisit", default="20,40", help="seconds between a parent's later sign-ins (0,0: none)")
    parser.add_argument("--app-stop", choices=["term", "kill", "drain"], default="term",
                        help="how the app server stops: SIGTERM, SIGKILL, or drained from nginx first")
    args = parser.parse_args(argv)
    faults = tuple(f for f in args.faults.split(",") if f and f != "none")
    if set(faults) - {"app", "redis", "postgres"}:
        parser.error("--faults: app, redis, postgres or none")
    opts = Options(parents=args.parents, ramp=args.ramp, duration=args.duration, faults=faults,
                   mix=tuple(int(x) for x in args.mix.split(",")),  # type: ignore[arg-type]
                   seed=args.seed, think=args.think,
                   revisit=tuple(float(x) for x in args.revisit.split(",")),  # type: ignore[arg-type]
                   app_mode=args.app_stop)
    try:
        stack = Stack.open(args.dir)
        if not all(stack.running().values()):
            raise StackError(f"the stack in {stack.dir} is not (fully) running: make stack")
        result = run(stack, opts)
    except StackError as exc:
        print(f"load: {exc}", file=sys.stderr)
        return 1
    print(render(result))
    return 0 if all(result["ok"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
