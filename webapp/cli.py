"""`flask --app webapp ...` commands: the database, the outbox worker, retention, sandbox data."""
from __future__ import annotations

import signal
import sys
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from .db import make_engine, new_session
from .models import Cabinet
from .services import phone as phone_rules
from .services.clock import as_utc, reference_time
from .services.phone import mask

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@cache
def head_revision() -> str:
    """The newest migration: what /readyz expects the database to be at."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    return head or ""


def upgrade_database(app: Flask, revision: str = "head") -> None:
    from alembic import command

    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, create=True)  # the one place a missing SQLite file is created
    try:
        cfg = alembic_config(url)
        cfg.attributes["connection_engine"] = engine
        command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def register_cli(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    @click.option("--revision", default="head", help="Migrate to this revision (default: the newest).")
    def db_upgrade(revision: str) -> None:
        """Create or migrate the database (Alembic; expand-then-contract, see CHANGELOG.md)."""
        upgrade_database(current_app, revision)
        click.echo(f"database is at revision {revision}")

    @app.cli.command("db-downgrade")
    @click.option("--revision", required=True, help="The revision to go back to, e.g. 0002 (CHANGELOG.md says when).")
    def db_downgrade(revision: str) -> None:
        """Go back to an older schema, once every server runs the release that matches it."""
        from alembic import command

        url = current_app.config["DATABASE_URL"]
        engine = make_engine(url)
        try:
            cfg = alembic_config(url)
            cfg.attributes["connection_engine"] = engine
            command.downgrade(cfg, revision)
        finally:
            engine.dispose()
        click.echo(f"database is at revision {revision}")

    @app.cli.command("worker")
    def worker() -> None:
        """Deliver the outbox until stopped (SIGTERM finishes the message under way)."""
        from .delivery.runner import Runner

        runner = Runner(current_app._get_current_object())  # type: ignore[attr-defined]
        signal.signal(signal.SIGTERM, lambda *_: runner.stop.set())
        signal.signal(signal.SIGINT, lambda *_: runner.stop.set())
        runner.run()

    @app.cli.command("outbox")
    @click.option("--failed", is_flag=True, help="Messages that finally failed, newest first.")
    def outbox_report(failed: bool) -> None:
        """The outbox as the operator sees it: backlog, or the failed messages (no secrets)."""
        from .delivery.worker import backlog, failed_messages

        if not failed:
            found = backlog(current_app.extensions["db_engine"])
            click.echo(f"queued={found.queued} oldest_age_seconds={found.oldest_age_seconds:.0f} failed={found.failed}")
            return
        with new_session(current_app) as db:
            rows = list(failed_messages(db))
        for row in rows:
            click.echo(f"{row.id}  {row.channel}  {row.kind}  {mask(row.phone) if row.phone else '-'}  "
                       f"queued {as_utc(row.created_at):%Y-%m-%d %H:%M:%S}  "
                       f"failed {as_utc(row.failed_at or row.created_at):%Y-%m-%d %H:%M:%S}  "
                       f"attempts={row.attempts}  {row.last_error or ''}")
        if not rows:
            click.echo("no failed messages")

    @app.cli.command("purge")
    def purge_command() -> None:
        """Delete what served its use (sessions, codes, links, counts, outbox, old audit events)."""
        from .purge import purge

        config = current_app.config
        with new_session(current_app) as db:
            done = purge(db, datetime.now(timezone.utc), audit_days=config["AUDIT_RETENTION_DAYS"],
                         outbox_days=config["OUTBOX_KEEP_DAYS"])
        click.echo(" ".join(f"{name}={count}" for name, count in done.items()))

    if not app.config["SANDBOX"]:
        return  # the sandbox commands replace all data: never on a real deployment
    sandbox = AppGroup("sandbox", help="Sandbox data and the emulated ed24.kz app.")
    app.cli.add_command(sandbox)

    @sandbox.command("load")
    @click.argument("path", type=click.Path(dir_okay=False))
    def sandbox_load(path: str) -> None:
        """Replace all data with FILE.json (validated first; a bad file changes nothing)."""
        from .sandbox.loader import SandboxDataError, load, read_file

        try:
            data = read_file(path)
            with new_session(current_app) as db:
                counts = load(db, data, current_app.extensions["clock"].at(db))
        except SandboxDataError as exc:
            click.echo(f"{path}: {exc}", err=True)
            sys.exit(1)
        click.echo("loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))

    @sandbox.command("load-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database has no cabinet yet.")
    def sandbox_load_demo(if_empty: bool) -> None:
        """Load the shipped demo data."""
        from .sandbox.loader import DEMO, load, read_file

        with new_session(current_app) as db:
            if if_empty and db.scalar(select(func.count()).select_from(Cabinet)):
                click.echo("demo data not loaded: the database already has data")
                return
            counts = load(db, read_file(str(DEMO)), current_app.extensions["clock"].at(db))
        click.echo("demo loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))

    @sandbox.command("outbox")
    @click.option("--phone", required=True, help="+77057546868, 87057546868 or 7057546868")
    def sandbox_outbox(phone: str) -> None:
        """Print what PHONE received, newest first (SMS lines start with "SMS")."""
        from .delivery.runner import deliver_everywhere
        from .sandbox.api import received
        from .services.outbox import open_message

        normalised, error = phone_rules.normalise(phone)
        if error:
            click.echo(f"not a Kazakhstan mobile number: {phone}", err=True)
            sys.exit(1)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        deliver_everywhere(app)
        sealer = app.extensions["deps_shared"]["sealer"]
        with new_session(app) as db:
            rows = [row for row in received(db, normalised) if row.channel != "push"]
            now = app.extensions["clock"].at(db)
            for row in rows:
                label = "SMS" if row.channel == "sms" else "app"
                click.echo(f"{label}  {reference_time(as_utc(row.created_at))}  {open_message(sealer, now, row).text}")
        if not rows:
            click.echo(f"nothing was sent to {normalised}")

