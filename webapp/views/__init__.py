"""The browser-facing blueprints (one per flow) and what every template may use."""
from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from flask import Flask, request, url_for

from ..services import binding, codes
from ..services import links as link_rules
from ..services.clock import as_utc
from ..web import messages

STATIC = Path(__file__).resolve().parent.parent / "static"


def static_versions() -> dict[str, str]:
    """A content hash per static file, computed at start: files are cached for a year."""
    return {str(p.relative_to(STATIC)): hashlib.sha256(p.read_bytes()).hexdigest()[:10]
            for p in STATIC.rglob("*") if p.is_file()}


def init_app(app: Flask) -> None:
    from . import cabinet, fragments, help, links, login, recovery, reregister, site

    for module in (site, login, cabinet, recovery, links, reregister, help, fragments):
        app.register_blueprint(module.bp)
    site.register_root(app)
    links.register_short_url(app)

    versions = static_versions()

    def static_url(path: str) -> str:
        return url_for("static", filename=path, v=versions.get(path))

    # Globals, not a context processor: macros imported by templates see globals only.
    app.jinja_env.globals.update(
        static_url=static_url,
        checklist_rules=list(messages.CHECKLIST.items()),
        checklist_summary=messages.checklist_summary,
        password_problems=messages.PASSWORD_PROBLEMS,
        example_iin=messages.EXAMPLE_IIN,
        example_phone=messages.EXAMPLE_PHONE,
        event_text=messages.event_text,
        delivery_words=messages.delivery_state,
        code_sent_where=messages.code_sent_where,
        code_hint=messages.code_hint,
        number_elsewhere=messages.number_elsewhere,
        needs_app_words=messages.needs_app,
        phone_first_words=lambda: str(messages.PHONE_FIRST),
        iso_time=lambda moment: as_utc(moment).replace(microsecond=0).isoformat(),
        # Durations said on pages come from the rules themselves.
        durations=SimpleNamespace(code=messages.minutes(codes.LIFETIME), link=messages.minutes(link_rules.LIFETIME),
                                  binding_sms=messages.minutes(binding.SMS_LIFETIME),
                                  cabinet_otp=int(binding.CABINET_STEP.total_seconds()),
                                  resend=int(codes.RESEND_AFTER.total_seconds())),
        accessibility_email=app.config["ACCESSIBILITY_EMAIL"],
        # 188 bytes inline: one request less for a first visit on a slow network.
        icon_data_uri="data:image/svg+xml," + quote((STATIC / "icons/icon.svg").read_text(encoding="utf-8")),
    )

    @app.after_request
    def _long_cache_for_static(response: Any) -> Any:
        if request.endpoint == "static" and request.args.get("v"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
