"""Configuration is parsed strictly, and production refuses what is only safe on a developer's
machine, naming the setting."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from webapp import config

SAFE = {
    "PRODUCTION": "1", "SECRET_KEY": "k3J9qP2vX7mN4bT8wR1yZ6cF5hL0dG2sA9eU",
    "PSEUDONYM_KEY": "p7Rt2WmQ9xLc4Vb8Nk1Zs6Hd3Jf0Gy5Ae", "OUTBOX_KEY": Fernet.generate_key().decode(),
    "PUBLIC_ORIGIN": "https://cabinet.example.kz", "DATABASE_URL": "postgresql+psycopg://db/ed24",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "TRUSTED_HOSTS": "cabinet.example.kz", "TRUSTED_PROXIES": "1",
    "PUSH_GATEWAY": "webapp.adapters.fcm:FcmPush", "SMS_GATEWAY": "webapp.adapters.sms_smsc:SmscSms",
    "REGISTRY": "webapp.adapters.registry_http:HttpRegistry",
}
FLAGS = ["PRODUCTION", "SANDBOX", "SESSION_COOKIE_SECURE", "OUTBOX_INPROCESS", "ALLOW_SANDBOX_IN_PRODUCTION",
         "RATELIMIT_ENABLED"]
TRUE, FALSE = ["1", "true", "yes", "on"], ["0", "false", "no", "off"]


def settings_of(env: dict[str, str]) -> dict:
    settings = config.from_environment(env)
    config.complete(settings)
    return settings


def problems(**changes: str | None) -> list[str]:
    env = {k: v for k, v in {**SAFE, **changes}.items() if v is not None}
    settings = settings_of(env)
    return config.problems(settings) + config.production_problems(settings)


def named(found: list[str]) -> set[str]:
    return {line.split(":", 1)[0] for line in found}


def test_a_complete_production_configuration_passes() -> None:
    assert problems() == []
    config.check(settings_of(SAFE))


@pytest.mark.parametrize("changes, setting", [
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"SECRET_KEY": "s" * 40}, "SECRET_KEY"),
    ({"SECRET_KEY": config.DEV_KEY}, "SECRET_KEY"),
    ({"PSEUDONYM_KEY": None}, "PSEUDONYM_KEY"),
    ({"OUTBOX_KEY": None}, "OUTBOX_KEY"),
    ({"OUTBOX_KEY": "not a fernet key"}, "OUTBOX_KEY"),
    ({"OUTBOX_KEY_FALLBACKS": "not a fernet key"}, "OUTBOX_KEY_FALLBACKS"),
    ({"PUBLIC_ORIGIN": None}, "PUBLIC_ORIGIN"),
    ({"PUBLIC_ORIGIN": "http://cabinet.example.kz"}, "PUBLIC_ORIGIN"),
    ({"PUBLIC_ORIGIN": "cabinet.example.kz"}, "PUBLIC_ORIGIN"),
    ({"SANDBOX": "1"}, "SANDBOX"),
    ({"PUSH_GATEWAY": None}, "PUSH_GATEWAY"),
    ({"SMS_GATEWAY": "webapp.sandbox.fake_gateways:SandboxSms"}, "SMS_GATEWAY"),
    ({"REGISTRY": None}, "REGISTRY"),
    ({"RATELIMIT_STORAGE_URI": None}, "RATELIMIT_STORAGE_URI"),
    ({"RATELIMIT_STORAGE_URI": " MEMORY:// "}, "RATELIMIT_STORAGE_URI"),
    ({"RATELIMIT_STORAGE_URI": "Memory://"}, "RATELIMIT_STORAGE_URI"),
    ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS"),
    ({"TRUSTED_PROXIES": None}, "TRUSTED_PROXIES"),
    ({"SESSION_COOKIE_SECURE": "0"}, "SESSION_COOKIE_SECURE"),
    ({"RATELIMIT_ENABLED": "off"}, "RATELIMIT_ENABLED"),
    ({"DATABASE_URL": None}, "DATABASE_URL"),
    ({"DATABASE_URL": " SQLite:///prod.db"}, "DATABASE_URL"),
    ({"OUTBOX_INPROCESS": "yes"}, "OUTBOX_INPROCESS"),
])
def test_each_unsafe_setting_is_refused_by_name(changes: dict, setting: str) -> None:
    found = problems(**changes)
    assert found and named(found) == {setting}, found


def test_check_refuses_to_start_and_names_every_problem() -> None:
    env = {**SAFE, "PUBLIC_ORIGIN": "http://x", "RATELIMIT_STORAGE_URI": " MEMORY:// ", "SANDBOX": "maybe"}
    with pytest.raises(config.UnsafeConfiguration) as refused:
        config.check(config.from_environment(env))
    for setting in ("PUBLIC_ORIGIN", "RATELIMIT_STORAGE_URI", "SANDBOX"):
        assert f"\n  {setting}:" in str(refused.value)


def test_a_load_test_stack_may_allow_the_sandbox_but_needs_an_api_token() -> None:
    sandbox = {"SANDBOX": "1", "ALLOW_SANDBOX_IN_PRODUCTION": "1", "PUSH_GATEWAY": None,
               "SMS_GATEWAY": None, "REGISTRY": None, "SESSION_COOKIE_SECURE": "0"}
    assert named(problems(**sandbox)) == {"SANDBOX_API_TOKEN"}
    assert problems(**sandbox, SANDBOX_API_TOKEN="t" * 20) == []


def test_create_app_refuses_and_says_why() -> None:
    from webapp import create_app

    with pytest.raises(config.UnsafeConfiguration, match="TRUSTED_HOSTS"):
        create_app({**config.from_environment({**SAFE, "TRUSTED_HOSTS": ""}), "DATABASE_URL": "sqlite://"})


# -- flags and numbers, strictly ---------------------------------------------------------------

def any_case(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*[st.sampled_from(sorted({ch.lower(), ch.upper()})) for ch in word]).map("".join)


@given(flag=st.sampled_from(FLAGS), value=st.sampled_from([(w, True) for w in TRUE] + [(w, False) for w in FALSE])
       .flatmap(lambda pair: st.tuples(any_case(pair[0]), st.just(pair[1]))),
       pad=st.sampled_from(["", " ", "\t", "  \n"]))
def test_every_flag_spelling_is_accepted_in_any_case(flag: str, value: tuple[str, bool], pad: str) -> None:
    spelling, meaning = value
    settings = config.from_environment({flag: f"{pad}{spelling}{pad}"})
    assert settings[flag] is meaning
    assert settings["_PROBLEMS"] == []


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("value", ["Y", "2", "maybe", "n", "tru", "enabled", "1.0", "да", "ИСТИНА", "0x1"])
def test_anything_else_refuses_the_start_naming_the_variable(flag: str, value: str) -> None:
    settings = config.from_environment({"SANDBOX": "1", flag: value})
    assert [line.split(":")[0] for line in settings["_PROBLEMS"]] == [flag]
    assert repr(value) in settings["_PROBLEMS"][0]
    with pytest.raises(config.UnsafeConfiguration, match=f"\n  {flag}: "):
        config.check(settings)


def test_an_empty_flag_is_the_default() -> None:
    assert config.from_environment({"RATELIMIT_ENABLED": "  "})["RATELIMIT_ENABLED"] is True
    assert config.from_environment({"PRODUCTION": ""})["PRODUCTION"] is False


@pytest.mark.parametrize("value", ["0", "-1", "1e3", "3.5", "３０", "ten", "0x10"])
def test_a_number_that_is_not_one_is_refused(value: str) -> None:
    settings = config.from_environment({"SANDBOX": "1", "SIGNIN_FAILURES_PER_ADDRESS": value})
    config.complete(settings)
    assert named(config.problems(settings)) == {"SIGNIN_FAILURES_PER_ADDRESS"}


def test_numbers_are_trimmed() -> None:
    settings = config.from_environment({"SESSION_LIFETIME_MINUTES": " 45 ", "RECOVERY_STARTS_PER_ADDRESS": "40"})
    assert settings["SESSION_LIFETIME_MINUTES"] == 45 and settings["_PROBLEMS"] == []


def test_address_limits_from_configuration_size_the_table() -> None:
    from webapp.web.deps import policy

    settings = settings_of({"SANDBOX": "1", "RECOVERY_STARTS_PER_ADDRESS": "40", "SMS_BUDGET_PER_HOUR": "500",
                            "OUTBOX_MAX_AGE_MINUTES": "90"})
    table = policy(SimpleNamespace(config=settings))
    assert table.limits.recovery_starts_per_address.max == 40 and table.limits.sms_budget.max == 500
    assert table.limits.wrong_codes_per_address.max == 20  # not set: the default
    assert table.outbox_max_age.total_seconds() == 90 * 60


@pytest.mark.parametrize("uri, scheme", [("memory://", "memory"), (" MEMORY:// ", "memory"),
                                         ("Redis://h:6379", "redis"), ("rediss://h", "rediss"),
                                         ("postgresql+psycopg://db/x", "postgresql+psycopg"), ("", "")])
def test_storage_uris_are_judged_by_scheme(uri: str, scheme: str) -> None:
    assert config.scheme(uri) == scheme


# -- the embedded default ---------------------------------------------------------------------

def test_the_sandbox_is_on_only_when_asked_for() -> None:
    settings = settings_of({"SANDBOX": "1"})
    assert settings["SANDBOX"] and settings["DATABASE_URL"].startswith("sqlite:///")
    assert settings["PUSH_GATEWAY"] == "webapp.sandbox.fake_gateways:SandboxPush"
    assert settings["SECRET_KEY"] and config.problems(settings) == []
    bare = settings_of({"DATABASE_URL": "postgresql+psycopg://db/ed24"})
    assert not bare["SANDBOX"] and not bare["SECRET_KEY"]
    assert [p.split(":")[0] for p in config.problems(bare)] == ["SECRET_KEY", "SMS_GATEWAY", "PUSH_GATEWAY",
                                                                "REGISTRY", "OUTBOX_KEY"]


def test_off_production_the_outbox_key_comes_from_the_secret_key() -> None:
    from webapp.services.outbox import FernetSealer

    settings = settings_of({"SANDBOX": "1", "SECRET_KEY": "a developer's key"})
    sealer = FernetSealer([settings["OUTBOX_KEY"]])
    assert sealer.open(sealer.seal({"code": "123456"})) == {"code": "123456"}
    assert settings_of({"SANDBOX": "1", "SECRET_KEY": "another"})["OUTBOX_KEY"] != settings["OUTBOX_KEY"]
    assert not settings_of({**SAFE, "OUTBOX_KEY": ""}).get("OUTBOX_KEY")  # never derived in production


def test_off_production_links_point_at_the_local_site() -> None:
    assert config.from_environment({"SANDBOX": "1"})["PUBLIC_ORIGIN"] == "http://127.0.0.1:5000"
    assert config.from_environment({**SAFE, "PUBLIC_ORIGIN": "https://x.kz/"})["PUBLIC_ORIGIN"] == "https://x.kz"


def test_off_production_only_loopback_hosts_are_answered() -> None:
    assert config.from_environment({"SANDBOX": "1"})["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1", "::1", "[::1]"]
    assert config.from_environment({**SAFE})["TRUSTED_HOSTS"] == ["cabinet.example.kz"]


def test_https_cookies_carry_the_host_prefix() -> None:
    settings = config.from_environment(SAFE)
    assert settings["SESSION_COOKIE_NAME"] == "__Host-ed24_session"
    assert settings["KNOWN_DEVICE_COOKIE"] == "__Host-ed24_device"
    assert config.from_environment({"SANDBOX": "1"})["SESSION_COOKIE_NAME"] == "ed24_session"


def test_production_delivers_in_a_worker_of_its_own_by_default() -> None:
    assert config.from_environment(SAFE)["OUTBOX_INPROCESS"] is False
    assert config.from_environment({"SANDBOX": "1"})["OUTBOX_INPROCESS"] is True


def test_adapter_settings_pass_through() -> None:
    settings = config.from_environment({"SMSC_LOGIN": "ed24", "FCM_PROJECT_ID": "p", "REGISTRY_URL": "https://r",
                                        "UNRELATED": "x"})
    assert (settings["SMSC_LOGIN"], settings["FCM_PROJECT_ID"], settings["REGISTRY_URL"]) == ("ed24", "p", "https://r")
    assert "UNRELATED" not in settings
