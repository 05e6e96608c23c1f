"""The sandbox's HTTP API, as a test run against a deployed sandbox uses it (e2e and
scripts/audit.py)."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any


class SandboxApi:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.load(response)

    def reset(self) -> None:
        """The demo data back and the clock at real time."""
        self._call("POST", "/sandbox/api/reset", {})
        self._call("POST", "/sandbox/api/clock", {"reset": True})

    def now(self) -> datetime:
        """The sandbox clock's time."""
        return datetime.fromisoformat(self._call("GET", "/sandbox/api/clock")["now"])

    def advance(self, seconds: int) -> None:
        self._call("POST", "/sandbox/api/clock", {"advance_seconds": seconds})

    def outbox(self, phone: str) -> list[dict[str, Any]]:
        return self._call("GET", "/sandbox/api/outbox?phone=" + urllib.parse.quote(phone))["messages"]

    def code(self, phone: str, channel: str = "app") -> str:
        """The newest code (app) or one-time password (SMS) the phone received."""
        return next(m["code"] for m in self.outbox(phone) if m["channel"] == channel and m["code"])
