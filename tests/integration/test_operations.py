"""What an operator's tools ask (contract v3, Operations): /livez and /readyz for any Host (load
balancers and orchestrators probe by address), /metrics only on a listener of its own, never on
the public site."""
from __future__ import annotations

import os
import urllib.request

import pytest
from sqlalchemy import text

from tests import servers
from tests.helpers import Browser, make_app, take_the_database_down

HOSTS = ["cabinet.example.kz", "evil.example", "10.0.0.7:8000", "[::1]:5000", "localhost"]


@pytest.mark.parametrize("host", HOSTS)
def test_livez_and_readyz_answer_for_any_host(host: str) -> None:
    app = make_app(TRUSTED_HOSTS=["cabinet.example.kz"])
    client = app.test_client()
    live = client.get("/livez", headers={"Host": host})
    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    ready = client.get("/readyz", headers={"Host": host})
    assert ready.status_code == 200 and ready.get_json() == {
        "status": "ok", "checks": {"gateways": "ok", "database": "ok", "migrations": "ok"}}
    assert ready.headers["Cache-Control"] == "no-store"
    # The site itself still answers only its own host names.
    expected = 200 if host == "cabinet.example.kz" else 400
    assert client.get("/ru/", headers={"Host": host}).status_code == expected
    app.extensions["db_engine"].dispose()


def test_livez_needs_no_database_and_readyz_says_when_it_is_away() -> None:
    app = make_app()
    take_the_database_down(app)
    client = app.test_client()
    assert client.get("/livez", headers={"Host": "any.example"}).status_code == 200
    ready = client.get("/readyz", headers={"Host": "any.example"})
    assert ready.status_code == 503 and ready.get_json()["status"] == "unavailable"
    assert ready.get_json()["checks"]["database"].startswith("unavailable")


def test_readyz_waits_for_the_migrations() -> None:
    app = make_app()
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'an_older_one'"))
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["migrations"].startswith("at an_older_one")
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "cabinet.example.kz"])
def test_metrics_are_not_on_the_public_site(host: str) -> None:
    app = make_app(TRUSTED_HOSTS=None)
    Browser(app).get("/ru/")  # something to count
    for path in ("/metrics", "/metrics/", "/ru/metrics"):
        response = app.test_client().get(path, headers={"Host": host}, follow_redirects=True)
        assert response.status_code == 404
        assert b"ed24_http_requests_total" not in response.get_data()
    app.extensions["db_engine"].dispose()


def test_metrics_are_served_on_their_own_listener(tmp_path) -> None:
    port = servers.free_port()
    app = make_app(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'metrics.sqlite3'}",
                   METRICS_ADDRESS=f"127.0.0.1:{port}")
    Browser(app).get("/ru/cabinet/login")
    servers._wait_for(port)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        body = response.read().decode()
    assert response.status == 200 and "ed24_http_requests_total" in body and "ed24_outbox_depth" in body
    assert 'route="/<lang>/cabinet/login"' in body  # the route, never a path (a path may hold a token)
    assert app.test_client().get("/metrics", follow_redirects=True).status_code == 404
    app.extensions["db_engine"].dispose()
