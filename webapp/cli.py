"""`flask --app webapp ...` commands: database, sandbox data and the app outbox."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from .db import make_engine, new_session
from .models import Cabinet, Notification
from .sandbox.loader import DEMO
from .services import phone as phone_rules
from .services.clock import as_utc, reference_time

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> "object":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(app: Flask) -> None:
    from alembic import command

    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, create=True)  # the one place a missing SQLite file is created
    try:
        cfg = alembic_config(url)
        cfg.attributes["connection_engine"] = engine  # type: ignore[attr-defined]
        command.upgrade(cfg, "head")  # type: ignore[arg-type]
    finally:
        engine.dispose()


def register_cli(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Create or migrate the database to the latest schema (Alembic)."""
        upgrade_database(current_app)
        click.echo("database is at the latest revision")

    @app.cli.command("sessions-purge")
    def sessions_purge() -> None:
        """Delete expired sessions (run it from cron, e.g. hourly)."""
        from .sessions import purge_expired

        click.echo(f"expired sessions deleted: {purge_expired(current_app)}")

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
                counts = load(db, data, current_app.extensions["clock"].now())
        except SandboxDataError as exc:
            click.echo(f"{path}: {exc}", err=True)
            sys.exit(1)
        click.echo("loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))

    @sandbox.command("load-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database has no cabinet yet.")
    def sandbox_load_demo(if_empty: bool) -> None:
        """Load the shipped demo data."""
        from .sandbox.loader import load, read_file

        with new_session(current_app) as db:
            if if_empty and db.scalar(select(func.count()).select_from(Cabinet)):
                click.echo("demo data not loaded: the database already has data")
                return
            counts = load(db, read_file(str(DEMO)), current_app.extensions["clock"].now())
        click.echo("demo loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))

    @sandbox.command("outbox")
    @click.option("--phone", required=True, help="+77057546868, 87057546868 or 7057546868")
    def sandbox_outbox(phone: str) -> None:
        """Print what PHONE received, newest first (SMS lines start with "SMS")."""
        normalised, error = phone_rules.normalise(phone)
        if error:
            click.echo(f"not a Kazakhstan mobile number: {phone}", err=True)
            sys.exit(1)
        with new_session(current_app) as db:
            rows = db.scalars(select(Notification).where(Notification.phone == normalised)
                              .order_by(Notification.created_at.desc(), Notification.id.desc())).all()
        for n in rows:
            channel = "SMS" if n.channel == "sms" else "app"
            click.echo(f"{channel}  {reference_time(as_utc(n.created_at))}  {n.text}")
        if not rows:
            click.echo(f"nothing was sent to {normalised}")
