"""Export (exact JSON and CSV content), local deletion and retention."""

from __future__ import annotations

import csv
import json
import os

import pytest

from app.core import StoreFileTargetError, UsageStats, UsageStatsError, privacy_policy
from app.core._outbox import build_owed_reports


@pytest.fixture
def recorded(stats: UsageStats, clock) -> UsageStats:
    stats.record("job_created", printer_type="prusa", printer_index=2)
    clock.advance(seconds=1.5)
    stats.record("feature_enabled", feature="auto_backup")
    stats.start_session()
    return stats


def test_export_csv_exact_content(recorded: UsageStats, tmp_path):
    path = recorded.export(tmp_path / "events.csv", "csv")

    assert path.read_text(encoding="utf-8") == (
        "id,event_type,occurred_at,metadata,reported,report_id,report_status\n"
        '1,job_created,2026-03-02T09:00:00.000000Z,"{""printer_index"":2,""printer_type"":""prusa""}",false,,\n'
        '2,feature_enabled,2026-03-02T09:00:01.500000Z,"{""feature"":""auto_backup""}",false,,\n'
    )
    with path.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert json.loads(rows[0]["metadata"]) == {"printer_index": 2, "printer_type": "prusa"}


def test_export_json_exact_content(recorded: UsageStats, tmp_path):
    status = recorded.status()

    data = json.loads(recorded.export(tmp_path / "all.json").read_text(encoding="utf-8"))

    assert data["format"] == "printernizer-usage-stats-export"
    assert data["exported_at"] == "2026-03-02T09:00:01.500000Z"
    assert data["events"] == [
        {"id": 1, "event_type": "job_created", "occurred_at": "2026-03-02T09:00:00.000000Z",
         "metadata": {"printer_index": 2, "printer_type": "prusa"}, "reported": False, "report_id": None},
        {"id": 2, "event_type": "feature_enabled", "occurred_at": "2026-03-02T09:00:01.500000Z",
         "metadata": {"feature": "auto_backup"}, "reported": False, "report_id": None},
    ]
    assert data["sessions"] == [
        {"id": 1, "started_at": "2026-03-02T09:00:01.500000Z", "last_seen_at": "2026-03-02T09:00:01.500000Z", "ended_at": None}
    ]
    assert data["history"] == []
    assert data["settings"]["installation.id"] == status.installation_id
    assert data["settings"]["consent.state"] == "undecided"
    assert data["settings"]["installation.first_seen"] == "2026-03-02T09:00:00.000000Z"


def test_export_json_leaves_out_secrets(recorded: UsageStats, clock, tmp_path):
    recorded.opt_in()
    clock.advance(days=8)
    build_owed_reports(recorded._db, recorded._settings, recorded._installation(recorded.config()), 7, clock.now)
    recorded.opt_out()
    token = recorded._settings.get("server_deletion.state")["pending"][0]["deletion_token"]

    text = recorded.export(tmp_path / "all.json").read_text(encoding="utf-8")
    data = json.loads(text)

    assert token not in text
    assert "installation.deletion_token" not in data["settings"]
    assert data["settings"]["server_deletion.state"]["pending"] == [{"installation_id": recorded.status().installation_id}]


def test_export_rejects_unknown_format(recorded: UsageStats, tmp_path):
    with pytest.raises(UsageStatsError, match="Invalid export format 'xml'"):
        recorded.export(tmp_path / "x.xml", "xml")


def test_delete_local_data_keeps_identity_and_consent(recorded: UsageStats):
    recorded.opt_in()
    before = recorded.status()

    recorded.delete_local_data()
    after = recorded.status()

    assert after.events_total == 0
    assert recorded.history() == []
    assert recorded.recent_events() == []
    assert after.installation_id == before.installation_id
    assert after.consent.state == "granted"


def test_delete_local_data_keeps_counting_uptime(stats: UsageStats, clock):
    stats.opt_in()
    stats.start_session()
    clock.advance(hours=1)

    stats.delete_local_data()
    clock.advance(hours=3)
    stats.heartbeat()

    assert json.loads(stats.preview())["usage_stats"]["uptime_hours"] == 3


def test_prune_keeps_unreported_events_after_opt_in(stats: UsageStats, clock):
    stats.record("job_created")
    clock.advance(minutes=1)
    stats.opt_in()
    stats.record("job_created")
    clock.advance(days=91)

    deleted = stats.prune()

    assert deleted == 1
    assert [event.id for event in stats.recent_events()] == [2]


def test_prune_deletes_old_events_without_consent(stats: UsageStats, clock):
    stats.record("job_created")
    clock.advance(days=89)
    stats.record("job_created")
    clock.advance(days=2)

    assert stats.prune() == 1
    assert [event.id for event in stats.recent_events()] == [2]


def test_events_per_day_includes_empty_days(stats: UsageStats, clock):
    stats.record("job_created")
    stats.record("job_created")
    clock.advance(days=2)
    stats.record("job_created")

    days = stats.events_per_day(days=4)

    assert [(day.isoformat(), count) for day, count in days] == [
        ("2026-03-01", 0), ("2026-03-02", 2), ("2026-03-03", 0), ("2026-03-04", 1)
    ]


def test_events_per_day_of_one_type(stats: UsageStats, clock):
    stats.record("job_created")
    stats.record("job_failed", error_type="Timeout")
    clock.advance(days=1)
    stats.record("job_failed", error_type="Timeout")

    days = stats.events_per_day(days=2, event_type="job_failed")

    assert [(day.isoformat(), count) for day, count in days] == [("2026-03-02", 1), ("2026-03-03", 1)]
    with pytest.raises(ValueError):
        stats.events_per_day(days=2, event_type="job_exploded")


def test_recent_events_filters_by_type_and_time(stats: UsageStats, clock):
    start = clock.now
    stats.record("job_created")
    clock.advance(hours=1)
    stats.record("job_failed")
    clock.advance(hours=1)
    stats.record("job_created")

    assert [event.id for event in stats.recent_events(event_type="job_created")] == [3, 1]
    assert [event.id for event in stats.recent_events(since=start.replace(minute=30))] == [3, 2]
    assert [event.id for event in stats.recent_events(until=clock.now)] == [2, 1]
    assert [event.id for event in stats.recent_events(limit=1)] == [3]


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_export_refuses_store_files(stats: UsageStats, suffix):
    stats.record("job_created", printer_type="prusa")
    target = stats.path.with_name(stats.path.name + suffix)

    with pytest.raises(StoreFileTargetError) as raised:
        stats.export(target)

    assert str(raised.value) == f"Cannot write to {str(target)!r}: it is a file of the usage database itself. Name another file."
    assert stats.status().events_total == 1


def test_export_refuses_hard_link_to_store(stats: UsageStats, tmp_path):
    link = tmp_path / "looks-like-an-export.json"
    os.link(stats.path, link)

    with pytest.raises(StoreFileTargetError):
        stats.export(link)

    assert os.path.samefile(link, stats.path)


def test_export_replaces_symlink_loop(stats: UsageStats, tmp_path):
    # Resolving a link to itself raises RuntimeError on Python 3.11, which the store check must not pass on.
    loop = tmp_path / "loop"
    loop.symlink_to(loop)

    stats.export(loop)

    assert not loop.is_symlink()
    assert "events" in json.loads(loop.read_text())


def test_export_csv_names_status_of_cancelled_report(stats: UsageStats, clock, tmp_path):
    stats.opt_in(privacy_policy().version)
    stats.record("job_created", printer_type="prusa")
    clock.advance(days=8)
    build_owed_reports(stats._db, stats._settings, stats._installation(stats.config()), 7, clock.now)
    stats.opt_out()

    rows = list(csv.DictReader(stats.export(tmp_path / "events.csv", "csv").open(newline="")))

    assert [(row["reported"], row["report_status"]) for row in rows] == [("true", "cancelled")]
    assert rows[0]["report_id"] != ""
