"""БМГ and the children's registry over HTTP JSON, as registry.openapi.json (next to
this module) describes them for the integrator who implements them.

A parent's request waits for these answers, so the timeout is short (2 s by
default) and nothing is retried. Every answer is checked strictly before anything is
decided from it: the IIN or phone echoed must be the one asked, IINs are 12 ASCII
digits, phones "+77" and 9 more ASCII digits, the status one of the enum. A timeout, a
connection error, any HTTP status the document does not give, or an answer that fails
a check raises RegistryUnavailable: the page says the registry is unavailable, and no
decision is made on a wrong answer.

"None" has to be said explicitly: the phones endpoint answers 200 with an empty list,
the holder endpoint 200 with "iin": null, the child endpoint 404 with the error code
"child_not_found". Any other 404 (a wrong REGISTRY_URL, a proxy's page) is
RegistryUnavailable, never "nobody".
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from ..services.gateways import REQUEST_ID, ChildRecord, RegistryUnavailable, Settings
from . import required, seconds, timeout

DEFAULT_TIMEOUT_SECONDS = 2.0
IIN = re.compile(r"[0-9]{12}")
PHONE = re.compile(r"\+77[0-9]{9}")
STATUSES = {"attends", "queue"}
CHILD_NOT_FOUND = "child_not_found"


class HttpRegistry:
    """The Registry port over HTTP. Settings: REGISTRY_URL (required: the base URL, the
    paths of registry.openapi.json follow it), REGISTRY_TOKEN (required: the bearer
    token), REGISTRY_TIMEOUT_SECONDS (default 2)."""

    def __init__(self, settings: Settings) -> None:
        base = required(settings, "REGISTRY_URL").strip().rstrip("/")
        token = required(settings, "REGISTRY_TOKEN").strip()
        self.client = httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout(seconds(settings, "REGISTRY_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)),
        )

    def phones_of(self, iin: str) -> list[str]:
        answer = self._get(f"/bmg/v1/citizens/{_segment(iin)}/phones")
        phones = answer.get("phones")
        if answer.get("iin") != iin or not isinstance(phones, list) or not all(map(_is_phone, phones)):
            raise RegistryUnavailable("bmg: malformed answer to phones")
        return list(phones)

    def holder_of(self, phone: str) -> str | None:
        answer = self._get(f"/bmg/v1/phones/{_segment(phone)}/holder")
        holder = answer.get("iin")
        if answer.get("phone") != phone or "iin" not in answer or not (holder is None or _is_iin(holder)):
            raise RegistryUnavailable("bmg: malformed answer to holder")
        return holder

    def child(self, iin: str) -> ChildRecord | None:
        try:
            answer = self._get(f"/children/v1/children/{_segment(iin)}", missing=CHILD_NOT_FOUND)
        except _Missing:
            return None
        parents, name = answer.get("parents"), answer.get("full_name")
        certificate, status = answer.get("birth_certificate"), answer.get("status")
        if (answer.get("iin") != iin or not isinstance(name, str)
                or not isinstance(certificate, str) or not certificate.strip()
                or not isinstance(parents, list) or not 1 <= len(parents) <= 2
                or not all(map(_is_iin, parents)) or status not in STATUSES):
            raise RegistryUnavailable("children: malformed answer to child")
        return ChildRecord(iin=iin, birth_certificate=certificate, parents=tuple(parents), status=status,
                           full_name=name)

    def _get(self, path: str, missing: str | None = None) -> dict[str, Any]:
        """The JSON object answered with 200. A 404 whose error code is `missing` raises
        _Missing; anything else raises RegistryUnavailable."""
        request_id = REQUEST_ID.get()
        headers = {"X-Request-ID": request_id} if request_id else {}
        try:
            response = self.client.get(path, headers=headers)
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(f"registry: {type(exc).__name__}") from exc
        answer = _json_object(response)
        if answer is None:
            raise RegistryUnavailable(f"registry: HTTP {response.status_code}, not a JSON object")
        if response.status_code == 200:
            return answer
        error = answer.get("error")
        code = error.get("code") if isinstance(error, dict) else None
        if response.status_code == 404 and missing is not None and code == missing:
            raise _Missing
        raise RegistryUnavailable(f"registry: HTTP {response.status_code}")


class _Missing(Exception):
    """The registry said, as the document says it, that it has no such record."""


def _segment(value: str) -> str:
    """A path segment: "+" and anything else outside [A-Za-z0-9_.~-] percent-encoded."""
    return quote(value, safe="")


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _is_iin(value: object) -> bool:
    return isinstance(value, str) and IIN.fullmatch(value) is not None


def _is_phone(value: object) -> bool:
    return isinstance(value, str) and PHONE.fullmatch(value) is not None
