"""Browser tests through the test kit (testkit/): Debian's Chromium (never a downloaded
browser), a 360×740 phone, with and without JavaScript, each test in a sandbox namespace of
its own, so `pytest -n 2` runs never share data, messages, clocks or counts.

One sandbox server serves every worker: the first pytest process starts it (flask run with
the sandbox, its outbox worker in-process, a SQLite file of its own) and tells the workers
its URL through the environment.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from ed24_testkit.client import Namespace
from ed24_testkit.plugin import enter_namespace

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
URL_VAR = "ED24_SANDBOX_URL"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server() -> tuple[subprocess.Popen[bytes], str, str]:
    port = _free_port()
    folder = tempfile.mkdtemp(prefix="ed24-e2e-")
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SANDBOX": "1", "DATABASE_URL": f"sqlite:///{folder}/e2e.sqlite3", "PUBLIC_ORIGIN": url,
           "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "OUTBOX_INPROCESS": "1",
           "LOG_LEVEL": "WARNING", "FLASK_APP": "webapp"}
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db-upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "sandbox", "load-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    log = open(Path(folder) / "server.log", "wb")
    server = subprocess.Popen([*flask, "run", "--port", str(port), "--with-threads"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/livez", timeout=1).close()
            return server, url, folder
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the e2e sandbox did not start; see {folder}/server.log")


def pytest_configure(config: pytest.Config) -> None:
    """The first process starts the server; xdist workers inherit its URL."""
    if hasattr(config, "workerinput") or os.environ.get(URL_VAR) or config.getoption("--sandbox-url", None):
        return
    if not any("e2e" in str(arg) for arg in config.args) and config.args:
        return  # not running the browser tests
    server, url, _folder = _start_server()
    os.environ[URL_VAR] = url
    config._ed24_server = server  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    server = getattr(config, "_ed24_server", None)
    if server is not None:
        server.terminate()
        server.wait(10)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def base_url() -> str:
    return os.environ[URL_VAR]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {**browser_context_args, **PHONE, "base_url": base_url}


@pytest.fixture
def page(ns_page: Page) -> Page:
    """Every test's phone lives in the test's own namespace."""
    return ns_page


def _phone(browser: Browser, base_url: str, namespace: Namespace, js: bool) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(**PHONE, java_script_enabled=js, base_url=base_url)
    enter_namespace(context, namespace, base_url)
    page = context.new_page()
    page.js_enabled = js  # type: ignore[attr-defined]  (read by the page objects)
    yield page
    context.close()


@pytest.fixture
def no_js_page(browser: Browser, base_url: str, namespace: Namespace) -> Iterator[Page]:
    """A phone-sized page with JavaScript switched off: plain forms, full pages."""
    yield from _phone(browser, base_url, namespace, js=False)


@pytest.fixture(params=["js", "no-js"])
def any_page(request: pytest.FixtureRequest, browser: Browser, base_url: str, namespace: Namespace) -> Iterator[Page]:
    """The same journey with and without JavaScript."""
    yield from _phone(browser, base_url, namespace, js=request.param == "js")
