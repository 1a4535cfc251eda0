"""Report content, periods and the exactly-once counting of events."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import platform
import sqlite3

import httpx
import pytest

from app.core import ReasonDetail, Sent, Skipped, UsageStats, _reasons
from app.core._report import MAX_REPORT_BYTES, Aggregate, Installation, Period, build_body

UTC = dt.timezone.utc
ENDPOINT_ENVIRON = {"USAGE_STATS_TIMEZONE": "Europe/Berlin", "USAGE_STATS_ENDPOINT": "http://127.0.0.1:8787"}


class Collector:
    """A MockTransport handler that accepts every report and keeps the bodies."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"status": "ok", "submission_id": len(self.bodies)})


@pytest.fixture
def collector() -> Collector:
    return Collector()


@pytest.fixture
def sender(home, clock, collector):
    stats = UsageStats.open(
        home, environ=ENDPOINT_ENVIRON, clock=clock, transport=httpx.MockTransport(collector), app_version="2.4.1"
    )
    yield stats
    stats.close()


def submit(stats: UsageStats, force: bool = False):
    return asyncio.run(stats.submit_due(force=force))


def record_week(stats: UsageStats, clock) -> None:
    """Record a realistic week of use, starting at the opt-in time."""
    stats.start_session()
    stats.record("app_start", app_version="2.4.1")
    stats.record("printer_connected", printer_type="prusa_mk4", printer_index=0)
    stats.record("printer_connected", printer_type="prusa_mk4", printer_index=1)
    stats.record("printer_connected", printer_type="bambu_x1c", printer_index=2)
    stats.record("printer_connected", printer_type="prusa_mk4", printer_index=0)
    for day in range(5):
        clock.advance(hours=10)
        stats.heartbeat()
        stats.record("job_created", printer_type="prusa_mk4", file_kind="3mf")
        stats.record("job_completed", printer_type="prusa_mk4", duration_minutes=90)
        stats.record("file_downloaded", file_kind="gcode", size_kb=100)
        clock.advance(hours=2)
        stats.heartbeat()
    stats.record("job_created", printer_type="bambu_x1c")
    stats.record("job_failed", printer_type="bambu_x1c", error_type="TimeoutError")
    stats.record("file_uploaded", file_kind="3mf", size_kb=300)
    stats.record("error_occurred", error_type="TimeoutError")
    stats.record("error_occurred", error_type="TimeoutError")
    stats.record("error_occurred", error_type="ConnectionResetError")
    stats.record("feature_enabled", feature="auto_backup")
    stats.record("feature_enabled", feature="timelapse")
    stats.record("feature_disabled", feature="timelapse")
    stats.end_session()


def test_report_fields_for_recorded_week(sender: UsageStats, clock, collector):
    sender.opt_in()
    opted_in_at = clock.now
    record_week(sender, clock)
    clock.advance(days=7)

    outcomes = submit(sender)

    assert len(outcomes) == 1
    assert isinstance(outcomes[0], Sent)
    report = collector.bodies[0]
    status = sender.status()
    token = sender._settings.get("installation.deletion_token")
    assert report["schema_version"] == "1.1"
    assert report["report_id"] == outcomes[0].report_id
    assert report["installation"] == {
        "installation_id": status.installation_id,
        "first_seen": "2026-03-02T09:00:00Z",
        "app_version": "2.4.1",
        "python_version": platform.python_version(),
        "platform": "linux",
        "deployment_mode": "standalone",
        "country_code": "DE",
        "deletion_token_sha256": hashlib.sha256(token.encode()).hexdigest(),
    }
    assert report["period"] == {"start": "2026-03-02T09:00:00Z", "end": "2026-03-09T09:00:00Z", "duration_days": 7}
    assert opted_in_at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert report["printer_fleet"] == {
        "printer_count": 3,
        "printer_types": ["bambu_x1c", "prusa_mk4"],
        "printer_type_counts": {"bambu_x1c": 1, "prusa_mk4": 2},
    }
    assert report["usage_stats"] == {
        "job_count": 6,
        "job_completed_count": 5,
        "job_failed_count": 1,
        "file_count": 5,
        "upload_count": 1,
        "uptime_hours": 60,
        "feature_usage": {"auto_backup": True, "timelapse": False},
    }
    assert report["error_summary"] == {"ConnectionResetError": 1, "TimeoutError": 2}


def test_fleet_mixes_connections_with_and_without_slot(sender: UsageStats, clock):
    sender.opt_in()
    sender.record("printer_connected", printer_type="prusa_mk4")
    sender.record("printer_connected", printer_type="prusa_mk4", printer_index=1)
    sender.record("printer_connected", printer_type="prusa_mk4", printer_index=2)
    sender.record("printer_connected", printer_type="bambu_x1c")
    sender.record("printer_connected", printer_type="bambu_x1c")

    fleet = json.loads(sender.preview())["printer_fleet"]

    assert fleet == {
        "printer_count": 3,
        "printer_types": ["bambu_x1c", "prusa_mk4"],
        "printer_type_counts": {"bambu_x1c": 1, "prusa_mk4": 2},
    }


def test_report_is_compact_with_sorted_keys(sender: UsageStats, clock):
    sender.opt_in()
    record_week(sender, clock)

    body = sender.preview()

    assert body == json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True).encode()


def test_preview_matches_bytes_sent(sender: UsageStats, clock, collector):
    sender.opt_in()
    record_week(sender, clock)
    clock.advance(days=7)

    preview = sender.preview()
    submit(sender)

    assert json.loads(preview) == collector.bodies[0]
    assert sender.history()[0].body.encode() == preview


def test_preview_before_opt_in_counts_no_activity(sender: UsageStats, clock):
    record_week(sender, clock)

    report = json.loads(sender.preview())

    assert report["usage_stats"]["job_count"] == 0
    assert report["usage_stats"]["file_count"] == 0
    assert report["error_summary"] == {}
    # The fleet and the features describe the installation as it is, not what happened in the period.
    assert report["printer_fleet"] == {
        "printer_count": 3,
        "printer_types": ["bambu_x1c", "prusa_mk4"],
        "printer_type_counts": {"bambu_x1c": 1, "prusa_mk4": 2},
    }
    assert report["usage_stats"]["feature_usage"] == {"auto_backup": True, "timelapse": False}


def test_printers_and_features_before_opt_in_reported(sender: UsageStats, clock, collector):
    sender.record("printer_connected", printer_type="prusa", printer_index=0)
    sender.record("printer_connected", printer_type="bambu_lab", printer_index=1)
    sender.record("feature_enabled", feature="auto_download")
    sender.record("feature_enabled", feature="timelapse")
    sender.record("feature_disabled", feature="timelapse")
    clock.advance(minutes=1)
    sender.opt_in()
    sender.record("job_created", printer_type="prusa")
    clock.advance(days=7)

    submit(sender)

    report = collector.bodies[0]
    assert report["printer_fleet"] == {
        "printer_count": 2,
        "printer_types": ["bambu_lab", "prusa"],
        "printer_type_counts": {"bambu_lab": 1, "prusa": 1},
    }
    assert report["usage_stats"]["feature_usage"] == {"auto_download": True, "timelapse": False}
    assert report["usage_stats"]["job_count"] == 1


def test_feature_change_while_opted_out_reported(sender: UsageStats, clock, collector):
    sender.opt_in()
    sender.record("feature_enabled", feature="auto_download")
    clock.advance(days=7)
    submit(sender)
    sender.opt_out()
    sender.record("feature_disabled", feature="auto_download")
    sender.record("feature_enabled", feature="timelapse")
    clock.advance(minutes=1)

    sender.opt_in()
    clock.advance(days=7)
    submit(sender)

    assert collector.bodies[0]["usage_stats"]["feature_usage"] == {"auto_download": True}
    assert collector.bodies[-1]["usage_stats"]["feature_usage"] == {"auto_download": False, "timelapse": True}


def test_events_before_opt_in_are_never_reported(sender: UsageStats, clock, collector):
    sender.record("job_created")
    sender.record("job_created")
    clock.advance(minutes=1)
    sender.opt_in()
    sender.record("job_created")
    clock.advance(days=7)

    submit(sender)

    assert collector.bodies[0]["usage_stats"]["job_count"] == 1


def test_feature_state_survives_prune_before_opt_in(sender: UsageStats, clock, collector):
    sender.record("feature_enabled", feature="auto_download")
    sender.record("feature_enabled", feature="timelapse")
    clock.advance(days=91)
    sender.record("feature_disabled", feature="timelapse")

    assert sender.prune() == 2
    assert json.loads(sender.preview())["usage_stats"]["feature_usage"] == {"auto_download": True, "timelapse": False}
    sender.opt_in()
    clock.advance(days=7)
    submit(sender)

    assert collector.bodies[0]["usage_stats"]["feature_usage"] == {"auto_download": True, "timelapse": False}


def test_delete_local_data_forgets_pruned_features(sender: UsageStats, clock):
    sender.record("feature_enabled", feature="auto_download")
    clock.advance(days=91)
    sender.prune()

    sender.delete_local_data()

    assert json.loads(sender.preview())["usage_stats"]["feature_usage"] == {}


def test_delete_local_data_forgets_reported_features(sender: UsageStats, clock, collector):
    sender.opt_in()
    sender.record("printer_connected", printer_type="prusa")
    sender.record("feature_enabled", feature="auto_download")
    clock.advance(days=7)
    submit(sender)

    sender.delete_local_data()
    clock.advance(days=7)
    submit(sender)

    assert collector.bodies[0]["usage_stats"]["feature_usage"] == {"auto_download": True}
    assert collector.bodies[1]["usage_stats"]["feature_usage"] == {}
    assert collector.bodies[1]["printer_fleet"]["printer_count"] == 0


def test_feature_change_after_clock_put_right_wins(sender: UsageStats, clock):
    clock.advance(days=365)
    sender.record("feature_enabled", feature="timelapse")
    clock.advance(days=-365, minutes=1)
    sender.record("feature_disabled", feature="timelapse")

    assert json.loads(sender.preview())["usage_stats"]["feature_usage"] == {"timelapse": False}
    sender.opt_in()
    assert sender._settings.get("report.feature_state") == {"timelapse": False}


def test_consent_to_older_policy_sends_nothing(sender: UsageStats, clock, collector):
    sender.opt_in("2")
    sender.record("job_created")
    clock.advance(days=7)

    [outcome] = submit(sender, force=True)
    sender.opt_in()
    sent = submit(sender)

    assert outcome == Skipped(
        "the user agreed to privacy policy version 2, and version 3 is current, so nothing is sent until the user "
        "agrees to it",
        ReasonDetail(_reasons.POLICY_OUTDATED, {"agreed": "2", "current": "3"}),
    )
    assert [type(outcome).__name__ for outcome in sent] == ["Sent"]
    # Agreeing again keeps the schedule, so the period owed under the older version goes out.
    assert collector.bodies[0]["usage_stats"]["job_count"] == 1


def test_report_worst_case_stays_under_one_kilobyte():
    installation = Installation(
        installation_id="7b0f0f4e-8d1c-4a55-9a38-4a0c86f0d7a1",
        first_seen=dt.datetime(2026, 1, 1, tzinfo=UTC),
        app_version="9" * 32,
        deployment_mode="homeassistant",
        country_code="DE",
        deletion_token="t" * 43,
    )
    aggregate = Aggregate(
        counts={name: 999_999_999 for name in ("job_created", "job_completed", "job_failed", "file_downloaded", "file_uploaded")},
        printers=[(f"printer_type_{index:018d}", index) for index in range(200)],
        uptime_hours=99_999,
        features={f"feature_{index:040d}": True for index in range(300)},
        errors={f"VeryLongExceptionClassName{index:038d}": 999_999 for index in range(300)},
    )
    period = Period(dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 31, tzinfo=UTC))

    body = build_body("94151820-1240-5c9b-83c5-6d87f8af4f43", installation, period, aggregate)
    report = json.loads(body)

    assert len(body) <= MAX_REPORT_BYTES < 1024
    assert report["printer_fleet"]["printer_count"] == 200
    assert sum(report["printer_fleet"]["printer_type_counts"].values()) == 200
    assert sum(report["error_summary"].values()) == 300 * 999_999
    assert report["printer_fleet"]["printer_types"] == sorted(report["printer_fleet"]["printer_type_counts"])


def periods_of(collector: Collector) -> list[tuple[str, str]]:
    return [(body["period"]["start"], body["period"]["end"]) for body in collector.bodies]


def test_periods_are_contiguous_across_weeks(sender: UsageStats, clock, collector):
    sender.opt_in()
    for _ in range(3):
        clock.advance(days=7, hours=1)
        submit(sender)

    assert periods_of(collector) == [
        ("2026-03-02T09:00:00Z", "2026-03-09T09:00:00Z"),
        ("2026-03-09T09:00:00Z", "2026-03-16T09:00:00Z"),
        ("2026-03-16T09:00:00Z", "2026-03-23T09:00:00Z"),
    ]


def test_offline_weeks_send_oldest_first(sender: UsageStats, clock, collector):
    sender.opt_in()
    for week in range(4):
        clock.advance(days=7)
        sender.record("job_created", printer_type=f"week_{week}")
    clock.advance(hours=1)

    outcomes = submit(sender)

    assert [type(outcome) for outcome in outcomes] == [Sent] * 4
    assert periods_of(collector)[0] == ("2026-03-02T09:00:00Z", "2026-03-09T09:00:00Z")
    assert periods_of(collector)[-1] == ("2026-03-23T09:00:00Z", "2026-03-30T09:00:00Z")
    assert [body["usage_stats"]["job_count"] for body in collector.bodies] == [0, 1, 1, 1]
    assert submit(sender) == [Skipped("no report is due")]


def test_report_not_owed_before_period_end(sender: UsageStats, clock, collector):
    sender.opt_in()
    clock.advance(days=6, hours=23)

    assert submit(sender) == [Skipped("no report is due")]
    assert collector.bodies == []


def test_clock_jump_back_counts_events_once(sender: UsageStats, clock, collector):
    sender.opt_in()
    clock.advance(days=7, hours=1)
    sender.record("job_created")
    submit(sender)
    clock.advance(days=-3)
    sender.record("job_created")
    clock.advance(days=10)

    submit(sender)

    assert periods_of(collector) == [
        ("2026-03-02T09:00:00Z", "2026-03-09T09:00:00Z"),
        ("2026-03-09T09:00:00Z", "2026-03-16T09:00:00Z"),
    ]
    assert [body["usage_stats"]["job_count"] for body in collector.bodies] == [0, 2]


def test_clock_jump_back_logs_step_and_due_time(sender: UsageStats, clock, collector, caplog):
    sender.opt_in()
    clock.advance(hours=-2, microseconds=-250)

    with caplog.at_level(logging.WARNING, logger="app.core"):
        submit(sender)

    assert caplog.messages == [
        "The system clock went back by 2:00:00; the next usage report is due by 2026-03-09T06:59:59Z."
    ]


def test_clock_far_behind_does_not_stall(sender: UsageStats, clock, collector):
    sender.opt_in()
    clock.advance(days=7, hours=1)
    submit(sender)
    clock.now = dt.datetime(2025, 6, 1, tzinfo=UTC)

    assert submit(sender) == [Skipped("no report is due")]
    clock.advance(days=7)
    outcomes = submit(sender)

    assert [type(outcome) for outcome in outcomes] == [Sent]
    assert periods_of(collector)[1] == ("2026-03-09T09:00:00Z", "2026-03-16T09:00:00Z")


def test_clock_jump_forward_skips_no_period(sender: UsageStats, clock, collector):
    sender.opt_in()
    clock.advance(days=30)

    submit(sender)

    periods = periods_of(collector)
    assert len(periods) == 4
    assert all(periods[index][1] == periods[index + 1][0] for index in range(len(periods) - 1))


def test_every_event_counted_in_exactly_one_report(sender: UsageStats, clock, collector):
    sender.opt_in()
    total = 0
    for step in range(40):
        clock.advance(hours=13)
        sender.record("job_created")
        total += 1
        if step % 7 == 3:
            clock.advance(hours=-20)
            sender.record("job_created")
            total += 1
            clock.advance(hours=20)
        submit(sender)
    clock.advance(days=8)
    submit(sender)

    assert sum(body["usage_stats"]["job_count"] for body in collector.bodies) == total
    with sqlite3.connect(sender.path) as connection:
        unreported = connection.execute("SELECT COUNT(*) FROM usage_events WHERE reported = 0").fetchone()[0]
    assert unreported == 0


def test_uptime_counts_crashed_session_to_last_heartbeat(sender: UsageStats, clock, collector):
    sender.opt_in()
    sender.start_session()
    clock.advance(hours=3)
    sender.heartbeat()
    clock.advance(hours=30)
    crashed = UsageStats.open(sender.path.parent, environ=ENDPOINT_ENVIRON, clock=clock)
    crashed.close()
    clock.advance(days=6)

    submit(sender)

    assert collector.bodies[0]["usage_stats"]["uptime_hours"] == 3


def test_uptime_splits_session_across_periods(sender: UsageStats, clock, collector):
    sender.opt_in()
    clock.advance(days=6)
    sender.start_session()
    clock.advance(days=2)
    sender.end_session()
    clock.advance(days=7)

    submit(sender)

    assert [body["usage_stats"]["uptime_hours"] for body in collector.bodies] == [24, 24]


def test_uptime_counts_overlapping_sessions_once(sender: UsageStats, clock, collector):
    sender.opt_in()
    host = UsageStats.open(sender.path.parent, environ=ENDPOINT_ENVIRON, clock=clock)
    sender.start_session()
    clock.advance(hours=2)
    host.start_session()
    clock.advance(hours=3)
    sender.end_session()
    clock.advance(hours=4)
    host.end_session()
    host.close()
    clock.advance(days=7)

    submit(sender)

    assert collector.bodies[0]["usage_stats"]["uptime_hours"] == 9


def test_feature_state_carries_into_next_report(sender: UsageStats, clock, collector):
    sender.opt_in()
    sender.record("feature_enabled", feature="auto_backup")
    clock.advance(days=7, hours=1)
    submit(sender)
    clock.advance(days=7)
    submit(sender)

    assert [body["usage_stats"]["feature_usage"] for body in collector.bodies] == [{"auto_backup": True}] * 2


def test_deployment_mode_from_environment(home, clock):
    environ = {**ENDPOINT_ENVIRON, "USAGE_STATS_DEPLOYMENT_MODE": "docker"}
    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        assert json.loads(stats.preview())["installation"]["deployment_mode"] == "docker"
    with UsageStats.open(home, environ=environ, clock=clock, deployment_mode="desktop") as stats:
        assert json.loads(stats.preview())["installation"]["deployment_mode"] == "desktop"


def test_country_unknown_for_utc_zone(home, clock):
    with UsageStats.open(home, environ={"USAGE_STATS_TIMEZONE": "Etc/UTC"}, clock=clock) as stats:
        assert json.loads(stats.preview())["installation"]["country_code"] == "XX"


def test_first_seen_after_clock_set_back(home, clock, collector, caplog):
    # The store records first_seen on creation, while the clock is 3 days ahead.
    clock.advance(days=3)
    stats = UsageStats.open(
        home, environ=ENDPOINT_ENVIRON, clock=clock, transport=httpx.MockTransport(collector), app_version="2.4.1"
    )
    clock.advance(days=-3)
    stats.opt_in()
    stats.record("job_created")
    clock.advance(hours=2)

    with caplog.at_level(logging.INFO, logger="app.core"):
        outcomes = submit(stats, force=True)
        again = submit(stats, force=True)

    assert [type(outcome) for outcome in outcomes] == [Sent]
    assert collector.bodies[0]["installation"]["first_seen"] == "2026-03-02T11:00:00Z"
    assert stats.status().first_seen == dt.datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert [record.getMessage() for record in caplog.records if "first_seen" in record.getMessage()] == [
        "installation.first_seen was 2026-03-05T09:00:00.000000Z, after the current time, so the system clock "
        "was set back since it was recorded. It is now 2026-03-02T11:00:00.000000Z."
    ]
    assert again == [
        Skipped(
            "a report covers at least one whole second, and the current period is not long enough yet; "
            "send again in 1.0 seconds"
        )
    ]
    stats.close()
