"""Group commit: one thread per process stores the reports that request threads queue.

A request thread calls ``ReportWriter.submit`` and waits. The writer thread takes
everything queued (up to ``max_batch_reports``), stores it with ``Store.store_reports``
in one transaction and completes each waiting request after the commit, so no report is
acknowledged before it is durable. Then, before it takes the next batch, it brings
the dashboard summaries up to date, ``summary_chunk_reports`` reports per transaction.
Reports that arrive meanwhile wait for the next batch, so a busy writer stores larger
batches and summarizes larger chunks, and the summaries never fall more than one
batch behind. One thread doing both also keeps a second thread from competing for
SQLite's write lock and for the GIL.

``collector.writer_process`` runs this writer in a process of its own, where it does not
compete with the request threads for the GIL.

On SQLite a second thread copies the write-ahead log back into the database file
(the checkpoint), which SQLite would otherwise do inside every few commits, while
the writer and every request waited for the copy and its fsync. It copies while the
writer goes on. Once the log has grown past ``restart_log_pages``, it copies the rest
in the writer's turn, so that the next commit starts the log file over.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from concurrent.futures import Future
from typing import Any, Protocol

from collector.storage import ReportRequest, StoredSubmission, Store

logger = logging.getLogger("collector.writer")

DEFAULT_MAX_BATCH_REPORTS = 256
# Reports summarized per transaction, so that a stored batch is summarized in one.
DEFAULT_SUMMARY_CHUNK_REPORTS = DEFAULT_MAX_BATCH_REPORTS
# How long ``close`` waits for the queued reports to be stored.
DEFAULT_CLOSE_TIMEOUT_SECONDS = 30.0
# How long the checkpoint thread waits between two copies of the log. Under benchmarks/collector_load.py
# at 64 connections, 0.1 s served 2,510-2,850 ok/s with a p99 of 51-67 ms, and 0.25 s 2,310-2,530 ok/s
# with a p99 of 61-68 ms. The ranges overlap, but 0.1 s was ahead in each pair run one after the
# other (docs/benchmarks.md).
DEFAULT_CHECKPOINT_INTERVAL_SECONDS = 0.1
# Log length, in pages, from which the checkpoint thread copies in the writer's turn so that
# the log starts over: 4,096 pages of 4 KiB are 16 MiB. Under benchmarks/collector_load.py at
# 64 connections, limits of 1,024-8,192 pages gave a p99 of 55-65 ms, 16,384 pages 66-70 ms and
# 65,536 pages 91-101 ms (docs/benchmarks.md).
DEFAULT_RESTART_LOG_PAGES = 4_096
# Before the copy in the writer's turn, the checkpoint thread copies again while the writer goes on,
# until the log grew by fewer pages than this during one copy, or at most MAX_CATCH_UP_COPIES times.
# Under benchmarks/collector_load.py this took the median pause of the writer from 21 to 8 ms.
CATCH_UP_LOG_PAGES = 256
MAX_CATCH_UP_COPIES = 6


class WriterClosed(RuntimeError):
    """The writer was stopped, so a report can no longer be queued."""


class WriterUnavailable(RuntimeError):
    """The writer process exited before it replied, or cannot be started just now."""


class Writer(Protocol):
    """The report writer interface that the submit endpoint and /health use: ReportWriter or ProcessReportWriter."""

    def submit(self, request: ReportRequest) -> StoredSubmission:
        """Store one report and return once it is committed."""

    def close(self, timeout: float = DEFAULT_CLOSE_TIMEOUT_SECONDS) -> None:
        """Store what is queued, then stop."""

    @property
    def ready(self) -> bool:
        """True while the writer takes reports."""


class ReportWriter:
    """Queues reports for one writer thread, which stores them in batches; thread-safe."""

    def __init__(
        self,
        store: Store,
        *,
        max_batch_reports: int = DEFAULT_MAX_BATCH_REPORTS,
        summary_chunk_reports: int = DEFAULT_SUMMARY_CHUNK_REPORTS,
        checkpoint_interval_seconds: float = DEFAULT_CHECKPOINT_INTERVAL_SECONDS,
        restart_log_pages: int = DEFAULT_RESTART_LOG_PAGES,
    ) -> None:
        self._store = store
        self._max_batch_reports = max_batch_reports
        self._summary_chunk_reports = summary_chunk_reports
        self._checkpoint_interval_seconds = checkpoint_interval_seconds
        self._restart_log_pages = restart_log_pages
        self._queue: deque[tuple[ReportRequest, Future[StoredSubmission]]] = deque()
        self._condition = threading.Condition()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._checkpoint_thread: threading.Thread | None = None
        # The writer sets this after each stored batch and when it stops. The checkpoint thread clears it.
        self._written = threading.Event()
        self._writer_stopped = threading.Event()

    def submit(self, request: ReportRequest) -> StoredSubmission:
        """Queue one report and wait until its batch is committed.

        Raises the report's own error (a CollectorError such as RateLimited), the
        database error that rolled its batch back, or WriterClosed.
        """
        future: Future[StoredSubmission] = Future()
        with self._condition:
            if self._closing:
                raise WriterClosed("The report writer is stopped; no report can be stored.")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="collector-writer", daemon=True)
                self._thread.start()
            self._queue.append((request, future))
            self._condition.notify()
        return future.result()

    @property
    def ready(self) -> bool:
        """True until the writer is closed."""
        with self._condition:
            return not self._closing

    def close(self, timeout: float = DEFAULT_CLOSE_TIMEOUT_SECONDS) -> None:
        """Store every queued report and summarize it, then stop the writer and checkpoint threads.

        Waits at most ``timeout`` seconds for each. Later ``submit`` calls raise WriterClosed.
        """
        with self._condition:
            self._closing = True
            self._condition.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        if self._checkpoint_thread is not None:
            self._checkpoint_thread.join(timeout)

    def _run(self) -> None:
        try:
            if self._store.defer_checkpoints():
                self._checkpoint_thread = threading.Thread(
                    target=self._checkpoint_until_stopped, name="collector-checkpoint", daemon=True
                )
                self._checkpoint_thread.start()
            while (batch := self._next_batch()) is not None:
                self._store_batch(batch)
                self._batch_completed()
                self._catch_up()
                self._written.set()
        finally:
            self._store.close()
            self._writer_stopped.set()
            self._written.set()

    def _checkpoint_until_stopped(self) -> None:
        """Copy the log after stored batches until the writer stops, waiting an interval between copies.

        The last copy, once the writer has stopped, runs at once and in the writers' turn.
        """
        try:
            while True:
                self._written.wait()
                self._written.clear()
                stopped = self._writer_stopped.is_set()
                self._checkpoint(between_writes=stopped)
                if stopped:
                    return
                self._writer_stopped.wait(self._checkpoint_interval_seconds)
        finally:
            self._store.close()

    def _checkpoint(self, *, between_writes: bool) -> None:
        try:
            log_pages, _copied = self._store.checkpoint(between_writes=between_writes)
            # A copy made in the writers' turn already reached the end of the log.
            if not between_writes and log_pages >= self._restart_log_pages:
                self._catch_up_with_log(log_pages)
                self._store.checkpoint(between_writes=True)
        except Exception as error:  # noqa: BLE001 - the next interval tries again; the log only grows meanwhile.
            logger.warning(
                "copying the write-ahead log into the database failed (%s): %s",
                type(error).__name__,
                self._store.describe_error(error),
                extra={"event": "checkpoint_failed"},
            )

    def _catch_up_with_log(self, log_pages: int) -> None:
        """Copy the log again while the writer goes on, so that little is left for the copy in its turn."""
        for _ in range(MAX_CATCH_UP_COPIES):
            previous_pages = log_pages
            log_pages, _copied = self._store.checkpoint()
            if log_pages - previous_pages < CATCH_UP_LOG_PAGES:
                return

    def _next_batch(self) -> list[tuple[ReportRequest, Future[StoredSubmission]]] | None:
        """Wait for queued reports and return up to a batch of them, or None once closed and drained."""
        with self._condition:
            while not self._queue and not self._closing:
                self._condition.wait()
            if not self._queue:
                return None

            count = min(len(self._queue), self._max_batch_reports)
            return [self._queue.popleft() for _ in range(count)]

    def _batch_completed(self) -> None:
        """Run after every report of a batch has its outcome, before the summaries; does nothing here."""

    def _store_batch(self, batch: list[tuple[ReportRequest, Future[StoredSubmission]]]) -> None:
        try:
            outcomes: list[Any] = self._store.store_reports([request for request, _ in batch])
        except Exception as error:  # noqa: BLE001 - every waiter gets the error; the request maps it to HTTP.
            logger.warning(
                "storing a batch of %s reports failed (%s): %s",
                len(batch),
                type(error).__name__,
                self._store.describe_error(error),
                extra={"event": "batch_failed", "reports": len(batch)},
            )
            for _, future in batch:
                future.set_exception(error)
            return

        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _catch_up(self) -> None:
        try:
            self._store.catch_up_summaries(self._summary_chunk_reports)
        except Exception as error:  # noqa: BLE001 - the next catch-up or dashboard request retries.
            logger.warning(
                "updating the dashboard summaries failed (%s): %s",
                type(error).__name__,
                self._store.describe_error(error),
                extra={"event": "summary_catch_up_failed"},
            )
