"""The gateways of this deployment, chosen by import path in configuration.

APP_NOTIFIER, SMS_GATEWAY and REGISTRY name a class ("module:Class") that takes
a GatewayContext. The sandbox's are the defaults while SANDBOX is on;
production refuses them (config.production_problems) unless a load-test stack
allows them explicitly.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session
from werkzeug.utils import import_string


@dataclass(frozen=True)
class GatewayContext:
    config: dict[str, Any]
    db: Session
    now: datetime
    lang: str  # messages go out in the language of the page that sent them


def build(setting: str, context: GatewayContext) -> Any:
    path = current_app.config[setting]
    cache = current_app.extensions.setdefault("gateway_classes", {})
    if path not in cache:
        cache[path] = import_string(path.replace(":", "."))
    return cache[path](context)
