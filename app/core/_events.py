"""Event types and the metadata allow-list that every recorded event passes through.

Only the keys listed for an event type are stored, and each value must match its kind:
a short string matching a pattern, an int within bounds, a bool or one of a few names.
Anything else is dropped before it reaches the database, because metadata must never
carry names, paths, serial numbers or free text.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.core._clock import Clock, format_db_time, to_utc

logger = logging.getLogger("app.core")

MAX_METADATA_BYTES = 1024
# Rejected values are shown in messages and logs this short, with "..." in place of the middle.
MAX_SHOWN_VALUE_CHARS = 40


class EventType(enum.StrEnum):
    """The twelve event types Printernizer records."""

    APP_START = "app_start"
    APP_SHUTDOWN = "app_shutdown"
    JOB_CREATED = "job_created"
    JOB_COMPLETED = "job_completed"
    JOB_FAILED = "job_failed"
    FILE_DOWNLOADED = "file_downloaded"
    FILE_UPLOADED = "file_uploaded"
    PRINTER_CONNECTED = "printer_connected"
    PRINTER_DISCONNECTED = "printer_disconnected"
    ERROR_OCCURRED = "error_occurred"
    FEATURE_ENABLED = "feature_enabled"
    FEATURE_DISABLED = "feature_disabled"


@dataclass(frozen=True, slots=True)
class Pattern:
    """A string that fully matches `regex`; the pattern itself bounds the length."""

    regex: re.Pattern[str]
    description: str

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and self.regex.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class IntRange:
    """An int (not a bool) between `minimum` and `maximum`, both included."""

    minimum: int
    maximum: int

    @property
    def description(self) -> str:
        return f"an integer from {self.minimum} to {self.maximum}"

    def accepts(self, value: Any) -> bool:
        return type(value) is int and self.minimum <= value <= self.maximum


@dataclass(frozen=True, slots=True)
class Choice:
    """One of a fixed set of lower-case names."""

    names: tuple[str, ...]

    @property
    def description(self) -> str:
        return "one of " + ", ".join(self.names)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.names


@dataclass(frozen=True, slots=True)
class Flag:
    """A bool (true or false, not 0 or 1)."""

    description: str = "true or false"

    def accepts(self, value: Any) -> bool:
        return type(value) is bool


ValueKind = Pattern | IntRange | Choice | Flag

PRINTER_TYPE = Pattern(re.compile(r"[a-z0-9][a-z0-9_]{0,31}"), "1-32 characters of a-z, 0-9 and _, not starting with _")
PRINTER_INDEX = IntRange(0, 999)
DURATION_MINUTES = IntRange(0, 525_600)
FILE_KIND = Choice(("3mf", "gcode", "bgcode", "stl", "other"))
SIZE_KB = IntRange(0, 100_000_000)
ERROR_TYPE = Pattern(
    re.compile(r"[A-Z][A-Za-z0-9_]{0,63}"),
    "an exception class name such as ConnectionError (never its message)",
)
FEATURE = Pattern(re.compile(r"[a-z0-9][a-z0-9_]{0,47}"), "1-48 characters of a-z, 0-9 and _, not starting with _")
# The app_version rule of both report schemas in resources/schemas, which the collector enforces.
APP_VERSION = Pattern(
    re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}"), "a version such as 2.4.1 (at most 32 characters)"
)
APP_VERSION_RULE = "1 to 32 characters of A-Z, a-z, 0-9, '.', '+', '_' and '-', starting with a letter or digit"

_PRINTER = {"printer_type": PRINTER_TYPE, "printer_index": PRINTER_INDEX}

ALLOWED_METADATA: dict[EventType, dict[str, ValueKind]] = {
    EventType.APP_START: {"app_version": APP_VERSION},
    EventType.APP_SHUTDOWN: {"app_version": APP_VERSION, "duration_minutes": DURATION_MINUTES},
    EventType.JOB_CREATED: {**_PRINTER, "file_kind": FILE_KIND},
    EventType.JOB_COMPLETED: {**_PRINTER, "file_kind": FILE_KIND, "duration_minutes": DURATION_MINUTES},
    EventType.JOB_FAILED: {**_PRINTER, "duration_minutes": DURATION_MINUTES, "error_type": ERROR_TYPE},
    EventType.FILE_DOWNLOADED: {**_PRINTER, "file_kind": FILE_KIND, "size_kb": SIZE_KB},
    EventType.FILE_UPLOADED: {**_PRINTER, "file_kind": FILE_KIND, "size_kb": SIZE_KB},
    EventType.PRINTER_CONNECTED: dict(_PRINTER),
    EventType.PRINTER_DISCONNECTED: dict(_PRINTER),
    EventType.ERROR_OCCURRED: {"error_type": ERROR_TYPE, "printer_type": PRINTER_TYPE},
    EventType.FEATURE_ENABLED: {"feature": FEATURE},
    EventType.FEATURE_DISABLED: {"feature": FEATURE},
}

# Keys without which an event says nothing, each with an example value. Reports count an
# error_occurred without error_type as "unknown" and skip a feature event without feature, so
# record() still stores such events, but the command line rejects them.
REQUIRED_METADATA: dict[EventType, tuple[str, str]] = {
    EventType.ERROR_OCCURRED: ("error_type", "ConnectionError"),
    EventType.FEATURE_ENABLED: ("feature", "timelapse"),
    EventType.FEATURE_DISABLED: ("feature", "timelapse"),
}

_EVENT_TYPES_BY_NAME = {member.value: member for member in EventType}


def metadata_reference() -> str:
    """Return the allow-list as plain text: the keys of each event type, then the rule of each key."""
    lines = ["Metadata keys by event type (* marks a key the command line requires):"]
    width = max(len(member.value) for member in EventType)
    for event_type, kinds in ALLOWED_METADATA.items():
        required = REQUIRED_METADATA.get(event_type, ("", ""))[0]
        keys = ", ".join(key + ("*" if key == required else "") for key in kinds)
        lines.append(f"  {event_type.value:<{width}}  {keys}")

    rules = {key: kind.description for kinds in ALLOWED_METADATA.values() for key, kind in kinds.items()}
    lines.append("Values:")
    width = max(map(len, rules))
    lines.extend(f"  {key:<{width}}  {description}" for key, description in sorted(rules.items()))
    return "\n".join(lines)


_short_repr = reprlib.Repr()
_short_repr.maxstring = _short_repr.maxother = _short_repr.maxlong = MAX_SHOWN_VALUE_CHARS


def short_repr(value: Any) -> str:
    """Return repr(value) shortened to about MAX_SHOWN_VALUE_CHARS characters, for messages and logs."""
    return _short_repr.repr(value)


class _LogOnce:
    """Log a message at WARNING the first time its key is seen and at DEBUG afterwards."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, ...]] = set()

    def warning(self, key: tuple[str, ...], message: str, *args: object) -> None:
        if key in self._seen:
            logger.debug(message, *args)
            return

        if len(self._seen) < 1000:
            self._seen.add(key)
        logger.warning(message, *args)


_log_once = _LogOnce()


def parse_event_type(name: str | EventType) -> EventType | None:
    """Return the EventType for `name`, or None (with one WARNING per unknown name)."""
    if isinstance(name, EventType):
        return name

    event_type = _EVENT_TYPES_BY_NAME.get(name) if isinstance(name, str) else None
    if event_type is None:
        _log_once.warning(
            ("unknown-event", repr(name)),
            "Usage event %r was not recorded: unknown event type. Use one of: %s.",
            name,
            ", ".join(_EVENT_TYPES_BY_NAME),
        )
    return event_type


def clean_metadata(event_type: EventType, metadata: dict[str, Any]) -> dict[str, Any]:
    """Return the allowed part of `metadata`, logging each dropped key once per process.

    An unknown key is logged with the allowed keys, an invalid value with its type and its repr
    shortened to MAX_SHOWN_VALUE_CHARS.
    """
    allowed = ALLOWED_METADATA[event_type]
    cleaned: dict[str, Any] = {}

    for key, value in metadata.items():
        kind = allowed.get(key)
        if kind is None:
            _log_once.warning(
                ("unknown-key", event_type.value, str(key)),
                "Metadata key %r was dropped from an event of type %s: it is not on the allow-list. "
                "Allowed keys for this event type: %s.",
                key,
                event_type.value,
                ", ".join(allowed) or "none",
            )
            continue
        if not kind.accepts(value):
            _log_once.warning(
                ("bad-value", event_type.value, str(key)),
                "Metadata key %r was dropped from an event of type %s: the value %s (%s) is not %s.",
                key,
                event_type.value,
                short_repr(value),
                type(value).__name__,
                kind.description,
            )
            continue
        cleaned[key] = value

    return cleaned


def metadata_mapping(event_type: EventType, metadata: Any) -> Mapping[str, Any]:
    """Return `metadata` passed to record() as a positional argument, or {} (with one WARNING) when it is not a mapping."""
    if isinstance(metadata, Mapping):
        return metadata
    _log_once.warning(
        ("positional-metadata", event_type.value),
        "Metadata %s (%s) was dropped from an event of type %s: it is not a mapping. Pass a dict, or keyword "
        "arguments such as record(%r, printer_type='prusa').",
        short_repr(metadata),
        type(metadata).__name__,
        event_type.value,
        event_type.value,
    )
    return {}


_ENCODED_CACHE_SIZE = 4096
_encoded_cache: dict[tuple[Any, ...], str] = {}


def clean_and_encode(event_type: EventType, metadata: dict[str, Any]) -> str:
    """Return the stored JSON for `metadata`, reusing the result for metadata seen before.

    Hosts record the same few combinations over and over, so the cache spares the checks and
    the JSON encoding on the hot path. Unhashable values skip the cache.
    """
    if not metadata:
        return "{}"
    try:
        # The value types are part of the key because True == 1 and hash(True) == hash(1).
        key = (event_type, tuple(metadata.items()), tuple(map(type, metadata.values())))
        cached = _encoded_cache.get(key)
    except TypeError:
        return encode_metadata(clean_metadata(event_type, metadata))
    if cached is not None:
        return cached

    encoded = encode_metadata(clean_metadata(event_type, metadata))
    if len(_encoded_cache) >= _ENCODED_CACHE_SIZE:
        _encoded_cache.clear()
    _encoded_cache[key] = encoded
    return encoded


def encode_metadata(metadata: dict[str, Any]) -> str:
    """Encode cleaned metadata as compact JSON, or "{}" when it would exceed the size limit."""
    text = json.dumps(metadata, separators=(",", ":"), sort_keys=True)
    if len(text.encode("utf-8")) > MAX_METADATA_BYTES:
        _log_once.warning(
            ("too-large",),
            "Event metadata of %d bytes was dropped: at most %d bytes are stored.",
            len(text.encode("utf-8")),
            MAX_METADATA_BYTES,
        )
        return "{}"
    return text


class InvalidEventRow(ValueError):
    """A row of a bulk import that cannot be stored; the message names the field, the value and the fix."""


def encode_event_row(row: Any, clock: Clock) -> tuple[str, str, str] | None:
    """Return the stored (event type, occurred_at, metadata) of a bulk-import row.

    The row is (event type, occurred_at, metadata). occurred_at None means the current time, and
    a naive datetime is taken to be UTC, as everywhere in the store. metadata None means none.
    Returns None for an unknown event type, which parse_event_type() logs. Raises InvalidEventRow
    for a row of another shape, an occurred_at that is not a datetime or metadata that is not a
    mapping.
    """
    try:
        if isinstance(row, (str, bytes)):
            # A string of three characters would unpack into three one-letter fields.
            raise TypeError
        event_type, occurred_at, metadata = row
    except (TypeError, ValueError):
        msg = (
            f"the row {short_repr(row)} ({type(row).__name__}) is not a tuple (event_type, occurred_at, metadata). "
            f"Pass three items, with None for the current time or for no metadata."
        )
        raise InvalidEventRow(msg) from None

    parsed = parse_event_type(event_type)
    if parsed is None:
        return None
    when = clock() if occurred_at is None else _checked_time(occurred_at)
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping):
        msg = (
            f"its metadata {short_repr(metadata)} ({type(metadata).__name__}) is not a mapping. "
            f"Pass a dict such as {{'printer_type': 'prusa'}}, or None for no metadata."
        )
        raise InvalidEventRow(msg)
    return parsed.value, format_db_time(when), clean_and_encode(parsed, dict(metadata))


def _checked_time(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        msg = (
            f"its occurred_at {short_repr(value)} ({type(value).__name__}) is not a datetime. Pass a datetime, "
            f"such as datetime.fromisoformat('2026-12-01T10:00:00+00:00'), or None for the current time. "
            f"A datetime without a time zone is taken to be UTC."
        )
        raise InvalidEventRow(msg)
    try:
        return to_utc(value)
    except (OverflowError, ValueError):
        msg = (
            f"its occurred_at {value.isoformat()} lies outside the years 1 to 9999 once converted to UTC. "
            f"Pass a time within that range."
        )
        raise InvalidEventRow(msg) from None
