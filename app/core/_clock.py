"""UTC time helpers: the clock type and the one text format used in the database and reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def to_utc(value: dt.datetime) -> dt.datetime:
    """Return `value` as an aware UTC datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def format_db_time(value: dt.datetime) -> str:
    """Format a time as a peewee DateTimeField stores it: naive UTC, always with microseconds,
    so that text order in SQL is time order."""
    return to_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def format_iso_time(value: dt.datetime) -> str:
    """Format a time for settings and exports: ISO 8601 UTC with microseconds and `Z`."""
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_report_time(value: dt.datetime) -> str:
    """Format a time for a report: whole seconds, which is all the collector needs."""
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_display_time(value: dt.datetime) -> str:
    """Format a time for people reading command output: UTC to the minute, e.g. `2026-12-11 21:28 UTC`."""
    return to_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def parse_time(text: str) -> dt.datetime:
    """Parse ISO 8601 text (with `T` or a space, with or without a zone) into aware UTC."""
    return to_utc(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
