"""Browser tests: Debian's Chromium (never a downloaded browser), a live sandbox server,
a 360×740 phone, with and without JavaScript. Data and clock are reset through the
sandbox API before every test, as a team testing a deployed sandbox would."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from werkzeug.serving import make_server

from e2e.sandbox_api import SandboxApi
from tests.helpers import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, **PHONE}


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db_file = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    app = make_app(f"sqlite:///{db_file}", clock=None, TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def sandbox(base_url: str) -> SandboxApi:
    return SandboxApi(base_url)


@pytest.fixture(autouse=True)
def _fresh_data(sandbox: SandboxApi) -> None:
    sandbox.reset()


@pytest.fixture
def no_js_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A phone-sized page with JavaScript switched off: plain forms, full pages."""
    context = browser.new_context(**PHONE, java_script_enabled=False, base_url=base_url)
    page = context.new_page()
    page.js_enabled = False  # read by the page objects: no script can be evaluated in this page
    yield page
    context.close()


@pytest.fixture(params=["js", "no-js"])
def any_page(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[Page]:
    """The same journey with and without JavaScript."""
    context: BrowserContext = browser.new_context(**PHONE, java_script_enabled=request.param == "js",
                                                  base_url=base_url)
    page = context.new_page()
    page.js_enabled = request.param == "js"
    yield page
    context.close()
