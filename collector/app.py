"""Build the Falcon application from a configuration and a Store."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import falcon
import peewee
from falcon.routing import UUIDConverter

from collector.auth import ApiKeyMiddleware
from collector.config import CollectorConfig
from collector.dashboard import add_dashboard_routes
from collector.errors import DeletionTokenMismatch, RateLimited, ReportError, ReportIdConflict
from collector.logs import RequestLogMiddleware, logger
from collector.metrics import UNAVAILABLE_OUTCOME, CollectorMetrics, MetricsMiddleware, add_metrics_route
from collector.openapi import add_openapi_route
from collector.resources import (
    RETRY_AFTER_SECONDS,
    Clock,
    HealthResource,
    InstallationResource,
    SubmitResource,
    SummaryResource,
)
from collector.storage import Store
from collector.writer import ReportWriter, Writer, WriterClosed, WriterUnavailable


def utc_now() -> datetime:
    """Return the current time as a naive UTC datetime, the form the tables store."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def create_app(
    config: CollectorConfig,
    store: Store,
    *,
    clock: Clock | None = None,
    writer: Writer | None = None,
    metrics: CollectorMetrics | None = None,
    stopping: threading.Event | None = None,
) -> falcon.App:
    """Return the collector's WSGI application; ``clock`` returns naive UTC datetimes.

    Reports are stored through ``writer``, a new ReportWriter of ``store`` when omitted.
    The caller that passes one closes it after the server stopped, so queued reports are stored.
    ``/metrics`` shows ``metrics``, new ones when omitted. Once ``stopping`` is set,
    ``/health`` returns 503 so that a load balancer stops routing requests to this process.
    """
    clock = clock or utc_now
    writer = writer or ReportWriter(store)
    metrics = metrics or CollectorMetrics()
    app = falcon.App(
        middleware=[
            MetricsMiddleware(metrics),
            RequestLogMiddleware(),
            ApiKeyMiddleware(config.api_keys, config.admin_keys),
        ],
    )

    app.add_route("/submit", SubmitResource(config, store, writer, clock))
    app.add_route("/installation/{installation_id:uuid}", InstallationResource(store))
    app.add_route("/stats/summary", SummaryResource(store, clock))
    app.add_route("/health", HealthResource(store, stopping or threading.Event(), writer))
    add_dashboard_routes(app, store, config, clock)
    add_metrics_route(app, metrics)
    add_openapi_route(app)

    app.set_error_serializer(_serialize_error_as_json)
    app.add_error_handler(ReportError, _report_error)
    app.add_error_handler(ReportIdConflict, _report_id_conflict)
    app.add_error_handler(DeletionTokenMismatch, _deletion_token_mismatch)
    app.add_error_handler(RateLimited, _rate_limited)
    database_unavailable = _database_unavailable_handler(store)
    app.add_error_handler(peewee.OperationalError, database_unavailable)
    app.add_error_handler(peewee.InterfaceError, database_unavailable)
    app.add_error_handler(WriterClosed, _shutting_down)
    app.add_error_handler(WriterUnavailable, _writer_unavailable)
    app.add_error_handler(falcon.HTTPRouteNotFound, _route_not_found)
    app.add_error_handler(falcon.HTTPMethodNotAllowed, _method_not_allowed)
    # Falcon picks the most specific handler, so HTTPError and the errors above keep theirs.
    app.add_error_handler(Exception, _unexpected_error)
    return app


def _serialize_error_as_json(req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError) -> None:
    # Falcon's default serializer follows Accept: XML for application/xml, and an empty
    # body for text/plain. The OpenAPI document promises JSON for every error.
    resp.content_type = falcon.MEDIA_JSON
    resp.data = error.to_json()


def _answer(resp: falcon.Response, status: int, title: str, description: str, **extra: Any) -> None:
    resp.status = status
    resp.media = {"title": title, "description": description, **extra}


def _report_error(req: falcon.Request, resp: falcon.Response, error: ReportError, params: dict[str, Any]) -> None:
    req.context.outcome = "invalid"
    title = "Invalid Report" if error.status == 422 else "Invalid Request Body"
    extra = {"field": error.field}
    if error.code is not None:
        extra["code"] = error.code
    _answer(resp, error.status, title, f"Field {error.field} {error.rule}.", **extra)


def _report_id_conflict(
    req: falcon.Request, resp: falcon.Response, error: ReportIdConflict, params: dict[str, Any]
) -> None:
    req.context.outcome = "invalid"
    description = "Field report_id is already used by another installation; send a new random UUID."
    _answer(resp, 409, "Report Id Conflict", description, field="report_id")


def _deletion_token_mismatch(
    req: falcon.Request, resp: falcon.Response, error: DeletionTokenMismatch, params: dict[str, Any]
) -> None:
    req.context.outcome = "forbidden"
    description = (
        "Field installation.deletion_token_sha256 differs from the hash this installation registered first; "
        "a new deletion token needs a new installation id."
    )
    _answer(resp, 403, "Deletion Token Mismatch", description, field="installation.deletion_token_sha256")


def _rate_limited(req: falcon.Request, resp: falcon.Response, error: RateLimited, params: dict[str, Any]) -> None:
    req.context.outcome = "rate_limited"
    resp.set_header("Retry-After", str(error.retry_after_seconds))
    description = (
        f"The {error.scope} limit of {error.limit_per_hour} reports per hour is reached; "
        f"retry after {error.retry_after_seconds} seconds."
    )
    _answer(resp, 429, "Too Many Requests", description, retry_after_seconds=error.retry_after_seconds)


def _database_unavailable_handler(store: Store) -> Callable[..., None]:
    """Return the error handler that responds with 503 and logs the driver's reason, with the host and password masked."""

    def handle(req: falcon.Request, resp: falcon.Response, error: peewee.PeeweeException, params: dict[str, Any]) -> None:
        req.context.outcome = "error"
        logger.error(
            "database unavailable (%s): %s; check that the database in DATABASE_URL is running and reachable",
            type(error).__name__,
            store.describe_error(error),
            extra={"event": "database_unavailable"},
        )
        resp.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
        _answer(resp, 503, "Database Unavailable", "The collector cannot reach its database; retry later.")

    return handle


def _route_not_found(req: falcon.Request, resp: falcon.Response, error: falcon.HTTPRouteNotFound, params: dict[str, Any]) -> None:
    """Respond with 404 and a description of why the path matches no endpoint."""
    if req.path.startswith("/installation/"):
        installation_id, slash, rest = req.path.removeprefix("/installation/").partition("/")
        # The route's own converter, so that this agrees with the router on what an id is.
        if slash and UUIDConverter().convert(installation_id) is not None:
            description = (
                f"/installation/{installation_id} takes nothing after the id, but the path goes on with "
                f"{'/' + rest[:80]!r}; send the request to /installation/{installation_id}."
            )
        else:
            description = (
                f"{req.path.removeprefix('/installation/')[:80]!r} is not an installation id; "
                "use the UUID the app shows, such as 3fa85f64-5717-4562-b3fc-2c963f66afa6."
            )
    else:
        description = "No endpoint has this path; GET /openapi.json lists the collector's endpoints."
    _answer(resp, 404, "Not Found", description)


def _method_not_allowed(
    req: falcon.Request, resp: falcon.Response, error: falcon.HTTPMethodNotAllowed, params: dict[str, Any]
) -> None:
    """Respond with 405, the Allow header and a description that names the allowed methods."""
    allowed = (error.headers or {}).get("Allow", "")
    resp.set_headers(error.headers or {})
    description = f"{req.path} does not take {req.method}; it takes {allowed}. GET /openapi.json describes every endpoint."
    _answer(resp, 405, "Method Not Allowed", description)


def _shutting_down(req: falcon.Request, resp: falcon.Response, error: WriterClosed, params: dict[str, Any]) -> None:
    _answer_unavailable(req, resp, "Shutting Down", "The collector is stopping and stores no more reports; retry later.")


def _writer_unavailable(
    req: falcon.Request, resp: falcon.Response, error: WriterUnavailable, params: dict[str, Any]
) -> None:
    _answer_unavailable(req, resp, "Writer Unavailable", "The collector's report writer is restarting; retry later.")


def _answer_unavailable(req: falcon.Request, resp: falcon.Response, title: str, description: str) -> None:
    """Answer 503 with Retry-After for a report that came while no writer takes reports."""
    req.context.outcome = UNAVAILABLE_OUTCOME
    resp.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
    _answer(resp, 503, title, description)


def _unexpected_error(req: falcon.Request, resp: falcon.Response, error: Exception, params: dict[str, Any]) -> None:
    req.context.outcome = "error"
    logger.error(
        "unexpected %s in %s %s",
        type(error).__name__,
        req.method,
        req.uri_template or "(no route)",
        exc_info=error,
        extra={"event": "unexpected_error"},
    )
    _answer(resp, 500, "Internal Server Error", "The collector failed to handle the request; the error is logged.")
