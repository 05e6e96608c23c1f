"""ed24-cabinet: sign-in to the kindergarten-queue personal cabinet (kk / ru)."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import config as settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app, configured from the environment; `test_config` overrides it (tests)."""
    app = Flask(__name__, instance_path=str(settings.INSTANCE))
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(settings.environment())
    if test_config is not None:
        app.config.from_mapping(test_config)
    settings.check(app.config)

    from . import auth, clock, db, extensions, i18n, security, sessions, views
    from .cli import register_cli

    db.init_app(app)
    clock.init_app(app)
    sessions.init_app(app)
    extensions.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    views.init_app(app)
    register_cli(app)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return app
