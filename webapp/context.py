"""The request's Deps: what the flows in services/ need, built once per request."""
from __future__ import annotations

from flask import current_app, g

from .auth import client
from .clock import now
from .db import get_db
from .gateways import GatewayContext, build
from .i18n import current_lang
from .services.context import AddressLimits, Deps


def address_limits() -> AddressLimits:
    c = current_app.config
    return AddressLimits(
        signin_failures=c["SIGNIN_FAILURES_PER_ADDRESS"], recovery_starts=c["RECOVERY_STARTS_PER_ADDRESS"],
        code_failures=c["CODE_FAILURES_PER_ADDRESS"], rereg_failures=c["REREG_FAILURES_PER_ADDRESS"],
        binding_sms=c["BINDING_SMS_PER_ADDRESS"])


def deps() -> Deps:
    if "deps" not in g:
        context = GatewayContext(config=current_app.config, db=get_db(), now=now(), lang=current_lang())
        g.deps = Deps(
            db=get_db(), now=now(), pepper=current_app.config["SECRET_KEY"].encode(), client=client(),
            notifier=build("APP_NOTIFIER", context), sms=build("SMS_GATEWAY", context),
            registry=build("REGISTRY", context), address_limits=address_limits())
    return g.deps
