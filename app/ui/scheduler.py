"""Check on a QTimer whether a report is owed or a server deletion is pending, and act on it."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.ui.facade import consent_allows_sharing, server_deletion_pending
from app.ui.tasks import TaskRunner

logger = logging.getLogger("app.ui")

FIRST_CHECK_DELAY_MS = 3 * 60 * 1000
# The first check after a start comes sooner when a report from an earlier run is waiting.
WAITING_REPORT_FIRST_CHECK_DELAY_MS = 30 * 1000
CHECK_INTERVAL_MS = 60 * 60 * 1000
# A server's Retry-After longer than the interval delays the next check, up to this cap.
# QTimer takes at most 2**31 - 1 ms (about 24.8 days).
MAX_RETRY_AFTER_DELAY_MS = 7 * 24 * 60 * 60 * 1000
CHECK_TASK_NAME = "scheduled-check"


class SubmissionScheduler(QObject):
    """Run `submit_due()` a few minutes after start, then every hour, and on request.

    The first check comes 30 seconds after start instead of 3 minutes when a report is
    waiting and sharing is allowed. After each check the timer is re-armed with the interval,
    or with a longer Retry-After from the server. The core keeps no Retry-After across a
    restart, so after a start only the first delay applies.

    The timer is single-shot, so a wall clock that jumps forward or back neither stalls the
    checks nor makes them fire in a burst: Qt measures the delay on a monotonic clock. Every
    exception of a check is logged and contained; `check_failed` carries its message to the UI.
    """

    check_finished = Signal(object)
    check_failed = Signal(str)

    def __init__(
        self,
        stats: Any,
        runner: TaskRunner,
        policy_version: str | None = None,
        parent: QObject | None = None,
        first_delay_ms: int = FIRST_CHECK_DELAY_MS,
        interval_ms: int = CHECK_INTERVAL_MS,
        waiting_report_first_delay_ms: int = WAITING_REPORT_FIRST_CHECK_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self._stats = stats
        self._runner = runner
        self._policy_version = policy_version
        self._first_delay_ms = first_delay_ms
        self._interval_ms = interval_ms
        self._waiting_report_first_delay_ms = waiting_report_first_delay_ms

        self._started = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)

        runner.finished.connect(self._on_task_finished)
        runner.failed.connect(self._on_task_failed)

    @property
    def timer(self) -> QTimer:
        return self._timer

    def start(self) -> None:
        self._started = True
        if self._report_waiting():
            self._timer.start(min(self._first_delay_ms, self._waiting_report_first_delay_ms))
        else:
            self._timer.start(self._first_delay_ms)

    def _report_waiting(self) -> bool:
        """Return whether a queued report may be sent now; a store that cannot be read counts as no."""
        try:
            if not consent_allows_sharing(self._stats.consent(), self._policy_version):
                return False
            return self._stats.status().pending_reports > 0
        except Exception:  # noqa: BLE001 - the scheduler must start even if the store cannot be read
            logger.exception("Could not read the queued reports; the first check comes at the usual time")
            return False

    def next_check_at(self) -> datetime | None:
        """Return when the timer fires next, or None while it is stopped."""
        if not self._timer.isActive():
            return None
        return datetime.now(timezone.utc) + timedelta(milliseconds=self._timer.remainingTime())

    def stop(self) -> None:
        self._started = False
        self._timer.stop()

    def check_now(self) -> bool:
        """Start a scheduled, not forced, check at once, as after a resume; return False if one is running."""
        return self._runner.start(CHECK_TASK_NAME, self.run_check(force=False))

    def trigger_now(self) -> bool:
        """Start a forced check at once ("Send report now"); return False if one is running."""
        return self._runner.start(CHECK_TASK_NAME, self.run_check(force=True))

    async def run_check(self, force: bool = False) -> list[Any]:
        """Submit owed reports when sharing is allowed and retry a pending server deletion.

        Returns the submission outcomes, empty when nothing was attempted. The core checks
        consent as well. The check here also keeps the scheduler away from the network layer
        while consent is missing or was given for an older policy version.
        """
        outcomes: list[Any] = []

        consent = self._stats.consent()
        if consent_allows_sharing(consent, self._policy_version):
            outcomes = list(await self._stats.submit_due(force=force))
        else:
            logger.debug("Skipping submission: consent is %r", consent)

        if server_deletion_pending(self._stats.status()):
            await self._stats.request_server_deletion()

        return outcomes

    def _on_timeout(self) -> None:
        if not self._runner.start(CHECK_TASK_NAME, self.run_check()):
            self._timer.start(self._interval_ms)

    def _on_task_finished(self, name: str, result: object) -> None:
        if name != CHECK_TASK_NAME:
            return

        outcomes = list(result)  # type: ignore[call-overload]
        self._rearm(_retry_after_ms(outcomes))
        self._log_retries(outcomes)
        self.check_finished.emit(result)

    def _log_retries(self, outcomes: list[Any]) -> None:
        next_check = self.next_check_at()
        if next_check is None:
            next_text = "after the next start"
        else:
            next_text = f"at {next_check.astimezone().isoformat(timespec='seconds')}"
        for outcome in outcomes:
            if type(outcome).__name__ == "RetryLater":
                logger.warning(
                    "Usage report %s was not sent: %s. It stays queued; next attempt %s.",
                    getattr(outcome, "report_id", None), outcome.reason, next_text,
                )

    def _on_task_failed(self, name: str, message: str) -> None:
        if name != CHECK_TASK_NAME:
            return

        self._rearm()
        self.check_failed.emit(message)

    def _rearm(self, retry_after_ms: int = 0) -> None:
        # A stopped scheduler (on quit) stays stopped. A manual check also restarts the
        # timer, so a forced send is not followed by a scheduled check moments later.
        if self._started:
            self._timer.start(max(self._interval_ms, retry_after_ms))


def _retry_after_ms(outcomes: list[Any]) -> int:
    """Return the longest Retry-After among the outcomes in milliseconds, capped at MAX_RETRY_AFTER_DELAY_MS, or 0."""
    longest_seconds = max((getattr(outcome, "retry_after_seconds", None) or 0 for outcome in outcomes), default=0)
    if not math.isfinite(longest_seconds):
        return MAX_RETRY_AFTER_DELAY_MS
    return min(math.ceil(longest_seconds * 1000), MAX_RETRY_AFTER_DELAY_MS)
