"""Dashboard summaries and queries on SQLite and PostgreSQL, with small-count suppression."""

from __future__ import annotations

import json
import os
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import peewee
import pytest

from collector import dashboard
from collector.dashboard import SUMMARY_TABLES
from collector.migrations import LATEST_VERSION, apply_steps

POSTGRES_URL = os.environ.get("USAGE_STATS_TEST_POSTGRES_URL")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date().toordinal()
K = 5


def open_postgres_schema(url: str, schema: str) -> peewee.PostgresqlDatabase:
    parts = urlsplit(url)
    db = peewee.PostgresqlDatabase(
        parts.path.lstrip("/"),
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port or 5432,
        options=f"-c search_path={schema}",
    )
    db.connect()
    return db


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = peewee.SqliteDatabase(str(tmp_path / "collector.db"), pragmas={"journal_mode": "wal"})
        database.connect()
        yield database
        database.close()
        return

    if not POSTGRES_URL:
        pytest.skip("USAGE_STATS_TEST_POSTGRES_URL is not set")
    schema = f"test_dashboard_{uuid.uuid4().hex[:12]}"
    admin = open_postgres_schema(POSTGRES_URL, "public")
    admin.execute_sql(f"CREATE SCHEMA {schema}")
    database = open_postgres_schema(POSTGRES_URL, schema)
    yield database
    database.close()
    admin.execute_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.close()


@pytest.fixture
def summaries(db):
    dashboard.ensure_summary_tables(db)
    return db


def report(installation: str, received_at: datetime, **fields) -> dict:
    values = {
        "installation_id": installation,
        "received_at": received_at,
        "app_version": "1.0.0",
        "platform": "linux",
        "deployment_mode": "docker",
        "country_code": "DE",
        "printer_count": 1,
        "printer_type_counts": {"bambu_x1c": 1},
        "feature_usage": {},
        "error_summary": {},
    }
    values.update(fields)
    return values


def insert_submission(db, item: dict) -> None:
    """Insert `item`, a dict from report(), into the submissions table as a stored report would be."""
    db.execute_sql(
        dashboard._sql(
            db,
            "INSERT INTO submissions (report_id, installation_id, schema_version, received_at, period_start, period_end, "
            "app_version, platform, deployment_mode, country_code, printer_count, printer_type_counts, job_count, "
            "file_count, upload_count, uptime_hours, feature_usage, error_summary) "
            "VALUES (?, ?, '1.1', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, 0, 3, ?, ?)",
        ),
        (
            str(uuid.uuid4()),
            item["installation_id"],
            item["received_at"],
            item["received_at"] - timedelta(days=7),
            item["received_at"],
            item["app_version"],
            item["platform"],
            item["deployment_mode"],
            item["country_code"],
            item["printer_count"],
            json.dumps(item["printer_type_counts"]),
            json.dumps(item["feature_usage"]),
            json.dumps(item["error_summary"]),
        ),
    )


def record_group(db, count: int, prefix: str, received_at: datetime = NOW, **fields) -> None:
    for number in range(count):
        dashboard.record_submission(db, report(f"{prefix}-{number}", received_at, **fields))


def queries(db) -> dashboard.DashboardQueries:
    return dashboard.DashboardQueries(db, K)


def active_counts_by_brute_force(report_days: dict[str, set[int]], day: int, window: int) -> int:
    return sum(1 for days in report_days.values() if any(day - window < d <= day for d in days))


def daily_table(db) -> list[tuple]:
    rows = db.execute_sql(
        "SELECT day, submissions, errors, new_installations, active_7_delta, active_30_delta FROM dashboard_daily ORDER BY day"
    ).fetchall()
    return [tuple(int(value) for value in row) for row in rows if any(int(value) for value in row[1:])]


def summary_tables(db) -> dict[str, list[tuple]]:
    ordering = {
        "dashboard_installations": "installation_id",
        "dashboard_facets": "installation_id, facet, value",
        "dashboard_activity": "installation_id, day",
        "dashboard_weeks": "installation_id, week",
    }
    tables = {
        table: [tuple(row) for row in db.execute_sql(f"SELECT * FROM {table} ORDER BY {order}").fetchall()]
        for table, order in ordering.items()
    }
    tables["dashboard_daily"] = daily_table(db)
    tables["dashboard_facet_days"] = [
        tuple(row)
        for row in db.execute_sql(
            "SELECT facet, last_day, value, installations, amount FROM dashboard_facet_days "
            "WHERE installations <> 0 OR amount <> 0 ORDER BY facet, last_day, value"
        ).fetchall()
    ]
    tables["dashboard_weekly_facets"] = [
        tuple(row)
        for row in db.execute_sql(
            "SELECT week, facet, value, installations FROM dashboard_weekly_facets WHERE installations <> 0 ORDER BY week, facet, value"
        ).fetchall()
    ]
    return tables


def test_versions_sorted_as_versions(summaries):
    for version in ("1.9.2", "1.10.0", "1.2.0"):
        record_group(summaries, K, f"v{version}", app_version=version)

    result = queries(summaries).breakdown("versions", TODAY, 30)

    assert [group["value"] for group in result["groups"]] == ["1.2.0", "1.9.2", "1.10.0"]
    assert [group["installations"] for group in result["groups"]] == [5, 5, 5]
    assert result["active_installations"] == 15
    assert result["groups"][0]["share"] == 0.3333


def test_breakdown_merges_small_groups_into_other(summaries):
    record_group(summaries, 6, "lin", platform="linux")
    record_group(summaries, 3, "win", platform="windows")
    record_group(summaries, 2, "mac", platform="darwin")

    result = queries(summaries).breakdown("platforms", TODAY, 30)

    assert [(g["value"], g["installations"]) for g in result["groups"]] == [("linux", 6)]
    assert result["other"] == {"installations": 5, "amount": 5, "groups": 2}
    assert result["suppressed_groups"] == 0


def test_breakdown_drops_other_under_k(summaries):
    record_group(summaries, 6, "lin", platform="linux")
    record_group(summaries, 2, "win", platform="windows")
    record_group(summaries, 2, "mac", platform="darwin")

    result = queries(summaries).breakdown("platforms", TODAY, 30)

    assert [(g["value"], g["installations"]) for g in result["groups"]] == [("linux", 6)]
    assert result["other"] is None
    assert result["suppressed_groups"] == 2


def test_breakdown_shows_nothing_below_k(summaries):
    record_group(summaries, 4, "few", country_code="NL")

    result = queries(summaries).breakdown("countries", TODAY, 30)

    assert result["groups"] == []
    assert result["other"] is None
    assert result["suppressed_groups"] == 1


def test_features_other_counts_installation_once(summaries):
    record_group(summaries, 5, "common", feature_usage={"auto_upload": True, "timelapse": False})
    # Three installations share two rare features: summing the rare groups would give 8 for "other".
    record_group(summaries, 3, "rare", feature_usage={"auto_upload": True, "camera": True, "queue": True})
    record_group(summaries, 2, "rarer", feature_usage={"bed_mesh": True})

    result = queries(summaries).breakdown("features", TODAY, 30)

    assert [(g["value"], g["installations"]) for g in result["groups"]] == [("auto_upload", 8)]
    assert result["other"] == {"installations": 5, "amount": 8, "groups": 3}
    assert result["active_installations"] == 10


def test_errors_other_counts_many_small_groups(summaries):
    # More small groups than one IN (...) list takes, so the count spans several queries.
    for number in range(dashboard._MAX_IN_LIST_VALUES + 20):
        dashboard.record_submission(summaries, report(f"inst-{number}", NOW, error_summary={f"error_{number}": 1, "shared": 1}))

    result = queries(summaries).breakdown("errors", TODAY, 30)

    assert [(g["value"], g["installations"]) for g in result["groups"]] == [("shared", 520)]
    assert result["other"] == {"installations": 520, "amount": 520, "groups": 520}


def test_printer_types_report_printer_totals(summaries):
    record_group(summaries, 5, "farm", printer_count=4, printer_type_counts={"prusa_mk4": 3, "bambu_p1s": 1})

    result = queries(summaries).breakdown("printer-types", TODAY, 30)

    assert result["amount"] == "printers"
    assert [(g["value"], g["installations"], g["amount"]) for g in result["groups"]] == [("bambu_p1s", 5, 5), ("prusa_mk4", 5, 15)]


def test_fleet_sizes_use_buckets(summaries):
    record_group(summaries, 5, "single", printer_count=1)
    record_group(summaries, 5, "farm", printer_count=12)
    record_group(summaries, 5, "none", printer_count=0)

    result = queries(summaries).breakdown("fleet-sizes", TODAY, 30)

    assert sorted((g["value"], g["installations"]) for g in result["groups"]) == [("0", 5), ("1", 5), ("10-24", 5)]


def test_breakdown_uses_latest_report_only(summaries):
    record_group(summaries, 5, "up", NOW - timedelta(days=10), app_version="1.9.2")
    record_group(summaries, 5, "up", NOW - timedelta(days=3), app_version="1.10.0")
    # A late, older report must not replace the newer state.
    record_group(summaries, 5, "up", NOW - timedelta(days=20), app_version="1.8.0")

    result = queries(summaries).breakdown("versions", TODAY, 30)

    assert [(g["value"], g["installations"]) for g in result["groups"]] == [("1.10.0", 5)]


def test_breakdown_window_excludes_older_installations(summaries):
    record_group(summaries, 5, "recent", NOW - timedelta(days=2), deployment_mode="pi")
    record_group(summaries, 5, "stale", NOW - timedelta(days=40), deployment_mode="homeassistant")

    result = queries(summaries).breakdown("deployment-modes", TODAY, 30)

    assert [(g["value"], g["installations"]) for g in result["groups"]] == [("pi", 5)]
    assert result["active_installations"] == 5


def test_errors_breakdown_counts_errors(summaries):
    record_group(summaries, 5, "err", error_summary={"network_timeout": 2, "auth_failed": 0})

    result = queries(summaries).breakdown("errors", TODAY, 30)

    assert [(g["value"], g["installations"], g["amount"]) for g in result["groups"]] == [("network_timeout", 5, 10)]


def test_activity_trend_matches_brute_force(summaries):
    generator = random.Random(7)
    report_days: dict[str, set[int]] = {}
    events = []
    for number in range(40):
        installation = f"inst-{number}"
        for _ in range(generator.randint(1, 12)):
            day_offset = generator.randint(0, 120)
            events.append((installation, NOW - timedelta(days=day_offset, hours=generator.randint(0, 11))))
    # Arrival order is shuffled so late reports exercise the out-of-order coverage rule.
    generator.shuffle(events)
    for installation, received_at in events:
        dashboard.record_submission(summaries, report(installation, received_at))
        report_days.setdefault(installation, set()).add(received_at.date().toordinal())

    trend = queries(summaries).activity_trend(TODAY, 90)

    assert len(trend) == 90
    for point in trend:
        day = date.fromisoformat(point["day"]).toordinal()
        assert point["active_installations_7_days"] == active_counts_by_brute_force(report_days, day, 7), point["day"]
        assert point["active_installations_30_days"] == active_counts_by_brute_force(report_days, day, 30), point["day"]
    assert sum(point["submissions"] for point in trend) == sum(
        1 for _, received_at in events if received_at.date().toordinal() > TODAY - 90
    )


def test_activity_trend_counts_errors_per_day(summaries):
    dashboard.record_submission(summaries, report("a", NOW - timedelta(days=2), error_summary={"timeout": 3, "auth": 1}))
    dashboard.record_submission(summaries, report("b", NOW - timedelta(days=2), error_summary={"timeout": 2}))
    dashboard.record_submission(summaries, report("a", NOW, error_summary={}))

    trend = queries(summaries).activity_trend(TODAY, 3)

    assert [(point["submissions"], point["errors"]) for point in trend] == [(2, 6), (0, 0), (1, 0)]


def test_overview_counts_active_installations(summaries):
    record_group(summaries, 3, "week", NOW - timedelta(days=1))
    record_group(summaries, 4, "month", NOW - timedelta(days=20))
    record_group(summaries, 2, "old", NOW - timedelta(days=60))

    overview = queries(summaries).overview(TODAY)

    assert overview == {
        "active_installations_7_days": 3,
        "active_installations_30_days": 7,
        "installations_known": 9,
        "submissions_30_days": 7,
        "new_installations_30_days": 7,
    }


def test_forget_installation_matches_rebuild_without_it(summaries, tmp_path):
    generator = random.Random(3)
    reports = [
        report(f"inst-{generator.randint(0, 9)}", NOW - timedelta(days=generator.randint(0, 60)), error_summary={"x": 1})
        for _ in range(80)
    ]
    for item in reports:
        dashboard.record_submission(summaries, item)

    dashboard.forget_installation(summaries, "inst-4")
    after_forget = summary_tables(summaries)
    remaining_reports = sorted((item for item in reports if item["installation_id"] != "inst-4"), key=lambda item: item["installation_id"])
    dashboard.rebuild_summaries(summaries, remaining_reports)

    rebuilt = summary_tables(summaries)
    for table, rows in after_forget.items():
        assert rebuilt[table] == rows, table
    for table in ("dashboard_installations", "dashboard_facets", "dashboard_activity", "dashboard_weeks"):
        (remaining,) = summaries.execute_sql(f"SELECT COUNT(*) FROM {table} WHERE installation_id = 'inst-4'").fetchone()
        assert remaining == 0, table


def test_forget_only_installation_empties_summaries(summaries):
    for days_ago in (0, 3, 9):
        dashboard.record_submission(summaries, report("only", NOW - timedelta(days=days_ago), error_summary={"x": 1}))

    dashboard.forget_installation(summaries, "only")

    for table in SUMMARY_TABLES:
        (rows,) = summaries.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()
        assert rows == 0, table


def test_rebuild_matches_incremental_records(summaries):
    generator = random.Random(11)
    reports = [
        report(
            f"inst-{generator.randint(0, 14)}",
            NOW - timedelta(days=generator.randint(0, 90), hours=generator.randint(0, 23)),
            app_version=generator.choice(["1.9.2", "1.10.0"]),
            feature_usage={"camera": generator.random() < 0.5, "queue": True},
            error_summary={"network_timeout": generator.randint(0, 3)},
        )
        for _ in range(300)
    ]
    for item in reports:
        dashboard.record_submission(summaries, item)
    incremental = summary_tables(summaries)

    count = dashboard.rebuild_summaries(summaries, sorted(reports, key=lambda item: item["installation_id"]))

    assert count == 300
    rebuilt = summary_tables(summaries)
    for table, rows in incremental.items():
        assert rebuilt[table] == rows, table


def test_rebuild_rejects_ungrouped_submissions(summaries):
    reports = [report("inst-a", NOW), report("inst-b", NOW), report("inst-a", NOW - timedelta(days=1))]

    with pytest.raises(ValueError, match="inst-a"):
        dashboard.rebuild_summaries(summaries, reports)


def test_purge_keeps_later_active_counts(summaries):
    for number in range(6):
        for weeks_ago in range(0, 20):
            dashboard.record_submission(summaries, report(f"inst-{number}", NOW - timedelta(weeks=weeks_ago)))
    before = queries(summaries).activity_trend(TODAY, 30)

    dashboard.purge_summaries_before(summaries, NOW - timedelta(days=60))

    assert queries(summaries).activity_trend(TODAY, 30) == before
    (oldest,) = summaries.execute_sql("SELECT MIN(day) FROM dashboard_activity").fetchone()
    assert oldest >= TODAY - 60


def test_version_migration_by_week(summaries):
    monday = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    record_group(summaries, 6, "inst", monday, app_version="1.9.2")
    record_group(summaries, 6, "inst", monday + timedelta(days=7), app_version="1.9.2")
    record_group(summaries, 6, "inst", monday + timedelta(days=9), app_version="1.10.0")

    weeks = queries(summaries).weekly_trend("version", TODAY, 21)

    assert [week["week_start"] for week in weeks] == ["2026-05-25", "2026-06-01", "2026-06-08", "2026-06-15"]
    assert weeks[1]["groups"] == [{"value": "1.9.2", "installations": 6, "share": 1.0}]
    # The latest report of the week wins, so the second week counts 1.10.0 only.
    assert weeks[2]["groups"] == [{"value": "1.10.0", "installations": 6, "share": 1.0}]
    assert weeks[2]["reporting_installations"] == 6
    assert weeks[3]["groups"] == []


def test_feature_trends_suppress_rare_features(summaries):
    monday = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)
    record_group(summaries, 5, "a", monday, feature_usage={"auto_upload": True})
    record_group(summaries, 2, "b", monday, feature_usage={"auto_upload": True, "camera": True})

    weeks = queries(summaries).weekly_trend("feature", TODAY, 7)

    assert weeks[0]["groups"] == [{"value": "auto_upload", "installations": 7, "share": 1.0}]
    assert weeks[0]["other"] is None
    assert weeks[0]["suppressed_groups"] == 1


def test_anomalies_find_submission_spike_and_active_drop(summaries):
    # Ten installations report daily for 40 days, then four stop; on one day 30 extra reports arrive.
    for offset in range(40, 0, -1):
        for number in range(10 if offset > 10 else 6):
            dashboard.record_submission(summaries, report(f"inst-{number}", NOW - timedelta(days=offset)))
    for number in range(30):
        dashboard.record_submission(summaries, report(f"burst-{number}", NOW - timedelta(days=20)))

    anomalies = dashboard.find_anomalies(queries(summaries), TODAY, 30, K)

    spikes = [a for a in anomalies if a["kind"] == "submission_spike"]
    drops = [a for a in anomalies if a["kind"] == "active_drop"]
    assert [a["day"] for a in spikes] == [(NOW - timedelta(days=20)).date().isoformat()]
    assert spikes[0]["value"] == 40
    # Baseline: 8 days of 0 and 20 days of 10 reports; mean 7.14, threshold mean + 3 sd = 20.7.
    assert (spikes[0]["baseline"], spikes[0]["threshold"]) == (7.14, 20.7)
    # The burst installations leave the 7-day window 7 days after the burst. The four
    # quiet installations leave it 7 days after their last report. Each drop lasts
    # until the day it is compared with is itself after the drop.
    assert [(a["day"], a["last_day"]) for a in drops] == [
        ((NOW - timedelta(days=13)).date().isoformat(), (NOW - timedelta(days=7)).date().isoformat()),
        ((NOW - timedelta(days=4)).date().isoformat(), (NOW - timedelta(days=1)).date().isoformat()),
    ]
    assert (drops[1]["value"], drops[1]["baseline"], drops[1]["threshold"]) == (6, 10.0, 8.0)


def test_rebuild_reads_submissions_table(db):
    apply_steps(db, LATEST_VERSION)
    for number in range(5):
        insert_submission(
            db,
            report(
                f"inst-{number}", NOW - timedelta(days=1), app_version="2.0.0", platform="darwin", deployment_mode="desktop",
                country_code="AT", printer_count=2, printer_type_counts={"prusa_mk4": 2}, feature_usage={"camera": True},
            ),
        )
    count = dashboard.rebuild_from_submissions(db)

    assert count == 5
    result = queries(db).breakdown("platforms", TODAY, 30)
    assert [(g["value"], g["installations"]) for g in result["groups"]] == [("darwin", 5)]


def test_version_sort_key_orders_numerically():
    versions = ["1.10.0", "1.9.2", "0.9", "1.9.10", "2.0.0", "1.9.2rc1"]

    assert sorted(versions, key=dashboard.version_sort_key) == ["0.9", "1.9.2", "1.9.2rc1", "1.9.10", "1.10.0", "2.0.0"]


def test_suppress_small_groups_keeps_groups_of_exactly_k():
    result = dashboard.suppress_small_groups([("a", 5, 5), ("b", 4, 4)], 5)

    assert result == {"groups": [{"value": "a", "installations": 5, "amount": 5}], "other": None, "suppressed_groups": 1}
