"""JSON log lines on the "collector" logger, and one access line per request.

No line carries a client address, an API key or a deletion token: the access line
names the route template, not the path, and the request's headers are never logged.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime, timezone
from typing import Any

import falcon

logger = logging.getLogger("collector")

# Attributes every LogRecord has; anything else was passed through ``extra``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message and the extra fields."""

    def __init__(self) -> None:
        super().__init__()
        self._encoder = json.JSONEncoder(default=str)
        # The last whole second formatted, because consecutive lines mostly share it.
        # Handler.handle calls format under the handler's lock, so threads never race here.
        self._second: datetime | None = None
        self._second_text = ""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._format_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return self._encoder.encode(line)

    def _format_time(self, created: float) -> str:
        """Return ``created`` as ISO 8601 UTC with milliseconds, as ``isoformat(timespec="milliseconds")`` does."""
        moment = datetime.fromtimestamp(created, timezone.utc)
        second = moment.replace(microsecond=0)
        if second != self._second:
            self._second_text = second.strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._second_text}.{moment.microsecond // 1000:03d}+00:00"


def configure_logging(level: str) -> None:
    """Send the collector's and Waitress's records to stderr as JSON lines at ``level``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("collector", "waitress"):
        named = logging.getLogger(name)
        named.handlers[:] = [handler]
        named.setLevel(level)
        named.propagate = False


class RequestLogMiddleware:
    """Log one INFO line per request with its route, status, outcome and duration."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        started = req.context.get("started", time.perf_counter())
        logger.info(
            "%s %s %s",
            req.method,
            req.uri_template or "(no route)",
            resp.status_code,
            extra={
                "event": "request",
                "method": req.method,
                "route": req.uri_template,
                "status": resp.status_code,
                "outcome": req.context.get("outcome"),
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
