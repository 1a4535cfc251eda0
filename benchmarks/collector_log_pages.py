"""Count the pages that storing and summarizing reports write to SQLite's log, per table and index.

    python benchmarks/collector_log_pages.py                      # batches of 10 reports
    python benchmarks/collector_log_pages.py --batch-reports 40

Stores ``--warm-up-reports`` new reports in a fresh SQLite file, as the report writer
does: ``Store.store_reports`` for each batch, then ``Store.catch_up_summaries``. Then it
truncates the write-ahead log and stores ``--reports`` more the same way. After each
commit it reads the page numbers of the new frames in the log and, once done, maps them
to tables and indexes with SQLite's ``dbstat`` table. A page written by several commits
counts once per commit, as each commit writes it to the log again. Each installation id
is new, as in benchmarks/collector_load.py.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import struct
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import peewee

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.storage import ReportRequest, Store  # noqa: E402 - the path above makes the package importable.
from collector.validation import parse_report  # noqa: E402
from tests.collector.conftest import report_1_1  # noqa: E402

# The collector's highest accepted limit, so that nothing in the probe is throttled.
RATE_LIMIT_PER_HOUR = 100_000
SOURCE_HASH = "a" * 64
# SQLite's log format: a 32-byte file header, then per frame a 24-byte header whose first
# four bytes are the page number (big-endian), followed by the page.
LOG_HEADER_BYTES = 32
FRAME_HEADER_BYTES = 24


def log_page_numbers(log_path: Path, page_size: int) -> list[int]:
    """Return the page number of every frame in the log, in order."""
    if not log_path.exists():
        return []
    data = log_path.read_bytes()
    frame_bytes = FRAME_HEADER_BYTES + page_size
    return [
        struct.unpack_from(">I", data, offset)[0]
        for offset in range(LOG_HEADER_BYTES, len(data) - frame_bytes + 1, frame_bytes)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000, help="reports counted (default 1000)")
    parser.add_argument("--warm-up-reports", type=int, default=3_000, help="reports stored first (default 3000)")
    parser.add_argument("--batch-reports", type=int, default=10, help="reports per batch (default 10)")
    args = parser.parse_args(argv)
    for option in ("reports", "warm_up_reports", "batch_reports"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1, got {getattr(args, option)}")

    folder = Path(tempfile.mkdtemp())
    try:
        report_pages(args, folder)
    finally:
        shutil.rmtree(folder)
    return 0


def report_pages(args: argparse.Namespace, folder: Path) -> None:
    """Store and summarize the reports in a new database in ``folder`` and print the pages per table and index."""
    store = Store.open(f"sqlite:///{folder / 'collector.db'}")
    store.migrate()
    store.defer_checkpoints()
    log_path = folder / "collector.db-wal"
    page_size = store.db.execute_sql("PRAGMA page_size").fetchone()[0]

    now = datetime.now(timezone.utc).replace(tzinfo=None)
    total = args.warm_up_reports + args.reports
    requests = [
        ReportRequest(parse_report(report_1_1(now), now), now, SOURCE_HASH, RATE_LIMIT_PER_HOUR, RATE_LIMIT_PER_HOUR)
        for _ in range(total)
    ]
    for start in range(0, args.warm_up_reports, args.batch_reports):
        store.store_reports(requests[start : start + args.batch_reports])
        store.catch_up_summaries()
    store.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    written = {"store_reports": collections.Counter(), "catch_up_summaries": collections.Counter()}
    batches = 0
    for start in range(args.warm_up_reports, total, args.batch_reports):
        before = len(log_page_numbers(log_path, page_size))
        store.store_reports(requests[start : start + args.batch_reports])
        pages = log_page_numbers(log_path, page_size)
        written["store_reports"].update(pages[before:])
        before = len(pages)
        store.catch_up_summaries()
        written["catch_up_summaries"].update(log_page_numbers(log_path, page_size)[before:])
        batches += 1

    try:
        owners = {page: name for name, page in store.db.execute_sql("SELECT name, pageno FROM dbstat").fetchall()}
    except peewee.OperationalError as error:
        raise SystemExit(f"This SQLite build has no dbstat table ({error}); use one compiled with SQLITE_ENABLE_DBSTAT_VTAB.")
    finally:
        store.close()
    for step, pages in written.items():
        by_owner: collections.Counter[str] = collections.Counter()
        for page, count in pages.items():
            by_owner[owners.get(page, "(freed since)")] += count
        per_batch = sum(pages.values()) / batches
        print(f"{step}: {per_batch:.1f} pages per batch of {args.batch_reports}, {per_batch / args.batch_reports:.1f} per report")
        for name, count in by_owner.most_common():
            print(f"  {count / batches:7.1f}  {name}")


if __name__ == "__main__":
    raise SystemExit(main())
