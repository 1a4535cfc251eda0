"""End-to-end fixtures: the collector's live-server fixture and a client clock near real time."""

from __future__ import annotations

import datetime as dt

import pytest

# Imported fixtures are registered here as they are defined there, so no_retry_waits stays autouse.
from tests.collector.conftest import start_server  # noqa: F401
from tests.core.conftest import FakeClock, no_retry_waits  # noqa: F401


@pytest.fixture
def client_clock() -> FakeClock:
    """A client clock eight days in the past, so a week's report ends before the collector's now.

    The collector rejects periods that end more than a day in its future, and its clock is real.
    """
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return FakeClock(now - dt.timedelta(days=8))

