from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask

from tests import servers
from tests.helpers import Browser, make_app


@pytest.fixture(scope="session", autouse=True)
def _test_database() -> Iterator[None]:
    """TEST_DATABASE=postgres: this run's integration tests go to a throwaway PostgreSQL."""
    if os.environ.get("TEST_DATABASE") != "postgres":
        yield
        return
    with servers.postgres() as url:
        os.environ["TEST_DATABASE_URL"] = url
        yield
        del os.environ["TEST_DATABASE_URL"]


@pytest.fixture
def app() -> Iterator[Flask]:
    application = make_app()
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def web(app: Flask) -> Browser:
    return Browser(app)


@pytest.fixture(params=["ru", "kk"])
def lang(request: pytest.FixtureRequest) -> str:
    return request.param
