"""The production stack, short: nginx → 2 app servers → PostgreSQL + Redis, ~20 parents, one
app server stopped mid-run (scripts/stack.py, scripts/load.py; `make load` is the long run).

Needs Debian's nginx, postgresql and redis-server (CI installs them); skipped, saying which
is missing, only when a binary is truly absent. Everything it starts lives in a temporary
directory and is stopped at the end, also when an assertion fails. About a minute.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import load  # noqa: E402
import stack as stack_mod  # noqa: E402

missing = stack_mod.missing_packages()
pytestmark = pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)} "
                                "(apt-get install nginx postgresql redis-server)")


@pytest.fixture(scope="module")
def run() -> Iterator[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="ed24-stack-"))
    folder.chmod(0o755)  # PostgreSQL runs as "postgres": it must reach its data directory
    started = None
    try:
        started = stack_mod.start(folder / "stack", port=stack_mod.free_port(), fast_postgres=True, quiet=True)
        opts = load.Options(parents=20, ramp=6, duration=45, faults=("app",), fault_at={"app": 14}, app_down=12,
                            revisit=(6, 10), think=0.6, seed=13, quiet=True)
        result = load.run(started, opts, out=folder / "load")
        result["report"] = load.render(result)
        print(result["report"])
        yield result
    finally:
        if started is not None:  # (a start that failed half-way stopped what it had started)
            started.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_no_5xx_outside_the_stopped_server_window(run: dict[str, Any]) -> None:
    assert run["windows"] and run["windows"][0]["name"].startswith("app server"), run["report"]
    assert run["outside_5xx"] == [], run["report"]


def test_every_journey_completes_and_parents_stay_in_their_own_session(run: dict[str, Any]) -> None:
    roles = run["journeys"]
    assert {"signin", "recovery", "rereg"} <= set(roles), run["report"]
    assert run["failed"] == [], run["report"]
    assert run["foreign"] == [] and run["greetings_checked"] >= 20, run["report"]


def test_a_journey_alternates_app_servers(run: dict[str, Any]) -> None:
    example = run["alternating_example"]
    assert example is not None and example["role"] != "revisit", run["report"]
    assert {"A", "B"} <= set(example["sequence"]), run["report"]
    # Round robin: one parent's consecutive requests land on both servers.
    assert "AB" in example["sequence"] or "BA" in example["sequence"], run["report"]


def test_nginx_routes_around_the_stopped_server_and_back(run: dict[str, Any]) -> None:
    window = run["windows"][0]
    victim = window["servers"][window["victim"]]
    # Whole seconds between "the server is gone" and "it is being started again".
    while_down = [s for s in window["timeline"]
                  if window["down_at"] + 1 <= s["t"] < window["restart_at"] - 1 and s["requests"]]
    assert while_down, run["report"]
    assert all(victim not in s["servers"] for s in while_down), run["report"]
    assert window["victim_serves_again_at"] is not None, run["report"]


def test_integrity_holds(run: dict[str, Any]) -> None:
    failed = [c for c in run["integrity"] if not c["ok"]]
    assert failed == [], run["report"]
