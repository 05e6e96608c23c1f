"""Push through Firebase Cloud Messaging HTTP v1: a data-only wake-up for the ed24.kz app.

Documentation relied on:
- https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send
  (POST /v1/projects/{project}/messages:send, the answer's message `name`, the OAuth
  scope https://www.googleapis.com/auth/firebase.messaging);
- https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode and
  https://firebase.google.com/docs/cloud-messaging/error-codes (the error body
  `{"error": {"code", "status", "details": [{"@type": …FcmError, "errorCode"}]}}`).

The message carries `data` only (no notification: nothing personal reaches Google or
the lock screen), Android priority high, and an APNs background push
(content-available, apns-priority 5) so the app wakes up and reads its feed.

FCM takes no idempotency key: a retry after an ambiguous answer (a timeout) may wake
the app twice. That is harmless, as a push only says "read your feed" and the feed is
the truth.

Outcomes: UNREGISTERED, INVALID_ARGUMENT (a bad token, or a payload FCM refuses) and
SENDER_ID_MISMATCH (a token of another project) will never be taken: permanent.
401 (our access token) is refreshed once and the send tried again; then temporary.
QUOTA_EXCEEDED (429, with Retry-After), UNAVAILABLE, INTERNAL, THIRD_PARTY_AUTH_ERROR
(the APNs key, for the operator), other statuses, timeouts and odd answers: temporary.

The access token comes from the `token_uri` of the service account's key file
(google-auth signs the JWT grant); it is fetched through httpx with this adapter's
timeout, and its failure is temporary at once: the outbox retries, whereas
google-auth's own backoff would hold the worker for seconds.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from threading import Lock
from typing import Any
from urllib.parse import quote

import google.auth.exceptions
import google.auth.transport
import httpx
from google.auth.credentials import TokenState
from google.oauth2 import service_account

from ..services.gateways import (
    Accepted,
    GatewayMisconfigured,
    OutgoingPush,
    PermanentFailure,
    Settings,
    TemporaryFailure,
)
from . import optional, required, retry_after, seconds, timeout

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEFAULT_API_URL = "https://fcm.googleapis.com"
DEFAULT_TIMEOUT_SECONDS = 5.0
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
PERMANENT = {"UNREGISTERED", "INVALID_ARGUMENT", "SENDER_ID_MISMATCH"}
THIRD_PARTY_AUTH_ERROR = "THIRD_PARTY_AUTH_ERROR"


class _TokenResponse(google.auth.transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class _TokenTransport(google.auth.transport.Request):
    """google-auth's HTTP hook over our httpx client (its timeout applies, whatever google-auth
    asks); any answer but 200 fails at once."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def __call__(self, url: str, method: str = "GET", body: bytes | None = None,
                 headers: Mapping[str, str] | None = None, timeout: float | None = None,
                 **kwargs: Any) -> _TokenResponse:
        try:
            response = self.client.request(method, url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise google.auth.exceptions.TransportError(type(exc).__name__) from exc
        if response.status_code != 200:
            raise google.auth.exceptions.TransportError(f"token endpoint: HTTP {response.status_code}")
        return _TokenResponse(response)


class FcmPush:
    """The push port over FCM HTTP v1. Settings: FCM_CREDENTIALS_FILE (required: the
    service account's JSON key), FCM_PROJECT_ID (default: the key's project_id),
    FCM_API_URL (default https://fcm.googleapis.com), FCM_TIMEOUT_SECONDS (default 5)."""

    def __init__(self, settings: Settings) -> None:
        path = required(settings, "FCM_CREDENTIALS_FILE")
        try:
            info = json.loads(Path(path).read_text(encoding="utf-8"))
            self.credentials = service_account.Credentials.from_service_account_info(
                info, scopes=[SCOPE])
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise GatewayMisconfigured(
                f"FCM_CREDENTIALS_FILE: not a readable service account key ({type(exc).__name__})") from None
        project = optional(settings, "FCM_PROJECT_ID") or info.get("project_id")
        if not isinstance(project, str) or not project.strip():
            raise GatewayMisconfigured("FCM_PROJECT_ID: not set, and the key names no project_id")
        base = (optional(settings, "FCM_API_URL") or DEFAULT_API_URL).strip().rstrip("/")
        self.url = f"{base}/v1/projects/{quote(project.strip(), safe='')}/messages:send"
        self.client = httpx.Client(
            timeout=timeout(seconds(settings, "FCM_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)))
        self.transport = _TokenTransport(self.client)
        self.lock = Lock()

    def send_push(self, message: OutgoingPush) -> Accepted:
        body = {"message": {
            "token": message.push_token,
            "data": dict(message.data),
            "android": {"priority": "high"},
            "apns": {"headers": {"apns-push-type": "background", "apns-priority": "5"},
                     "payload": {"aps": {"content-available": 1}}},
        }}
        response = self._post(body, message.request_id, fresh_token=False)
        if response.status_code == 401 and _error(response)[0] != THIRD_PARTY_AUTH_ERROR:
            response = self._post(body, message.request_id, fresh_token=True)
        return _outcome(response)

    def _post(self, body: dict[str, Any], request_id: str | None, *, fresh_token: bool) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token(fresh_token)}"}
        if request_id:
            headers["X-Request-ID"] = request_id
        try:
            return self.client.post(self.url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise TemporaryFailure("fcm: no answer in time (the message may have been taken)") from exc
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"fcm: {type(exc).__name__}") from exc

    def _token(self, fresh: bool) -> str:
        """The access token, fetched when there is none, it is near its expiry, or `fresh`."""
        with self.lock:
            if fresh or self.credentials.token_state != TokenState.FRESH:
                try:
                    self.credentials.refresh(self.transport)
                except (google.auth.exceptions.GoogleAuthError, ValueError, TypeError, KeyError) as exc:
                    # the last three: google-auth reading a token answer that is not the JSON it expects
                    raise TemporaryFailure(f"fcm: no access token ({type(exc).__name__})") from exc
            token: str = self.credentials.token
            return token


def _error(response: httpx.Response) -> tuple[str | None, str | None]:
    """FCM's errorCode (from the FcmError detail) and the error's status, when given."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None, None
    if not isinstance(error, dict):
        return None, None
    status = error.get("status") if isinstance(error.get("status"), str) else None
    details = error.get("details")
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and detail.get("@type") == FCM_ERROR:
            code = detail.get("errorCode")
            if isinstance(code, str):
                return code, status
    return None, status


def _outcome(response: httpx.Response) -> Accepted:
    if response.status_code == 200:
        try:
            name = response.json().get("name")
        except (ValueError, AttributeError):
            name = None
        if isinstance(name, str) and name:
            return Accepted(name)
        raise TemporaryFailure("fcm: unexpected answer (HTTP 200 without a message name)")
    code, status = _error(response)
    kind = code or status
    reason = f"fcm: HTTP {response.status_code} {kind or '(no error code)'}"
    if kind in PERMANENT:
        raise PermanentFailure(reason)
    raise TemporaryFailure(reason, retry_after(response))
