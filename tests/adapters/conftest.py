"""Fixtures of the contract suite: the fake servers (one per session, reset for each
test) and the subjects, each adapter with its fake and the sandbox's fake of its port.

A subject whose `fake` is None is the sandbox's gateway: it has no network, so the
cases about timeouts, HTTP statuses and odd answers are not parametrized over it.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from tests.adapters.fakes import FakeFcm, FakeRegistry, FakeSmsc, ServiceAccount, registry_app
from webapp.adapters.fcm import FcmPush
from webapp.adapters.registry_http import HttpRegistry
from webapp.adapters.sms_smsc import SmscSms
from webapp.sandbox.fake_gateways import SandboxPush, SandboxRegistry, SandboxSms
from webapp.services.gateways import PushGateway, Registry, SmsGateway


@pytest.fixture(scope="session")
def smsc_server() -> Iterator[FakeSmsc]:
    server = FakeSmsc()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def service_account() -> ServiceAccount:
    return ServiceAccount()


@pytest.fixture(scope="session")
def fcm_server(service_account: ServiceAccount) -> Iterator[FakeFcm]:
    server = FakeFcm(service_account)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def registry_flask_app() -> Flask:
    return registry_app()


@pytest.fixture(scope="session")
def registry_server(registry_flask_app: Flask) -> Iterator[FakeRegistry]:
    server = FakeRegistry(registry_flask_app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smsc(smsc_server: FakeSmsc) -> Iterator[FakeSmsc]:
    smsc_server.reset()
    yield smsc_server
    smsc_server.reset()


@pytest.fixture
def fcm(fcm_server: FakeFcm) -> Iterator[FakeFcm]:
    fcm_server.reset()
    yield fcm_server
    fcm_server.reset()


@pytest.fixture
def fake_registry(registry_server: FakeRegistry) -> Iterator[FakeRegistry]:
    registry_server.reset()
    yield registry_server
    registry_server.reset()


@pytest.fixture
def key_file(tmp_path: Path, fcm: FakeFcm, service_account: ServiceAccount) -> Path:
    """The service account's JSON key, its token_uri pointing at the fake."""
    return service_account.write(tmp_path / "service-account.json", fcm.token_uri)


@pytest.fixture
def fcm_settings(key_file: Path, fcm: FakeFcm) -> dict[str, object]:
    return {"FCM_CREDENTIALS_FILE": str(key_file), "FCM_API_URL": fcm.url(), "FCM_TIMEOUT_SECONDS": 0.5}


@dataclass
class SmsSubject:
    gateway: SmsGateway
    fake: FakeSmsc | None


@dataclass
class PushSubject:
    gateway: PushGateway
    fake: FakeFcm | None


@dataclass
class RegistrySubject:
    gateway: Registry
    fake: FakeRegistry | None


@pytest.fixture
def sms(request: pytest.FixtureRequest, smsc: FakeSmsc) -> SmsSubject:
    if request.param == "smsc":
        return SmsSubject(SmscSms(smsc.settings()), smsc)
    return SmsSubject(SandboxSms({}), None)


@pytest.fixture
def push(request: pytest.FixtureRequest, fcm: FakeFcm, fcm_settings: dict[str, object]) -> PushSubject:
    if request.param == "fcm":
        return PushSubject(FcmPush(fcm_settings), fcm)
    return PushSubject(SandboxPush({}), None)


@pytest.fixture
def registry(request: pytest.FixtureRequest, fake_registry: FakeRegistry,
             registry_flask_app: Flask) -> Iterator[RegistrySubject]:
    if request.param == "http":
        yield RegistrySubject(HttpRegistry(fake_registry.settings()), fake_registry)
        return
    with registry_flask_app.app_context():   # the sandbox's registry reads the request's database
        yield RegistrySubject(SandboxRegistry({}), None)
