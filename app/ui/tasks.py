"""Run the facade's long calls as asyncio tasks in the qasync loop and report back by signal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

logger = logging.getLogger("app.ui")


class TaskRunner(QObject):
    """Start named coroutines and emit `finished` or `failed` when each one ends.

    Exceptions never reach Qt: a failed task is logged and turned into the `failed` signal.
    At most one task of each name runs at a time, so a double click on "Send report now"
    does not start two submissions.
    """

    finished = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def is_running(self, name: str) -> bool:
        return name in self._tasks

    def start(self, name: str, coroutine: Coroutine[Any, Any, Any]) -> bool:
        """Schedule `coroutine` under `name`; return False (and close it) if one is already running."""
        if name in self._tasks:
            coroutine.close()
            logger.debug("Task %s is already running; not starting another", name)
            return False

        task = asyncio.get_event_loop().create_task(coroutine)
        self._tasks[name] = task
        task.add_done_callback(lambda done: self._on_done(name, done))
        return True

    async def wait_idle(self) -> None:
        """Wait until every task started so far has ended."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def cancel_all(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    def _on_done(self, name: str, task: asyncio.Task[Any]) -> None:
        self._tasks.pop(name, None)

        if task.cancelled():
            logger.debug("Task %s was cancelled", name)
            return

        error = task.exception()
        if error is not None:
            logger.error("Task %s failed: %r", name, error, exc_info=error)
            self.failed.emit(name, str(error) or type(error).__name__)
            return

        self.finished.emit(name, task.result())
