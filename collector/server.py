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
"""

from __future__ import annotations

from typing import Any

import waitress
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer


class WorkerFlushedChannel(HTTPChannel):
    """An HTTP channel that the I/O thread does not try to flush while a worker is writing to it."""

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
