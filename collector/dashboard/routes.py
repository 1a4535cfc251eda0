"""Serve the dashboards over HTTP: the Falcon resources and their query-parameter checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import falcon
import peewee

from collector.dashboard.queries import (
    _BREAKDOWN_FACETS,
    ANOMALY_RULES,
    DEFAULT_WINDOW_DAYS,
    DashboardQueries,
    find_anomalies,
)
from collector.dashboard.summaries import _day_of_datetime

DAYS_RANGE = (1, 365)
TREND_DAYS_RANGE = (7, 365)
DEFAULT_TREND_DAYS = 90


# HTTP -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parameter:
    name: str
    default: int
    bounds: tuple[int, int]


_WINDOW = _Parameter("days", DEFAULT_WINDOW_DAYS, DAYS_RANGE)
_TREND = _Parameter("days", DEFAULT_TREND_DAYS, TREND_DAYS_RANGE)
_ANOMALY = _Parameter("days", DEFAULT_WINDOW_DAYS, DAYS_RANGE)

# Dashboard name -> the query parameters it accepts.
DASHBOARD_PARAMETERS: dict[str, tuple[_Parameter, ...]] = {
    "overview": (),
    "activity": (_WINDOW,),
    **{name: (_WINDOW,) for name in _BREAKDOWN_FACETS},
    "version-migration": (_TREND,),
    "feature-trends": (_TREND,),
    "anomalies": (_ANOMALY,),
}
DASHBOARD_NAMES = tuple(DASHBOARD_PARAMETERS)


class DashboardResource:
    """``GET /stats/dashboard/{name}``: one JSON dashboard; operator-only through the auth middleware."""

    def __init__(
        self, db: peewee.Database, min_group_size: int, clock: Callable[[], datetime], catch_up: Callable[[], Any]
    ) -> None:
        self._queries = DashboardQueries(db, min_group_size)
        self._min_group_size = min_group_size
        self._clock = clock
        self._catch_up = catch_up

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        if name not in DASHBOARD_PARAMETERS:
            raise falcon.HTTPNotFound(
                title="Unknown Dashboard",
                description=f"There is no dashboard named {name!r}; use one of: {', '.join(DASHBOARD_NAMES)}.",
            )

        values = read_parameters(req, DASHBOARD_PARAMETERS[name])
        self._catch_up()
        now = _as_utc(self._clock())
        today = _day_of_datetime(now)
        body: dict[str, Any] = {
            "dashboard": name,
            "generated_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "min_group_size": self._min_group_size,
        }
        body.update(self._build(name, today, values))
        resp.media = body

    def _build(self, name: str, today: int, values: dict[str, int]) -> dict[str, Any]:
        if name == "overview":
            return self._queries.overview(today)
        if name == "activity":
            return {"days": values["days"], "trend": self._queries.activity_trend(today, values["days"])}
        if name == "version-migration":
            return {"days": values["days"], "weeks": self._queries.weekly_trend("version", today, values["days"])}
        if name == "feature-trends":
            return {"days": values["days"], "weeks": self._queries.weekly_trend("feature", today, values["days"])}
        if name == "anomalies":
            anomalies = find_anomalies(self._queries, today, values["days"], self._min_group_size)
            return {"days": values["days"], "rules": ANOMALY_RULES, "anomalies": anomalies}
        return self._queries.breakdown(name, today, values["days"])


class DashboardIndexResource:
    """``GET /stats/dashboard``: the dashboard names and the query parameters each accepts."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {
            "dashboards": [
                {
                    "name": name,
                    "parameters": [
                        {"name": p.name, "default": p.default, "minimum": p.bounds[0], "maximum": p.bounds[1]} for p in parameters
                    ],
                }
                for name, parameters in DASHBOARD_PARAMETERS.items()
            ]
        }


def read_parameters(req: falcon.Request, accepted: tuple[_Parameter, ...], *, resource: str = "dashboard") -> dict[str, int]:
    """Parse the query string, rejecting unknown names and values outside their range.

    ``resource`` names what takes the parameters in the error message.
    """
    allowed = {parameter.name: parameter for parameter in accepted}
    for name, value in req.params.items():
        if name not in allowed:
            accepted_text = f"this {resource} takes: {', '.join(allowed)}" if allowed else f"this {resource} takes no parameters"
            raise falcon.HTTPBadRequest(
                title="Unknown Query Parameter",
                description=f"Query parameter {name!r} is not accepted here; {accepted_text}.",
            )
        if isinstance(value, list):
            raise falcon.HTTPBadRequest(
                title="Repeated Query Parameter",
                description=f"Query parameter {name!r} is given {len(value)} times; send it once.",
            )

    values = {}
    for parameter in accepted:
        raw = req.get_param(parameter.name)
        low, high = parameter.bounds
        if raw is None:
            values[parameter.name] = parameter.default
            continue
        value = int(raw) if re.fullmatch(r"[0-9]{1,6}", raw) else None
        if value is None or not low <= value <= high:
            raise falcon.HTTPBadRequest(
                title="Invalid Query Parameter",
                description=f"Query parameter {parameter.name!r} must be a whole number from {low} to {high}; got {raw!r}.",
            )
        values[parameter.name] = value
    return values


def add_dashboard_routes(app: falcon.App, store: Any, config: Any, clock: Callable[[], datetime] | None = None) -> None:
    """Add the ``/stats/dashboard`` routes to ``app``; the summary tables come from the migration."""
    resource = DashboardResource(store.db, config.min_group_size, clock or _utc_now, store.catch_up_summaries)
    app.add_route("/stats/dashboard", DashboardIndexResource())
    app.add_route("/stats/dashboard/{name}", resource)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    """Read a naive datetime as UTC, the form the collector's clock returns."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
