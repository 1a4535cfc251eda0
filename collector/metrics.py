"""Prometheus metrics: report outcomes, request latency by route, database errors.

Each app gets its own ``CollectorRegistry``, so several apps in one process (as in
the tests) never share counters. Every server process keeps its own counts; with
several processes, scrape each one on its own port and let Prometheus add them up.
"""

from __future__ import annotations

import time
from typing import Any

import falcon

from collector.auth import route_label
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

SUBMIT_ROUTE = "/submit"
NO_ROUTE_LABEL = "(no route)"
OTHER_METHOD_LABEL = "OTHER"

# Outcomes the submit path records in ``req.context.outcome``. "error" marks a request that
# failed because the database was unavailable. "unavailable" marks a request that came while
# the report writer restarted or the process stopped.
ACCEPTED_OUTCOME = "accepted"
DUPLICATE_OUTCOME = "duplicate"
DATABASE_ERROR_OUTCOME = "error"
UNAVAILABLE_OUTCOME = "unavailable"
REJECTION_REASONS = (
    "invalid",
    "unauthorized",
    "forbidden",
    "rate_limited",
    "too_large",
    "unsupported_media_type",
    "malformed_json",
    DATABASE_ERROR_OUTCOME,
    UNAVAILABLE_OUTCOME,
    "unknown",
)

# generate_latest without an escaping argument writes the text format 0.0.4, and
# prometheus_client 0.26 sends that output with this type from its own HTTP handler,
# although its CONTENT_TYPE_LATEST names version 1.0.0.
TEXT_FORMAT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# A report takes milliseconds, and the buckets reach 10 s so stalls still show.
LATENCY_BUCKETS_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

_KNOWN_METHODS = frozenset(falcon.constants.COMBINED_METHODS)


class CollectorMetrics:
    """The collector's metric families, registered in one registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.reports_accepted = Counter(
            "collector_reports_accepted", "Reports stored as a new submission.", registry=self.registry
        )
        self.reports_duplicate = Counter(
            "collector_reports_duplicate",
            "Reports answered as a success because their report id was already stored.",
            registry=self.registry,
        )
        self.reports_rejected = Counter(
            "collector_reports_rejected", "Reports not stored, by reason.", ["reason"], registry=self.registry
        )
        self.request_duration = Histogram(
            "collector_request_duration_seconds",
            "Time from the first middleware to the response, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS_SECONDS,
            registry=self.registry,
        )
        self.database_errors = Counter(
            "collector_database_errors",
            "Requests that failed because the database could not be reached or answered with an error.",
            registry=self.registry,
        )
        self.queued_requests = Gauge(
            "collector_queued_requests",
            "Requests read and waiting for a free Waitress worker thread.",
            registry=self.registry,
        )
        for reason in REJECTION_REASONS:
            self.reports_rejected.labels(reason=reason)

    def watch_request_queue(self, task_dispatcher: Any) -> None:
        """Report the length of a Waitress server's task queue, read at each scrape."""
        self.queued_requests.set_function(lambda: len(task_dispatcher.queue))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Falcon middleware that times every request and counts the submit path's outcomes.

    Put it first in the middleware list, so its clock starts before the key check and
    its counts include requests that the key check rejects.
    """

    def __init__(self, metrics: CollectorMetrics) -> None:
        self.metrics = metrics

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.metrics_started = time.perf_counter()

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool) -> None:
        started = req.context.get("metrics_started")
        route = route_label(req) or NO_ROUTE_LABEL
        method = req.method if req.method in _KNOWN_METHODS else OTHER_METHOD_LABEL
        if started is not None:
            self.metrics.request_duration.labels(method=method, route=route).observe(time.perf_counter() - started)

        outcome = req.context.get("outcome")
        if outcome == DATABASE_ERROR_OUTCOME:
            self.metrics.database_errors.inc()
        if req.path == SUBMIT_ROUTE and req.method == "POST":
            self._count_report(outcome)

    def _count_report(self, outcome: str | None) -> None:
        if outcome == ACCEPTED_OUTCOME:
            self.metrics.reports_accepted.inc()
        elif outcome == DUPLICATE_OUTCOME:
            self.metrics.reports_duplicate.inc()
        else:
            reason = outcome if outcome in REJECTION_REASONS else "unknown"
            self.metrics.reports_rejected.labels(reason=reason).inc()


class MetricsResource:
    """``GET /metrics``: the Prometheus text format; operator-only through the auth middleware."""

    def __init__(self, metrics: CollectorMetrics) -> None:
        self.metrics = metrics

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = TEXT_FORMAT_CONTENT_TYPE
        resp.data = self.metrics.render()


def add_metrics_route(app: falcon.App, metrics: CollectorMetrics) -> None:
    """Serve ``metrics`` at ``/metrics`` on ``app``."""
    app.add_route("/metrics", MetricsResource(metrics))
