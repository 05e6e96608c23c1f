"""The production stack, short: it runs in .ci/run AFTER make test (make test-long), never
in make test (marked `stack`: `pytest -m stack tests/stack`; any other run deselects it).

`make stack`, `make load` with about 20 parents and app server 2 stopped twice (drained
first, as a deploy does; then killed, as a crash does), `make stack-stop`, each in a
temporary STACK_DIR: the same targets and files an operator uses. Needs Debian's nginx,
postgresql, redis-server and supervisor (make stack installs what is missing). About
two minutes.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAULTS = "drain:12:8,kill:32:8"
pytestmark = pytest.mark.stack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    print(done.stdout[-6000:], done.stderr[-3000:])
    return done


@pytest.fixture(scope="module")
def run() -> Iterator[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="ed24-stack-"))
    folder.chmod(0o755)  # PostgreSQL runs as "postgres": it must reach its data directory
    stack = f"STACK_DIR={folder / 'stack'}"
    try:
        started = make("stack", stack, f"STACK_PORT={free_port()}", "STACK_ARGS=--fast")
        assert started.returncode == 0, started.stdout + started.stderr
        assert "The stack is up: http://127.0.0.1:" in started.stdout
        loaded = make("load", stack, f"LOAD_DIR={folder / 'load'}", "PARENTS=20", "RAMP=6", "DURATION=55",
                      f"FAULTS={FAULTS}", "MIX=50,30,20", "SEED=13")
        verdicts = json.loads((folder / "load" / "verdicts.json").read_text(encoding="utf-8"))
        report = (folder / "load" / "report.txt").read_text(encoding="utf-8")
        yield {"verdicts": verdicts, "report": report, "status": loaded.returncode}
    finally:
        make("stack-stop", stack)
        shutil.rmtree(folder, ignore_errors=True)


def verdict(run: dict[str, Any], starts: str) -> dict[str, Any]:
    found = [v for name, v in run["verdicts"].items() if name.startswith(starts)]
    assert len(found) == 1, f"no verdict {starts!r}:\n{run['report']}"
    return found[0]


@pytest.mark.parametrize("name", [
    "every planned fault injected in its window",
    "no failed request outside the fault windows",
    "planned stop (app2 drained): no request lost",
    "unplanned stop (app2 killed): only POSTs nginx could not retry were lost",
    "every journey completed",
    "no session seen by another parent",
    "nginx: app2 answered nothing while down (drain)",
    "nginx: app2 answered nothing while down (kill)",
])
def test_verdict(run: dict[str, Any], name: str) -> None:
    assert verdict(run, name)["ok"], run["report"]


def test_parents_alternate_between_the_app_servers(run: dict[str, Any]) -> None:
    assert "parents were served by more than one app server" in run["report"]
    line = next(x for x in run["report"].splitlines() if "served by more than one app server" in x)
    both, parents = (int(n) for n in line.split("; ")[1].split(" parents")[0].split(" of "))
    assert parents >= 15 and both >= parents // 2, run["report"]


def test_make_load_exits_by_its_verdicts(run: dict[str, Any]) -> None:
    assert run["status"] == (0 if all(v["ok"] for v in run["verdicts"].values()) else 2), run["report"]
