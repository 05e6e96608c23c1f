"""pytest fixtures of the kit (registered through the pytest11 entry point).

    def test_recovery(ns_page, namespace):          # a fresh namespace for this test
        person = namespace.client.person("app_bound")
        ...

Point the kit at a sandbox with --sandbox-url (or ED24_SANDBOX_URL, or pytest-base-url's
--base-url); a token with ED24_SANDBOX_TOKEN. Each test gets a namespace of its own
(deleted after it), so `pytest -n 4` runs never share data, messages, clocks or counts.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from .client import Namespace, SandboxClient


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--sandbox-url", default=None, help="the sandbox's base URL (ed24-testkit)")


@pytest.fixture(scope="session")
def sandbox_url(request: pytest.FixtureRequest) -> str:
    url = request.config.getoption("--sandbox-url") or os.environ.get("ED24_SANDBOX_URL")
    if not url:
        try:
            url = request.getfixturevalue("base_url")  # pytest-base-url (with pytest-playwright)
        except pytest.FixtureLookupError:
            url = None
    if not url:
        raise pytest.UsageError("ed24-testkit: give --sandbox-url, ED24_SANDBOX_URL or --base-url")
    return str(url).rstrip("/")


@pytest.fixture(scope="session")
def sandbox(sandbox_url: str) -> SandboxClient:
    """The sandbox's default data (shared: prefer `namespace`)."""
    return SandboxClient(sandbox_url, os.environ.get("ED24_SANDBOX_TOKEN"))


@pytest.fixture
def namespace(sandbox: SandboxClient) -> Iterator[Namespace]:
    """A namespace of this test's own, with the demo data; deleted afterwards."""
    created = sandbox.create_namespace()
    yield created
    sandbox.delete_namespace(created.id)


@pytest.fixture(scope="session")
def worker_namespace(sandbox: SandboxClient) -> Iterator[Namespace]:
    """One namespace per xdist worker (cheaper than one per test; reset it yourself)."""
    created = sandbox.create_namespace()
    yield created
    sandbox.delete_namespace(created.id)


@pytest.fixture
def ns(namespace: Namespace) -> SandboxClient:
    """The sandbox API inside this test's namespace."""
    return namespace.client


def _enter(context: Any, namespace: Namespace, url: str) -> Any:
    context.add_cookies([namespace.cookie(url)])
    return context


@pytest.fixture
def ns_page(context: Any, namespace: Namespace, sandbox_url: str) -> Any:
    """pytest-playwright's page, living in this test's namespace."""
    _enter(context, namespace, sandbox_url)
    return context.new_page()


@pytest.fixture
def ns_browser_context(browser: Any, browser_context_args: dict[str, Any], namespace: Namespace,
                       sandbox_url: str) -> Iterator[Any]:
    """Another browser (a second phone, or a laptop) in the same namespace."""
    context = browser.new_context(**browser_context_args)
    yield _enter(context, namespace, sandbox_url)
    context.close()


def enter_namespace(context: Any, namespace: Namespace, url: str) -> Any:
    """Put any Playwright browser context into a namespace (its cookie)."""
    return _enter(context, namespace, url)
