"""SMS through SMSC.kz, a Kazakhstan SMS provider, over its HTTP API.

Documentation relied on:
- https://smsc.kz/api/http/ and https://smsc.kz/api/http/send/ : sending
  (POST /sys/send.php: login, psw, phones, mes, id, sender, charset, fmt=3 for JSON
  answers), the answer `{"id": …, "cnt": …}` or `{"error": …, "error_code": N}`, and
  the error codes used below;
- https://smsc.kz/api/http/status_messages/ : a message's status by phone and id
  (POST /sys/status.php; status -3 is "message not found").

Duplicates. SMSC takes a message id chosen by the client (`id`: up to 40 latin
letters, digits and ".-_"), but does not promise it is unique ("не обязательно
уникален"). What it does promise: a request identical to one it received in the last
minute is refused with error 9 ("duplicate request, wait a minute"). The adapter sends
the outbox key as `id`, so every retry of a message is the very same request; on
error 9 it asks status.php whether a message with that id went to that phone: found
means the earlier attempt was taken (Accepted), not found means nothing was
(TemporaryFailure after 60 s; error 9 also answers more than 15 concurrent requests).
A retry more than a minute after an attempt whose answer was lost can send a second
SMS: SMSC offers nothing stronger.

Outcomes. Refusals that no retry changes are permanent: 1 (parameters), 5 (date
format), 6 (message forbidden, by its text or by the sender name), 7 (invalid number),
8 (cannot be delivered to this number). Bad login or password (2), no money (3) and a
blocked address (4) are the operator's to fix: temporary, so messages wait in the
outbox instead of failing while the operator fixes them. Anything else — a timeout, a
connection error, an HTTP status other than 200, an answer that is not SMSC's JSON —
is temporary: the message may or may not have been taken, and a retry sends the same
id. Neither the phone nor the text is ever put into a reason or a log.
"""
from __future__ import annotations

from typing import Any

import httpx

from ..services.gateways import Accepted, OutgoingSms, PermanentFailure, Settings, TemporaryFailure
from . import optional, required, retry_after, seconds, timeout

DEFAULT_API_URL = "https://smsc.kz"   # the reserve server is https://www2.smsc.kz
DEFAULT_TIMEOUT_SECONDS = 5.0
PERMANENT = {1: "parameters refused", 5: "date format refused", 6: "message forbidden",
             7: "invalid number", 8: "cannot be delivered to this number"}
OPERATOR = {2: "login, password or address refused", 3: "not enough money on the account",
            4: "address blocked for a while after errors"}
DUPLICATE = 9
NOT_FOUND = -3
DUPLICATE_WINDOW_SECONDS = 60.0


class SmscSms:
    """The SMS port over SMSC.kz. Settings: SMSC_LOGIN, SMSC_PASSWORD (required),
    SMSC_SENDER (a registered sender name; the account's default when unset),
    SMSC_API_URL (default https://smsc.kz), SMSC_TIMEOUT_SECONDS (default 5)."""

    def __init__(self, settings: Settings) -> None:
        self.login = required(settings, "SMSC_LOGIN")
        self.password = required(settings, "SMSC_PASSWORD")
        self.sender = optional(settings, "SMSC_SENDER")
        base = (optional(settings, "SMSC_API_URL") or DEFAULT_API_URL).strip().rstrip("/")
        self.send_url = f"{base}/sys/send.php"
        self.status_url = f"{base}/sys/status.php"
        self.client = httpx.Client(
            timeout=timeout(seconds(settings, "SMSC_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)))

    def send_sms(self, message: OutgoingSms) -> Accepted:
        form = {"phones": message.phone, "mes": message.text, "id": message.key}
        if self.sender:
            form["sender"] = self.sender
        answer = self._call(self.send_url, form, message.request_id)
        code, reference = answer.get("error_code"), answer.get("id")
        if "error" not in answer and code is None and type(reference) in (int, str) and str(reference):
            return Accepted(str(reference))
        if type(code) is not int:
            raise TemporaryFailure("smsc: unexpected answer (neither an id nor an error code)")
        if code == DUPLICATE:
            return self._taken_before(message)
        if code in PERMANENT:
            raise PermanentFailure(f"smsc: error {code} ({PERMANENT[code]})")
        if code in OPERATOR:
            raise TemporaryFailure(f"smsc: error {code} ({OPERATOR[code]}), for the operator to fix")
        raise TemporaryFailure(f"smsc: error {code} (not documented)")

    def _taken_before(self, message: OutgoingSms) -> Accepted:
        """Error 9: SMSC got this very request within a minute. Did it take it then?"""
        answer = self._call(self.status_url, {"phone": message.phone, "id": message.key},
                            message.request_id)
        status = answer.get("status")
        if type(status) is int and status != NOT_FOUND:
            return Accepted(message.key)
        known = "no such message" if status == NOT_FOUND else "its status unknown"
        raise TemporaryFailure(f"smsc: error 9 (the same request within a minute), {known}",
                               retry_after=DUPLICATE_WINDOW_SECONDS)

    def _call(self, url: str, form: dict[str, str], request_id: str | None) -> dict[str, Any]:
        """POST the form with the credentials (in the body, never in a URL); SMSC's JSON answer."""
        body = {"login": self.login, "psw": self.password, "charset": "utf-8", "fmt": "3", **form}
        headers = {"X-Request-ID": request_id} if request_id else {}
        try:
            response = self.client.post(url, data=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise TemporaryFailure("smsc: no answer in time (the message may have been taken)") from exc
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"smsc: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise TemporaryFailure(f"smsc: HTTP {response.status_code}", retry_after(response))
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise TemporaryFailure("smsc: unexpected answer (not a JSON object)")
        return answer
