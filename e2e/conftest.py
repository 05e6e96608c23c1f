"""Browser tests: Debian's Chromium (never a downloaded browser), a live server with
sandbox data, a phone-sized viewport."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.helpers import DEMO_DATA
from webapp import create_app
from webapp.config import TestConfig
from webapp.db import new_session
from webapp.models import Base
from webapp.sandbox.loader import load
from webapp.services.clock import OffsetClock

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], playwright: Any) -> dict[str, Any]:
    return {**browser_context_args, **playwright.devices["Pixel 7"]}


@dataclass
class LiveServer:
    url: str
    app: Flask

    @property
    def clock(self) -> OffsetClock:
        return self.app.extensions["clock"]

    def reset(self) -> None:
        """Fresh demo data and clock for the next test."""
        self.clock.offset = type(self.clock.offset)(0)
        with new_session(self.app) as db:
            load(db, DEMO_DATA, self.clock.now())


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db_file = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(DATABASE_URL=f"sqlite:///{db_file}", TESTING=False)
    app = create_app(config)
    app.extensions["clock"] = OffsetClock()
    Base.metadata.create_all(app.extensions["db_engine"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(autouse=True)
def _fresh_data(live_server: LiveServer) -> None:
    live_server.reset()


@pytest.fixture
def no_js_page(browser: Any, playwright: Any, base_url: str) -> Iterator[Any]:
    """A phone-sized page with JavaScript switched off: plain forms, full pages."""
    context = browser.new_context(**playwright.devices["Pixel 7"], java_script_enabled=False,
                                  base_url=base_url)
    yield context.new_page()
    context.close()
