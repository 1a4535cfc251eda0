"""The Events tab names event types and metadata keys in the user's language and keeps the stored names in tooltips."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from app.core import EventType
from app.core._events import ALLOWED_METADATA
from app.ui.event_names import _EVENT_TYPE_NAMES, _METADATA_LABELS, event_type_name, metadata_label, metadata_text
from app.ui.models import EventTableModel
from tests.ui.core_stats import START, open_stats_window


@pytest.fixture
def collector():
    """No test here sends anything."""
    return None


def test_every_event_type_named() -> None:
    assert set(_EVENT_TYPE_NAMES) == {member.value for member in EventType}


def test_every_allowed_key_labelled() -> None:
    assert set(_METADATA_LABELS) == {key for kinds in ALLOWED_METADATA.values() for key in kinds}


def test_unknown_names_shown_as_stored(qapp) -> None:
    assert event_type_name("job_paused") == "job_paused"
    assert metadata_label("nozzle_mm") == "nozzle_mm"
    assert metadata_text({"nozzle_mm": 4, "printer_index": 1}) == "nozzle_mm: 4, Printer number: 1"


def test_german_names(german) -> None:
    assert event_type_name("job_completed") == "Druckauftrag abgeschlossen"
    assert event_type_name("printer_connected") == "Drucker verbunden"
    assert metadata_text({"printer_index": 1, "file_kind": "3mf", "duration_minutes": 95}) == (
        "Dauer (Minuten): 95, Dateityp: 3mf, Druckernummer: 1"
    )


def test_events_tab_in_german(german, qtbot, stats, clock) -> None:
    stats.record("job_completed", printer_index=1, file_kind="3mf", duration_minutes=95)
    stats.record("printer_connected", printer_type="prusa_mk4")
    clock.now = START + dt.timedelta(hours=1)
    window = open_stats_window(qtbot, stats)
    model = window.events_tab.model
    type_filter = window.events_tab.type_filter

    rows = [
        tuple(model.index(row, column).data() for column in (EventTableModel.COLUMN_TYPE, EventTableModel.COLUMN_METADATA))
        for row in range(model.rowCount())
    ]
    assert rows == [
        ("Drucker verbunden", "Druckertyp: prusa_mk4"),
        ("Druckauftrag abgeschlossen", "Dauer (Minuten): 95, Dateityp: 3mf, Druckernummer: 1"),
    ]
    assert model.index(1, EventTableModel.COLUMN_TYPE).data(Qt.ItemDataRole.ToolTipRole) == "Gespeichert als job_completed"
    assert model.index(1, EventTableModel.COLUMN_METADATA).data(Qt.ItemDataRole.ToolTipRole) == (
        '{\n  "duration_minutes": 95,\n  "file_kind": "3mf",\n  "printer_index": 1\n}'
    )
    index = type_filter.findData("job_completed")
    assert type_filter.itemText(index) == "Druckauftrag abgeschlossen"
    assert type_filter.itemData(index, Qt.ItemDataRole.ToolTipRole) == "Gespeichert als job_completed"


def test_type_filter_still_filters(qtbot, stats, clock) -> None:
    stats.record("job_completed", duration_minutes=95)
    stats.record("printer_connected", printer_type="prusa_mk4")
    clock.now = START + dt.timedelta(hours=1)
    window = open_stats_window(qtbot, stats)
    type_filter = window.events_tab.type_filter

    type_filter.setCurrentIndex(type_filter.findText("Job completed"))

    assert window.events_tab.model.event_type == "job_completed"
    assert window.events_tab.model.rowCount() == 1
    assert window.events_tab.model.index(0, EventTableModel.COLUMN_TYPE).data() == "Job completed"
