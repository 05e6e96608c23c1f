"""ed24-cabinet: sign-in to the kindergarten-queue personal cabinet (kk / ru)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from . import config as config_module


def create_app(config: type | dict[str, Any] | str | None = None) -> Flask:
    """The app; `config` is a Config class, a dict of overrides, or "production"."""
    app = Flask(__name__, instance_path=str(config_module.INSTANCE))
    if config is None:
        config = config_module.Config
    elif config == "production":
        config = config_module.ProductionConfig
    if isinstance(config, dict):
        app.config.from_object(config_module.Config)
        app.config.update(config)
    else:
        check = getattr(config, "check", None)
        if check is not None:
            check()
        app.config.from_object(config)

    from .services.clock import SystemClock

    app.extensions.setdefault("clock", SystemClock())

    from . import db, extensions, i18n, security, views
    from .cli import register_cli
    from .sessions import DatabaseSessionInterface

    db.init_app(app)
    app.session_interface = DatabaseSessionInterface()
    extensions.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    views.init_app(app)
    register_cli(app)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return app
