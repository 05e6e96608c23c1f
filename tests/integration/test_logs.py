"""Nothing secret reaches the logs: codes, passwords, one-time passwords, full phone numbers."""
from __future__ import annotations

import logging
import re

import pytest

from tests.helpers import (AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, ERLAN, ERLAN_PHONE, MADINA, MADINA_PHONE,
                           NEW_PASSWORD, Browser, latest_code, latest_sms_otp)


def test_flows_leave_no_secrets_in_logs(web: Browser, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [AIGERIM_PASSWORD, NEW_PASSWORD, "Amina!Kezek2026"]
    web.sign_in("ru", AIGERIM, "Wrong!password1")
    web.sign_in("ru", AIGERIM, AIGERIM_PASSWORD)
    web.post("/ru/cabinet/logout")
    web.start_recovery("ru", AIGERIM)
    code = latest_code(web.app, AIGERIM_PHONE)
    secrets.append(code)
    web.confirm_code("ru", code)
    web.new_password("ru")
    other = Browser(web.app)
    other.start_recovery("ru", ERLAN)
    other.post("/ru/cabinet/recovery/sms")
    secrets.append(latest_sms_otp(web.app, ERLAN_PHONE))
    rereg = Browser(web.app)
    rereg.answer_step1("ru")
    rereg.post("/ru/cabinet/reregister/applicant", {"applicant_iin": MADINA, "phone": MADINA_PHONE})
    code = latest_code(web.app, MADINA_PHONE)
    secrets.append(code)
    rereg.post("/ru/cabinet/reregister/code", {"code": code})
    rereg.post("/ru/cabinet/reregister/finish", {"password": "Amina!Kezek2026", "password_repeat": "Amina!Kezek2026"})
    logged = caplog.text
    for secret in secrets:
        assert secret not in logged
    assert not re.search(r"\+?7\d{10}", logged), "a full phone number was logged"
