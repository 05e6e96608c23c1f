"""Production refuses what is only safe on a developer's machine, naming the setting."""
from __future__ import annotations

import pytest

from webapp import config

SAFE = {
    "PRODUCTION": "1", "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql+psycopg://db/ed24",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "TRUSTED_HOSTS": "cabinet.example.kz",
    "APP_NOTIFIER": "ed24_adapters.push:Push", "SMS_GATEWAY": "ed24_adapters.sms:Sms",
    "REGISTRY": "ed24_adapters.registry:Registry",
}


def problems(**changes: str | None) -> list[str]:
    env = {k: v for k, v in {**SAFE, **changes}.items() if v is not None}
    return config.production_problems(config.from_environment(env))


def test_a_complete_production_configuration_passes() -> None:
    assert problems() == []


@pytest.mark.parametrize("changes, setting", [
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"SANDBOX": "1"}, "SANDBOX"),
    ({"APP_NOTIFIER": None}, "APP_NOTIFIER"),
    ({"SMS_GATEWAY": "webapp.sandbox.gateways:SandboxSms"}, "SMS_GATEWAY"),
    ({"REGISTRY": None}, "REGISTRY"),
    ({"RATELIMIT_STORAGE_URI": None}, "RATELIMIT_STORAGE_URI"),
    ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS"),
    ({"DATABASE_URL": None}, "DATABASE_URL"),
])
def test_each_unsafe_setting_is_refused_by_name(changes: dict, setting: str) -> None:
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(f"{setting}:"), found


def test_a_load_test_stack_may_allow_the_sandbox_but_needs_an_api_token() -> None:
    sandbox = {"SANDBOX": "1", "ALLOW_SANDBOX_IN_PRODUCTION": "1", "APP_NOTIFIER": None,
               "SMS_GATEWAY": None, "REGISTRY": None}
    assert [p.split(":")[0] for p in problems(**sandbox)] == ["SANDBOX_API_TOKEN"]
    assert problems(**sandbox, SANDBOX_API_TOKEN="t" * 20) == []


def test_create_app_refuses_and_says_why(monkeypatch) -> None:
    from webapp import create_app

    with pytest.raises(config.UnsafeConfiguration, match="TRUSTED_HOSTS"):
        create_app({**config.from_environment({**SAFE, "TRUSTED_HOSTS": ""}), "DATABASE_URL": "sqlite://"})


def test_the_embedded_default_is_sqlite_with_the_sandbox() -> None:
    settings = config.from_environment({})
    assert settings["SANDBOX"] and settings["DATABASE_URL"].startswith("sqlite:///")
    assert settings["APP_NOTIFIER"] == "webapp.sandbox.gateways:SandboxNotifier"
    assert not settings["PRODUCTION"]
