"""End-to-end fixtures: the collector's live-server fixture and a client clock near real time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import stamina

from tests.collector.conftest import start_server  # noqa: F401  (re-exported fixture)
from tests.core.conftest import FakeClock


@pytest.fixture
def client_clock() -> FakeClock:
    """A client clock eight days in the past, so a week's report ends before the collector's now.

    The collector rejects periods that end more than a day in its future, and its clock is real.
    """
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return FakeClock(now - dt.timedelta(days=8))


@pytest.fixture(autouse=True)
def no_retry_waits() -> Iterator[None]:
    """Run stamina's retries without sleeping; each call keeps its own attempt count."""
    stamina.set_testing(True, attempts=100, cap=True)
    yield
    stamina.set_testing(False)
