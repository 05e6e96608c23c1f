"""QR codes as inline SVG (segno): the app store link, and the cabinet's binding token."""
from __future__ import annotations

import segno
from flask import current_app
from markupsafe import Markup


def qr_svg(data: str) -> Markup:
    svg = segno.make(data, error="m", micro=False).svg_inline(scale=4, border=2, omitsize=True)
    return Markup(svg)


def store_qr() -> Markup:
    return qr_svg(current_app.config["APP_STORE_URL"])
