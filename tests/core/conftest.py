"""Shared fixtures: a settable clock, an isolated environment and an open store in tmp_path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import stamina

from app.core import UsageStats

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
# Every request to it goes to the test's MockTransport handler.
MOCK_ENDPOINT = "http://127.0.0.1:8787/submit"


class FakeClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def environ() -> dict[str, str]:
    return {"USAGE_STATS_TIMEZONE": "Europe/Berlin"}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def stats(home: Path, environ: dict[str, str], clock: FakeClock) -> Iterator[UsageStats]:
    opened = UsageStats.open(home, environ=environ, clock=clock, app_version="2.4.1")
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def no_retry_waits() -> Iterator[None]:
    """Run stamina without waiting, keeping each call's own attempt count."""
    stamina.set_testing(True, attempts=100, cap=True)
    yield
    stamina.set_testing(False)


def open_opted_in(
    home: Path, environ: dict[str, str], clock: FakeClock, collector: Callable[[httpx.Request], httpx.Response]
) -> UsageStats:
    """Open an opted-in store whose reports go to `collector` through an httpx MockTransport."""
    environment = {**environ, "USAGE_STATS_ENDPOINT": MOCK_ENDPOINT}
    stats = UsageStats.open(home, environ=environment, clock=clock, transport=httpx.MockTransport(collector), app_version="2.4.1")
    stats.opt_in()
    return stats
