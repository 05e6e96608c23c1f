"""Small helpers shared by the views: time, gateways, the signed-in cabinet."""
from __future__ import annotations

from datetime import datetime
from functools import wraps
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from ..db import get_db
from ..models import Cabinet
from ..sandbox.gateways import SandboxNotifier, SandboxRegistry
from ..services.gateways import AppNotifier, Registry

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


def now() -> datetime:
    return current_app.extensions["clock"].now()


def pepper() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def client_address() -> str:
    return request.remote_addr or "unknown"


def registry() -> Registry:
    factory = current_app.extensions.get("registry_factory")
    return factory(get_db()) if factory else SandboxRegistry(get_db())


def notifier() -> AppNotifier:
    factory = current_app.extensions.get("notifier_factory")
    return factory(get_db(), now) if factory else SandboxNotifier(get_db(), now)


def signed_in_cabinet() -> Cabinet | None:
    """The session's cabinet, unless its password changed since (epoch bumped)."""
    cabinet_id = session.get("cabinet_id")
    if cabinet_id is None:
        return None
    cabinet = get_db().get(Cabinet, cabinet_id)
    if cabinet is None or cabinet.session_epoch != session.get("epoch"):
        session.pop("cabinet_id", None)
        session.pop("epoch", None)
        return None
    return cabinet


def start_signed_in_session(cabinet: Cabinet) -> None:
    """A new session id at every sign-in: nothing from before carries the privilege."""
    kept = {k: session[k] for k in ("_flashes",) if k in session}
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    session.update(kept)
    session["cabinet_id"] = cabinet.id
    session["epoch"] = cabinet.session_epoch


def safe_next(target: str | None) -> str | None:
    """Only same-site paths, so a crafted link cannot send a parent elsewhere."""
    if not target or len(target) > 500:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if signed_in_cabinet() is None:
            return redirect(url_for("login.step1", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def form_text(name: str, limit: int = 200) -> str:
    """A form value, cut to a sane length before any rule looks at it."""
    value = request.form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


# What a user typed in a field but has not submitted yet (never a password): kept
# so that a language switch or a look at a help page loses nothing. One session key
# per field, so overlapping requests never overwrite each other's values.
DRAFT_FIELDS = frozenset({"iin", "applicant_iin", "phone", "child_iin", "certificate",
                          "parent1_iin", "parent2_iin", "status"})


def keep_draft(name: str, value: str) -> None:
    if name in DRAFT_FIELDS and session.get(f"draft.{name}") != value:
        session[f"draft.{name}"] = value


def draft(name: str) -> str | None:
    return session.get(f"draft.{name}")
