"""ed24-cabinet: sign-in to the kindergarten-queue personal cabinet (kk / ru)."""
from __future__ import annotations

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

    from . import api, db, views
    from .cli import register_cli
    from .delivery import runner
    from .services import passwords
    from .web import deps, errors, extensions, i18n, operations, security, sessions

    passwords.configure(time_cost=app.config["ARGON2_TIME_COST"], memory_kib=app.config["ARGON2_MEMORY_KIB"])
    # The order of the request hooks matters: a request id and the namespace first, then
    # CSRF, then the request limiter (it counts only requests whose CSRF token is valid).
    operations.init_app(app)
    db.init_app(app)
    deps.init_app(app)
    if app.config["SANDBOX"]:
        from . import sandbox

        sandbox.init_app(app)
    sessions.init_app(app)
    extensions.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    views.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    runner.init_app(app)
    register_cli(app)
    return app
