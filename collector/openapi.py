"""OpenAPI 3.1 description of every collector endpoint, served at ``/openapi.json``.

The report bodies are described by the JSON Schemas in ``resources/schemas/``; the
document embeds those files as components rather than restating their rules.
"""

from __future__ import annotations

import json
import threading
from importlib import resources as package_files
from typing import Any

import falcon

from collector import dashboard
from collector.errors import PERIOD_END_NOT_AFTER_START, PERIOD_TOO_LONG, RULE_CODES, TIME_IN_FUTURE

OPENAPI_VERSION = "3.1.0"
DOCUMENT_VERSION = "1.1.1"
REPORT_SCHEMA_FILES = {"Report_1_0": "report-1.0.schema.json", "Report_1_1": "report-1.1.schema.json"}

_JSON = "application/json"


def _error_response(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if retry_after:
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return response


def _ok(description: str, schema: dict[str, Any], media_type: str = _JSON) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": schema}}}


_UNAUTHORIZED = _error_response("The X-API-Key header is missing or holds no known key.")
_FORBIDDEN_OPERATOR = _error_response("The key is a client key; this route needs an operator key.")
_DATABASE_UNAVAILABLE = _error_response("The database cannot be reached; retry later.", retry_after=True)
_OPERATOR_ONLY = [{"OperatorKey": []}]


def _submit_path() -> dict[str, Any]:
    body_schema = {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in REPORT_SCHEMA_FILES]}
    return {
        "post": {
            "operationId": "submitReport",
            "summary": "Store one usage report",
            "description": (
                "Validates the report against schema 1.0 or 1.1 (chosen by its schema_version), applies the "
                "per-installation and per-source hourly limits and stores one row. A report id that is already "
                "stored is answered with 200 and the stored submission id, without a second row."
            ),
            "security": [{"ClientKey": []}, {"OperatorKey": []}],
            "requestBody": {"required": True, "content": {_JSON: {"schema": body_schema}}},
            "responses": {
                "200": _ok("The report is stored, now or before.", {"$ref": "#/components/schemas/SubmitAccepted"}),
                "400": _error_response("The body is not valid JSON or not a JSON object."),
                "401": _UNAUTHORIZED,
                "403": _error_response("The deletion token hash differs from the one this installation registered."),
                "409": _error_response("The report id is already stored for another installation."),
                "413": _error_response("The body is larger than COLLECTOR_MAX_BODY_BYTES."),
                "415": _error_response("The Content-Type is not application/json."),
                "422": _error_response(
                    "A field breaks a rule of its schema; the answer names the field, and some rules also "
                    f"carry a code. With the code {TIME_IN_FUTURE}, the same report may be sent again once the "
                    "clocks agree."
                ),
                "429": _error_response("An hourly limit is used up.", retry_after=True),
                "503": _error_response(
                    "The database cannot be reached, the report writer is restarting, or this process is stopping; "
                    "retry later.",
                    retry_after=True,
                ),
            },
        }
    }


def _installation_path() -> dict[str, Any]:
    token_rejected = _error_response(
        "The bearer token does not match the installation's registered deletion token, "
        "or the installation sent only schema 1.0 reports and registered none."
    )
    missing_token = _error_response("No Authorization: Bearer header was sent.")
    return {
        "parameters": [
            {
                "name": "installation_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "format": "uuid"},
            }
        ],
        "get": {
            "operationId": "getInstallationData",
            "summary": "Download everything stored for one installation",
            "security": [{"DeletionToken": []}],
            "responses": {
                "200": _ok("The installation record and every stored submission.", {"$ref": "#/components/schemas/InstallationData"}),
                "401": missing_token,
                "403": token_rejected,
                "404": _error_response("Nothing is stored for this installation id."),
                "503": _DATABASE_UNAVAILABLE,
            },
        },
        "delete": {
            "operationId": "deleteInstallation",
            "summary": "Delete every row of one installation",
            "description": "Allowed with the installation's deletion token, or with an operator key in X-API-Key.",
            "security": [{"DeletionToken": []}, {"OperatorKey": []}],
            "responses": {
                "200": _ok("The rows are deleted.", {"$ref": "#/components/schemas/DeletionResult"}),
                "401": _error_response("Neither an Authorization: Bearer header nor an operator key in X-API-Key was sent."),
                "403": token_rejected,
                "503": _DATABASE_UNAVAILABLE,
            },
        },
    }


def _stats_paths() -> dict[str, Any]:
    dashboards = ", ".join(dashboard.DASHBOARD_NAMES)
    return {
        "/stats/summary": {
            "get": {
                "operationId": "getSummary",
                "summary": "Installation and submission totals",
                "security": _OPERATOR_ONLY,
                "responses": {
                    "200": _ok("The totals.", {"$ref": "#/components/schemas/Summary"}),
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN_OPERATOR,
                    "503": _DATABASE_UNAVAILABLE,
                },
            }
        },
        "/stats/dashboard": {
            "get": {
                "operationId": "listDashboards",
                "summary": "Dashboard names and the query parameters each accepts",
                "security": _OPERATOR_ONLY,
                "responses": {
                    "200": _ok("The dashboards.", {"type": "object", "required": ["dashboards"]}),
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN_OPERATOR,
                },
            }
        },
        "/stats/dashboard/{name}": {
            "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": list(dashboard.DASHBOARD_NAMES)}},
                {
                    "name": "days",
                    "in": "query",
                    "required": False,
                    "description": (
                        "Window or trend length in days: 1-365 (default 30) for activity, breakdowns and anomalies, "
                        "7-365 (default 90) for version-migration and feature-trends. overview takes no parameter."
                    ),
                    "schema": {"type": "integer", "minimum": 1, "maximum": 365},
                },
            ],
            "get": {
                "operationId": "getDashboard",
                "summary": "One dashboard, with small-count suppression",
                "description": (
                    f"Dashboards: {dashboards}. No group of fewer than COLLECTOR_MIN_GROUP_SIZE installations is "
                    "shown: small groups are merged into other, and other is dropped when it is small as well."
                ),
                "security": _OPERATOR_ONLY,
                "responses": {
                    "200": _ok("The dashboard.", {"$ref": "#/components/schemas/Dashboard"}),
                    "400": _error_response("A query parameter is unknown or outside its range; the answer names it."),
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN_OPERATOR,
                    "404": _error_response("There is no dashboard of that name."),
                    "503": _DATABASE_UNAVAILABLE,
                },
            },
        },
    }


def _service_paths() -> dict[str, Any]:
    return {
        "/health": {
            "get": {
                "operationId": "getHealth",
                "summary": "Check that the service and its database answer",
                "security": [],
                "responses": {
                    "200": _ok("The database answered.", {"$ref": "#/components/schemas/Health"}),
                    "503": _error_response(
                        "The database cannot be reached, this process is stopping, or its report writer is restarting.",
                        retry_after=True,
                    ),
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "getMetrics",
                "summary": "Prometheus metrics of this server process",
                "security": _OPERATOR_ONLY,
                "responses": {
                    "200": _ok("Metrics in the Prometheus text format 0.0.4.", {"type": "string"}, "text/plain"),
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN_OPERATOR,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document",
                "security": [],
                "responses": {"200": _ok("The OpenAPI 3.1 document.", {"type": "object"})},
            }
        },
    }


def _component_schemas() -> dict[str, Any]:
    error = {
        "type": "object",
        "required": ["title"],
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "field": {"type": "string", "description": "Dotted path of the field that broke a rule."},
            "code": {
                "type": "string",
                "enum": list(RULE_CODES),
                "description": (
                    f"Machine-readable rule name, sent only with some 422 responses. {TIME_IN_FUTURE}: the field "
                    f"is a time more than one day after the collector's clock. {PERIOD_END_NOT_AFTER_START}: "
                    f"period.end is not later than period.start. {PERIOD_TOO_LONG}: the period is longer than "
                    "31 days."
                ),
            },
            "retry_after_seconds": {"type": "integer", "minimum": 1},
        },
    }
    return {
        "Error": error,
        "SubmitAccepted": {
            "type": "object",
            "required": ["status", "submission_id"],
            "properties": {"status": {"const": "ok"}, "submission_id": {"type": "integer"}},
        },
        "DeletionResult": {
            "type": "object",
            "required": ["status", "deleted"],
            "properties": {"status": {"const": "ok"}, "deleted": {"type": "integer", "minimum": 0}},
        },
        "InstallationData": {
            "type": "object",
            "required": ["installation", "submissions"],
            "properties": {
                "installation": {"type": ["object", "null"]},
                "submissions": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Summary": {
            "type": "object",
            "properties": {
                "installations_total": {"type": "integer"},
                "active_7_days": {"type": "integer"},
                "active_30_days": {"type": "integer"},
                "submissions_total": {"type": "integer"},
                "latest_submission_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "Dashboard": {
            "type": "object",
            "required": ["dashboard", "generated_at", "min_group_size"],
            "properties": {
                "dashboard": {"type": "string"},
                "generated_at": {"type": "string", "format": "date-time"},
                "min_group_size": {"type": "integer", "minimum": 1},
                "groups": {"type": "array", "items": {"type": "object"}},
                "other": {"type": ["object", "null"]},
                "suppressed_groups": {"type": "integer", "minimum": 0},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}, "database": {"const": "ok"}},
        },
        **{name: load_report_schema(file_name) for name, file_name in REPORT_SCHEMA_FILES.items()},
    }


def load_report_schema(file_name: str) -> dict[str, Any]:
    """Read one report schema from ``resources/schemas/``.

    Raises FileNotFoundError naming the file when the package data is incomplete.
    """
    path = package_files.files("resources").joinpath("schemas", file_name)
    if not path.is_file():
        msg = f"Report schema resources/schemas/{file_name} is missing; reinstall the package with its data files."
        raise FileNotFoundError(msg)
    return json.loads(path.read_text(encoding="utf-8"))


def build_openapi_document() -> dict[str, Any]:
    """Build the OpenAPI 3.1 document of the collector."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Printernizer usage statistics collector",
            "version": DOCUMENT_VERSION,
            "description": "Receives opt-in, anonymous usage reports and serves operator statistics.",
        },
        "paths": {
            "/submit": _submit_path(),
            "/installation/{installation_id}": _installation_path(),
            **_stats_paths(),
            **_service_paths(),
        },
        "components": {
            "schemas": _component_schemas(),
            "securitySchemes": {
                "ClientKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "A client key."},
                "OperatorKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "An operator key."},
                "DeletionToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The installation's deletion token; the collector stores only its SHA-256.",
                },
            },
            "headers": {
                "RetryAfter": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}
            },
        },
    }


class OpenApiResource:
    """``GET /openapi.json``: the document, built on first use and then served from memory."""

    def __init__(self) -> None:
        self._body: bytes | None = None
        self._lock = threading.Lock()

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self._lock:
            if self._body is None:
                self._body = json.dumps(build_openapi_document(), sort_keys=True).encode("utf-8")
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._body


def add_openapi_route(app: falcon.App) -> None:
    """Serve the OpenAPI document at ``/openapi.json`` on ``app``."""
    app.add_route("/openapi.json", OpenApiResource())
