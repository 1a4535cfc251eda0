"""The German translation loads from the locale, and the committed .qm files match their sources."""

from __future__ import annotations

import re
import sys
import types
from datetime import datetime, timezone
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QFormLayout, QLabel

from app.ui.formatting import day_and_date, server_deletion_text, sharing_status_text
from app.ui.i18n import TRANSLATIONS_DIR, display_name, install_translator
from app.ui.stats_window import StatsWindow
from app.ui.tabs import NextReportTab, OverviewTab
from app.ui.application import TrayApplication
from tests.ui.fakes import FakeConsent, FakePolicy, FakeStats

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import build_translations  # noqa: E402


def test_german_locale_translates_menu(german) -> None:
    assert german is not None
    assert QCoreApplication.translate("AppActions", "&Quit Printernizer Usage Statistics") == (
        "Printernizer-&Nutzungsstatistik beenden"
    )
    assert QCoreApplication.translate("AppActions", "&Close Window") == "Fenster &schließen"
    assert QCoreApplication.translate("ConsentDialog", "&Don't share") == "&Nicht teilen"
    sharing_off = 'Nothing is sent while sharing is off. Choose "Share anonymous statistics..." to turn it on.'
    assert QCoreApplication.translate("AppActions", sharing_off) == (
        "Solange das Teilen ausgeschaltet ist, wird nichts gesendet. "
        "Wählen Sie „Anonyme Statistiken teilen...“, um es einzuschalten."
    )


def test_german_consent_names_tray_menu(german) -> None:
    source = (
        "Printernizer can send one anonymous report a week to help its maintainers decide what to work on. Nothing "
        "leaves this computer unless you choose to share, and you can change your mind at any time from the tray menu."
    )

    assert QCoreApplication.translate("ConsentDialog", source) == (
        "Printernizer kann einmal pro Woche einen anonymen Bericht senden, damit die Entwickler besser entscheiden "
        "können, woran sie arbeiten. Nichts verlässt diesen Computer, solange Sie nicht zustimmen, und Sie können "
        "Ihre Entscheidung jederzeit im Menü des Symbols im Infobereich der Taskleiste ändern."
    )


def test_german_history_answer(german) -> None:
    assert QCoreApplication.translate("TableHeaders", "accepted (HTTP %1)") == "angenommen (HTTP %1)"


def test_german_locale_translates_qt_buttons(german) -> None:
    assert german.qt_base is not None
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Abbrechen"


def test_german_status_line(german) -> None:
    text = sharing_status_text(FakeStats().status(), FakeConsent("undecided", blocked_by_dnt=True))

    assert text == "Teilen: aus, weil DO_NOT_TRACK gesetzt ist"


def test_german_waiting_reports_plural(german) -> None:
    stats = FakeStats()
    stats.opt_in("2")
    stats.pending_reports = 2

    text = sharing_status_text(stats.status(), stats.consent(), "2")

    assert text == "Teilen: an – 2 Berichte warten auf Versand"


def test_german_day_and_date_has_ordinal_day(german) -> None:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        text = day_and_date(datetime(2026, 12, 12, 12, 0, tzinfo=timezone.utc))
    finally:
        QLocale.setDefault(previous)

    assert text == "Sa., 12. Dez."


def test_german_overview_wording(german, qtbot) -> None:
    stats = FakeStats()
    stats.opt_out()
    overview = OverviewTab(stats)
    qtbot.addWidget(overview)
    overview.refresh()
    form = overview.findChild(QFormLayout)
    first_seen_label = form.labelForField(overview.findChild(QLabel, "overview_first_seen"))

    assert first_seen_label.text() == "Erstmals erfasst:"
    assert overview.field_text("server_deletion") == "angefordert, Bestätigung des Servers steht aus"


def test_german_do_not_track_texts(german, qtbot) -> None:
    stats = FakeStats()
    stats.opt_in("2")
    stats.consent_value = FakeConsent("granted", "2", blocked_by_dnt=True)
    overview = OverviewTab(stats)
    next_report = NextReportTab(stats)
    qtbot.addWidget(overview)
    qtbot.addWidget(next_report)

    overview.refresh()
    next_report.refresh()

    assert overview.field_text("consent") == "aus (die Umgebungsvariable DO_NOT_TRACK ist gesetzt)"
    assert overview.field_text("next_submission") == "keiner, weil die Umgebungsvariable DO_NOT_TRACK gesetzt ist"
    assert overview.notice_text() == (
        "Das Teilen ist aus, weil die Umgebungsvariable DO_NOT_TRACK gesetzt ist. Es wird nichts gesendet."
    )
    assert next_report.size_label.text() == (
        "Es wird nichts gesendet, weil die Umgebungsvariable DO_NOT_TRACK gesetzt ist. "
        "Ohne sie sähe der nächste Bericht so aus (52 Bytes):"
    )


def test_german_deletion_of_previous_id(german) -> None:
    status = types.SimpleNamespace(
        installation_id="id-now", server_deletion="pending", server_deletion_installation_id="id-before"
    )

    text = server_deletion_text(status)

    assert text == "für die vorherige Installations-ID id-before angefordert, Bestätigung des Servers steht aus"


def test_unknown_locale_keeps_english(qapp) -> None:
    translator = install_translator(qapp, QLocale(QLocale.Language.Japanese, QLocale.Country.Japan))

    try:
        assert translator is not None
        assert translator.language() == "en"
        assert translator.qt_base is None
        assert QCoreApplication.translate("AppActions", "&Quit Printernizer Usage Statistics") == (
            "&Quit Printernizer Usage Statistics"
        )
        source = "the statistics server responded with HTTP %1 and requested a wait of %n second(s)"
        assert QCoreApplication.translate("StatusCounts", source, "", 1).endswith("a wait of 1 second")
        assert QCoreApplication.translate("StatusCounts", source, "", 3).endswith("a wait of 3 seconds")
    finally:
        qapp.removeTranslator(translator)


def test_german_source_fully_translated() -> None:
    root = ET.parse(TRANSLATIONS_DIR / "usage_stats_de.ts").getroot()
    untranslated = [
        message.findtext("source")
        for message in root.iter("message")
        if not message.findtext("translation") or message.find("translation").get("type") == "unfinished"
    ]

    assert untranslated == []


def test_committed_qm_matches_sources(tmp_path: Path) -> None:
    built = build_translations.compile_translations(tmp_path)

    for path in built:
        assert path.read_bytes() == (TRANSLATIONS_DIR / path.name).read_bytes(), f"rebuild {path.name}"


def test_german_display_name(german, qtbot) -> None:
    window = StatsWindow(FakeStats(), [])
    qtbot.addWidget(window)

    assert display_name() == "Printernizer-Nutzungsstatistik"
    assert window.windowTitle() == "Printernizer-Nutzungsstatistik"


def test_english_display_name(qtbot) -> None:
    window = StatsWindow(FakeStats(), [])
    qtbot.addWidget(window)

    assert display_name() == "Printernizer Usage Statistics"
    assert window.windowTitle() == "Printernizer Usage Statistics"


def _mnemonic_clashes(application: TrayApplication) -> list[tuple[str, list[str]]]:
    """Return each menu title with the texts of its items whose keyboard mnemonic is not unique."""
    menus = [("tray", application.tray.menu)]
    menus += [(action.text(), action.menu()) for action in application.window.menuBar().actions()]
    clashes = []
    for title, menu in menus:
        by_key: dict[str, list[str]] = {}
        for action in menu.actions():
            match = re.search(r"&([^&])", action.text())
            if match:
                by_key.setdefault(match.group(1).lower(), []).append(action.text())
        clashes += [(title, texts) for texts in by_key.values() if len(texts) > 1]
    return clashes


@pytest.mark.parametrize("language", ["en", "de"])
def test_menu_mnemonics_distinct(request, qtbot, language) -> None:
    if language == "de":
        request.getfixturevalue("german")
    stats = FakeStats()
    application = TrayApplication(stats, FakePolicy(), tray_available=True)
    qtbot.addWidget(application.window)
    try:
        undecided = _mnemonic_clashes(application)
        stats.opt_in("2")
        application.actions.update_state()
        application.actions.pause_action.trigger()
        sharing_and_paused = _mnemonic_clashes(application)
        texts = [action.text() for action in application.tray.menu.actions() if not action.isSeparator()]
    finally:
        application.shutdown()

    assert undecided == []
    assert sharing_and_paused == []
    assert QCoreApplication.translate("AppActions", "&Resume") in texts
    assert QCoreApplication.translate("AppActions", "&Stop sharing...") in texts
    assert all("&" in text for text in texts[1:])
