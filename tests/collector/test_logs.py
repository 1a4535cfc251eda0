"""The collector's log lines: JSON, written in order by one background thread, none lost at close."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest

from collector.logs import MAX_LINES_PER_WRITE, BackgroundLineHandler, JsonFormatter, configure_logging

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
