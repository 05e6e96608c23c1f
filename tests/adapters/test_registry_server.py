"""The sandbox's registry server (webapp/sandbox/registry_server.py) against the document
it implements (webapp/adapters/registry.openapi.json): the same paths, answers that match
the document's schemas, and JSON, never a 500, on odd input; and schemathesis's own
reading of the document, over HTTP."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator
from sqlalchemy.exc import OperationalError

import webapp.adapters
from tests.adapters.fakes import (
    AIGERIM,
    AIGERIM_PHONES,
    ALIKHAN,
    AMINA,
    NO_CHILD,
    NOBODY_IIN,
    NOBODY_PHONE,
    REGISTRY_TOKEN,
    FakeRegistry,
)

DOC: dict[str, Any] = json.loads(
    (Path(webapp.adapters.__file__).parent / "registry.openapi.json").read_text(encoding="utf-8"))
PREFIX = "/sandbox/registry"
AUTH = {"Authorization": f"Bearer {REGISTRY_TOKEN}"}


def validator(ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": ref, "components": DOC["components"]})


@pytest.fixture
def client(registry_flask_app: Flask) -> FlaskClient:
    return registry_flask_app.test_client()


def test_document_schemas_are_valid_json_schema() -> None:
    for schema in DOC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_document_paths_are_the_blueprints_routes(registry_flask_app: Flask) -> None:
    routes = {re.sub(r"<(\w+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
              for rule in registry_flask_app.url_map.iter_rules()
              if rule.endpoint.startswith("registry_server.") and rule.endpoint != "registry_server.unknown"}
    assert routes == set(DOC["paths"])


ANSWERS = [
    (f"/bmg/v1/citizens/{AIGERIM}/phones", "/bmg/v1/citizens/{iin}/phones", 200,
     {"iin": AIGERIM, "phones": AIGERIM_PHONES}),
    (f"/bmg/v1/citizens/{NOBODY_IIN}/phones", "/bmg/v1/citizens/{iin}/phones", 200,
     {"iin": NOBODY_IIN, "phones": []}),
    ("/bmg/v1/phones/%2B77017001234/holder", "/bmg/v1/phones/{phone}/holder", 200,
     {"phone": "+77017001234", "iin": AIGERIM}),
    ("/bmg/v1/phones/+77017001234/holder", "/bmg/v1/phones/{phone}/holder", 200,
     {"phone": "+77017001234", "iin": AIGERIM}),
    (f"/bmg/v1/phones/{NOBODY_PHONE}/holder", "/bmg/v1/phones/{phone}/holder", 200,
     {"phone": NOBODY_PHONE, "iin": None}),
    (f"/children/v1/children/{ALIKHAN}", "/children/v1/children/{iin}", 200, None),
    (f"/children/v1/children/{AMINA}", "/children/v1/children/{iin}", 200, None),
    (f"/children/v1/children/{NO_CHILD}", "/children/v1/children/{iin}", 404,
     {"error": {"code": "child_not_found", "message": "no child with this IIN"}}),
]


@pytest.mark.parametrize(("url", "path", "status", "expected"), ANSWERS)
def test_answers_match_the_document(client: FlaskClient, url: str, path: str, status: int,
                                    expected: dict[str, Any] | None) -> None:
    response = client.get(PREFIX + url, headers=AUTH)
    assert response.status_code == status
    documented = DOC["paths"][path]["get"]["responses"][str(status)]
    validator(documented["content"]["application/json"]["schema"]["$ref"]).validate(response.get_json())
    if expected is not None:
        assert response.get_json() == expected


ODD = [
    ("/bmg/v1/phones/garbage/holder", 400), ("/bmg/v1/phones/87057546868/holder", 400),
    ("/bmg/v1/phones/%2B77057546868%0A/holder", 400), ("/bmg/v1/citizens/123/phones", 400),
    ("/bmg/v1/citizens/%D9%A9%D9%A0%D9%A0%D9%A5%D9%A1%D9%A5%D9%A4%D9%A0%D9%A1%D9%A2%D9%A3%D9%A0/phones", 400),
    ("/children/v1/children/%00", 400), ("/children/v1/children/" + "1" * 5000, 400),
    ("/children/v1/children/%27%20OR%201=1", 400),
    ("/bmg/v1/citizens//phones", 404), ("/bmg/v2/citizens/900515401230/phones", 404), ("/", 404),
    ("", 308), ("/children/v1/children/210610501239/", 404), ("/%ff%fe", 404),
]


@pytest.mark.parametrize(("url", "status"), ODD)
def test_odd_input_is_answered_in_json_never_500(client: FlaskClient, url: str, status: int) -> None:
    response = client.get(PREFIX + url, headers=AUTH)
    assert response.status_code == status
    if status != 308:      # "/sandbox/registry" → "/sandbox/registry/", Flask's own redirect
        validator("#/components/schemas/Error").validate(response.get_json())


def test_bearer_token_is_required_when_configured(client: FlaskClient, registry_flask_app: Flask,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{PREFIX}/bmg/v1/citizens/{AIGERIM}/phones"
    for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": REGISTRY_TOKEN}]:
        response = client.get(url, headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get(url, headers=AUTH).status_code == 200
    monkeypatch.setitem(registry_flask_app.config, "REGISTRY_SERVER_TOKEN", None)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_only_get(client: FlaskClient, method: str) -> None:
    response = client.open(f"{PREFIX}/children/v1/children/{ALIKHAN}", method=method, headers=AUTH)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    validator("#/components/schemas/Error").validate(response.get_json())


def test_nothing_without_the_sandbox(client: FlaskClient, registry_flask_app: Flask,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry_flask_app.config, "SANDBOX", False)
    response = client.get(f"{PREFIX}/bmg/v1/citizens/{AIGERIM}/phones", headers=AUTH)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_request_id_is_echoed(client: FlaskClient) -> None:
    response = client.get(f"{PREFIX}/children/v1/children/{ALIKHAN}",
                          headers={**AUTH, "X-Request-ID": "req-7"})
    assert response.headers["X-Request-ID"] == "req-7"


def test_database_failure_is_503_in_json(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))
    monkeypatch.setattr("webapp.sandbox.registry_server.get_db", broken)
    response = client.get(f"{PREFIX}/bmg/v1/citizens/{AIGERIM}/phones", headers=AUTH)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    validator("#/components/schemas/Error").validate(response.get_json())


SCHEMA = schemathesis.openapi.from_dict(json.loads(json.dumps(DOC)))


@SCHEMA.parametrize()
@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_the_server_keeps_the_document(case: Any, registry_server: FakeRegistry) -> None:
    case.call_and_validate(base_url=registry_server.url(PREFIX), headers=AUTH)
