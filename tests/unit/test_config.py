"""Production refuses what is only safe on a developer's machine, naming the setting."""
from __future__ import annotations

import pytest

from webapp import config

SAFE = {
    "PRODUCTION": "1", "SECRET_KEY": "k3J9qP2vX7mN4bT8wR1yZ6cF5hL0dG2sA9eU", "DATABASE_URL": "postgresql+psycopg://db/ed24",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "TRUSTED_HOSTS": "cabinet.example.kz", "TRUSTED_PROXIES": "1",
    "APP_NOTIFIER": "ed24_adapters.push:Push", "SMS_GATEWAY": "ed24_adapters.sms:Sms",
    "REGISTRY": "ed24_adapters.registry:Registry",
}


def problems(**changes: str | None) -> list[str]:
    env = {k: v for k, v in {**SAFE, **changes}.items() if v is not None}
    settings = config.from_environment(env)
    config.complete(settings)
    return config.problems(settings) + config.production_problems(settings)


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
    ({"TRUSTED_PROXIES": None}, "TRUSTED_PROXIES"),
    ({"SECRET_KEY": "s" * 40}, "SECRET_KEY"),
    ({"SESSION_COOKIE_SECURE": "0"}, "SESSION_COOKIE_SECURE"),
    ({"RATELIMIT_ENABLED": "0"}, "RATELIMIT_ENABLED"),
    ({"DATABASE_URL": None}, "DATABASE_URL"),
])
def test_each_unsafe_setting_is_refused_by_name(changes: dict, setting: str) -> None:
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(f"{setting}:"), found


def test_a_load_test_stack_may_allow_the_sandbox_but_needs_an_api_token() -> None:
    sandbox = {"SANDBOX": "1", "ALLOW_SANDBOX_IN_PRODUCTION": "1", "APP_NOTIFIER": None,
               "SMS_GATEWAY": None, "REGISTRY": None, "SESSION_COOKIE_SECURE": "0"}
    assert [p.split(":")[0] for p in problems(**sandbox)] == ["SANDBOX_API_TOKEN"]
    assert problems(**sandbox, SANDBOX_API_TOKEN="t" * 20) == []


def test_create_app_refuses_and_says_why(monkeypatch) -> None:
    from webapp import create_app

    with pytest.raises(config.UnsafeConfiguration, match="TRUSTED_HOSTS"):
        create_app({**config.from_environment({**SAFE, "TRUSTED_HOSTS": ""}), "DATABASE_URL": "sqlite://"})


def test_the_sandbox_is_on_only_when_asked_for() -> None:
    settings = config.from_environment({"SANDBOX": "1"})
    config.complete(settings)
    assert settings["SANDBOX"] and settings["DATABASE_URL"].startswith("sqlite:///")
    assert settings["APP_NOTIFIER"] == "webapp.sandbox.gateways:SandboxNotifier"
    assert settings["SECRET_KEY"] and config.problems(settings) == []
    bare = config.from_environment({"DATABASE_URL": "postgresql+psycopg://db/ed24"})
    assert not bare["SANDBOX"] and not bare["SECRET_KEY"]
    assert [p.split(":")[0] for p in config.problems(bare)] == ["SECRET_KEY", "APP_NOTIFIER", "SMS_GATEWAY",
                                                                "REGISTRY"]


def test_off_production_only_loopback_hosts_are_answered() -> None:
    assert config.from_environment({"SANDBOX": "1"})["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1", "::1", "[::1]"]
    assert config.from_environment({**SAFE})["TRUSTED_HOSTS"] == ["cabinet.example.kz"]


def test_https_cookies_carry_the_host_prefix() -> None:
    settings = config.from_environment(SAFE)
    assert settings["SESSION_COOKIE_NAME"] == "__Host-ed24_session"
    assert settings["KNOWN_DEVICE_COOKIE"] == "__Host-ed24_device"


def test_a_zero_address_limit_is_refused() -> None:
    settings = config.from_environment({"SANDBOX": "1", "SIGNIN_FAILURES_PER_ADDRESS": "0"})
    config.complete(settings)
    assert config.problems(settings) == ["SIGNIN_FAILURES_PER_ADDRESS: must be at least 1"]
