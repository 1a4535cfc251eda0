"""Estimate what group commit would save: store reports one per transaction, then many per transaction.

    python -m benchmarks.collector.batch_probe --database-url sqlite:////tmp/probe.db
    python -m benchmarks.collector.batch_probe --database-url "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dprobe"

Reports go straight to ``Store.store_report`` in one thread, without HTTP, so the figures
are the storage cost per report alone. In the batched case an outer transaction wraps
``--batch`` reports, which turns each report's own transaction into a savepoint and
leaves one commit per batch. This estimates a group-commit design and is not that design,
which must also send each response only after the response's batch has committed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from benchmarks.collector.load_client import build_requests
from collector.app import utc_now
from collector.storage import Store
from collector.validation import parse_report

RATE_LIMIT_PER_HOUR = 100_000


def parsed_reports(count: int, seed: int) -> list:
    requests = build_requests(count, 1, "unused-key-0123456789", seed)
    now = utc_now()
    return [parse_report(json.loads(request.split(b"\r\n\r\n", 1)[1]), now) for request in requests]


def store_all(store: Store, reports: list, batch: int) -> float:
    """Store ``reports`` and return the milliseconds per report."""
    started = time.perf_counter()
    for start in range(0, len(reports), batch):
        chunk = reports[start : start + batch]
        if batch == 1:
            _store(store, chunk[0])
            continue
        with store.db.atomic():
            for report in chunk:
                _store(store, report)
    return (time.perf_counter() - started) * 1000 / len(reports)


def _store(store: Store, report) -> None:
    store.store_report(
        report,
        received_at=utc_now(),
        source_hash="0" * 64,
        limit_per_hour=RATE_LIMIT_PER_HOUR,
        source_limit_per_hour=RATE_LIMIT_PER_HOUR,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare one transaction per report with batched commits.")
    parser.add_argument("--database-url", required=True, help="an empty database on this machine")
    parser.add_argument("--reports", type=int, default=2_000, help="reports per measurement, 100-20000 (default 2000)")
    parser.add_argument("--batch", type=int, default=50, help="reports per transaction in the batched run (default 50)")
    args = parser.parse_args(argv)
    if not 100 <= args.reports <= 20_000 or not 2 <= args.batch <= 1_000:
        parser.error("--reports must be 100-20000 and --batch 2-1000")

    store = Store.open(args.database_url)
    store.migrate()
    single = store_all(store, parsed_reports(args.reports, seed=11), batch=1)
    batched = store_all(store, parsed_reports(args.reports, seed=12), batch=args.batch)
    print(f"one transaction per report: {single:.2f} ms per report")
    print(f"{args.batch} reports per transaction: {batched:.2f} ms per report")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
