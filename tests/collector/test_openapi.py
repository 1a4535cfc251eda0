"""The OpenAPI document names exactly the app's routes and methods, and is valid OpenAPI 3.1."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import falcon
import httpx
import jsonschema
import pytest
from falcon import testing

from collector.app import create_app, utc_now
from collector.config import CollectorConfig
from collector.openapi import build_openapi_document
from tests.collector.conftest import CLIENT_KEY, base_environ, report_1_0_body, report_1_1

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_CONVERTER_PATTERN = re.compile(r"\{(\w+):[^}]*\}")


def app_operations(app: falcon.App) -> set[tuple[str, str]]:
    """Return (path template, method) for every responder the app routes to."""
    operations = set()
    pending = list(app._router._roots)  # noqa: SLF001 - Falcon has no public API to list routes.
    while pending:
        node = pending.pop()
        pending.extend(node.children)
        if node.resource is None:
            continue
        template = _CONVERTER_PATTERN.sub(r"{\1}", node.uri_template)
        for method in HTTP_METHODS:
            if callable(getattr(node.resource, f"on_{method}", None)):
                operations.add((template, method))
    return operations


def document_operations(document: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item if method in HTTP_METHODS}


@pytest.fixture
def app(sqlite_store, tmp_path):
    config = CollectorConfig.from_environ(base_environ(f"sqlite:///{tmp_path / 'collector.db'}", tmp_path))
    return create_app(config, sqlite_store)


def test_openapi_document_lists_every_route(app):
    routes = app_operations(app)
    documented = document_operations(build_openapi_document())

    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "the OpenAPI document names operations the app does not serve"
    assert ("/submit", "post") in routes
    assert ("/installation/{installation_id}", "delete") in routes


def test_openapi_document_is_valid_openapi_3_1():
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed")

    document = build_openapi_document()

    assert document["openapi"] == "3.1.0"
    validator.validate(document)


def test_openapi_served_without_key(app):
    client = testing.TestClient(app)

    response = client.simulate_get("/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json == json.loads(json.dumps(build_openapi_document()))


def test_openapi_report_schemas_accept_client_reports():
    schemas = build_openapi_document()["components"]["schemas"]
    now = utc_now().replace(microsecond=0)

    jsonschema.validate(report_1_1(now), schemas["Report_1_1"])
    jsonschema.validate(json.loads(report_1_0_body(now, str(uuid.uuid4()))), schemas["Report_1_0"])


def test_openapi_report_schema_rejects_unknown_platform():
    schemas = build_openapi_document()["components"]["schemas"]
    report = report_1_1(utc_now().replace(microsecond=0))
    report["installation"]["platform"] = "amiga"

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schemas["Report_1_1"])


def test_openapi_dashboard_names_match_app(start_server):
    server = start_server()
    names = build_openapi_document()["paths"]["/stats/dashboard/{name}"]["parameters"][0]["schema"]["enum"]
    headers = {"X-API-Key": "operator-key-0123456789abcdef"}

    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        statuses = {name: client.get(f"/stats/dashboard/{name}").status_code for name in names}
        listed = [entry["name"] for entry in client.get("/stats/dashboard").json()["dashboards"]]

    assert statuses == {name: 200 for name in names}
    assert listed == names


@pytest.mark.parametrize("accept", ["application/xml", "text/xml;q=1, application/json;q=0.5", "text/plain", "text/html"])
@pytest.mark.parametrize(("method", "path"), [("GET", "/stats/summary"), ("GET", "/no-such-route"), ("POST", "/submit")])
def test_error_body_is_json_whatever_accept(app, accept, method, path):
    # The document describes every error response as application/json with the Error schema.
    response = testing.TestClient(app).simulate_request(method, path, headers={"Accept": accept})

    assert response.status_code >= 400
    assert response.headers["content-type"] == "application/json"
    assert "title" in json.loads(response.text)


def test_openapi_error_schema_documents_codes(app):
    error_schema = build_openapi_document()["components"]["schemas"]["Error"]
    now = utc_now().replace(microsecond=0)
    report = report_1_1(now)
    report["period"]["end"] = (now + timedelta(days=2)).isoformat() + "Z"
    headers = {"X-API-Key": CLIENT_KEY, "Content-Type": "application/json"}

    response = testing.TestClient(app).simulate_post("/submit", body=json.dumps(report), headers=headers)

    assert response.status_code == 422
    assert response.json["code"] == "time_in_future"
    jsonschema.validate(response.json, error_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**response.json, "code": "undocumented_rule"}, error_schema)
