"""Read the dashboards from the summary tables, hiding small groups, and find anomalies.

Small-count suppression: no group of fewer than ``min_group_size`` (k)
installations is shown. Small groups are merged into "other", and when "other"
itself has fewer than k installations it is dropped and only the number of
dropped groups is returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import peewee

from collector.dashboard.sql import _fetch_all, _fetch_in, _fetch_one
from collector.dashboard.summaries import _week_of_day, version_sort_key

DEFAULT_WINDOW_DAYS = 30
ANOMALY_BASELINE_DAYS = 28
ACTIVE_DROP_RATIO = 0.8
SPIKE_STANDARD_DEVIATIONS = 3.0
SPIKE_MEAN_FACTOR = 2.0


# Small-count suppression ----------------------------------------------------------


def suppress_small_groups(
    groups: Iterable[tuple[str, int, int]],
    min_group_size: int,
    *,
    other_installations: int | None = None,
) -> dict[str, Any]:
    """Hide every group of fewer than ``min_group_size`` installations.

    ``groups`` contains (value, installations, amount) tuples. Small groups are merged
    into "other"; when "other" has fewer than ``min_group_size`` installations too,
    it is dropped and only the number of dropped groups is reported.
    ``other_installations`` overrides the merged count for facets where one
    installation can be in several groups (features, printer types, errors), since a
    sum would count such an installation more than once.
    """
    shown = []
    small = []
    for value, installations, amount in groups:
        target = shown if installations >= min_group_size else small
        target.append({"value": value, "installations": int(installations), "amount": int(amount)})

    merged = sum(group["installations"] for group in small) if other_installations is None else other_installations
    other = None
    if small and merged >= min_group_size:
        other = {"installations": int(merged), "amount": sum(group["amount"] for group in small), "groups": len(small)}
    return {"groups": shown, "other": other, "suppressed_groups": 0 if other else len(small)}


# Queries --------------------------------------------------------------------------

# (facet, whether an installation can have several values of it)
_BREAKDOWN_FACETS = {
    "versions": ("version", False),
    "deployment-modes": ("deployment_mode", False),
    "platforms": ("platform", False),
    "countries": ("country", False),
    "fleet-sizes": ("fleet_size", False),
    "printer-types": ("printer_type", True),
    "features": ("feature", True),
    "errors": ("error", True),
}

# Meaning of a group's "amount" per facet, named in the response.
_AMOUNT_NAMES = {"printer_type": "printers", "error": "errors"}


class DashboardQueries:
    """Read-only dashboard queries over the summary tables."""

    def __init__(self, db: peewee.Database, min_group_size: int) -> None:
        self._db = db
        self._min_group_size = min_group_size

    def active_installations(self, today: int, window_days: int) -> int:
        row = _fetch_one(self._db, "SELECT COUNT(*) FROM dashboard_installations WHERE last_day > ?", (today - window_days,))
        return int(row[0])

    def overview(self, today: int) -> dict[str, Any]:
        since = today - DEFAULT_WINDOW_DAYS + 1
        totals = _fetch_one(
            self._db,
            "SELECT COALESCE(SUM(submissions), 0), COALESCE(SUM(new_installations), 0) FROM dashboard_daily WHERE day >= ? AND day <= ?",
            (since, today),
        )
        return {
            "active_installations_7_days": self.active_installations(today, 7),
            "active_installations_30_days": self.active_installations(today, 30),
            "installations_known": int(_fetch_one(self._db, "SELECT COUNT(*) FROM dashboard_installations", ())[0]),
            "submissions_30_days": int(totals[0]),
            "new_installations_30_days": int(totals[1]),
        }

    def activity_trend(self, today: int, days: int) -> list[dict[str, Any]]:
        """Return, for each of the last ``days`` days, the installations active in 7 and 30 days and the day's totals.

        The totals count the reports received on the day, their errors and the installations first seen.
        """
        start = today - days + 1
        base_7, base_30 = _fetch_one(
            self._db, "SELECT COALESCE(SUM(active_7_delta), 0), COALESCE(SUM(active_30_delta), 0) FROM dashboard_daily WHERE day < ?", (start,)
        )
        rows = {
            row[0]: row[1:]
            for row in _fetch_all(
                self._db,
                "SELECT day, active_7_delta, active_30_delta, submissions, errors, new_installations FROM dashboard_daily "
                "WHERE day >= ? AND day <= ?",
                (start, today),
            )
        }

        trend = []
        active_7, active_30 = int(base_7), int(base_30)
        for day in range(start, today + 1):
            delta_7, delta_30, submissions, errors, new_installations = rows.get(day, (0, 0, 0, 0, 0))
            active_7 += int(delta_7)
            active_30 += int(delta_30)
            trend.append(
                {
                    "day": date.fromordinal(day).isoformat(),
                    "active_installations_7_days": active_7,
                    "active_installations_30_days": active_30,
                    "submissions": int(submissions),
                    "errors": int(errors),
                    "new_installations": int(new_installations),
                }
            )
        return trend

    def breakdown(self, name: str, today: int, window_days: int) -> dict[str, Any]:
        """Group the installations active in the window by one facet of their latest report."""
        facet, multi_valued = _BREAKDOWN_FACETS[name]
        since = today - window_days + 1
        groups = _fetch_all(
            self._db,
            "SELECT value, SUM(installations), SUM(amount) FROM dashboard_facet_days WHERE facet = ? AND last_day >= ? "
            "GROUP BY value HAVING SUM(installations) > 0",
            (facet, since),
        )
        groups = [(value, int(installations), int(amount)) for value, installations, amount in groups]
        other_installations = None
        if multi_valued:
            small_values = [value for value, installations, _ in groups if installations < self._min_group_size]
            other_installations = self._count_installations_with(facet, since, small_values)

        result = suppress_small_groups(groups, self._min_group_size, other_installations=other_installations)
        active = self.active_installations(today, window_days)
        if facet == "version":
            result["groups"].sort(key=lambda group: version_sort_key(group["value"]))
        else:
            result["groups"].sort(key=lambda group: (-group["installations"], group["value"]))
        for group in result["groups"]:
            group["share"] = round(group["installations"] / active, 4) if active else 0.0
        return {"window_days": window_days, "active_installations": active, "amount": _AMOUNT_NAMES.get(facet, "installations"), **result}

    def _count_installations_with(self, facet: str, since: int, values: list[str]) -> int:
        """Count installations active since ``since`` with at least one of ``values`` for ``facet``."""
        rows = _fetch_in(
            self._db,
            "SELECT DISTINCT installation_id FROM dashboard_facets WHERE value IN ({values}) AND facet = ? AND last_day >= ?",
            values,
            (facet, since),
        )
        return len({row[0] for row in rows})

    def weekly_trend(self, facet: str, today: int, days: int) -> list[dict[str, Any]]:
        """Return, per ISO week in the last ``days`` days, the installations reporting each value."""
        first_week = _week_of_day(today - days + 1)
        rows = _fetch_all(
            self._db,
            "SELECT week, facet, value, installations FROM dashboard_weekly_facets "
            "WHERE week >= ? AND week <= ? AND facet IN (?, 'reporting') AND installations > 0",
            (first_week, today, facet),
        )
        by_week: dict[int, list[tuple[str, int, int]]] = {}
        reporting: dict[int, int] = {}
        for week, row_facet, value, installations in rows:
            if row_facet == "reporting":
                reporting[week] = int(installations)
            else:
                by_week.setdefault(week, []).append((value, int(installations), int(installations)))

        weeks = []
        for week in range(first_week, today + 1, 7):
            # A sum over features counts an installation once per feature, so the merged
            # "other" group is only formed for single-valued facets.
            other = 0 if facet == "feature" else None
            result = suppress_small_groups(by_week.get(week, []), self._min_group_size, other_installations=other)
            total = reporting.get(week, 0)
            for group in result["groups"]:
                del group["amount"]
                group["share"] = round(group["installations"] / total, 4) if total else 0.0
            if result["other"]:
                del result["other"]["amount"]
            key = version_sort_key if facet == "version" else str
            result["groups"].sort(key=lambda group: key(group["value"]))
            weeks.append({"week_start": date.fromordinal(week).isoformat(), "reporting_installations": total, **result})
        return weeks

    def daily_series(self, first_day: int, last_day: int) -> dict[int, tuple[int, int, int]]:
        """Return day -> (submissions, errors, active installations in 7 days) for the range."""
        (base_7,) = _fetch_one(self._db, "SELECT COALESCE(SUM(active_7_delta), 0) FROM dashboard_daily WHERE day < ?", (first_day,))
        rows = {
            day: (int(submissions), int(errors), int(delta))
            for day, submissions, errors, delta in _fetch_all(
                self._db,
                "SELECT day, submissions, errors, active_7_delta FROM dashboard_daily WHERE day >= ? AND day <= ?",
                (first_day, last_day),
            )
        }

        series = {}
        active_7 = int(base_7)
        for day in range(first_day, last_day + 1):
            submissions, errors, delta = rows.get(day, (0, 0, 0))
            active_7 += delta
            series[day] = (submissions, errors, active_7)
        return series


ANOMALY_RULES = {
    "active_drop": (
        f"installations active in the last 7 days fell below {ACTIVE_DROP_RATIO:.0%} of the count 7 days earlier, "
        "and that earlier count was at least the minimum group size"
    ),
    "submission_spike": (
        f"reports received on the day exceeded both the mean of the previous {ANOMALY_BASELINE_DAYS} days plus "
        f"{SPIKE_STANDARD_DEVIATIONS:g} standard deviations and {SPIKE_MEAN_FACTOR:g} times that mean, "
        "and were at least the minimum group size"
    ),
    "error_spike": (
        f"errors counted in reports received on the day exceeded both the mean of the previous {ANOMALY_BASELINE_DAYS} "
        f"days plus {SPIKE_STANDARD_DEVIATIONS:g} standard deviations and {SPIKE_MEAN_FACTOR:g} times that mean, "
        "and were at least the minimum group size"
    ),
}


def find_anomalies(queries: DashboardQueries, today: int, days: int, min_group_size: int) -> list[dict[str, Any]]:
    """Check each complete day of the last ``days`` days against ANOMALY_RULES.

    Consecutive days on which the same rule is met are returned as one anomaly that
    starts on ``day`` and ends on ``last_day``; its figures are those of the first day.
    """
    first_day = today - days
    series = queries.daily_series(first_day - ANOMALY_BASELINE_DAYS, today - 1)
    baselines = {
        "submission_spike": _rolling_baselines(series, 0, first_day, today),
        "error_spike": _rolling_baselines(series, 1, first_day, today),
    }

    anomalies: list[dict[str, Any]] = []
    open_runs: dict[str, dict[str, Any]] = {}
    for day in range(first_day, today):
        for kind, value, baseline, threshold in _day_checks(series, baselines, day, min_group_size):
            run = open_runs.get(kind)
            if run is not None and run["last_day"] == date.fromordinal(day - 1).isoformat():
                run["last_day"] = date.fromordinal(day).isoformat()
                continue
            run = _anomaly(day, kind, value, baseline, threshold)
            open_runs[kind] = run
            anomalies.append(run)
    return anomalies


def _rolling_baselines(series: dict[int, tuple[int, int, int]], position: int, first_day: int, end_day: int) -> dict[int, tuple[float, float]]:
    """Return day -> (mean, population standard deviation) of the previous ANOMALY_BASELINE_DAYS days."""
    values = [series[day][position] for day in range(first_day - ANOMALY_BASELINE_DAYS, first_day)]
    total = float(sum(values))
    squares = float(sum(value * value for value in values))
    baselines = {}
    for day in range(first_day, end_day):
        mean = total / ANOMALY_BASELINE_DAYS
        variance = max(0.0, squares / ANOMALY_BASELINE_DAYS - mean * mean)
        baselines[day] = (mean, variance**0.5)
        leaving = series[day - ANOMALY_BASELINE_DAYS][position]
        entering = series[day][position]
        total += entering - leaving
        squares += entering * entering - leaving * leaving
    return baselines


def _day_checks(
    series: dict[int, tuple[int, int, int]],
    baselines: dict[str, dict[int, tuple[float, float]]],
    day: int,
    min_group_size: int,
) -> list[tuple[str, int, float, float]]:
    """Return (kind, value, baseline, threshold) for every rule met on ``day``."""
    submissions, errors, active_7 = series[day]
    week_before = series[day - 7][2]
    found = []
    if week_before >= min_group_size and active_7 < ACTIVE_DROP_RATIO * week_before:
        found.append(("active_drop", active_7, float(week_before), ACTIVE_DROP_RATIO * week_before))

    for kind, value in (("submission_spike", submissions), ("error_spike", errors)):
        mean, deviation = baselines[kind][day]
        threshold = max(mean + SPIKE_STANDARD_DEVIATIONS * deviation, SPIKE_MEAN_FACTOR * mean)
        if value >= min_group_size and value > threshold:
            found.append((kind, value, mean, threshold))
    return found


def _anomaly(day: int, kind: str, value: int, baseline: float, threshold: float) -> dict[str, Any]:
    return {
        "day": date.fromordinal(day).isoformat(),
        "last_day": date.fromordinal(day).isoformat(),
        "kind": kind,
        "value": value,
        "baseline": round(baseline, 2),
        "threshold": round(threshold, 2),
    }

