"""The real gateways: each module is a thin translation of one port of
services/gateways.py to one outside party's HTTP API.

- sms_smsc.py: SMS through SMSC.kz (`webapp.adapters.sms_smsc:SmscSms`);
- fcm.py: push through Firebase Cloud Messaging HTTP v1 (`webapp.adapters.fcm:FcmPush`);
- registry_http.py: БМГ and the children's registry over HTTP JSON, as
  registry.openapi.json (published for the integrator) describes them
  (`webapp.adapters.registry_http:HttpRegistry`); webapp/sandbox/registry_server.py
  serves the same document from the sandbox data.

Every adapter reads its settings by name in its constructor, has a timeout on every
call, retries nothing itself (the outbox retries deliveries; a parent's request does
not wait for a second try of a registry) and never logs a phone, a text, an IIN or a
token. The contract suite in tests/adapters/ runs each one against a fake of its
outside party, and the same cases against the sandbox's fake of its port.

This module holds what the adapters share: reading settings, timeouts, Retry-After.
"""
from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from ..services.gateways import GatewayMisconfigured, Settings

# httpx logs each request line at INFO with its URL, and the registries' URLs carry
# IINs and phone numbers, which never go to the logs (CONTRACT "Operations").
logging.getLogger("httpx").setLevel(logging.WARNING)

MAX_TIMEOUT_SECONDS = 60.0


def required(settings: Settings, name: str) -> str:
    """The setting's value; GatewayMisconfigured naming it when it is absent or blank."""
    value = settings.get(name)
    if value is None or not str(value).strip():
        raise GatewayMisconfigured(f"{name}: required, not set")
    return str(value)


def optional(settings: Settings, name: str) -> str | None:
    value = settings.get(name)
    if value is None or not str(value).strip():
        return None
    return str(value)


def seconds(settings: Settings, name: str, default: float) -> float:
    """A timeout setting (a number, or a string from the environment), within (0, 60]."""
    raw = settings.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise GatewayMisconfigured(f"{name}: not a number of seconds") from None
    if math.isnan(value) or not 0 < value <= MAX_TIMEOUT_SECONDS:
        raise GatewayMisconfigured(f"{name}: must be more than 0 and at most {MAX_TIMEOUT_SECONDS:g} seconds")
    return value


def timeout(limit: float) -> httpx.Timeout:
    """The same limit for connecting, writing, reading and waiting for a pooled connection."""
    return httpx.Timeout(connect=limit, read=limit, write=limit, pool=limit)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (Retry-After: seconds or an HTTP date), if it did."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
