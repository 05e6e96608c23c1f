"""A gateway as slow as a bad day: the bench shows that no parent waits on it."""
from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from webapp.services.gateways import Accepted, OutgoingSms


class TenSecondSms:
    def __init__(self, settings: Mapping[str, Any]) -> None:
        pass

    def send_sms(self, message: OutgoingSms) -> Accepted:
        time.sleep(10)
        return Accepted(f"slow-{message.key}")
