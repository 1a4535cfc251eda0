"""HTTP resources: parse the request, call the Store, set the response.

Keys are checked in ``auth.ApiKeyMiddleware`` and body rules in the hooks below.
Errors are mapped to HTTP responses once, in ``app.py``.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import falcon

from collector.auth import authorize_installation
from collector.config import CollectorConfig
from collector.dashboard.routes import read_parameters
from collector.logs import logger
from collector.ratelimit import SourceKeys, client_address, source_hash
from collector.storage import ReportRequest, Store
from collector.validation import parse_report
from collector.writer import Writer

Clock = Callable[[], datetime]

# Retry-After of every 503: the database is unavailable, the report writer is restarting,
# or the process is stopping.
RETRY_AFTER_SECONDS = 30


def require_json(req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]) -> None:
    """Falcon hook: reject a body that is not declared as application/json."""
    media_type = (req.content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        req.context.outcome = "unsupported_media_type"
        raise falcon.HTTPUnsupportedMediaType(
            title="Unsupported Media Type",
            description=f"Send the report as Content-Type: application/json, not {media_type or 'no content type'!r}.",
        )


def read_json_body(req: falcon.Request, max_bytes: int) -> Any:
    """Read at most ``max_bytes`` of body and decode it as JSON."""
    if req.content_length is not None and req.content_length > max_bytes:
        _raise_too_large(req, max_bytes)
    body = req.bounded_stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        _raise_too_large(req, max_bytes)

    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        req.context.outcome = "malformed_json"
        raise falcon.HTTPBadRequest(title="Malformed JSON", description=_describe_json_error(error)) from None


def _describe_json_error(error: ValueError | RecursionError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"The body is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
    if isinstance(error, UnicodeDecodeError):
        return f"The body is not valid UTF-8 at byte {error.start}; send the report encoded as UTF-8."
    if isinstance(error, RecursionError):
        return "The body nests arrays or objects too deeply; a report nests objects three levels deep."
    if "digits" in str(error):
        # int() raises a plain ValueError for a number longer than sys.get_int_max_str_digits().
        return (
            f"The body contains a number of more than {sys.get_int_max_str_digits()} digits; "
            "send counts as ordinary integers."
        )
    return f"The body is not valid JSON: {type(error).__name__}."


def _raise_too_large(req: falcon.Request, max_bytes: int) -> None:
    req.context.outcome = "too_large"
    raise falcon.HTTPContentTooLarge(
        title="Report Too Large", description=f"The body must be at most {max_bytes} bytes."
    )


class SubmitResource:
    """POST /submit: queue one report for the writer and return its submission id once committed."""

    def __init__(self, config: CollectorConfig, store: Store, writer: Writer, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.writer = writer
        self.clock = clock
        self.source_keys = SourceKeys(config.data_dir)

    @falcon.before(require_json)
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_json_body(req, self.config.max_body_bytes)
        now = self.clock()
        req.context.outcome = "invalid"
        report = parse_report(body, now)

        address = client_address(req.remote_addr, req.get_header("X-Forwarded-For"), self.config.trusted_proxies)
        request = ReportRequest(
            report,
            received_at=now,
            source_hash=source_hash(self.source_keys, address, now),
            limit_per_hour=self.config.rate_limit_per_hour,
            source_limit_per_hour=self.config.source_rate_limit_per_hour,
        )
        stored = self.writer.submit(request)

        req.context.outcome = "duplicate" if stored.duplicate else "accepted"
        resp.media = {"status": "ok", "submission_id": stored.submission_id}
        logger.debug(
            "report %s stored as submission %s",
            report.report_id,
            stored.submission_id,
            extra={"event": "report_" + req.context.outcome, "schema_version": report.schema_version},
        )


class InstallationResource:
    """GET and DELETE /installation/{id}: the installation's own data, by its deletion token."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @falcon.before(authorize_installation)
    def on_get(self, req: falcon.Request, resp: falcon.Response, installation_id: Any) -> None:
        data = self.store.installation_data(str(installation_id))
        if data is None:
            raise falcon.HTTPNotFound(
                title="Installation Not Found", description="Nothing is stored for this installation id."
            )
        resp.media = data

    @falcon.before(authorize_installation)
    def on_delete(self, req: falcon.Request, resp: falcon.Response, installation_id: Any) -> None:
        deleted = self.store.delete_installation(str(installation_id))
        logger.info(
            "deleted %s submissions of an installation",
            deleted,
            extra={"event": "installation_deleted", "deleted": deleted, "by": req.context.get("role") or "token"},
        )
        resp.media = {"status": "ok", "deleted": deleted}


class SummaryResource:
    """GET /stats/summary: totals for the operator."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        read_parameters(req, (), resource="endpoint")
        resp.media = self.store.summary(self.clock())


class HealthResource:
    """GET /health: 200 when a query on the database succeeds and the report writer takes reports, else 503."""

    def __init__(self, store: Store, stopping: threading.Event, writer: Writer) -> None:
        self.store = store
        self.stopping = stopping
        self.writer = writer

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if self.stopping.is_set():
            _unavailable(resp, "Stopping", "This collector process is stopping. Send requests to another one.")
            return
        if not self.writer.ready:
            _unavailable(
                resp,
                "Writer Unavailable",
                "The report writer of this collector process is restarting. Send requests to another one.",
            )
            return
        self.store.check()
        resp.media = {"status": "ok", "database": "ok"}


def _unavailable(resp: falcon.Response, title: str, description: str) -> None:
    resp.status = 503
    resp.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
    resp.media = {"title": title, "description": description}
