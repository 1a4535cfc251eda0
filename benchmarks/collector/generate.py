"""Fill a collector database with synthetic weekly reports and rebuild the dashboard summaries.

    python -m benchmarks.collector.generate --database-url sqlite:////tmp/bench.db --reports 1000000

Installations start over the last two years, report once a week until they stop,
and upgrade through a release every six weeks with a lag. Countries, printer types,
features and error types follow skewed distributions, so some groups fall under the
minimum group size and the suppression paths run too. Runs are repeatable for a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from collector import dashboard
from collector.storage import Installation, Store, Submission

INSERT_BATCH_ROWS = 2_000
HISTORY_WEEKS = 104
RELEASE_INTERVAL_WEEKS = 6
MEAN_LIFETIME_WEEKS = 60

PLATFORMS = (("linux", 55), ("windows", 30), ("darwin", 15))
DEPLOYMENT_MODES = (("docker", 35), ("homeassistant", 25), ("desktop", 20), ("pi", 12), ("standalone", 8))
# Weights fall off quickly so that the last countries have only a handful of installations.
COUNTRIES = tuple((code, max(1, 400 // (rank + 1) ** 2)) for rank, code in enumerate(
    "DE US GB FR NL IT ES PL CA AU AT CH SE BE DK NO FI CZ PT IE NZ JP BR MX ZA IS LU MT EE XX".split()
))
PRINTER_TYPES = ("bambu_x1c", "bambu_p1s", "bambu_a1", "prusa_mk4", "prusa_mini", "prusa_xl", "creality_k1", "voron_24")
FEATURES = ("auto_upload", "timelapse", "camera", "queue", "notifications", "library", "cost_tracking", "ams_mapping")
ERROR_TYPES = ("connection_error", "timeout", "auth_failed", "upload_failed", "parse_error", "disk_full")


def weighted(generator: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return generator.choices([name for name, _ in choices], weights=[weight for _, weight in choices])[0]


def generate_reports(total: int, now: datetime, seed: int) -> Iterator[tuple[dict, dict]]:
    """Yield (installation row, submission row) pairs, grouped by installation, until ``total`` reports."""
    generator = random.Random(seed)
    produced = 0
    while produced < total:
        installation_id = str(uuid.UUID(int=generator.getrandbits(128), version=4))
        start_week = generator.randrange(HISTORY_WEEKS)
        lifetime = max(1, int(generator.expovariate(1 / MEAN_LIFETIME_WEEKS)))
        weeks = range(start_week, min(HISTORY_WEEKS, start_week + lifetime))
        profile = _installation_profile(generator)
        for week in weeks:
            if produced >= total:
                break
            received_at = now - timedelta(weeks=HISTORY_WEEKS - week - 1, hours=generator.randrange(168))
            if received_at > now:
                continue
            produced += 1
            yield {"installation_id": installation_id, "first_seen_at": received_at}, _submission_row(
                generator, installation_id, received_at, week, profile
            )


def _installation_profile(generator: random.Random) -> dict:
    fleet = generator.choice((0, 1, 1, 1, 2, 2, 3, 4, 6, 12, 30))
    types = generator.sample(PRINTER_TYPES, k=min(len(PRINTER_TYPES), max(1, fleet // 3 + 1))) if fleet else []
    return {
        "platform": weighted(generator, PLATFORMS),
        "deployment_mode": weighted(generator, DEPLOYMENT_MODES),
        "country_code": weighted(generator, COUNTRIES),
        "printer_count": fleet,
        "printer_types": types,
        "features": {name: generator.random() < 0.4 for name in generator.sample(FEATURES, k=5)},
        "upgrade_lag_weeks": generator.randrange(0, 12),
    }


def _submission_row(generator: random.Random, installation_id: str, received_at: datetime, week: int, profile: dict) -> dict:
    release = max(0, (week - profile["upgrade_lag_weeks"]) // RELEASE_INTERVAL_WEEKS)
    type_counts = {}
    for position in range(profile["printer_count"]):
        name = profile["printer_types"][position % len(profile["printer_types"])]
        type_counts[name] = type_counts.get(name, 0) + 1
    errors = {name: generator.randrange(1, 5) for name in ERROR_TYPES if generator.random() < 0.08}
    jobs = generator.randrange(0, 40)
    return {
        "report_id": str(uuid.UUID(int=generator.getrandbits(128), version=4)),
        "installation_id": installation_id,
        "schema_version": "1.1",
        "received_at": received_at,
        "period_start": received_at - timedelta(days=7),
        "period_end": received_at,
        "app_version": f"1.{release}.{generator.choice((0, 0, 1, 2))}",
        "python_version": "3.11.9",
        "platform": profile["platform"],
        "deployment_mode": profile["deployment_mode"],
        "country_code": profile["country_code"],
        "printer_count": profile["printer_count"],
        "printer_type_counts": json.dumps(type_counts, sort_keys=True),
        "job_count": jobs,
        "job_completed_count": jobs,
        "job_failed_count": 0,
        "file_count": generator.randrange(0, 20),
        "upload_count": generator.randrange(0, 10),
        "uptime_hours": generator.randrange(0, 168),
        "feature_usage": json.dumps(profile["features"], sort_keys=True),
        "error_summary": json.dumps(errors, sort_keys=True),
    }


def fill(store: Store, total: int, now: datetime, seed: int) -> tuple[int, int]:
    """Insert ``total`` reports and their installations; return (reports, installations)."""
    submissions: list[dict] = []
    installations: dict[str, dict] = {}
    count = 0
    for installation, submission in generate_reports(total, now, seed):
        known = installations.setdefault(installation["installation_id"], {**installation, "last_seen_at": installation["first_seen_at"]})
        known["last_seen_at"] = max(known["last_seen_at"], installation["first_seen_at"])
        known["first_seen_at"] = min(known["first_seen_at"], installation["first_seen_at"])
        submissions.append(submission)
        count += 1
        if len(submissions) >= INSERT_BATCH_ROWS:
            _insert(store, Submission, submissions)
            submissions = []
    _insert(store, Submission, submissions)
    rows = list(installations.values())
    for start in range(0, len(rows), INSERT_BATCH_ROWS):
        _insert(store, Installation, rows[start : start + INSERT_BATCH_ROWS])
    return count, len(installations)


def _insert(store: Store, model: type, rows: list[dict]) -> None:
    """Insert rows with one multi-row statement per batch, bypassing peewee's per-row work."""
    if not rows:
        return
    table = model._meta.table_name  # noqa: SLF001 - peewee exposes table names only through _meta.
    columns = list(rows[0])
    values = [tuple(row[column] for column in columns) for row in rows]
    with store.db.atomic():
        cursor = store.db.cursor()
        if store.is_postgres:
            from psycopg2.extras import execute_values

            execute_values(cursor, f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s", values, page_size=1_000)
        else:
            placeholders = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", values)


def rebuild(store: Store) -> int:
    """Rebuild the dashboard summaries from the submissions table, as the migration does."""
    return dashboard.rebuild_from_submissions(store.db)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="sqlite:///path or postgresql://user@127.0.0.1/db; must be empty")
    parser.add_argument("--reports", type=int, default=1_000_000, help="number of reports to generate (default 1000000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if not 1 <= args.reports <= 5_000_000:
        parser.error("--reports must be from 1 to 5000000")

    store = Store.open(args.database_url)
    store.migrate()
    (existing,) = store.db.execute_sql("SELECT COUNT(*) FROM submissions").fetchone()
    if existing:
        parser.error(f"the database already holds {existing} submissions; use an empty one")

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    started = time.perf_counter()
    reports, installations = fill(store, args.reports, now, args.seed)
    inserted = time.perf_counter()
    rebuild(store)
    rebuilt = time.perf_counter()
    print(f"inserted {reports} reports of {installations} installations in {inserted - started:.1f} s")
    print(f"rebuilt the dashboard summaries in {rebuilt - inserted:.1f} s")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
