from __future__ import annotations

import io
import json
import logging
import os
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from tests import servers
from tests.helpers import (AIGERIM_PASSWORD, ERLAN_PASSWORD, GULNAR_PASSWORD, NEW_PASSWORD, Browser, make_app)
from webapp.observability import QUIET_LOGGERS, json_handler
from webapp.services import iin as iin_rules


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



# What no log line may hold (contract, "Operations"): a full phone number, an IIN (logs carry a
# keyed pseudonym), a link's token, a demo password. Codes are checked where they are known
# (test_logs.py): any 6 digits would be too broad here.
PHONE_IN_LOG = re.compile(r"(?<![0-9])\+?7[0-9]{10}(?![0-9])")
DIGITS_12 = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
LINK_TOKEN = re.compile(r"/r/[A-Za-z0-9_-]{16,}")
PASSWORDS = (AIGERIM_PASSWORD, ERLAN_PASSWORD, GULNAR_PASSWORD, NEW_PASSWORD)
NOT_SCANNED = {"time"}
# Random hex (request ids, namespaces, keyed pseudonyms) may hold 11 or 12 digits in a row.
HEX_ID = re.compile(r"[0-9a-f]{16,}")


def leaks(line: str) -> list[str]:
    try:
        fields = {k: v for k, v in json.loads(line).items() if k not in NOT_SCANNED}
    except ValueError:
        fields = {"line": line}
    text = HEX_ID.sub("<hex>", json.dumps(fields, ensure_ascii=False))
    found = PHONE_IN_LOG.findall(text) + LINK_TOKEN.findall(text)
    found += [d for d in DIGITS_12.findall(text) if not iin_rules.validate(d)[1]]
    found += [p for p in PASSWORDS if p in text]
    return found


def _as_the_app_logs(record: logging.LogRecord) -> bool:
    """What configure_logging lets through: the quiet libraries' warnings only (a test's own
    HTTP server, werkzeug, logs every URL it serves at INFO)."""
    return record.levelno >= logging.WARNING or not record.name.startswith(QUIET_LOGGERS)


@pytest.fixture(autouse=True)
def _no_secret_in_any_log_line(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every log line any test of this suite makes, as the app writes it (JSON), is scanned."""
    stream = io.StringIO()
    handler = json_handler(stream)
    handler.addFilter(_as_the_app_logs)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    found = {line: leaks(line) for line in stream.getvalue().splitlines()}
    bad = {line: what for line, what in found.items() if what}
    assert not bad, "log lines with a phone, IIN, link token or password:\n" + "\n".join(
        f"{what}: {line}" for line, what in bad.items())
