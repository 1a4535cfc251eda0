"""Time every dashboard query over a filled collector database.

    python -m benchmarks.collector.generate --database-url URL --reports 1000000
    python benchmarks/collector_dashboard.py --database-url URL

Each dashboard is requested through the Falcon app (routing, query and JSON
encoding, no network) ``--runs`` times after one warm-up request. The script prints
the median and the maximum per dashboard. It then times ``record_submission`` for
new reports inside a transaction that is rolled back, so the database is unchanged.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import falcon
from falcon import testing

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collector import dashboard  # noqa: E402 - the path above makes the package importable.
from collector.config import DEFAULT_MIN_GROUP_SIZE  # noqa: E402
from collector.storage import Store  # noqa: E402

TARGET_MS = 100.0
RECORD_SAMPLES = 200


class _Settings:
    min_group_size = DEFAULT_MIN_GROUP_SIZE


def time_dashboards(store: Store, runs: int) -> list[tuple[str, float, float]]:
    """Return (request path, median ms, max ms) for every dashboard, with default parameters and with days=365."""
    app = falcon.App()
    dashboard.add_dashboard_routes(app, store, _Settings())
    client = testing.TestClient(app)

    results = []
    for name in dashboard.DASHBOARD_NAMES:
        paths = [f"/stats/dashboard/{name}"]
        if dashboard.DASHBOARD_PARAMETERS[name]:
            paths.append(f"/stats/dashboard/{name}?days=365")
        for path in paths:
            route, _, query = path.partition("?")
            response = client.simulate_get(route, query_string=query)
            if response.status_code != 200:
                raise SystemExit(f"{path} returned {response.status_code}: {response.text}")
            durations = []
            for _ in range(runs):
                started = time.perf_counter()
                client.simulate_get(route, query_string=query)
                durations.append((time.perf_counter() - started) * 1000)
            results.append((path, statistics.median(durations), max(durations)))
    return results


def time_record_submission(store: Store) -> tuple[float, float]:
    """Return (median ms, max ms) of adding one new report to the summaries; nothing is kept."""
    generator = random.Random(5)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    durations = []
    with store.db.atomic() as transaction:
        for _ in range(RECORD_SAMPLES):
            row = {
                "installation_id": str(uuid.UUID(int=generator.getrandbits(128), version=4)),
                "received_at": now - timedelta(minutes=generator.randrange(600)),
                "app_version": "1.17.0",
                "platform": "linux",
                "deployment_mode": "docker",
                "country_code": "DE",
                "printer_count": 2,
                "printer_type_counts": json.dumps({"bambu_p1s": 2}),
                "feature_usage": json.dumps({"camera": True, "queue": False}),
                "error_summary": json.dumps({"timeout": 1}),
            }
            started = time.perf_counter()
            dashboard.record_submission(store.db, row)
            durations.append((time.perf_counter() - started) * 1000)
        transaction.rollback()
    return statistics.median(durations), max(durations)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time every dashboard query.")
    parser.add_argument("--database-url", required=True, help="a database filled by benchmarks.collector.generate")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per dashboard, 1-1000 (default 20)")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 1000:
        parser.error("--runs must be from 1 to 1000")

    store = Store.open(args.database_url)
    (reports,) = store.db.execute_sql("SELECT COUNT(*) FROM submissions").fetchone()
    print(f"{reports} stored reports, {args.runs} runs per dashboard, target {TARGET_MS:.0f} ms")
    print(f"{'request':<48} {'median ms':>10} {'max ms':>8}")
    slowest = 0.0
    for path, median, maximum in time_dashboards(store, args.runs):
        slowest = max(slowest, maximum)
        print(f"{path:<48} {median:>10.2f} {maximum:>8.2f}")
    median, maximum = time_record_submission(store)
    print(f"{'record_submission (one new report)':<48} {median:>10.2f} {maximum:>8.2f}")
    print(f"slowest dashboard request: {slowest:.2f} ms ({'within' if slowest < TARGET_MS else 'OVER'} target)")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
