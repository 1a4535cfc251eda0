"""The report writer in a process of its own, where it does not share a GIL with the request threads.

In one process, the writer thread competes with every request thread for the GIL, and each
SQLite or PostgreSQL statement gives it up and waits to get it back. ``ProcessReportWriter``
sends each report over a pipe to a writer process instead. There a ReportWriter reads the pipe
in its own thread, stores everything that has arrived in one transaction, sends the batch's
outcomes back in one message, then brings the dashboard summaries up to date. A reply thread
in the serving process completes each waiting request.

The writer process stops when the serving process sends it the stop message (``close``) or
exits, even by SIGKILL, because its end of the pipe then reads end-of-file. Either way it
first stores and summarizes everything it has received. It ignores SIGINT and SIGTERM, which
a terminal or systemd send to every process of the group, so that it outlives the requests
that the serving process is still finishing.

When the writer process exits on its own (killed, or out of memory), the reports waiting for
it fail with WriterUnavailable, for which the app responds 503, and a new writer process is
started, at most one a second. Until it is ready, reports and ``/health`` get 503 as well.
A report whose batch was committed just before the exit is then stored even though its
client got 503; the client's retry finds it by report id.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import multiprocessing
import multiprocessing.connection
import pickle
import signal
import threading
import time
from concurrent.futures import Future
from functools import partial
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

import peewee

from collector.config import CollectorConfig
from collector.errors import CollectorError
from collector.logs import configure_logging
from collector.storage import ReportRequest, Store, StoredSubmission, sqlite_path
from collector.writer import DEFAULT_CLOSE_TIMEOUT_SECONDS, ReportWriter, Writer, WriterClosed, WriterUnavailable

logger = logging.getLogger("collector.writer")

# Minimum time between the starts of two writer processes, so that one that exits at once is
# not started again in a tight loop.
DEFAULT_RESTART_DELAY_SECONDS = 1.0
# How long a new writer process may take to start (import the collector and set itself up).
START_TIMEOUT_SECONDS = 30.0
# How long to wait for the exit code of a writer process that closed its pipe while starting.
START_EXIT_WAIT_SECONDS = 5.0
# The message that requests the writer process to store what it has received and stop.
_STOP = None
# The writer process's first message: it ignores SIGTERM and SIGINT from here on.
_READY = "ready"


def make_writer(config: CollectorConfig, store: Store) -> Writer:
    """Return the writer that ``config.writer`` names, for ``store``.

    An in-memory SQLite database exists only in the process that opened it, so it always
    gets a writer thread.
    """
    url = config.database_url
    in_memory = urlsplit(url).scheme == "sqlite" and sqlite_path(url) == ":memory:"
    if config.writer == "thread" or in_memory:
        return ReportWriter(store)
    return ProcessReportWriter(url, log_level=config.log_level)


class ProcessReportWriter:
    """Sends reports to a writer process and waits for their outcomes; thread-safe.

    Has the ``submit`` and ``close`` of ReportWriter. The writer process opens
    ``database_url`` itself and logs at ``log_level``, like the serving process.
    """

    def __init__(
        self,
        database_url: str,
        *,
        log_level: str,
        restart_delay_seconds: float = DEFAULT_RESTART_DELAY_SECONDS,
    ) -> None:
        self._database_url = database_url
        self._log_level = log_level
        self._restart_delay_seconds = restart_delay_seconds
        # _lock guards the state below and is held only briefly. _send_lock orders the writes to
        # the pipe, which can block while the writer process is busy and does not read.
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._keys = itertools.count()
        self._pending: dict[int, Future[StoredSubmission]] = {}
        # Requests between their registration and the end of their write, so that the stop
        # message goes after every report accepted before close.
        self._sending = 0
        self._sends_done = threading.Condition(self._lock)
        # Set by close, once; the restart loop waits on it.
        self._closed = threading.Event()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._reply_thread: threading.Thread | None = None
        process, connection = self._spawn()
        with self._lock:
            self._install(process, connection)
        # multiprocessing's own exit hook joins child processes, and this one would wait for
        # a stop message forever. Hooks run last-registered first, so this one comes before.
        atexit.register(self.close)

    @property
    def pid(self) -> int | None:
        """The writer process's id, or None while none runs."""
        with self._lock:
            return self._process.pid if self._connection is not None and self._process is not None else None

    @property
    def ready(self) -> bool:
        """True while a writer process runs and the writer is not closed."""
        with self._lock:
            return self._connection is not None and not self._closed.is_set()

    def submit(self, request: ReportRequest) -> StoredSubmission:
        """Send one report to the writer process and wait until its batch is committed.

        Raises the report's own error (a CollectorError such as RateLimited), the
        database error that rolled its batch back, WriterUnavailable or WriterClosed.
        """
        key = next(self._keys)
        message = pickle.dumps((key, request), protocol=pickle.HIGHEST_PROTOCOL)
        future: Future[StoredSubmission] = Future()
        with self._lock:
            if self._closed.is_set():
                raise WriterClosed("The report writer is stopped; no report can be stored.")
            connection = self._connection
            if connection is None:
                raise WriterUnavailable("The report writer process has exited and is restarting; retry later.")
            self._pending[key] = future
            self._sending += 1
        try:
            with self._send_lock:
                connection.send_bytes(message)
        except OSError:
            with self._lock:
                # Unless the reply thread has failed it already, because the process exited.
                unsent = self._pending.pop(key, None)
            if unsent is not None:
                unsent.set_exception(WriterUnavailable("The report writer process has exited; retry later."))
        finally:
            with self._lock:
                self._sending -= 1
                self._sends_done.notify_all()
        return future.result()

    def close(self, timeout: float = DEFAULT_CLOSE_TIMEOUT_SECONDS) -> None:
        """Let the writer process store and summarize what it has received, then wait for it to exit.

        Waits at most ``timeout`` seconds, then kills it. Later ``submit`` calls raise WriterClosed.
        """
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
            connection, process, reply_thread = self._connection, self._process, self._reply_thread
        if connection is not None:
            # Sent from another thread, because a writer process that does not read would block
            # the send, and then the timeout below could not end the wait.
            threading.Thread(target=self._send_stop, args=(connection,), name="collector-writer-stop", daemon=True).start()
        # Only the reply thread reaps the process. Its sentinel becomes readable at the exit, so this
        # waits without reaping it, and a process that is still running cannot have a reused id.
        if process is not None and connection is not None and not multiprocessing.connection.wait([process.sentinel], timeout):
            logger.warning(
                "the report writer process did not stop within %s seconds; killing it",
                timeout,
                extra={"event": "writer_process_killed"},
            )
            process.kill()  # It ignores SIGTERM.
        if reply_thread is not None:
            reply_thread.join(timeout)
        atexit.unregister(self.close)

    def _send_stop(self, connection: Connection) -> None:
        with self._lock:
            self._sends_done.wait_for(lambda: self._sending == 0)
        try:
            with self._send_lock:
                connection.send(_STOP)
        except OSError:
            pass  # It has exited already.

    def _spawn(self) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        """Start a writer process and wait until it is ready; raise WriterUnavailable if it is not."""
        context = multiprocessing.get_context("spawn")
        connection, child_connection = context.Pipe()
        process = context.Process(
            target=run_writer_process,
            args=(child_connection, self._database_url, self._log_level),
            name="collector-writer",
            daemon=True,
        )
        process.start()
        child_connection.close()
        arrived = connection.poll(START_TIMEOUT_SECONDS)
        try:
            ready = arrived and connection.recv() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            # A process that closed its end of the pipe is exiting, so its exit code is worth a wait.
            exited = _end_process(process, START_EXIT_WAIT_SECONDS if arrived else 0)
            connection.close()
            if exited:
                msg = f"The report writer process exited with code {process.exitcode} while starting; see its log lines above."
            else:
                msg = f"The report writer process did not start within {START_TIMEOUT_SECONDS:g} seconds; it was killed."
            raise WriterUnavailable(msg)
        return process, connection

    def _install(self, process: multiprocessing.process.BaseProcess, connection: Connection) -> None:
        """Send reports to ``process`` from now on and start its reply thread; the caller holds the lock."""
        self._process, self._connection = process, connection
        self._reply_thread = threading.Thread(
            target=self._complete_replies, args=(connection, process), name="collector-writer-replies", daemon=True
        )
        self._reply_thread.start()

    def _restart_after_exit(self, started_at: float) -> None:
        """Start writer processes until one is ready or the writer closes.

        Each start comes at least ``restart_delay_seconds`` after the previous one.
        """
        while True:
            wait_seconds = started_at + self._restart_delay_seconds - time.monotonic()
            if self._closed.wait(max(wait_seconds, 0)):
                return
            started_at = time.monotonic()
            try:
                process, connection = self._spawn()
            except WriterUnavailable as error:
                logger.error("%s", error, extra={"event": "writer_process_start_failed"})
                continue
            with self._lock:
                if not self._closed.is_set():
                    self._install(process, connection)
                    logger.info(
                        "started a new report writer process",
                        extra={"event": "writer_process_started", "pid": process.pid},
                    )
                    return
            connection.close()  # The writer closed meanwhile: end-of-file stops the new process.
            _end_process(process, DEFAULT_CLOSE_TIMEOUT_SECONDS)
            return

    def _complete_replies(self, connection: Connection, process: multiprocessing.process.BaseProcess) -> None:
        """Complete each waiting request as its outcome arrives, until the writer process exits.

        Then fail the requests still waiting and, unless the writer is closing, start a new process.
        """
        started_at = time.monotonic()
        try:
            while True:
                for key, outcome in connection.recv():
                    future = self._pending.pop(key)
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        except (EOFError, OSError):
            pass
        except Exception:  # noqa: BLE001 - the requests waiting would otherwise wait forever.
            logger.exception(
                "reading the report writer's outcomes failed; stopping the writer process",
                extra={"event": "writer_reply_failed"},
            )
            process.kill()
        process.join()
        with self._lock:
            self._connection = None
            orphans, self._pending = self._pending, {}
            closing = self._closed.is_set()
        with self._send_lock:  # No request thread writes to it any more.
            connection.close()
        if not closing:
            logger.error(
                "the report writer process exited with code %s; starting a new one",
                process.exitcode,
                extra={"event": "writer_process_exited", "exit_code": process.exitcode},
            )
        for future in orphans.values():
            future.set_exception(WriterUnavailable("The report writer process exited before it replied; retry later."))
        if not closing:
            self._restart_after_exit(started_at)


def _end_process(process: multiprocessing.process.BaseProcess, wait_seconds: float) -> bool:
    """Wait up to ``wait_seconds`` for ``process`` to exit, else kill it; return whether it exited by itself.

    A writer process ignores SIGTERM, so SIGKILL is what ends one that does not stop.
    """
    process.join(wait_seconds)
    if process.exitcode is not None:
        return True
    process.kill()
    process.join()
    return False


def run_writer_process(connection: Connection, database_url: str, log_level: str) -> None:
    """Store the reports that arrive on ``connection`` until it closes or sends the stop message."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging(log_level)
    writer = _PipeFedWriter(Store.open(database_url), connection)
    connection.send(_READY)
    try:
        writer.run()
    finally:
        writer.close()  # Waits for the checkpoint thread's last copy.
        connection.close()


class _PipeFedWriter(ReportWriter):
    """A ReportWriter that reads its batches straight from the pipe, in the thread that calls ``run``.

    Reading in the writer's own thread saves a hand-off to it for every report. Outcomes are
    collected as each report's future completes and sent back in one message per batch.
    """

    def __init__(self, store: Store, connection: Connection) -> None:
        super().__init__(store)
        self._connection = connection
        self._replies: list[tuple[int, Any]] = []
        self._received_all = False

    def run(self) -> None:
        """Store batches until the pipe closes or brings the stop message."""
        self._run()

    def _next_batch(self) -> list[tuple[ReportRequest, Future[StoredSubmission]]] | None:
        """Wait for a report, then take every report already in the pipe, up to a batch.

        Returns None once the pipe has closed or brought the stop message, and everything before is stored.
        """
        if self._received_all:
            return None
        batch: list[tuple[ReportRequest, Future[StoredSubmission]]] = []
        try:
            while len(batch) < self._max_batch_reports and (not batch or self._connection.poll()):
                message = self._connection.recv()
                if message is _STOP:
                    self._received_all = True
                    break
                key, request = message
                future: Future[StoredSubmission] = Future()
                future.add_done_callback(partial(_add_reply, self._replies, key))
                batch.append((request, future))
        except (EOFError, OSError):
            self._received_all = True
        return batch or None

    def _batch_completed(self) -> None:
        batch = self._replies.copy()
        self._replies.clear()
        try:
            self._connection.send(batch)
        except OSError:
            pass  # The serving process is gone, and no request waits for these outcomes.


def _add_reply(replies: list[tuple[int, Any]], key: int, future: Future[StoredSubmission]) -> None:
    error = future.exception()
    replies.append((key, future.result() if error is None else _transportable(error)))


def _transportable(error: BaseException) -> BaseException:
    """Return ``error`` in a form that unpickles in the serving process and maps to the same response.

    Database driver errors may carry objects that do not pickle, so a peewee error is sent
    as its own type with its message alone.
    """
    if isinstance(error, CollectorError):
        return error
    if isinstance(error, peewee.PeeweeException):
        return type(error)(str(error))
    return RuntimeError(f"{type(error).__name__} in the report writer process: {error}")
