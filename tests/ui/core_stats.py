"""Helpers for tray app tests over the real client core.

A settable clock, a store that sends to a mock, three sent weekly reports and a stats window.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any
from pathlib import Path

import httpx

from app.core import UsageStats, privacy_policy
from app.ui.stats_window import StatsWindow
from app.ui.tabs import EventsTab

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
# A loopback address that nothing listens on. Every request goes to the test's MockTransport.
ENDPOINT = "http://127.0.0.1:9"


class Clock:
    """A settable UTC clock for the core, so a test can move past the end of a report period."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


def open_stats(
    home: Path, collector: Callable[[httpx.Request], httpx.Response], clock: Clock, **environ: str
) -> UsageStats:
    """Open a real store in `home` whose reports go to `collector` through an httpx MockTransport."""
    environment = {"USAGE_STATS_ENDPOINT": ENDPOINT, "USAGE_STATS_API_KEY": "client-key", **environ}
    return UsageStats.open(home=home, environ=environment, clock=clock, transport=httpx.MockTransport(collector),
                           deployment_mode="desktop")


def show_all_time(events_tab: EventsTab) -> None:
    """Select the "All time" period, because the core's November 2026 clock is not the wall clock."""
    events_tab.period_filter.setCurrentIndex(events_tab.period_filter.findData(None))


def send_three_weekly_reports(stats: UsageStats, clock: Clock, loop: asyncio.AbstractEventLoop) -> None:
    """Opt in, then record one event in each of three weeks and send each week's report once it is due."""
    stats.opt_in(privacy_policy().version)
    for week, event_type in enumerate(("job_created", "job_failed", "job_completed"), start=1):
        stats.record(event_type, printer_type="prusa_mk4")
        clock.now = START + dt.timedelta(days=7 * week, minutes=5)
        loop.run_until_complete(stats.submit_due())


def open_stats_window(qtbot, stats: UsageStats) -> StatsWindow:
    """Open a refreshed stats window over `stats` with the events tab showing all time."""
    window = StatsWindow(stats, [])
    qtbot.addWidget(window)
    window.refresh()
    show_all_time(window.events_tab)
    return window


def run_download(application: Any, target: Path, loop: asyncio.AbstractEventLoop) -> list[str]:
    """Run "Download what the server holds" into `target` and return the messages it emitted."""
    application.actions.choose_save_path = lambda *args: (str(target), "JSON (*.json)")
    messages: list[str] = []
    application.actions.message.connect(messages.append)

    application.actions.download_action.trigger()
    loop.run_until_complete(application.runner.wait_idle())
    return messages
