"""Keyed hashes for short secrets (codes, one-time passwords, link tokens), with key rotation.

A 6-digit code has too few values for a slow hash to help; what protects a stolen
table is the server-side key, so an HMAC is the right tool. A secret is hashed
with the current SECRET_KEY; the older keys of SECRET_KEY_FALLBACKS still verify
what was hashed before a rotation, so a rotation kills no code in flight.

IINs in logs and audit rows are a keyed pseudonym under a key of their own
(PSEUDONYM_KEY), versioned, so operators can correlate events without the IIN.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


def _mac(key: bytes, parts: tuple[str, ...]) -> str:
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class Keys:
    current: bytes
    fallbacks: tuple[bytes, ...] = ()

    def hash(self, *parts: str) -> str:
        """The keyed hash to store now."""
        return _mac(self.current, parts)

    def hashes(self, *parts: str) -> list[str]:
        """Every hash a stored value may have (current key first): for lookups by hash."""
        return [_mac(key, parts) for key in (self.current, *self.fallbacks)]

    def matches(self, stored: str, *parts: str) -> bool:
        """Was `stored` made from these parts, under the current key or an older one?"""
        found = False
        for candidate in self.hashes(*parts):
            found |= same(stored, candidate)  # every key compared: the time does not tell which
        return found


@dataclass(frozen=True)
class Pseudonyms:
    key: bytes
    version: str = "v1"

    def of(self, iin: str) -> str:
        """"v1:3f9a…": the same IIN gives the same pseudonym under one key version."""
        return f"{self.version}:{_mac(self.key, ('iin', iin))[:16]}"
