"""Translated display names of event types and metadata keys, for the Events tab."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

# Keyed by the values of EventType in app/core. tests/ui/test_event_names.py checks that every
# event type has a name here.
_EVENT_TYPE_NAMES = {
    "app_start": QT_TRANSLATE_NOOP("EventNames", "Printernizer started"),
    "app_shutdown": QT_TRANSLATE_NOOP("EventNames", "Printernizer stopped"),
    "job_created": QT_TRANSLATE_NOOP("EventNames", "Job created"),
    "job_completed": QT_TRANSLATE_NOOP("EventNames", "Job completed"),
    "job_failed": QT_TRANSLATE_NOOP("EventNames", "Job failed"),
    "file_downloaded": QT_TRANSLATE_NOOP("EventNames", "File downloaded"),
    "file_uploaded": QT_TRANSLATE_NOOP("EventNames", "File uploaded"),
    "printer_connected": QT_TRANSLATE_NOOP("EventNames", "Printer connected"),
    "printer_disconnected": QT_TRANSLATE_NOOP("EventNames", "Printer disconnected"),
    "error_occurred": QT_TRANSLATE_NOOP("EventNames", "Error occurred"),
    "feature_enabled": QT_TRANSLATE_NOOP("EventNames", "Feature switched on"),
    "feature_disabled": QT_TRANSLATE_NOOP("EventNames", "Feature switched off"),
}
# Keyed by the metadata keys of ALLOWED_METADATA in app/core. tests/ui/test_event_names.py
# checks that every allowed key has a label here.
_METADATA_LABELS = {
    "app_version": QT_TRANSLATE_NOOP("EventNames", "App version"),
    "duration_minutes": QT_TRANSLATE_NOOP("EventNames", "Duration (minutes)"),
    "error_type": QT_TRANSLATE_NOOP("EventNames", "Error type"),
    "feature": QT_TRANSLATE_NOOP("EventNames", "Feature"),
    "file_kind": QT_TRANSLATE_NOOP("EventNames", "File type"),
    "printer_index": QT_TRANSLATE_NOOP("EventNames", "Printer number"),
    "printer_type": QT_TRANSLATE_NOOP("EventNames", "Printer type"),
    "size_kb": QT_TRANSLATE_NOOP("EventNames", "Size (KB)"),
}
_STORED_AS = QT_TRANSLATE_NOOP("EventNames", "Stored as %1")


def event_type_name(event_type: str) -> str:
    """Return the translated name of an event type, or the stored name of a type this list does not know."""
    name = _EVENT_TYPE_NAMES.get(event_type)
    return event_type if name is None else QCoreApplication.translate("EventNames", name)


def stored_as_text(event_type: str) -> str:
    """Return the tooltip that shows an event type's name as the store has it."""
    return QCoreApplication.translate("EventNames", _STORED_AS).replace("%1", event_type)


def metadata_label(key: str) -> str:
    """Return the translated label of a metadata key, or the key itself when the allow-list does not define it."""
    label = _METADATA_LABELS.get(key)
    return key if label is None else QCoreApplication.translate("EventNames", label)


def metadata_text(metadata: Mapping[str, Any]) -> str:
    """Show metadata as "Label: value" pairs sorted by key, each value as stored."""
    return ", ".join(f"{metadata_label(key)}: {value}" for key, value in sorted(metadata.items()))
