"""Ordered schema steps for the collector database; each step runs once and is recorded.

A step never reads the live models in ``collector.storage``. The tables it creates
are frozen here as they were when the step was written. Replaying the steps on an
empty database therefore gives the same schema as upgrading an old one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import peewee
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator
from playhouse.sqlite_ext import AutoIncrementField

SCHEMA_VERSION_KEY = "schema_version"
# Each applied step is recorded as "migration.<number>" -> "<UTC time> <description>".
STEP_KEY_PREFIX = "migration."

# The submissions columns that the dashboard summaries are built from.
_DASHBOARD_COLUMNS = (
    "installation_id", "received_at", "app_version", "platform", "deployment_mode", "country_code",
    "printer_count", "printer_type_counts", "feature_usage", "error_summary",
)


class _Frozen(peewee.Model):
    class Meta:
        legacy_table_names = False


class CollectorMetaV1(_Frozen):
    key = peewee.CharField(max_length=64, primary_key=True)
    value = peewee.TextField()

    class Meta:
        table_name = "collector_meta"


class InstallationV1(_Frozen):
    installation_id = peewee.CharField(max_length=36, primary_key=True)
    first_seen_at = peewee.DateTimeField()
    last_seen_at = peewee.DateTimeField()

    class Meta:
        table_name = "installations"


class SubmissionV1(_Frozen):
    id = peewee.AutoField()
    report_id = peewee.CharField(max_length=36, unique=True)
    installation_id = peewee.CharField(max_length=36)
    schema_version = peewee.CharField(max_length=8)
    received_at = peewee.DateTimeField(index=True)
    period_start = peewee.DateTimeField()
    period_end = peewee.DateTimeField()
    app_version = peewee.CharField(max_length=32)
    python_version = peewee.CharField(max_length=32, null=True)
    platform = peewee.CharField(max_length=16)
    deployment_mode = peewee.CharField(max_length=16)
    country_code = peewee.CharField(max_length=2)
    printer_count = peewee.IntegerField()
    printer_type_counts = peewee.TextField()
    job_count = peewee.IntegerField()
    file_count = peewee.IntegerField()
    upload_count = peewee.IntegerField()
    uptime_hours = peewee.IntegerField()
    feature_usage = peewee.TextField()
    error_summary = peewee.TextField()

    class Meta:
        table_name = "submissions"
        indexes = ((("installation_id", "received_at"), False),)


class SubmissionV7(SubmissionV1):
    """The submissions table of step 7: SubmissionV1 with the step 2 columns, and ids never reused on SQLite."""

    id = AutoIncrementField()
    job_completed_count = peewee.IntegerField(null=True)
    job_failed_count = peewee.IntegerField(null=True)

    class Meta:
        table_name = "submissions"
        indexes = ((("installation_id", "received_at"), False),)


class SourceHitV3(_Frozen):
    id = peewee.AutoField()
    source_hash = peewee.CharField(max_length=64)
    hit_at = peewee.DateTimeField()

    class Meta:
        table_name = "source_hits"
        indexes = ((("source_hash", "hit_at"), False),)


class SourceKeyV3(_Frozen):
    day = peewee.CharField(max_length=10, primary_key=True)
    secret = peewee.CharField(max_length=64)

    class Meta:
        table_name = "source_keys"


def _create_base_tables(db: peewee.Database, migrator: SchemaMigrator) -> None:
    db.create_tables([CollectorMetaV1, InstallationV1, SubmissionV1], safe=True)


def _add_schema_1_1_columns(db: peewee.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(
        migrator.add_column("installations", "deletion_token_sha256", peewee.CharField(max_length=64, null=True)),
        migrator.add_column("submissions", "job_completed_count", peewee.IntegerField(null=True)),
        migrator.add_column("submissions", "job_failed_count", peewee.IntegerField(null=True)),
    )


def _create_source_tables(db: peewee.Database, migrator: SchemaMigrator) -> None:
    db.create_tables([SourceHitV3, SourceKeyV3], safe=True)


def _create_dashboard_summaries(db: peewee.Database, migrator: SchemaMigrator) -> None:
    # NOTE: unlike the steps above, this one calls live code: the summary tables are
    # derived data that dashboard.rebuild_summaries can recreate at any time.
    from collector import dashboard

    dashboard.ensure_summary_tables(db)
    columns = ", ".join(_DASHBOARD_COLUMNS)
    cursor = db.execute_sql(f"SELECT {columns} FROM submissions ORDER BY installation_id, received_at")
    names = [column[0] for column in cursor.description]
    dashboard.rebuild_summaries(db, (dict(zip(names, row)) for row in cursor))


def _move_source_key_out_of_database(db: peewee.Database, migrator: SchemaMigrator) -> None:
    # The day's HMAC key now lives in a file outside the database (collector.ratelimit.SourceKeys).
    # The hits hashed under a key stored beside them go too: with the key, every IPv4
    # address can be tried against them.
    SourceHitV3.delete().execute()
    db.drop_tables([SourceKeyV3], safe=True)


def _index_facets_by_value_without_installation(db: peewee.Database, migrator: SchemaMigrator) -> None:
    # The index of step 4 ended in the installation id, so every new installation's facet
    # rows landed on random pages of it. Without the id, they go to the end of each group.
    db.execute_sql("DROP INDEX IF EXISTS dashboard_facets_by_value")
    db.execute_sql("CREATE INDEX dashboard_facets_by_value ON dashboard_facets (facet, value, last_day)")


def _stop_reusing_submission_ids(db: peewee.Database, migrator: SchemaMigrator) -> None:
    # Without AUTOINCREMENT, SQLite gives a new row the highest remaining id plus one, so after
    # the newest submissions were deleted, a new report got an id that a deleted one had been
    # acknowledged with. SQLite cannot add AUTOINCREMENT to a table, so the table is rebuilt.
    # PostgreSQL's sequence never hands out an id twice.
    if not isinstance(db, peewee.SqliteDatabase):
        return
    for index in ("submissions_report_id", "submissions_received_at", "submissions_installation_id_received_at"):
        db.execute_sql(f"DROP INDEX IF EXISTS {index}")
    db.execute_sql("ALTER TABLE submissions RENAME TO submissions_before_step_7")
    db.create_tables([SubmissionV7])
    columns = ", ".join(field.column_name for field in SubmissionV7._meta.sorted_fields)
    db.execute_sql(f"INSERT INTO submissions ({columns}) SELECT {columns} FROM submissions_before_step_7 ORDER BY id")
    db.execute_sql("DROP TABLE submissions_before_step_7")


def _rebuild_incomplete_summaries(db: peewee.Database, migrator: SchemaMigrator) -> None:
    # NOTE: like step 4, this step calls live code. Step 4 creates the summary tables that
    # the release running it defines, so a database that ran it before dashboard_facet_days
    # existed lacks that table, and every breakdown reads it. The summaries derive from
    # submissions, so they are rebuilt whole; a database with every table is left as it is.
    from collector import dashboard

    if all(db.table_exists(table) for table in dashboard.SUMMARY_TABLES):
        return
    dashboard.rebuild_from_submissions(db)


# Step number -> (description, function). Append new steps; never edit a released one.
STEPS: dict[int, tuple[str, Callable[[peewee.Database, SchemaMigrator], None]]] = {
    1: ("create installations, submissions and collector_meta", _create_base_tables),
    2: ("add the deletion token hash and the schema 1.1 job counts", _add_schema_1_1_columns),
    3: ("create the per-source rate-limit tables", _create_source_tables),
    4: ("create the dashboard summary tables and fill them from the submissions", _create_dashboard_summaries),
    5: ("drop source_keys and the source hits hashed under them", _move_source_key_out_of_database),
    6: ("index dashboard_facets_by_value by facet, value and day only", _index_facets_by_value_without_installation),
    7: ("never reuse a submission id on SQLite", _stop_reusing_submission_ids),
    8: ("rebuild the dashboard summaries where a summary table is missing", _rebuild_incomplete_summaries),
}
LATEST_VERSION = max(STEPS)


def current_version(db: peewee.Database) -> int:
    """Return the schema version recorded in collector_meta, 0 for an empty database."""
    if not db.table_exists("collector_meta"):
        return 0

    with db.bind_ctx([CollectorMetaV1]):
        row = CollectorMetaV1.get_or_none(CollectorMetaV1.key == SCHEMA_VERSION_KEY)
    return int(row.value) if row else 0


def apply_steps(db: peewee.Database, target: int) -> list[int]:
    """Run every step above the recorded version up to ``target``; the caller holds the lock.

    Returns the step numbers applied, in order.
    """
    if isinstance(db, peewee.PostgresqlDatabase):
        migrator: SchemaMigrator = PostgresqlMigrator(db)
    else:
        migrator = SqliteMigrator(db)

    applied = []
    for number in range(current_version(db) + 1, target + 1):
        description, step = STEPS[number]
        with db.bind_ctx([CollectorMetaV1, InstallationV1, SubmissionV1, SubmissionV7, SourceHitV3, SourceKeyV3]):
            step(db, migrator)
            applied_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
            _set_meta(f"{STEP_KEY_PREFIX}{number}", f"{applied_at} {description}")
            _set_meta(SCHEMA_VERSION_KEY, str(number))
        applied.append(number)
    return applied


def _set_meta(key: str, value: str) -> None:
    CollectorMetaV1.insert(key=key, value=value).on_conflict(
        conflict_target=[CollectorMetaV1.key], update={CollectorMetaV1.value: value}
    ).execute()
