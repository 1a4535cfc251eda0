"""Time the report writer's storage and summary steps per report, in one thread, without HTTP.

    python benchmarks/collector_writer_probe.py                          # a fresh SQLite file
    python benchmarks/collector_writer_probe.py --database-url URL       # an empty database or schema

Stores ``--reports`` new reports with ``Store.store_reports`` in batches of
``--batch-reports``, then brings the dashboard summaries up to date with
``Store.catch_up_summaries`` in chunks of ``--chunk-reports``, and finally times
``parse_report`` on the same bodies. Each installation id is new, as in
benchmarks/collector_load.py. ``--defer-checkpoints`` leaves SQLite's checkpoints out of
the timed commits, as the collector's report writer does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.storage import ReportRequest, Store  # noqa: E402 - the path above makes the package importable.
from collector.validation import parse_report  # noqa: E402
from tests.collector.conftest import report_1_1  # noqa: E402

# The collector's highest accepted limit, so that nothing in the probe is throttled.
RATE_LIMIT_PER_HOUR = 100_000
SOURCE_HASH = "a" * 64


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="sqlite:///path or postgresql://user@127.0.0.1/db (default: a new SQLite file)")
    parser.add_argument("--reports", type=int, default=1_600, help="reports to store (default 1600)")
    parser.add_argument("--batch-reports", type=int, default=16, help="reports per store_reports call (default 16)")
    parser.add_argument("--chunk-reports", type=int, default=32, help="reports per summary transaction (default 32)")
    parser.add_argument(
        "--defer-checkpoints", action="store_true",
        help="keep SQLite's checkpoints out of the timed commits, as the report writer does",
    )
    args = parser.parse_args(argv)

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/collector.db"
    store = Store.open(url)
    store.migrate()
    if args.defer_checkpoints:
        store.defer_checkpoints()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    bodies = [report_1_1(now) for _ in range(args.reports)]
    requests = [ReportRequest(parse_report(body, now), now, SOURCE_HASH, RATE_LIMIT_PER_HOUR, RATE_LIMIT_PER_HOUR) for body in bodies]

    started = time.perf_counter()
    for start in range(0, len(requests), args.batch_reports):
        store.store_reports(requests[start : start + args.batch_reports])
    store_ms = (time.perf_counter() - started) * 1000 / args.reports

    started = time.perf_counter()
    store.catch_up_summaries(args.chunk_reports)
    summary_ms = (time.perf_counter() - started) * 1000 / args.reports

    started = time.perf_counter()
    for body in bodies:
        parse_report(body, now)
    parse_ms = (time.perf_counter() - started) * 1000 / args.reports

    print(f"store_reports, {args.batch_reports} per batch:   {store_ms:.3f} ms per report")
    print(f"catch_up_summaries, {args.chunk_reports} per chunk: {summary_ms:.3f} ms per report")
    print(f"parse_report:                       {parse_ms:.3f} ms per report")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
