"""The collector's Waitress server: its channel keeps the I/O thread idle while a worker sends."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from waitress.channel import HTTPChannel

from collector.server import WorkerFlushedChannel, create_server
from tests.collector.conftest import stop_server

HOLD_SECONDS = 0.3
LARGE_BODY_BYTES = 8 * 1024 * 1024
CLIENT_TIMEOUT_SECONDS = 10


class CountingChannel:
    """Mixin that counts the I/O thread's writable() checks of its channels."""

    writable_calls = 0

    def writable(self) -> bool:
        type(self).writable_calls += 1
        return super().writable()


class CountingWorkerFlushedChannel(CountingChannel, WorkerFlushedChannel):
    writable_calls = 0


class CountingStockChannel(CountingChannel, HTTPChannel):
    writable_calls = 0


def hold_output_lock(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Hold the channel's output lock with one unsent byte, as a worker does in the middle of a send.

    The response body is the number of writable() checks the I/O thread made meanwhile.
    """
    channel = environ["waitress.client_disconnected"].__self__
    with channel.outbuf_lock:
        channel.total_outbufs_len += 1
        before = type(channel).writable_calls
        # A worker that cannot send all its output wakes the I/O thread like this.
        channel.server.pull_trigger()
        time.sleep(HOLD_SECONDS)
        during = type(channel).writable_calls - before
        channel.total_outbufs_len -= 1
    body = str(during).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def large_body(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    """Stream LARGE_BODY_BYTES in four chunks, pausing between them."""
    chunk = LARGE_BODY_BYTES // 4
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(LARGE_BODY_BYTES))])
    for index in range(4):
        if index:
            time.sleep(0.05)
        yield bytes([index]) * chunk


@pytest.fixture
def serve() -> Iterator[Callable[..., int]]:
    """Serve a WSGI app on 127.0.0.1 with the given channel class and return its port."""
    servers: list[tuple[Any, threading.Thread]] = []

    def start(app: Callable[..., Any], channel_class: type[HTTPChannel]) -> int:
        server = create_server(app, channel_class=channel_class, host="127.0.0.1", port=0, threads=2)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        return int(server.effective_port)

    yield start

    for server, thread in servers:
        stop_server(server, thread)


def get(port: int, path: str = "/") -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_SECONDS)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200
        return response.read()
    finally:
        connection.close()


def test_busy_channel_not_polled(serve):
    port = serve(hold_output_lock, CountingWorkerFlushedChannel)

    polls = int(get(port))

    # One pass for the trigger; Waitress's loop wakes at most once a second by itself.
    assert polls <= 3


def test_stock_channel_spins(serve):
    """WorkerFlushedChannel exists for this behaviour. If Waitress changes it, the channel can go."""
    port = serve(hold_output_lock, CountingStockChannel)

    polls = int(get(port))

    assert polls >= 100


def test_large_response_to_slow_reader(serve):
    port = serve(large_body, WorkerFlushedChannel)
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_SECONDS) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        # The worker fills the socket buffers and leaves the rest for the I/O thread.
        time.sleep(0.5)
        received = bytearray()
        while chunk := client.recv(1 << 20):
            received += chunk

    head, _, body = bytes(received).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    quarter = LARGE_BODY_BYTES // 4
    assert body == b"".join(bytes([index]) * quarter for index in range(4))


def test_pipelined_requests_in_order(serve):
    def echo_path(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = environ["PATH_INFO"].encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    port = serve(echo_path, WorkerFlushedChannel)
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_SECONDS) as client:
        client.sendall(
            b"GET /first HTTP/1.1\r\nHost: test\r\n\r\n"
            b"GET /second HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
        )
        received = bytearray()
        while chunk := client.recv(65536):
            received += chunk

    responses = bytes(received).split(b"HTTP/1.1 200 OK")
    assert [response.rpartition(b"\r\n\r\n")[2] for response in responses[1:]] == [b"/first", b"/second"]
