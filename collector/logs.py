"""JSON log lines on the "collector" logger, and one access line per request.

No line carries a client address, an API key or a deletion token: the access line
names the route template, not the path, and the request's headers are never logged.
Waitress's own records can name a connection's peer, as in an unexpected error
on a channel, so addresses in their message and traceback are replaced.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import queue
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TextIO

import falcon

from collector.auth import route_label

logger = logging.getLogger("collector")

# Runs of characters that can form an IPv4 or IPv6 address, with an optional port.
_ADDRESS_CANDIDATE = re.compile(r"[0-9A-Fa-f:.\[\]]*[:.][0-9A-Fa-f:.\[\]]*")
REDACTED_ADDRESS = "<address>"

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
        # The collector's own lines name no client address, but Waitress's can name a peer.
        clean: Callable[[str], str] = redact_addresses if record.name.startswith("waitress") else str
        line: dict[str, Any] = {
            "time": self._format_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": clean(record.getMessage()),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES and not name.startswith("_"):
                line[name] = value
        if record.exc_info:
            line["exception"] = clean(self.formatException(record.exc_info))
        return self._encoder.encode(line)

    def _format_time(self, created: float) -> str:
        """Return ``created`` as ISO 8601 UTC with milliseconds, as ``isoformat(timespec="milliseconds")`` does."""
        moment = datetime.fromtimestamp(created, timezone.utc)
        second = moment.replace(microsecond=0)
        if second != self._second:
            self._second_text = second.strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._second_text}.{moment.microsecond // 1000:03d}+00:00"


def redact_addresses(text: str) -> str:
    """Return ``text`` with every IPv4 or IPv6 address, and the port after it, replaced by <address>."""
    return _ADDRESS_CANDIDATE.sub(_redact_candidate, text)


def _redact_candidate(match: re.Match[str]) -> str:
    token = match.group(0)
    # A full stop after an address ends the sentence, as in "from 127.0.0.1." or "from ::1.".
    text = token.rstrip(".")
    candidates = [text, text.rstrip(":")]
    if text.startswith("[") and "]" in text:
        candidates.append(text[1 : text.index("]")])  # [2001:db8::1]:443
    if text.count(":") == 1:
        candidates.append(text.partition(":")[0])  # 203.0.113.7:51234
    for candidate in candidates:
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            continue
        return REDACTED_ADDRESS + token[len(text) :]
    return token


# Lines a BackgroundLineHandler joins into one write at most.
MAX_LINES_PER_WRITE = 256


class BackgroundLineHandler(logging.Handler):
    """Handler that queues records for one thread, which formats them and writes them in batches.

    A request thread only appends the record to a queue. Writing from every request
    thread costs a system call per line, and under load each such call gives the GIL
    away and makes the thread wait to get it back.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._records: queue.SimpleQueue[logging.LogRecord | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write_records, name="collector-log", daemon=True)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        self._records.put(record)

    def flush(self) -> None:
        """Wait until every queued record is written."""
        if not self._thread.is_alive():
            return
        written = threading.Event()
        marker = logging.makeLogRecord({"_written": written})
        self._records.put(marker)
        written.wait()

    def close(self) -> None:
        """Write every queued record, then stop the thread."""
        if self._thread.is_alive():
            self._records.put(None)
            self._thread.join()
        super().close()

    def _write_records(self) -> None:
        while True:
            record = self._records.get()
            lines: list[str] = []
            while record is not None:
                if written := record.__dict__.get("_written"):
                    written.set()
                else:
                    lines.append(self._line(record))
                if len(lines) >= MAX_LINES_PER_WRITE:
                    break
                try:
                    record = self._records.get_nowait()
                except queue.Empty:
                    break
            if lines:
                self._write(lines)
            if record is None:
                return

    def _line(self, record: logging.LogRecord) -> str:
        try:
            return self.format(record)
        except Exception:  # noqa: BLE001 - one bad record must not stop the log thread.
            return json.dumps({"level": "ERROR", "logger": "collector.logs", "message": f"cannot format a {record.levelname} record of {record.name}"})

    def _write(self, lines: list[str]) -> None:
        try:
            self._stream.write("\n".join(lines) + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            # The stream is closed or full. Losing log lines is better than stopping the server.
            pass


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """Send the collector's and Waitress's records to ``stream`` (stderr) as JSON lines at ``level``.

    Waitress's "Task queue depth" warning comes on every request that finds all worker
    threads busy, which is normal for the report writer's waiting threads. It is
    kept at ERROR, and /metrics shows the queue depth instead.
    """
    handler = BackgroundLineHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("collector", "waitress"):
        named = logging.getLogger(name)
        for old_handler in named.handlers:
            old_handler.close()
        named.handlers[:] = [handler]
        named.setLevel(level)
        named.propagate = False
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


class RequestLogMiddleware:
    """Log one INFO line per request with its route, status, outcome and duration.

    A successful health check is logged at DEBUG, because a proxy checks every few seconds and
    those lines would outnumber all others.
    """

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        started = req.context.get("started", time.perf_counter())
        route = route_label(req)
        level = logging.DEBUG if route == "/health" and resp.status_code == 200 else logging.INFO
        logger.log(
            level,
            "%s %s %s",
            req.method,
            route or "(no route)",
            resp.status_code,
            extra={
                "event": "request",
                "method": req.method,
                "route": route,
                "status": resp.status_code,
                "outcome": req.context.get("outcome"),
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
