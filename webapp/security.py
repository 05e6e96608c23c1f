"""Security headers on every response."""
from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
))


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        if app.config.get("HSTS"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.method == "POST" or response.mimetype == "text/html":
            # Pages carry personal data or codes: never kept by browsers or proxies.
            h.setdefault("Cache-Control", "no-store")
        if request.headers.get("HX-Request") or response.mimetype == "text/html":
            response.vary.add("HX-Request")
        return response
