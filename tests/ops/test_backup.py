"""PostgreSQL backup and restore as the README says: pg_dump's custom format from one
cluster, pg_restore into a fresh cluster's database owned by the app's role, and the app,
connected as that role, signs a demo parent in on the restored database. Needs Debian's
postgresql (skipped, saying so, without it)."""
from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests import servers
from tests.helpers import AIGERIM, AIGERIM_PASSWORD, DEMO_DATA, TEST_CONFIG, Browser
from webapp import create_app
from webapp.cli import upgrade_database
from webapp.db import new_session
from webapp.sandbox.loader import load

pytestmark = pytest.mark.skipif(servers.postgres_bin() is None,
                                reason="PostgreSQL is not installed (apt-get install postgresql)")


def libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_a_dump_restored_into_a_fresh_cluster_signs_a_parent_in(tmp_path: Path) -> None:
    bindir = servers.postgres_bin()
    dump = tmp_path / "ed24.dump"
    with servers.postgres() as source:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": source})
        upgrade_database(app)
        with app.app_context(), new_session(app) as db:
            load(db, DEMO_DATA, datetime.now(timezone.utc))
        app.extensions["db_engine"].dispose()
        subprocess.run([f"{bindir}/pg_dump", "--format=custom", f"--file={dump}",
                        f"--dbname={libpq(source)}"], check=True, capture_output=True)
    assert dump.stat().st_size > 0
    with servers.postgres() as fresh:
        # As README: the app's role owns the new, empty database; the restore creates as that role.
        subprocess.run([f"{bindir}/psql", f"--dbname={libpq(fresh)}", "-q", "-v", "ON_ERROR_STOP=1",
                        "-c", "CREATE ROLE ed24 LOGIN", "-c", "ALTER DATABASE ed24_test OWNER TO ed24"],
                       check=True, capture_output=True)
        done = subprocess.run([f"{bindir}/pg_restore", "--no-owner", "--role=ed24", "--exit-on-error",
                               f"--dbname={libpq(fresh)}", str(dump)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        restored = create_app({**TEST_CONFIG, "DATABASE_URL": fresh.replace("//postgres@", "//ed24@")})
        try:
            client = restored.test_client()
            assert client.get("/readyz").status_code == 200  # at the migrations' head
            browser = Browser(restored)
            browser.step1("ru", AIGERIM)
            signed_in = browser.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD})
            assert signed_in.status_code == 303 and signed_in.headers["Location"].endswith("/ru/cabinet/")
            assert "Ахметова Айгерим" in browser.get("/ru/cabinet/").get_data(as_text=True)
        finally:
            restored.extensions["db_engine"].dispose()
