"""Fixtures for the tray app tests: a qasync loop, a fake store, a real store and German translations."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QEvent, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from app.core import UsageStats
from app.ui.i18n import install_translator
from tests.ui.core_stats import Clock, open_stats
from tests.ui.fakes import FakePolicy, FakeStats

# A plain `pytest` run on a machine without a display still gets working widgets.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def delete_widgets_on_main_thread(qapp: QApplication) -> Iterator[None]:
    """Delete the top-level widgets a test leaves, and collect its reference cycles, once it ends.

    A TrayApplication and its widgets form cycles through the callbacks they connect. Left
    alone, they were collected by whichever thread next ran the collector, such as a worker
    of asyncio.to_thread in a later test. The test process then crashed with a segmentation
    fault, because Qt objects must be deleted on their own thread. Qt deletes the widgets
    here first, so collecting the cycles afterwards deletes no Qt object.
    """
    yield
    for widget in qapp.topLevelWidgets():
        widget.deleteLater()
    qapp.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


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


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stats(tmp_path: Path, collector, clock: Clock) -> Iterator[UsageStats]:
    """A real store in `tmp_path` that sends to the test module's own `collector` fixture."""
    opened = open_stats(tmp_path, collector, clock)
    yield opened
    opened.close()


@pytest.fixture
def german(qapp: QApplication) -> Iterator[QTranslator | None]:
    """Install the German translations for one test, then remove them again."""
    translator = install_translator(qapp, QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield translator
    if translator is not None:
        qapp.removeTranslator(translator)
        if translator.qt_base is not None:
            qapp.removeTranslator(translator.qt_base)
