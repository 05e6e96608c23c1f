"""Nothing secret reaches the logs: codes, passwords, one-time passwords, full phone numbers."""
from __future__ import annotations

import logging
import re

import pytest

from tests.helpers import (AIGERIM, AIGERIM_PASSWORD, AIGERIM_PHONE, AMINA, AMINA_CERT, ARMAN,
                           ERLAN, MADINA, MADINA_PHONE, Browser, latest_code)

AGREE = {"agree_terms": "y", "agree_contacts": "y"}


def test_flows_leave_no_secrets_in_logs(web: Browser, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [AIGERIM_PASSWORD, "Samal!Kokshe2026", "Amina!Kezek2026"]
    web.post("/ru/cabinet/login", {"iin": AIGERIM, **AGREE})
    web.post("/ru/cabinet/login/password", {"password": "Wrong!password1", "action": "signin"})
    web.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD, "action": "signin"})
    web.post("/ru/cabinet/logout")
    web.post("/ru/cabinet/login", {"iin": AIGERIM, **AGREE})
    web.get("/ru/cabinet/recovery")
    code = latest_code(web.app, AIGERIM_PHONE)
    secrets.append(code)
    web.post("/ru/cabinet/recovery", {"action": "update", "code": code, "password": "Samal!Kokshe2026",
                                      "password_repeat": "Samal!Kokshe2026"})
    web.post("/ru/cabinet/login", {"iin": ERLAN, **AGREE})
    page = web.get("/ru/cabinet/recovery").get_data(as_text=True)
    secrets.append(re.search(r'id="binding-otp">(\d{12})<', page).group(1))
    rereg = Browser(web.app)
    rereg.post("/ru/cabinet/reregister", {"action": "next", "child_iin": AMINA, "certificate": AMINA_CERT,
                                          "parent1_iin": MADINA, "parent2_iin": ARMAN, "status": "queue"})
    rereg.post("/ru/cabinet/reregister", {"action": "code", "applicant_iin": MADINA, "phone": MADINA_PHONE})
    code = latest_code(web.app, MADINA_PHONE)
    secrets.append(code)
    rereg.post("/ru/cabinet/reregister", {"action": "submit", "applicant_iin": MADINA, "phone": MADINA_PHONE,
                                          "code": code, "password": "Amina!Kezek2026",
                                          "password_repeat": "Amina!Kezek2026"})
    logged = caplog.text
    for secret in secrets:
        assert secret not in logged
    assert not re.search(r"\+?7\d{10}", logged), "a full phone number was logged"
