"""The sandbox's HTTP API (described by /sandbox/api/openapi.json), with no dependency but
the standard library, so a test suite of any shape can use it."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

HEADER = "X-Sandbox-Namespace"


class SandboxError(RuntimeError):
    """The sandbox API refused a call; `status` and `body` say why."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body


@dataclass(frozen=True)
class Person:
    """A person the people builder made: everything a test needs to act as them."""

    kind: str
    iin: str
    full_name: str
    phone: str
    password: str | None
    app_bound: bool
    child: dict[str, Any]
    other_parent: dict[str, Any]
    holder: dict[str, Any] | None = None

    @property
    def answers(self) -> dict[str, str]:
        """Re-registration Шаг 1's answers for the child."""
        parents = self.child["parents"]
        return {"child_iin": self.child["iin"], "certificate": self.child["birth_certificate"],
                "parent1_iin": parents[0], "parent2_iin": parents[1] if len(parents) > 1 else "",
                "status": self.child["status"]}


class SandboxClient:
    """One sandbox (a base URL), optionally inside one namespace."""

    def __init__(self, base_url: str, token: str | None = None, namespace: str | None = None,
                 timeout: float = 20) -> None:
        self.base_url, self.token, self.namespace, self.timeout = base_url.rstrip("/"), token, namespace, timeout

    def _call(self, method: str, path: str, body: Any = None, *, raw: bool = False) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.namespace:
            headers[HEADER] = self.namespace
        data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            try:
                detail: Any = json.loads(text)
            except ValueError:
                detail = text
            raise SandboxError(exc.code, detail) from None
        if raw:
            return payload
        return json.loads(payload) if payload else None

    # -- namespaces -----------------------------------------------------------------
    def create_namespace(self, data: dict[str, Any] | None = None) -> Namespace:
        """A namespace of its own: the demo data, or `data` (the sandbox JSON)."""
        answer = SandboxClient(self.base_url, self.token, timeout=self.timeout)._call(
            "POST", "/sandbox/api/namespaces", data)
        return Namespace(answer["namespace"], answer["cookie"]["name"], answer["header"],
                         SandboxClient(self.base_url, self.token, answer["namespace"], self.timeout))

    def delete_namespace(self, namespace: str) -> None:
        SandboxClient(self.base_url, self.token, timeout=self.timeout)._call(
            "DELETE", f"/sandbox/api/namespaces/{namespace}")

    def person(self, kind: str) -> Person:
        """A fresh person of a kind: app_bound, no_app, no_password or foreign_number."""
        assert self.namespace, "people are built inside a namespace"
        answer = self._call("POST", f"/sandbox/api/namespaces/{self.namespace}/people", {"kind": kind})
        person = answer["person"]
        return Person(kind=kind, iin=person["iin"], full_name=person["full_name"], phone=person["phone"],
                      password=person.get("password"), app_bound=person["app_bound"], child=answer["child"],
                      other_parent=answer["other_parent"], holder=answer.get("holder"))

    # -- data and clock -----------------------------------------------------------------
    def reset(self) -> None:
        """The data back (the demo, or what the namespace was created with); the clock to real time."""
        self._call("POST", "/sandbox/api/reset", {})
        self._call("POST", "/sandbox/api/clock", {"reset": True})

    def load(self, data: dict[str, Any]) -> dict[str, int]:
        loaded: dict[str, int] = self._call("POST", "/sandbox/api/load", data)["loaded"]
        return loaded

    def now(self) -> datetime:
        return datetime.fromisoformat(self._call("GET", "/sandbox/api/clock")["now"])

    def advance(self, seconds: int) -> None:
        self._call("POST", "/sandbox/api/clock", {"advance_seconds": seconds})

    def set_clock_offset(self, seconds: int) -> None:
        """Put this sandbox's clock `seconds` from real time (forward, or back to 0)."""
        self._call("POST", "/sandbox/api/clock", {"offset_seconds": seconds})

    # -- what phones received --------------------------------------------------------------
    def outbox(self, phone: str | None = None, *, channel: str | None = None, since: datetime | None = None,
               limit: int | None = None) -> list[dict[str, Any]]:
        """Messages received, newest first: {"channel", "kind", "text", "code", "link", "sent_at", …}."""
        query = {k: v for k, v in (("phone", phone), ("channel", channel),
                                   ("since", since.isoformat() if since else None),
                                   ("limit", str(limit) if limit else None)) if v}
        messages: list[dict[str, Any]] = self._call(
            "GET", "/sandbox/api/outbox?" + urllib.parse.urlencode(query))["messages"]
        return messages

    def message(self, phone: str, channel: str = "app", *, with_code: bool = True, timeout: float = 10) -> dict[str, Any]:
        """The newest message with a code on the phone (waits a little for it to arrive)."""
        deadline = time.monotonic() + timeout
        while True:
            for found in self.outbox(phone, channel=channel):
                if found.get("code") or not with_code:
                    return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no {channel} message with a code reached {phone}")
            time.sleep(0.2)

    def code(self, phone: str, channel: str = "app") -> str:
        """The newest code (app or SMS) or binding one-time password the phone received."""
        code: str = self.message(phone, channel)["code"]
        return code

    def link(self, phone: str, channel: str | None = None) -> str:
        """The link of the newest message that carries one."""
        for found in self.outbox(phone, channel=channel):
            if found.get("link"):
                link: str = found["link"]
                return link
        raise AssertionError(f"no link reached {phone}")

    def bound_phones(self) -> list[str]:
        phones: list[str] = self._call("GET", "/sandbox/api/devices")["phones"]
        return phones


@dataclass(frozen=True)
class Namespace:
    id: str
    cookie_name: str
    header: str
    client: SandboxClient = field(repr=False)

    def cookie(self, base_url: str) -> dict[str, str]:
        """The cookie a browser needs to live in this namespace (Playwright's add_cookies)."""
        return {"name": self.cookie_name, "value": self.id, "url": base_url}
