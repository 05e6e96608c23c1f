"""The verdicts of a load run, from Locust's CSVs (and nginx's JSON access log).

    python deploy/load/analyse.py RUN_DIR --faults drain:40:20,kill:80:20 [--stack-env PATH]

Reads RUN_DIR/locust_stats.csv, locust_failures.csv, locust_stats_history.csv and the
fault timeline in locust.log (deploy/load/locustfile.py says what each entry means),
and with --stack-env the stack's nginx access log (which app server answered); prints
the figures and the verdicts, writes them to RUN_DIR/report.txt and verdicts.json, and
exits 1 when a verdict fails.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter, defaultdict
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

WINDOWS = {"drain": "app2 drained", "kill": "app2 killed", "term": "app2 stopped", "redis": "redis down",
           "postgres": "postgres down"}
PLANNED, UNPLANNED = {"app2 drained"}, {"app2 killed", "app2 stopped"}
KINDS = ("page", "fragment", "form", "password", "static", "sandbox")
TAG = re.compile(r" \[([^\]]+)\]$")
FAULT_LINE = re.compile(r"^\[(?P<when>[\d-]+ [\d:,]+)\] [^ ]*/INFO/load: "
                        r"fault (?P<kind>\w+): (?P<text>.*) at t\+(?P<t>[\d.]+)s$")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def split(name: str) -> tuple[str, str]:
    """("page: login [app2 killed]") -> ("page: login", "app2 killed")."""
    found = TAG.search(name)
    return (name[:found.start()], found.group(1)) if found else (name, "")


def number(value: str) -> float:
    return float(value) if value not in ("", "N/A") else float("nan")


class Run:
    def __init__(self, folder: Path, faults: str, stack: dict[str, str]) -> None:
        self.folder = folder
        self.stats = rows(folder / "locust_stats.csv")
        self.failures = rows(folder / "locust_failures.csv")
        self.history = rows(folder / "locust_stats_history.csv")
        self.planned = [item.split(":")[0] for item in faults.split(",") if item and item != "none"]
        log = (folder / "locust.log").read_text(encoding="utf-8")
        self.timeline = [m.groupdict() for line in log.splitlines() if (m := FAULT_LINE.match(line))]
        self.stack = stack
        self.nginx_lines, self.app2_down = self.nginx()

    def of(self, kind: str) -> list[dict[str, str]]:
        return [r for r in self.stats if r["Type"] == kind]

    def failed(self, method: str | None = None, tag: str | None = None) -> list[dict[str, str]]:
        return [f for f in self.failures if (method is None or f["Method"] == method)
                and (tag is None or split(f["Name"])[1] == tag)]

    def requests(self) -> tuple[int, float, float]:
        """(requests to the app, seconds of load, busiest 10 s in requests/s); the sandbox API
        reads of the harness left out."""
        count = sum(int(r["Request Count"]) for r in self.of("KIND") if not r["Name"].startswith("sandbox"))
        per_second: Counter[int] = Counter()
        for r in self.history:
            if r["Type"] == "KIND" and not r["Name"].startswith("sandbox"):
                per_second[int(r["Timestamp"])] += int(r["Total Request Count"])
        moments = sorted(per_second)
        # Total Request Count is cumulative: requests in a second are the difference.
        done = {t: per_second[t] - per_second[p] for p, t in pairwise(moments)}
        peak = max((sum(done.get(t + i, 0) for i in range(10)) / 10 for t in done), default=0.0)
        active = [t for t, n in done.items() if n]
        seconds = (max(active) - min(active) + 1) if active else 0
        return count, float(seconds), peak

    # -- verdicts ------------------------------------------------------------------------------
    def verdicts(self, page_p95: float, fragment_p95: float) -> dict[str, tuple[bool, str]]:
        out: dict[str, tuple[bool, str]] = {}
        faults = self.of("FAULT")
        missed = self.failed("FAULT")
        out["every planned fault injected in its window"] = (
            len(faults) == len(self.planned) and not missed,
            f"{len(faults)} of {len(self.planned)} reported"
            + "".join(f"; MISSED {f['Name']}: {error(f['Error'])}" for f in missed))
        http = [f for f in self.failures if f["Method"] in ("GET", "POST")]
        outside = [f for f in http if not split(f["Name"])[1]]
        out["no failed request outside the fault windows"] = (not outside, describe(outside))
        tags = {WINDOWS[k] for k in self.planned}
        for tag in sorted(tags & PLANNED):
            lost = [f for f in http if split(f["Name"])[1] == tag]
            out[f"planned stop ({tag}): no request lost"] = (not lost, describe(lost))
        for tag in sorted(tags & UNPLANNED):
            lost = [f for f in http if split(f["Name"])[1] == tag]
            gets = [f for f in lost if f["Method"] != "POST"]
            out[f"unplanned stop ({tag}): only POSTs nginx could not retry were lost, listed"] = (
                not gets, f"{sum(int(f['Occurrences']) for f in lost)} lost, all listed: {describe(lost)}")
        if "redis" in self.planned:
            lost = [f for f in http if split(f["Name"])[1] == "redis down"]
            out["Redis away: no request failed"] = (not lost, describe(lost))
        journeys = self.of("JOURNEY")
        broken = self.failed("JOURNEY")
        out["every journey completed"] = (
            bool(journeys) and not broken,
            f"{sum(int(r['Request Count']) for r in journeys)} journeys" + "".join(
                f"; FAILED {f['Occurrences']} x {f['Name']}: {error(f['Error'])}" for f in broken))
        foreign = [f for f in broken if "foreign session" in f["Error"]]
        out["no session seen by another parent"] = (not foreign, describe(foreign))
        kinds = {r["Name"]: r for r in self.of("KIND")}
        for kind, during in self.app2_down.items():
            out[f"nginx: app2 answered nothing while down ({kind})"] = (during == 0, f"{during} requests")
        for kind, target in (("page", page_p95), ("fragment", fragment_p95)):
            p95 = number(kinds[kind]["95%"]) if kind in kinds else float("nan")
            out[f"p95 of {kind}s outside the fault windows <= {target:.0f} ms"] = (p95 <= target,
                                                                                  f"{p95:.0f} ms")
        return out

    # -- nginx's view -------------------------------------------------------------------------
    def nginx(self) -> tuple[list[str], dict[str, int]]:
        """Which app server answered each parent (by client address), and how many requests
        app2 answered while a fault had it down (by fault)."""
        log = Path(self.stack.get("STACK_DIR", "-")) / "logs" / "nginx-access.log"
        if not log.exists():
            return [], {}
        stamps = [int(r["Timestamp"]) for r in self.history]
        first, last = (min(stamps), max(stamps) + 1) if stamps else (0, 0)
        lines = []
        for raw in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(raw)
            at = datetime.fromisoformat(entry["time"]).timestamp()
            if first <= at <= last and entry["client"].startswith("127.10."):
                lines.append((at, entry))
        servers = sorted({e["upstream"].split(", ")[-1] for _, e in lines if e["upstream"]})
        letter = {server: chr(65 + i) for i, server in enumerate(servers)}
        by_parent: dict[str, list[str]] = defaultdict(list)
        for _, e in lines:
            if e["upstream"] and not e["path"].startswith("/sandbox/"):
                by_parent[e["client"]].append(letter[e["upstream"].split(", ")[-1]])
        both = [seq for seq in by_parent.values() if len(set(seq)) > 1]
        example = max(both, key=len, default=[])
        out = [f"nginx: {len(lines)} requests of parents; {len(both)} of {len(by_parent)} parents were "
               f"served by more than one app server ({', '.join(f'{v}={k}' for k, v in letter.items())})"]
        if example:
            out.append(f"  e.g. one parent's requests in order: {''.join(example[:60])}")
        app2 = f"127.0.0.1:{self.stack['APP2_PORT']}"
        down: dict[str, int] = {}
        for kind in ("drain", "kill", "term"):
            steps = [t for t in self.timeline if t["kind"] == kind]
            stopped = next((t for t in steps if "stopped" in t["text"] or "killed" in t["text"]), None)
            ready = next((t for t in steps if "ready" in t["text"]), None)
            if stopped is None or ready is None:
                continue
            down_from, down_to = wall(stopped["when"]) + 1, wall(ready["when"]) - 1
            during = sum(1 for at, e in lines if down_from <= at <= down_to and e["upstream"].endswith(app2))
            back = wall(ready["when"])
            again = [at for at, e in lines if at > back and e["upstream"].split(", ")[-1] == app2]
            out.append(f"  {WINDOWS[kind]}: app2 answered {during} requests while down"
                       + (f"; served again {min(again) - back:.1f} s after it was ready" if again else
                          "; did not serve again before the run ended"))
            down[kind] = during
        return out, down


def wall(when: str) -> float:
    """Locust's log time (local) as a Unix time."""
    return datetime.strptime(when, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def error(text: str) -> str:
    """Locust keeps an exception's repr: "CatchResponseError('HTTP 503')" -> "HTTP 503"."""
    found = re.fullmatch(r"\w+\(([\'\"])(.*)\1\)", text)
    return found.group(2) if found else text


def describe(failures: list[dict[str, str]]) -> str:
    return "none" if not failures else "; ".join(
        f"{f['Occurrences']} x {f['Method']} {f['Name']}: {error(f['Error'])}" for f in failures)


def report(run: Run, verdicts: dict[str, tuple[bool, str]]) -> str:
    count, seconds, peak = run.requests()
    lines = [f"== load run {run.folder.name}: {count} requests to the app in {seconds:.0f} s "
             f"({count / max(seconds, 1):.1f} req/s on average, {peak:.1f} req/s in the busiest 10 s)", "",
             "Per kind of request, outside the fault windows (ms)",
             f"  {'kind':10} {'n':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'failed':>6}"]
    kinds = {r["Name"]: r for r in run.of("KIND")}
    for kind in KINDS:
        if kind in kinds:
            r = kinds[kind]
            lines.append(f"  {kind:10} {r['Request Count']:>6} {r['50%']:>6} {r['95%']:>6} {r['99%']:>6} "
                         f"{number(r['Max Response Time']):>6.0f} {r['Failure Count']:>6}")
    lines += ["", "Per step, outside the fault windows (ms)",
              f"  {'step':34} {'n':>6} {'p50':>6} {'p95':>6} {'p99':>6}"]
    for r in sorted((r for r in run.stats if r["Type"] in ("GET", "POST") and not split(r["Name"])[1]),
                    key=lambda r: r["Name"]):
        lines.append(f"  {r['Name']:34} {r['Request Count']:>6} {r['50%']:>6} {r['95%']:>6} {r['99%']:>6}")
    lines += ["", "Journeys (s)"]
    for r in run.of("JOURNEY"):
        lines.append(f"  {r['Name']:10} {r['Request Count']:>5} done, {r['Failure Count']} failed; "
                     f"median {number(r['50%']) / 1000:.0f} s")
    lines += ["", "Faults"] + [f"  t+{float(t['t']):6.1f}s  {t['kind']}: {t['text']}" for t in run.timeline]
    for tag in sorted({split(r["Name"])[1] for r in run.of("KIND")} - {""}):
        inside = [r for r in run.of("KIND")
                  if split(r["Name"])[1] == tag and not r["Name"].startswith("sandbox")]
        pages = next((r for r in inside if split(r["Name"])[0] == "page"), None)
        lines.append(f"  -- {tag}: {sum(int(r['Request Count']) for r in inside)} requests, "
                     f"{sum(int(r['Failure Count']) for r in inside)} failed"
                     + (f"; pages p50 {pages['50%']} ms, p95 {pages['95%']} ms" if pages else ""))
        for f in run.failed(tag=tag):
            if f["Method"] in ("GET", "POST"):
                step = split(f["Name"])[0]
                lines.append(f"     {f['Occurrences']:>4} x {f['Method']} {step}: {error(f['Error'])}")
    lines += [""] + run.nginx_lines
    lines += ["", "Verdicts"] + [f"  [{'ok' if ok else 'FAIL'}] {name}: {detail}"
                                 for name, (ok, detail) in verdicts.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--faults", default="none", help="the plan the run was given (kind:at:down,...)")
    parser.add_argument("--stack-env", type=Path, help="the stack's stack.env: its nginx log is read too")
    parser.add_argument("--page-p95", type=float, default=300.0, help="ms")
    parser.add_argument("--fragment-p95", type=float, default=300.0, help="ms")
    args = parser.parse_args(argv)
    stack = {}
    if args.stack_env is not None:
        pairs = (line.split("=", 1) for line in args.stack_env.read_text(encoding="utf-8").splitlines()
                 if line and not line.startswith("#"))
        stack = {name: value for name, value in pairs}
    run = Run(args.folder, args.faults, stack)
    verdicts = run.verdicts(args.page_p95, args.fragment_p95)
    text = report(run, verdicts)
    print(text)
    (args.folder / "report.txt").write_text(text + "\n", encoding="utf-8")
    summary: dict[str, Any] = {name: {"ok": ok, "detail": detail} for name, (ok, detail) in verdicts.items()}
    (args.folder / "verdicts.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1),
                                               encoding="utf-8")
    return 0 if all(ok for ok, _ in verdicts.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
