"""Security headers on every response, proxies, and safe redirect targets."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

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


def safe_next(target: str | None) -> str | None:
    """Only a path of this site, so a crafted link cannot send a parent elsewhere (and a
    control character cannot split the Location header)."""
    if not target or len(target) > 500:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def init_app(app: Flask) -> None:
    if (app.config.get("TRUSTED_PROXIES") or 0) > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    document = [("Content-Security-Policy", CSP),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
                ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
                ("Cross-Origin-Opener-Policy", "same-origin"),
                ("X-Frame-Options", "DENY")]
    if app.config.get("PRODUCTION"):
        document.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        target = urlsplit(h.get("Location", ""))
        if target.netloc and target.netloc == request.host:  # werkzeug's slash redirects name the Host:
            h["Location"] = urlunsplit(("", "", target.path, target.query, target.fragment))  # a path of this site
        if request.method == "POST" or response.mimetype in ("text/html", "application/json"):
            # Pages carry personal data or codes: never kept by browsers or proxies.
            h.setdefault("Cache-Control", "no-store")
        if request.htmx:  # type: ignore[attr-defined]
            return response  # a piece swapped into a page: the page's own headers govern it
        for name, value in document:
            h.setdefault(name, value)
        if response.mimetype == "text/html":
            response.vary.add("HX-Request")
        return response
