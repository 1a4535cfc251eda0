"""The event types and the metadata allow-list."""

from __future__ import annotations

import json
import logging

import pytest

from app.core import EventType, UsageStats, _events
from app.core._events import MAX_METADATA_BYTES, clean_metadata, encode_metadata

ACCEPTED = [
    (EventType.JOB_CREATED, {"printer_type": "prusa_mk4", "printer_index": 0, "file_kind": "3mf"}),
    (EventType.JOB_COMPLETED, {"printer_type": "bambu_x1c", "printer_index": 999, "duration_minutes": 95}),
    (EventType.JOB_FAILED, {"printer_type": "prusa", "error_type": "ConnectionResetError"}),
    (EventType.FILE_DOWNLOADED, {"file_kind": "gcode", "size_kb": 2048}),
    (EventType.FILE_UPLOADED, {"file_kind": "bgcode", "size_kb": 0}),
    (EventType.PRINTER_CONNECTED, {"printer_type": "p1s", "printer_index": 12}),
    (EventType.ERROR_OCCURRED, {"error_type": "TimeoutError"}),
    (EventType.FEATURE_ENABLED, {"feature": "auto_backup"}),
    (EventType.APP_START, {"app_version": "2.4.1+local"}),
    (EventType.APP_SHUTDOWN, {"duration_minutes": 525600}),
]

DROPPED = [
    (EventType.JOB_CREATED, "printer_name", "Office Prusa"),
    (EventType.JOB_CREATED, "file_name", "benchy.3mf"),
    (EventType.JOB_CREATED, "printer_type", "Prusa MK4"),
    (EventType.JOB_CREATED, "printer_type", "_prusa"),
    (EventType.JOB_CREATED, "printer_type", "a" * 33),
    (EventType.JOB_CREATED, "printer_index", 1000),
    (EventType.JOB_CREATED, "printer_index", -1),
    (EventType.JOB_CREATED, "printer_index", True),
    (EventType.JOB_CREATED, "printer_index", "3"),
    (EventType.JOB_CREATED, "file_kind", "obj"),
    (EventType.FILE_DOWNLOADED, "size_kb", 2.5),
    (EventType.JOB_FAILED, "error_type", "Connection refused by 192.168.1.20"),
    (EventType.JOB_FAILED, "error_type", "timeoutError"),
    (EventType.ERROR_OCCURRED, "traceback", "Traceback (most recent call last)"),
    (EventType.FEATURE_ENABLED, "feature", "Auto Backup"),
    (EventType.FEATURE_ENABLED, "feature", "f" * 49),
    (EventType.APP_START, "app_version", "2.4.1 (built by alice)"),
    (EventType.PRINTER_CONNECTED, "serial", "01S00A123456"),
]


@pytest.mark.parametrize(("event_type", "metadata"), ACCEPTED)
def test_allow_list_accepts_valid_metadata(event_type, metadata):
    assert clean_metadata(event_type, metadata) == metadata


@pytest.mark.parametrize(("event_type", "key", "value"), DROPPED)
def test_allow_list_drops_invalid_key_or_value(event_type, key, value):
    assert clean_metadata(event_type, {key: value}) == {}


def test_every_event_type_has_an_allow_list():
    from app.core import ALLOWED_METADATA

    assert set(ALLOWED_METADATA) == set(EventType)
    assert len(EventType) == 12


def test_record_keeps_event_without_dropped_key(stats: UsageStats):
    assert stats.record("job_created", printer_type="prusa", printer_name="Office") is True

    events = stats.recent_events()
    assert len(events) == 1
    assert events[0].event_type == "job_created"
    assert json.loads(events[0].metadata) == {"printer_type": "prusa"}


def test_record_rejects_unknown_event_type(stats: UsageStats, caplog):
    with caplog.at_level(logging.WARNING, logger="app.core"):
        assert stats.record("job_exploded") is False
        assert stats.record("job_exploded") is False

    assert stats.recent_events() == []
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "job_exploded" in warnings[0].getMessage()


def test_record_accepts_enum_and_string_alike(stats: UsageStats):
    assert stats.record(EventType.JOB_COMPLETED, printer_type="prusa") is True
    assert stats.record("job_completed", printer_type="prusa") is True

    assert [event.event_type for event in stats.recent_events()] == ["job_completed", "job_completed"]


def test_encode_metadata_drops_oversized_metadata():
    assert encode_metadata({"k": "x" * MAX_METADATA_BYTES}) == "{}"
    assert encode_metadata({"printer_type": "prusa"}) == '{"printer_type":"prusa"}'


def test_record_many_skips_unknown_types(stats: UsageStats, clock):
    events = [
        ("job_created", clock.now, {"printer_type": "prusa"}),
        ("bogus", clock.now, {}),
        (EventType.FILE_UPLOADED, None, {"size_kb": 12}),
    ]

    assert stats.record_many(events) == 2
    assert stats.status().events_total == 2


def test_record_tells_bool_from_int(stats: UsageStats):
    stats.record("job_created", printer_index=1)
    stats.record("job_created", printer_index=True)

    assert [json.loads(event.metadata) for event in stats.recent_events()] == [{}, {"printer_index": 1}]


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Forget which dropped keys were logged and which metadata was encoded, so every warning shows."""
    monkeypatch.setattr(_events, "_log_once", _events._LogOnce())
    monkeypatch.setattr(_events, "_encoded_cache", {})


@pytest.mark.parametrize(
    ("event_type", "metadata", "expected"),
    [
        (
            "printer_connected",
            {"printer_index": "2"},
            "Metadata key 'printer_index' was dropped from an event of type printer_connected: "
            "the value '2' (str) is not an integer from 0 to 999.",
        ),
        (
            "job_created",
            {"printer_type": "Office Prusa " * 10},
            "Metadata key 'printer_type' was dropped from an event of type job_created: the value "
            "'Office Prusa Offi...rusa Office Prusa ' (str) is not 1-32 characters of a-z, 0-9 and _, "
            "not starting with _.",
        ),
        (
            "file_downloaded",
            {"size_kb": 2.5},
            "Metadata key 'size_kb' was dropped from an event of type file_downloaded: "
            "the value 2.5 (float) is not an integer from 0 to 100000000.",
        ),
    ],
)
def test_record_warning_shows_invalid_value(stats: UsageStats, caplog, fresh_warnings, event_type, metadata, expected):
    with caplog.at_level(logging.WARNING, logger="app.core"):
        assert stats.record(event_type, **metadata) is True

    assert [record.getMessage() for record in caplog.records] == [expected]
    assert json.loads(stats.recent_events()[0].metadata) == {}
