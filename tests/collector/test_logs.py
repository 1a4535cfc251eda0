"""The collector's log lines: JSON, written in order by one background thread, none lost at close."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading

import pytest

from collector.logs import MAX_LINES_PER_WRITE, BackgroundLineHandler, JsonFormatter, configure_logging, redact_addresses

THREADS = 8
LINES_PER_THREAD = 500


class CountingStream(io.StringIO):
    """A text stream that counts its write calls."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@pytest.fixture
def test_logger():
    stream = CountingStream()
    handler = BackgroundLineHandler(stream)
    handler.setFormatter(JsonFormatter())
    named = logging.getLogger("collector.test_logs")
    named.handlers[:] = [handler]
    named.setLevel(logging.INFO)
    named.propagate = False
    yield named, handler, stream
    handler.close()
    named.handlers[:] = []


def test_lines_from_many_threads_all_written(test_logger):
    named, handler, stream = test_logger

    def log_lines(thread_number: int) -> None:
        for line_number in range(LINES_PER_THREAD):
            named.info("line", extra={"thread_number": thread_number, "line_number": line_number})

    threads = [threading.Thread(target=log_lines, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handler.flush()

    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(records) == THREADS * LINES_PER_THREAD
    for thread_number in range(THREADS):
        numbers = [record["line_number"] for record in records if record["thread_number"] == thread_number]
        assert numbers == list(range(LINES_PER_THREAD))
    assert stream.writes >= len(records) / MAX_LINES_PER_WRITE


def test_queued_lines_written_at_close(test_logger):
    named, handler, stream = test_logger
    for number in range(100):
        named.warning("queued %s", number)

    handler.close()

    messages = [json.loads(line)["message"] for line in stream.getvalue().splitlines()]
    assert messages == [f"queued {number}" for number in range(100)]


def test_exception_logged_with_traceback(test_logger):
    named, handler, stream = test_logger
    try:
        raise ValueError("bad value 42")
    except ValueError:
        named.exception("failed")
    handler.flush()

    (record,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert record["message"] == "failed"
    assert record["exception"].splitlines()[-1] == "ValueError: bad value 42"


@pytest.fixture
def restore_loggers():
    """Put the loggers that configure_logging changes back as they were."""
    names = ("collector", "waitress", "waitress.queue")
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level, logging.getLogger(name).propagate) for name in names}
    yield
    for name, (handlers, level, propagate) in saved.items():
        named = logging.getLogger(name)
        for handler in named.handlers:
            handler.close()
        named.handlers[:] = handlers
        named.setLevel(level)
        named.propagate = propagate


def test_waitress_queue_warning_kept_at_error(restore_loggers):
    stream = io.StringIO()
    configure_logging("INFO", stream)

    logging.getLogger("waitress.queue").warning("Task queue depth is %d", 3)
    logging.getLogger("waitress").warning("other warning")
    logging.getLogger("collector").info("collector line")
    logging.getLogger("collector").handlers[0].flush()

    messages = [json.loads(line)["message"] for line in stream.getvalue().splitlines()]
    assert messages == ["other warning", "collector line"]


def format_record(name: str, message: str, exc_info: object = None) -> dict:
    record = logging.LogRecord(name, logging.ERROR, __file__, 1, message, None, exc_info)
    return json.loads(JsonFormatter().format(record))


def test_waitress_lines_hide_peer_addresses():
    # As wasyncore logs an error on a channel: the channel's repr names its peer.
    try:
        raise ConnectionResetError("reset by [2001:db8::7]:443")
    except ConnectionResetError:
        line = format_record(
            "waitress",
            "uncaptured python exception, closing channel <HTTPChannel connected 203.0.113.7:51234 at 0x7f3a>",
            sys.exc_info(),
        )

    assert line["message"] == "uncaptured python exception, closing channel <HTTPChannel connected <address> at 0x7f3a>"
    assert line["exception"].splitlines()[-1] == "ConnectionResetError: reset by <address>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from 192.0.2.1.", "from <address>."),
        ("from ::1, closing", "from <address>, closing"),
        ("peer ('198.51.100.9', 8080)", "peer ('<address>', 8080)"),
        ("Python 3.11.7 at 02:35:29.490, ratio 0.5:1, id deadbeef:cafe", "Python 3.11.7 at 02:35:29.490, ratio 0.5:1, id deadbeef:cafe"),
    ],
)
def test_redact_addresses_keeps_other_text(text, expected):
    assert redact_addresses(text) == expected


def test_collector_lines_not_rewritten():
    # The collector's own messages name no client address, so they are written unchanged.
    assert format_record("collector", "listening on 127.0.0.1:8080")["message"] == "listening on 127.0.0.1:8080"
