"""The Waitress server of the collector, with a channel that keeps the I/O thread from spinning.

Waitress runs the WSGI app on worker threads and all socket I/O on one thread that
loops over ``select()``. A worker sends its response itself while it holds the
channel's output lock. For as long as that send lasts, including the wait to take the
GIL back after the ``send`` call, stock Waitress still offers the channel to
``select()`` as writable. ``select()`` returns at once, the flush attempt finds the
lock taken, and the loop starts over, each pass asking every open channel whether it
is readable and writable. With 64 connections and busy workers the I/O thread then
burns most of a core on this loop: on the collector's submit endpoint that cut
throughput to a fifth of what it is with 16 connections.

``WorkerFlushedChannel`` leaves such a channel out of the write set while its task
holds the lock. The worker sends what it can and pulls Waitress's trigger when
output is left over or when its task ends, so the I/O thread looks again then.

A stopping server also has to end its keep-alive connections. A reverse proxy keeps
idle connections to each upstream and sends new requests over them, so a process
that keeps serving them never becomes idle under steady load. It would then be
cut off by the drain timeout with requests still running, and the proxy would return
502 for those requests.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType
from typing import Any

import waitress
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import WSGITask

logger = logging.getLogger("collector.server")

# How long a stopping server waits for queued and running requests before it cancels them.
DEFAULT_DRAIN_SECONDS = 10.0
# A stopping server exits once no request was queued or running for this long.
IDLE_SECONDS = 0.1
POLL_SECONDS = 0.02


class StopAwareTask(WSGITask):
    """A WSGI task that closes its connection after the response once the server is stopping."""

    channel: WorkerFlushedChannel

    def build_response_header(self) -> bytes:
        if self.channel.stopping and not self.channel.has_next_request():
            # Adds "Connection: close", and the channel closes once the response is sent.
            self.set_close_on_finish()
        return super().build_response_header()


class WorkerFlushedChannel(HTTPChannel):
    """An HTTP channel that the I/O thread does not try to flush while a worker is writing to it.

    Once ``stopping`` is set, each connection is closed after the response to the last
    request received on it, so a client or proxy opens a new connection for its next
    request. While the server is stopping, that new connection goes to another process.
    """

    task_class = StopAwareTask
    # Set by GracefulStop on the I/O thread. Worker threads read it while they build a response.
    stopping = False

    def has_next_request(self) -> bool:
        """Return whether a further request, complete or partly received, follows the current one.

        Read without requests_lock, which the I/O thread can hold while it waits for output
        to drain. A pipelined request that arrives after this check gets no response,
        because the connection closes after the current one.
        """
        return len(self.requests) > 1 or self.request is not None

    def writable(self) -> bool:
        if not super().writable():
            return False
        if self.will_close or self.close_when_flushed or not self.requests:
            return True
        # A task is running. While its worker holds the output lock, the worker is
        # sending that output, so select() need not wake this thread for it.
        if not self.outbuf_lock.acquire(blocking=False):
            return False
        self.outbuf_lock.release()
        return True


def create_server(app: Any, *, channel_class: type[HTTPChannel] = WorkerFlushedChannel, **adjustments: Any) -> Any:
    """Create a Waitress server for ``app`` whose connections use ``channel_class``.

    ``adjustments`` are Waitress's own settings, as for ``waitress.create_server``. The
    listening sockets are bound at once, and ``run()`` accepts and serves connections.
    """
    dispatchers: dict[int, Any] = {}
    server = waitress.create_server(app, map=dispatchers, **adjustments)
    for dispatcher in dispatchers.values():
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = channel_class
    return server


class GracefulStop:
    """Stop a Waitress server on SIGTERM or SIGINT without dropping the requests it has read.

    Waitress stops at once on SystemExit and cancels every request still waiting for a
    worker thread. On the first signal this handler instead sets ``stopping``, which makes
    ``/health`` return 503, and keeps serving for ``delay_seconds``, so a load balancer's
    health check can take this process out of rotation first. It then closes the
    listening socket, so a reverse proxy's new connections are refused. Every
    response from then on carries ``Connection: close`` (see WorkerFlushedChannel), so
    the proxy also stops sending requests over its open keep-alive connections. The
    handler waits until no request has been queued or running for IDLE_SECONDS, at most
    ``drain_seconds``, and stops the server by raising the same signal again in its own
    process. A second signal from outside stops the server at once.

    Call ``install`` on the main thread, which must be the thread that runs the server.
    """

    def __init__(
        self,
        server: Any,
        drain_seconds: float = DEFAULT_DRAIN_SECONDS,
        *,
        delay_seconds: float = 0.0,
        stopping: threading.Event | None = None,
    ) -> None:
        self._server = server
        self._drain_seconds = drain_seconds
        self._delay_seconds = delay_seconds
        self._stopping = stopping or threading.Event()

    def install(self) -> None:
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, self._on_signal)

    def _on_signal(self, signal_number: int, frame: FrameType | None) -> None:
        if self._stopping.is_set():
            raise SystemExit(0)
        self._stopping.set()
        logger.info(
            "stopping: /health returns 503, new connections are refused after %s s",
            self._delay_seconds,
            extra={"event": "stopping", "signal": signal.Signals(signal_number).name, "delay_seconds": self._delay_seconds},
        )
        threading.Thread(target=self._stop, args=(signal_number,), name="collector-stop", daemon=True).start()

    def _stop(self, signal_number: int) -> None:
        time.sleep(self._delay_seconds)
        # The listening socket is closed by the loop's own thread, between two select() calls.
        self._server.trigger.pull_trigger(self._close_listeners)
        self._stop_when_idle(signal_number)

    def _close_listeners(self) -> None:
        # Runs on the I/O thread, so no connection is accepted after the channels are marked.
        # A single listener keeps the socket map in wasyncore's _map, a MultiSocketServer in map.
        socket_map = self._server._map if isinstance(self._server, BaseWSGIServer) else self._server.map
        for dispatcher in list(socket_map.values()):
            if isinstance(dispatcher, BaseWSGIServer):
                # BaseWSGIServer.close would close the trigger too, which the loop still needs.
                wasyncore.dispatcher.close(dispatcher)
            elif isinstance(dispatcher, WorkerFlushedChannel):
                dispatcher.stopping = True

    def _stop_when_idle(self, signal_number: int) -> None:
        tasks = self._server.task_dispatcher
        deadline = time.monotonic() + self._drain_seconds
        idle_since: float | None = None
        while (now := time.monotonic()) < deadline:
            if tasks.queue or tasks.active_count:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            elif now - idle_since >= IDLE_SECONDS:
                break
            time.sleep(POLL_SECONDS)
        else:
            logger.warning(
                "requests still queued or running after %s s are cancelled",
                self._drain_seconds,
                extra={"event": "drain_timed_out", "queued": len(tasks.queue), "running": tasks.active_count},
            )
        # The handler runs on the main thread, which the trigger wakes from select().
        signal.raise_signal(signal_number)
        self._server.trigger.pull_trigger()
