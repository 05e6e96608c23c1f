"""Keyed hashes for short secrets (codes, one-time passwords, tokens).

A 4-digit code has too few values for a slow hash to help; what protects a
stolen table is the server-side key (the pepper), so an HMAC is the right tool.
"""
from __future__ import annotations

import hashlib
import hmac


def keyed_hash(pepper: bytes, *parts: str) -> str:
    return hmac.new(pepper, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
