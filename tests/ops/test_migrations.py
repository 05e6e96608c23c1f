"""Expand, then contract: the previous release's code runs on the schema of this release's
migrations (CHANGELOG.md), so app servers still on it keep working during a rolling deploy
and a rollback of the code needs no rollback of the schema.

The previous release (PREVIOUS, the last v2 commit) is taken out of git into a temporary
folder and run in a subprocess, with its own webapp/, against a database that this
release's code migrated to its head: it loads its demo data, its /healthz reads every
table and column it knows, a parent signs in and another starts a recovery. Then this
release's code signs in on what the old code wrote. On SQLite, and on a throwaway
PostgreSQL when it is installed.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers
from tests.helpers import AIGERIM, AIGERIM_PASSWORD, TEST_CONFIG, Browser
from webapp import create_app
from webapp.cli import upgrade_database

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS = "12cec42"  # v2, the last commit before migration 0003

OLD_RELEASE = textwrap.dedent('''
    import re, sys
    import webapp
    from webapp import create_app
    from webapp.db import new_session
    from webapp.sandbox.loader import DEMO, load, read_file

    url, folder, iin, password = sys.argv[1:5]
    assert webapp.__file__.startswith(folder), webapp.__file__
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key-of-thirty-two-characters",
                      "SANDBOX": True, "RATELIMIT_ENABLED": False, "PRODUCTION": False, "DATABASE_URL": url})
    with app.app_context():
        db = new_session(app)
        load(db, read_file(str(DEMO)), app.extensions["clock"].now())
        db.close()

    def token(client):
        found = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/ru/").get_data(as_text=True))
        return found.group(1)

    def expect(response, status, where=""):
        assert response.status_code in status, (response.status_code, response.get_data(as_text=True)[:500])
        location = response.headers.get("Location", "")
        assert location.split("?")[0].endswith(where), location

    parent = app.test_client()
    expect(parent.get("/healthz"), (200,))
    step1 = {"iin": iin, "agree_terms": "y", "agree_contacts": "y", "csrf_token": token(parent)}
    expect(parent.post("/ru/cabinet/login", data=step1), (302, 303), "/ru/cabinet/login/password")
    step2 = {"password": password, "csrf_token": token(parent)}
    expect(parent.post("/ru/cabinet/login/password", data=step2), (302, 303), "/ru/cabinet/")
    expect(parent.get("/ru/cabinet/"), (200,))
    forgot = app.test_client()
    expect(forgot.post("/ru/cabinet/recovery/start", data={"iin": iin, "csrf_token": token(forgot)}),
           (302, 303), "/ru/cabinet/recovery")
    page = forgot.get("/ru/cabinet/recovery")
    expect(page, (200,))
    assert 'name="code"' in page.get_data(as_text=True), "no code field after the recovery started"
    print("the previous release ran")
''')


def git_checkout() -> bool:
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--is-inside-work-tree"],
                          capture_output=True, text=True).stdout.strip() == "true"


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not git_checkout():
        pytest.skip("not a git checkout: the previous release's code comes from git")
    folder = tmp_path_factory.mktemp("previous-release")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", PREVIOUS, "webapp", "migrations"],
                             capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ed24.sqlite3'}"
        return
    if servers.postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with servers.postgres() as url:
        yield url


def test_the_previous_release_runs_on_the_new_schema(previous_release: Path, database: str) -> None:
    upgrade_database(create_app({**TEST_CONFIG, "DATABASE_URL": database}))
    env = {**os.environ, "PYTHONPATH": str(previous_release), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", OLD_RELEASE, database, str(previous_release), AIGERIM,
                           AIGERIM_PASSWORD], cwd=previous_release, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and "the previous release ran" in done.stdout, done.stdout + done.stderr
    # This release reads what the previous one wrote (a mixed fleet, both ways).
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database})
    try:
        browser = Browser(app)
        browser.step1("ru", AIGERIM)
        signed_in = browser.post("/ru/cabinet/login/password", {"password": AIGERIM_PASSWORD})
        assert signed_in.status_code == 303 and signed_in.headers["Location"].endswith("/ru/cabinet/")
    finally:
        app.extensions["db_engine"].dispose()
