"""The event types and the metadata allow-list."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from app.core import EventType, UsageStats, _events
from app.core._events import MAX_METADATA_BYTES, clean_metadata, encode_metadata
from tests.core.conftest import START

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


def test_record_takes_metadata_mapping(stats: UsageStats):
    assert stats.record(EventType.JOB_CREATED, {"printer_type": "prusa", "printer_index": 1}) is True
    assert stats.record("job_created", {"printer_type": "prusa", "printer_index": 1}, printer_index=2) is True
    assert stats.record("job_created", metadata={"printer_type": "bambu_lab"}, file_kind="3mf") is True

    assert [json.loads(event.metadata) for event in stats.recent_events()] == [
        {"file_kind": "3mf", "printer_type": "bambu_lab"},
        {"printer_index": 2, "printer_type": "prusa"},
        {"printer_index": 1, "printer_type": "prusa"},
    ]


def test_record_drops_metadata_not_mapping(stats: UsageStats, fresh_warnings, caplog):
    with caplog.at_level(logging.WARNING, logger="app.core"):
        assert stats.record("job_created", ["printer_type", "prusa"], file_kind="3mf") is True

    assert [record.getMessage() for record in caplog.records] == [
        "Metadata ['printer_type', 'prusa'] (list) was dropped from an event of type job_created: it is not a "
        "mapping. Pass a dict, or keyword arguments such as record('job_created', printer_type='prusa')."
    ]
    assert json.loads(stats.recent_events()[0].metadata) == {"file_kind": "3mf"}


def test_metadata_reference_covers_allow_list():
    lines = _events.metadata_reference().splitlines()
    values = lines.index("Values:")

    assert lines[0] == "Metadata keys by event type (* marks a key the command line requires):"
    assert lines[10] == "  error_occurred        error_type*, printer_type"
    rows = {line.split()[0]: line.split(None, 1)[1] for line in lines[1:values]}
    assert rows.keys() == {member.value for member in EventType}
    for event_type, kinds in _events.ALLOWED_METADATA.items():
        assert rows[event_type.value].replace("*", "").split(", ") == list(kinds)
    rules = {line.split()[0]: line.split(None, 1)[1] for line in lines[values + 1 :]}
    for kinds in _events.ALLOWED_METADATA.values():
        for key, kind in kinds.items():
            assert rules[key] == kind.description


def test_architecture_doc_lists_metadata_reference():
    document = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text(encoding="utf-8")

    assert f"```text\n{_events.metadata_reference()}\n```" in document


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


BAD_TIME_WARNING = (
    "Usage event at index 1 of the bulk import was skipped: its occurred_at '2026-12-01T10:00:00Z' (str) "
    "is not a datetime. Pass a datetime, such as datetime.fromisoformat('2026-12-01T10:00:00+00:00'), or None "
    "for the current time. A datetime without a time zone is taken to be UTC."
)


def test_record_many_skips_row_with_text_time(stats: UsageStats, caplog):
    events = [("job_created", None, {"printer_type": "ok1"}), ("job_created", "2026-12-01T10:00:00Z", {})]

    with caplog.at_level(logging.WARNING, logger="app.core"):
        stored = stats.record_many(events)

    assert stored == 1
    assert [record.getMessage() for record in caplog.records] == [BAD_TIME_WARNING]
    stored_events = stats.recent_events()
    assert [(event.event_type, event.occurred_at) for event in stored_events] == [("job_created", START)]
    assert json.loads(stored_events[0].metadata) == {"printer_type": "ok1"}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ("job_created", None),
            "Usage event at index 0 of the bulk import was skipped: the row ('job_created', None) (tuple) is not "
            "a tuple (event_type, occurred_at, metadata). Pass three items, with None for the current time or "
            "for no metadata.",
        ),
        (
            "job_created",
            "Usage event at index 0 of the bulk import was skipped: the row 'job_created' (str) is not a tuple "
            "(event_type, occurred_at, metadata). Pass three items, with None for the current time or for no "
            "metadata.",
        ),
        (
            "abc",
            "Usage event at index 0 of the bulk import was skipped: the row 'abc' (str) is not a tuple "
            "(event_type, occurred_at, metadata). Pass three items, with None for the current time or for no "
            "metadata.",
        ),
        (
            ("job_created", dt.date(2026, 12, 1), {}),
            "Usage event at index 0 of the bulk import was skipped: its occurred_at datetime.date(2026, 12, 1) "
            "(date) is not a datetime. Pass a datetime, such as datetime.fromisoformat('2026-12-01T10:00:00+00:00'), "
            "or None for the current time. A datetime without a time zone is taken to be UTC.",
        ),
        (
            ("job_created", dt.datetime.min.replace(tzinfo=dt.timezone(dt.timedelta(hours=1))), {}),
            "Usage event at index 0 of the bulk import was skipped: its occurred_at 0001-01-01T00:00:00+01:00 "
            "lies outside the years 1 to 9999 once converted to UTC. Pass a time within that range.",
        ),
        (
            ("job_created", None, [("printer_type", "prusa")]),
            "Usage event at index 0 of the bulk import was skipped: its metadata [('printer_type', 'prusa')] "
            "(list) is not a mapping. Pass a dict such as {'printer_type': 'prusa'}, or None for no metadata.",
        ),
    ],
)
def test_record_many_names_invalid_row(stats: UsageStats, caplog, row, expected):
    with caplog.at_level(logging.WARNING, logger="app.core"):
        stored = stats.record_many([row, ("file_uploaded", None, None)])

    assert stored == 1
    assert [record.getMessage() for record in caplog.records] == [expected]
    assert [event.event_type for event in stats.recent_events()] == ["file_uploaded"]


def test_record_many_counts_invalid_rows_beyond_limit(stats: UsageStats, caplog):
    events = [("job_created", "yesterday", {})] * 12 + [("job_created", None, {})]

    with caplog.at_level(logging.WARNING, logger="app.core"):
        stored = stats.record_many(events)

    messages = [record.getMessage() for record in caplog.records]
    assert stored == 1
    assert len(messages) == 11
    assert messages[9].startswith("Usage event at index 9 of the bulk import was skipped: its occurred_at 'yesterday'")
    assert messages[10] == "12 invalid usage events of the bulk import were skipped in all; only the first 10 are logged."


def test_record_many_takes_naive_time_as_utc(stats: UsageStats):
    assert stats.record_many([("job_created", dt.datetime(2026, 3, 1, 8, 30), {})]) == 1

    assert stats.recent_events()[0].occurred_at == dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.timezone.utc)


def test_record_many_failing_iterable_not_blamed_on_disk(stats: UsageStats, caplog):
    def events():
        yield ("job_created", None, {})
        raise RuntimeError("the host's import source failed")

    with caplog.at_level(logging.WARNING, logger="app.core"):
        assert stats.record_many(events()) == 0

    assert [record.getMessage() for record in caplog.records] == [
        "Usage events were not recorded because of an unexpected RuntimeError: the host's import source "
        f"failed. Stored data in {stats.path} is kept. The traceback shows where the error was raised. Further "
        "failures are logged at DEBUG level."
    ]
    assert stats.status().events_total == 0


def test_recent_events_rejects_unknown_type(stats: UsageStats):
    stats.record("job_created")

    with pytest.raises(ValueError) as raised:
        stats.recent_events(event_type="nope")

    assert str(raised.value) == (
        "Unknown event type 'nope': use one of app_start, app_shutdown, job_created, job_completed, job_failed, "
        "file_downloaded, file_uploaded, printer_connected, printer_disconnected, error_occurred, "
        "feature_enabled, feature_disabled."
    )
    assert len(stats.recent_events(event_type=EventType.JOB_CREATED)) == 1


def test_recent_events_rejects_invalid_limit(stats: UsageStats):
    stats.record("job_created")
    stats.record("job_created")

    with pytest.raises(ValueError) as negative:
        stats.recent_events(limit=-1)
    with pytest.raises(TypeError) as text:
        stats.recent_events(limit="5")

    assert str(negative.value) == "Invalid limit -1: use 0 or more."
    assert str(text.value) == "Invalid limit '5' (str): use an int of 0 or more."
    assert stats.recent_events(limit=0) == []
    assert len(stats.recent_events(limit=1)) == 1
