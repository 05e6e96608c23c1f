from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.helpers import Browser, make_app


@pytest.fixture
def app() -> Iterator[Flask]:
    yield make_app()


@pytest.fixture
def web(app: Flask) -> Browser:
    return Browser(app)


@pytest.fixture(params=["ru", "kk"])
def lang(request: pytest.FixtureRequest) -> str:
    return request.param
