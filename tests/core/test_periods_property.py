"""Random clock jumps never skip, overlap or double a period, and count each event once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import tempfile
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import UsageStats

from .conftest import FakeClock

ENVIRON = {"USAGE_STATS_TIMEZONE": "Europe/Berlin", "USAGE_STATS_ENDPOINT": "http://127.0.0.1:8787"}

steps = st.lists(
    st.tuples(
        st.integers(min_value=-4 * 24, max_value=12 * 24),  # clock step in hours, backwards too
        st.integers(min_value=0, max_value=3),  # events recorded after the step
        st.booleans(),  # whether a submission runs after the step
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_periods_hold_under_clock_jumps(steps):
    bodies: list[dict] = []

    def accept(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"status": "ok", "submission_id": len(bodies)})

    clock = FakeClock()
    with tempfile.TemporaryDirectory() as folder:
        stats = UsageStats.open(Path(folder), environ=ENVIRON, clock=clock, transport=httpx.MockTransport(accept))
        stats.record("job_created")
        stats.opt_in()
        recorded = 0
        latest_seen = clock.now
        for hours, events, submit in steps:
            latest_seen = max(latest_seen, clock.advance(hours=hours))
            for _ in range(events):
                stats.record("job_created")
            recorded += events
            if submit:
                asyncio.run(stats.submit_due())

        if bodies:
            latest_seen = max(latest_seen, dt.datetime.fromisoformat(bodies[-1]["period"]["end"]))
        clock.now = latest_seen + dt.timedelta(days=40)
        asyncio.run(stats.submit_due())
        with sqlite3.connect(stats.path) as connection:
            unreported = connection.execute("SELECT COUNT(*) FROM usage_events WHERE reported = 0 AND id > 1").fetchone()[0]
        stats.close()

    assert unreported == 0
    assert sum(body["usage_stats"]["job_count"] for body in bodies) == recorded
    periods = [(body["period"]["start"], body["period"]["end"]) for body in bodies]
    assert len(set(periods)) == len(periods)
    for earlier, later in zip(periods, periods[1:]):
        assert earlier[1] == later[0]
