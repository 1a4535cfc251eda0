"""Summarizing reports a chunk at a time writes the same rows as one report per call.

Each test feeds the same reports to two databases, one chunk per call and one report
per call, and compares every summary table. Both calls run the same chunk code, so
the tests then rebuild the second database from all the reports with
``rebuild_summaries``, which applies the reports with separate code, and compare again.

Rows of the shared totals whose changes sum to zero are left out of the comparisons.
A chunk sums a change and its reversal before writing, so it never creates such a
row, while one report per call can.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import peewee
import pytest

from collector import dashboard
from collector.migrations import LATEST_VERSION, apply_steps
from tests.collector.test_dashboard import POSTGRES_URL, insert_submission, open_postgres_schema, report, summary_tables

MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_pair(request, tmp_path):
    """Two empty databases of the same kind: the first gets chunks, the second one report per call."""
    if request.param == "sqlite":
        databases = [peewee.SqliteDatabase(str(tmp_path / f"{name}.db"), pragmas={"journal_mode": "wal"}) for name in ("chunked", "single")]
        for database in databases:
            database.connect()
        yield databases
        for database in databases:
            database.close()
        return

    if not POSTGRES_URL:
        pytest.skip("USAGE_STATS_TEST_POSTGRES_URL is not set")
    schemas = [f"test_chunks_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    admin = open_postgres_schema(POSTGRES_URL, "public")
    for schema in schemas:
        admin.execute_sql(f"CREATE SCHEMA {schema}")
    databases = [open_postgres_schema(POSTGRES_URL, schema) for schema in schemas]
    yield databases
    for database in databases:
        database.close()
    for schema in schemas:
        admin.execute_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.close()


def day_of(moment: datetime) -> int:
    return moment.date().toordinal()


def microseconds_of(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def assert_same_summaries(chunked, single) -> None:
    chunked_tables = summary_tables(chunked)
    single_tables = summary_tables(single)
    for table, rows in single_tables.items():
        assert chunked_tables[table] == rows, table


def assert_same_as_rebuild(chunked, other, reports: list[dict]) -> None:
    """Rebuild ``other`` from ``reports`` and compare it with ``chunked``.

    The stable sort keeps the arrival order of each installation's reports, which
    decides a tie between two reports received in the same microsecond.
    """
    dashboard.rebuild_summaries(other, sorted(reports, key=lambda item: item["installation_id"]))
    assert_same_summaries(chunked, other)


def record_both_ways(database_pair, history: list[dict], chunk: list[dict]) -> None:
    """Record `history`, then `chunk`, as two chunks in the first database and one by one in the second.

    Then check that both give the same summaries, and the same as a rebuild from the reports.
    """
    chunked, single = database_pair
    for db in database_pair:
        dashboard.ensure_summary_tables(db)

    dashboard.record_submissions(chunked, history)
    dashboard.record_submissions(chunked, chunk)
    for item in history + chunk:
        dashboard.record_submission(single, item)

    assert_same_summaries(chunked, single)
    assert_same_as_rebuild(chunked, single, history + chunk)


def catch_up_in_chunks(db, chunk_reports: int) -> int:
    added = 0
    while chunk := dashboard.catch_up(db, max_reports=chunk_reports):
        added += chunk
    return added


# Recorded before the chunk, so the chunk updates stored rows of inst-b and inst-c.
HISTORY = [
    report("inst-c", MONDAY - timedelta(days=3), app_version="1.0.0"),
    report("inst-c", MONDAY + timedelta(days=1), app_version="1.1.0", feature_usage={"camera": True}),
    report("inst-b", MONDAY - timedelta(days=40)),
]

# In arrival order. The comments name the case that each report covers.
CHUNK = [
    # Several reports of one installation on one day, the third older than the first two.
    report("inst-a", MONDAY + timedelta(days=2, hours=1), app_version="2.0.0", error_summary={"timeout": 1}),
    report("inst-a", MONDAY + timedelta(days=2, hours=2), app_version="2.1.0", feature_usage={"camera": True}),
    report("inst-a", MONDAY + timedelta(days=2, hours=-1), app_version="1.9.0", error_summary={"timeout": 2}),
    # An older week arrives later and moves the first day earlier.
    report("inst-a", MONDAY - timedelta(days=5), app_version="1.8.0"),
    # A new active day 43 days after the stored one, then one between them that arrives later.
    report("inst-b", MONDAY + timedelta(days=3), printer_count=4),
    report("inst-b", MONDAY - timedelta(days=10), error_summary={"auth": 3}),
    # Older than the stored latest report and than the stored report of its week.
    report("inst-c", MONDAY, app_version="0.9.0"),
    # Newer than every stored report, so it replaces the stored facets and week row.
    report("inst-c", MONDAY + timedelta(days=4), app_version="2.0.0", printer_count=12),
    report("inst-d", MONDAY + timedelta(days=4)),
    # Older than the report of its week that arrived before it.
    report("inst-d", MONDAY + timedelta(days=3), app_version="0.5.0"),
    # The latest report of inst-a, on the Sunday of the same week.
    report("inst-a", MONDAY + timedelta(days=6, hours=14), app_version="2.2.0", printer_count=30),
    # The same day as an earlier inst-b report of this chunk, received later.
    report("inst-b", MONDAY + timedelta(days=3, hours=5), printer_count=5, error_summary={"auth": 1, "timeout": 1}),
    # A new installation whose second report, from the week before, arrives later.
    report("inst-e", MONDAY + timedelta(days=7)),
    report("inst-e", MONDAY + timedelta(days=6), platform="windows"),
    # Two reports received in the same microsecond. The later arrival becomes the latest report.
    report("inst-f", MONDAY + timedelta(days=1), app_version="3.0.0"),
    report("inst-f", MONDAY + timedelta(days=1), app_version="3.1.0"),
]


def test_scripted_chunk_matches_one_report_per_call(database_pair):
    chunked, _ = database_pair

    record_both_ways(database_pair, HISTORY, CHUNK)

    latest_a = MONDAY + timedelta(days=6, hours=14)
    latest_b = MONDAY + timedelta(days=3, hours=5)
    latest_c = MONDAY + timedelta(days=4)
    assert summary_tables(chunked)["dashboard_installations"] == [
        ("inst-a", day_of(MONDAY - timedelta(days=5)), day_of(latest_a), microseconds_of(latest_a)),
        ("inst-b", day_of(MONDAY - timedelta(days=40)), day_of(latest_b), microseconds_of(latest_b)),
        ("inst-c", day_of(MONDAY - timedelta(days=3)), day_of(latest_c), microseconds_of(latest_c)),
        ("inst-d", day_of(MONDAY + timedelta(days=3)), day_of(latest_c), microseconds_of(latest_c)),
        ("inst-e", day_of(MONDAY + timedelta(days=6)), day_of(MONDAY + timedelta(days=7)), microseconds_of(MONDAY + timedelta(days=7))),
        ("inst-f", day_of(MONDAY + timedelta(days=1)), day_of(MONDAY + timedelta(days=1)), microseconds_of(MONDAY + timedelta(days=1))),
    ]


def test_scripted_chunk_keeps_latest_facets(database_pair):
    chunked, _ = database_pair
    dashboard.ensure_summary_tables(chunked)

    dashboard.record_submissions(chunked, HISTORY)
    dashboard.record_submissions(chunked, CHUNK)

    versions = chunked.execute_sql(
        "SELECT installation_id, value, last_day FROM dashboard_facets WHERE facet = 'version' ORDER BY installation_id"
    ).fetchall()
    assert [tuple(row) for row in versions] == [
        ("inst-a", "2.2.0", day_of(MONDAY + timedelta(days=6))),
        ("inst-b", "1.0.0", day_of(MONDAY + timedelta(days=3))),
        ("inst-c", "2.0.0", day_of(MONDAY + timedelta(days=4))),
        ("inst-d", "1.0.0", day_of(MONDAY + timedelta(days=4))),
        ("inst-e", "1.0.0", day_of(MONDAY + timedelta(days=7))),
        ("inst-f", "3.1.0", day_of(MONDAY + timedelta(days=1))),
    ]
    activity = chunked.execute_sql(
        "SELECT day, submissions, errors FROM dashboard_activity WHERE installation_id = 'inst-a' ORDER BY day"
    ).fetchall()
    assert [tuple(row) for row in activity] == [
        (day_of(MONDAY - timedelta(days=5)), 1, 0),
        (day_of(MONDAY + timedelta(days=2)), 3, 3),
        (day_of(MONDAY + timedelta(days=6)), 1, 0),
    ]
    weeks = chunked.execute_sql(
        "SELECT installation_id, week, received_us FROM dashboard_weeks WHERE installation_id IN ('inst-c', 'inst-d') "
        "ORDER BY installation_id, week"
    ).fetchall()
    assert [tuple(row) for row in weeks] == [
        ("inst-c", day_of(MONDAY - timedelta(days=7)), microseconds_of(MONDAY - timedelta(days=3))),
        ("inst-c", day_of(MONDAY), microseconds_of(MONDAY + timedelta(days=4))),
        ("inst-d", day_of(MONDAY), microseconds_of(MONDAY + timedelta(days=4))),
    ]


def test_random_chunks_match_single_calls(database_pair):
    generator = random.Random(5)
    day_offsets = [0, 0, 1, 2, 5, 6, 7, 8, 13, 29, 30, 31, 45, 90]
    reports = [
        report(
            f"inst-{generator.randint(0, 24)}",
            MONDAY - timedelta(days=generator.choice(day_offsets), hours=generator.choice([0, 0, 3, 11])),
            app_version=generator.choice(["1.9.2", "1.10.0", "2.0.0"]),
            printer_count=generator.randint(0, 30),
            printer_type_counts={"prusa_mk4": generator.randint(1, 3), generator.choice(["bambu_x1c", "bambu_p1s"]): 1},
            feature_usage={"camera": generator.random() < 0.5, "queue": generator.random() < 0.5},
            error_summary={"network_timeout": generator.randint(0, 2), "auth_failed": generator.randint(0, 1)},
        )
        for _ in range(400)
    ]
    for db in database_pair:
        apply_steps(db, LATEST_VERSION)
        dashboard.ensure_watermark(db)
        for item in reports:
            insert_submission(db, item)
    chunked, single = database_pair

    assert catch_up_in_chunks(chunked, 32) == 400
    assert catch_up_in_chunks(single, 1) == 400

    assert_same_summaries(chunked, single)
    assert_same_as_rebuild(chunked, single, reports)
    assert len(summary_tables(chunked)["dashboard_installations"]) == 25


def test_chunk_beyond_in_list_size_matches(database_pair):
    count = dashboard._MAX_IN_LIST_VALUES + 20
    history = [report(f"inst-{number}", MONDAY - timedelta(days=3 + number % 40), app_version="1.0.0") for number in range(count)]
    chunk = [report(f"inst-{number}", MONDAY - timedelta(days=number % 3), app_version="1.1.0") for number in range(count)]
    chunked, _ = database_pair

    record_both_ways(database_pair, history, chunk)

    (latest_versions,) = chunked.execute_sql("SELECT COUNT(*) FROM dashboard_facets WHERE facet = 'version' AND value = '1.1.0'").fetchone()
    assert latest_versions == count
