"""Check on a QTimer whether a report is owed or a server deletion is pending, and act on it."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.ui.facade import consent_allows_sharing, server_deletion_pending
from app.ui.tasks import TaskRunner

logger = logging.getLogger("app.ui")

FIRST_CHECK_DELAY_MS = 3 * 60 * 1000
CHECK_INTERVAL_MS = 60 * 60 * 1000
CHECK_TASK_NAME = "scheduled-check"


class SubmissionScheduler(QObject):
    """Run `submit_due()` a few minutes after start, then every hour, and on request.

    The timer is single-shot and re-armed after each check with a fixed delay, so a wall
    clock that jumps forward or back neither stalls the checks nor makes them fire in a
    burst: Qt measures the delay on a monotonic clock. Every exception of a check is logged
    and contained; `check_failed` carries its message to the UI.
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
    ) -> None:
        super().__init__(parent)
        self._stats = stats
        self._runner = runner
        self._policy_version = policy_version
        self._first_delay_ms = first_delay_ms
        self._interval_ms = interval_ms

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
        self._timer.start(self._first_delay_ms)

    def stop(self) -> None:
        self._started = False
        self._timer.stop()

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

        self._rearm()
        self.check_finished.emit(result)

    def _on_task_failed(self, name: str, message: str) -> None:
        if name != CHECK_TASK_NAME:
            return

        self._rearm()
        self.check_failed.emit(message)

    def _rearm(self) -> None:
        # A stopped scheduler (on quit) stays stopped. A manual check also restarts the
        # timer, so a forced send is not followed by a scheduled check moments later.
        if self._started:
            self._timer.start(self._interval_ms)
