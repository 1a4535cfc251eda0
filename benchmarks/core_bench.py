"""Measure the client core against its speed targets.

    python benchmarks/core_bench.py [--events N] [--records N] [--bulk N]

Prints record() latency percentiles, the bulk import rate and the time to build a report
over N stored events. Each run uses a fresh database in a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core import UsageStats  # noqa: E402
from app.core._outbox import build_owed_reports  # noqa: E402
from app.core._report import Period, gather  # noqa: E402

UTC = dt.timezone.utc
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# A week of a busy print farm: mostly job and file events, some connections, errors and features.
EVENT_MIX = [
    ("job_created", {"printer_type": "prusa_mk4", "printer_index": 3, "file_kind": "3mf"}),
    ("job_completed", {"printer_type": "prusa_mk4", "printer_index": 3, "duration_minutes": 95}),
    ("job_failed", {"printer_type": "bambu_x1c", "printer_index": 1, "error_type": "TimeoutError"}),
    ("file_downloaded", {"printer_type": "bambu_x1c", "file_kind": "gcode", "size_kb": 2048}),
    ("file_uploaded", {"file_kind": "3mf", "size_kb": 512}),
    ("printer_connected", {"printer_type": "bambu_x1c", "printer_index": 7}),
    ("error_occurred", {"error_type": "ConnectionResetError"}),
    ("feature_enabled", {"feature": "auto_backup"}),
]
WEIGHTS = [30, 28, 2, 20, 15, 2, 2, 1]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_record(folder: Path, count: int) -> None:
    stats = UsageStats.open(folder / "record", environ={})
    for _ in range(200):
        stats.record("job_created", printer_type="prusa", printer_index=1)

    samples, cpu_samples = [], []
    for index in range(count):
        began, cpu_began = time.perf_counter(), time.process_time()
        stats.record("job_created", printer_type="prusa_mk4", printer_index=index % 1000, file_kind="3mf")
        samples.append((time.perf_counter() - began) * 1000)
        cpu_samples.append((time.process_time() - cpu_began) * 1000)
    stats.close()

    print(f"record(): {count} calls, wall p50 {percentile(samples, 0.5):.3f} ms, p99 {percentile(samples, 0.99):.3f} ms, "
          f"max {max(samples):.3f} ms, mean {statistics.fmean(samples):.3f} ms")
    print(f"record(): CPU time p50 {percentile(cpu_samples, 0.5):.3f} ms, p99 {percentile(cpu_samples, 0.99):.3f} ms")


def bench_bulk(folder: Path, count: int) -> None:
    stats = UsageStats.open(folder / "bulk", environ={})
    rows = [(event_type, START, metadata) for event_type, metadata in random.choices(EVENT_MIX, WEIGHTS, k=count)]

    began, cpu_began = time.perf_counter(), time.process_time()
    stored = stats.record_many(rows)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    stats.close()
    print(f"record_many(): {stored} events in {elapsed:.3f} s wall ({stored / elapsed:,.0f} events/s), "
          f"{cpu:.3f} s CPU ({stored / cpu:,.0f} events/s)")


def bench_report(folder: Path, count: int) -> None:
    clock_now = [START]
    stats = UsageStats.open(folder / "report", environ={"USAGE_STATS_TIMEZONE": "Europe/Berlin"}, clock=lambda: clock_now[0])
    stats.opt_in()
    step = dt.timedelta(days=7) / count
    chunk = 100_000
    for offset in range(0, count, chunk):
        sample = random.choices(EVENT_MIX, WEIGHTS, k=min(chunk, count - offset))
        stats.record_many([(kind, START + step * (offset + i), meta) for i, (kind, meta) in enumerate(sample)])
    clock_now[0] = START + dt.timedelta(days=7, minutes=1)
    period = Period(START, START + dt.timedelta(days=7))

    timings, cpu_timings = [], []
    for _ in range(5):
        began, cpu_began = time.perf_counter(), time.process_time()
        stats.preview()
        timings.append(time.perf_counter() - began)
        cpu_timings.append(time.process_time() - cpu_began)
    print(f"preview() over {count:,} unreported events: wall best {min(timings):.3f} s, median "
          f"{statistics.median(timings):.3f} s; CPU best {min(cpu_timings):.3f} s, median {statistics.median(cpu_timings):.3f} s")

    began = time.perf_counter()
    aggregate = gather(stats._db, 0, period, {})
    print(f"gather() alone: {time.perf_counter() - began:.3f} s wall ({sum(aggregate.counts.values()):,} events counted)")

    began, cpu_began = time.perf_counter(), time.process_time()
    built = build_owed_reports(stats._db, stats._settings, stats._installation(stats.config()), 7, clock_now[0])
    print(f"build into outbox (counts + marking {count:,} events reported): {time.perf_counter() - began:.3f} s wall, "
          f"{time.process_time() - cpu_began:.3f} s CPU, {built} report")
    stats.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events stored for the report benchmark")
    parser.add_argument("--records", type=int, default=20_000, help="record() calls timed")
    parser.add_argument("--bulk", type=int, default=100_000, help="events in the bulk import")
    args = parser.parse_args()

    random.seed(7)
    with tempfile.TemporaryDirectory() as folder:
        bench_record(Path(folder), args.records)
        bench_bulk(Path(folder), args.bulk)
        bench_report(Path(folder), args.events)


if __name__ == "__main__":
    main()
