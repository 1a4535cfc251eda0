"""Fixtures for the tray app tests: a qasync loop on pytest-qt's QApplication and a fake store."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from tests.ui.fakes import FakePolicy, FakeStats

# A plain `pytest` run on a machine without a display still gets working widgets.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop whose `run_until_complete` also runs Qt's event loop."""
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    event_loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def fake_stats() -> FakeStats:
    return FakeStats()


@pytest.fixture
def fake_policy() -> FakePolicy:
    return FakePolicy()
