"""The tray app as a whole over a fake store: menu actions, window, fallback, DO_NOT_TRACK, quit."""

from __future__ import annotations

import datetime as dt
import logging
import stat

import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from app.core import ReasonDetail, Skipped
from app.ui.application import HEARTBEAT_INTERVAL_MS, TrayApplication
from app.ui.delete_dialog import DeleteChoice, DeleteDialog
from app.ui.formatting import day_and_date
from app.ui.policy_dialog import PolicyDialog
from tests.ui.fakes import FakeConsent, FakePolicy, FakeStats


@pytest.fixture
def tray_app(qtbot, fake_stats: FakeStats, fake_policy: FakePolicy):
    application = TrayApplication(fake_stats, fake_policy, tray_available=True)
    qtbot.addWidget(application.window)
    yield application
    application.shutdown()


def _menu_texts(application: TrayApplication) -> list[str]:
    return [action.text() if not action.isSeparator() else "-" for action in application.tray.menu.actions()]


def test_tray_menu_lists_every_action(tray_app: TrayApplication) -> None:
    assert _menu_texts(tray_app) == [
        "Sharing: not decided yet", "-",
        "&View my data...", "&Export...", "Send report &now", "&Pause for 7 days", "&Share anonymous statistics...", "-",
        "&Delete my data...", "Do&wnload what the server holds...", "Privacy p&olicy", "-",
        "&Quit Printernizer Usage Statistics",
    ]
    assert not tray_app.actions.status_action.isEnabled()


def test_start_records_session_and_app_start(tray_app: TrayApplication, fake_stats: FakeStats) -> None:
    tray_app.start(ask_consent=False)

    assert fake_stats.calls == ["start_session"]
    assert [event.event_type for event in fake_stats.events] == ["app_start"]
    assert tray_app.tray.icon.isVisible()
    assert not tray_app.window.isVisible()
    assert tray_app.heartbeat_timer.interval() == HEARTBEAT_INTERVAL_MS == 600_000
    assert tray_app.heartbeat_timer.isActive()


def test_heartbeat_timer_records_heartbeat(tray_app: TrayApplication, fake_stats: FakeStats) -> None:
    tray_app.heartbeat_timer.timeout.emit()

    assert fake_stats.calls == ["heartbeat"]


def test_view_action_shows_window(tray_app: TrayApplication) -> None:
    tray_app.actions.view_action.trigger()

    assert tray_app.window.isVisible()
    assert tray_app.window.overview_tab.field_text("installation_id") == "4f1c2b1e-0000-4000-8000-000000000001"


def test_window_close_hides_it(tray_app: TrayApplication) -> None:
    tray_app.actions.view_action.trigger()
    tray_app.window.close()

    assert not tray_app.window.isVisible()
    assert not tray_app.stats.closed


@pytest.mark.parametrize(
    ("key", "modifier"),
    [(Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier), (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)],
)
def test_window_key_hides_window(qtbot, tray_app: TrayApplication, key, modifier) -> None:
    tray_app.start(ask_consent=False)
    tray_app.actions.view_action.trigger()
    qtbot.waitUntil(tray_app.window.isActiveWindow)

    qtbot.keyClick(tray_app.window.tabs, key, modifier)

    assert not tray_app.window.isVisible()
    assert tray_app.tray.icon.isVisible()
    assert not tray_app.stats.closed
    assert tray_app.scheduler.timer.isActive()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Documents folder is set through XDG on Linux")
def test_export_action_writes_chosen_file(tray_app: TrayApplication, tmp_path: Path, monkeypatch) -> None:
    documents = _documents_folder(tmp_path, monkeypatch)
    target = tmp_path / "mine.csv"
    requests: list[tuple[str, str, str]] = []

    def choose(title: str, suggested: str, filters: str) -> tuple[str, str]:
        requests.append((title, suggested, filters))
        return str(target), "CSV: events only (*.csv)"

    tray_app.actions.choose_save_path = choose  # type: ignore[method-assign]
    tray_app.actions.export_action.trigger()

    assert target.read_text() == "csv:0"
    suggested = str(documents / f"printernizer-usage-statistics-{date.today().isoformat()}.json")
    assert requests == [("Export my data", suggested, "JSON: events and sent reports (*.json);;CSV: events only (*.csv)")]


def test_save_dialog_starts_in_last_folder(tray_app: TrayApplication, tmp_path: Path) -> None:
    chosen = tmp_path / "exports"
    chosen.mkdir()
    suggestions: list[str] = []

    def choose(title: str, suggested: str, filters: str) -> tuple[str, str]:
        suggestions.append(suggested)
        return (str(chosen / "mine.json"), "") if len(suggestions) == 1 else ("", "")

    tray_app.actions.choose_save_path = choose  # type: ignore[method-assign]
    tray_app.actions.export_action.trigger()
    tray_app.actions.download_action.trigger()
    tray_app.actions.export_action.trigger()

    today = date.today().isoformat()
    assert suggestions[1:] == [
        str(chosen / f"printernizer-usage-server-data-{today}.json"),
        str(chosen / f"printernizer-usage-statistics-{today}.json"),
    ]


def _documents_folder(tmp_path: Path, monkeypatch) -> Path:
    """Point the XDG Documents folder, which QStandardPaths reads on Linux, at a new folder."""
    documents = tmp_path / "Documents"
    documents.mkdir()
    config = tmp_path / "config"
    config.mkdir()
    (config / "user-dirs.dirs").write_text(f'XDG_DOCUMENTS_DIR="{documents}"\n', encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return documents


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Documents folder is set through XDG on Linux")
def test_download_suggests_documents_folder(tray_app: TrayApplication, tmp_path: Path, monkeypatch) -> None:
    documents = _documents_folder(tmp_path, monkeypatch)
    requests: list[tuple[str, str, str]] = []

    def choose(title: str, suggested: str, filters: str) -> tuple[str, str]:
        requests.append((title, suggested, filters))
        return "", ""

    tray_app.actions.choose_save_path = choose  # type: ignore[method-assign]
    tray_app.actions.download_action.trigger()

    suggested = str(documents / f"printernizer-usage-server-data-{date.today().isoformat()}.json")
    assert requests == [("Save what the server holds", suggested, "JSON (*.json)")]


def test_export_action_cancelled_writes_nothing(tray_app: TrayApplication, tmp_path: Path) -> None:
    tray_app.actions.choose_save_path = lambda *args: ("", "")  # type: ignore[method-assign]
    tray_app.actions.export_action.trigger()

    assert list(tmp_path.iterdir()) == []


SHARING_OFF_TOOLTIP = 'Nothing is sent while sharing is off. Choose "Share anonymous statistics..." to turn it on.'


def test_send_now_without_consent_sends_nothing(tray_app: TrayApplication, fake_stats: FakeStats, loop) -> None:
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)
    tray_app.actions.send_now()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.network_calls == []
    assert messages == [SHARING_OFF_TOOLTIP]


@pytest.mark.parametrize(
    ("consent", "tooltip"),
    [
        (FakeConsent("undecided"), SHARING_OFF_TOOLTIP),
        (FakeConsent("refused"), SHARING_OFF_TOOLTIP),
        (FakeConsent("undecided", blocked_by_dnt=True), "Nothing is sent because DO_NOT_TRACK is set in the environment."),
        (FakeConsent("granted", "1"),
         "Nothing is sent until you agree to the new privacy policy, which is shown at the next start."),
    ],
)
def test_send_now_disabled_without_sharing(tray_app: TrayApplication, fake_stats: FakeStats, consent, tooltip) -> None:
    fake_stats.consent_value = consent
    tray_app.actions.update_state()

    assert not tray_app.actions.send_now_action.isEnabled()
    assert tray_app.actions.send_now_action.toolTip() == tooltip
    assert tray_app.tray.menu.toolTipsVisible()


def test_send_now_enabled_when_menu_opens(tray_app: TrayApplication, fake_stats: FakeStats) -> None:
    fake_stats.opt_in("2")
    assert not tray_app.actions.send_now_action.isEnabled()

    tray_app.tray.menu.aboutToShow.emit()
    assert tray_app.actions.send_now_action.isEnabled()
    assert tray_app.actions.send_now_action.toolTip() == "Send report now"

    fake_stats.opt_out()
    tray_app.window.menuBar().actions()[1].menu().aboutToShow.emit()
    assert not tray_app.actions.send_now_action.isEnabled()
    assert tray_app.actions.send_now_action.toolTip() == SHARING_OFF_TOOLTIP


def test_send_now_without_collector_sends_nothing(tray_app: TrayApplication, fake_stats: FakeStats, loop) -> None:
    fake_stats.opt_in("2")
    fake_stats.endpoint = None
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)
    tray_app.tray.menu.aboutToShow.emit()
    tray_app.actions.send_now_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.network_calls == []
    assert messages == ["Nothing was sent because no statistics server is configured."]


def test_send_now_with_consent_submits(tray_app: TrayApplication, fake_stats: FakeStats, loop) -> None:
    fake_stats.opt_in("2")
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)
    tray_app.tray.menu.aboutToShow.emit()
    tray_app.actions.send_now_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.network_calls == ["submit_due"]
    assert messages == ["Sending the report...", "Report sent (server receipt s1)."]
    assert tray_app.actions.send_now_action.isEnabled()


@pytest.fixture
def notifications(tray_app: TrayApplication, monkeypatch) -> list[str]:
    """Record the texts the tray would show as notifications, in order."""
    texts: list[str] = []
    monkeypatch.setattr(tray_app.tray, "show_message", texts.append)
    return texts


def test_send_now_notifies_from_tray(
    tray_app: TrayApplication, fake_stats: FakeStats, loop, notifications: list[str]
) -> None:
    fake_stats.opt_in("2")
    tray_app.start(ask_consent=False)

    tray_app.actions.send_now()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert notifications == ["Sending the report...", "Report sent (server receipt s1)."]


def test_scheduled_send_only_in_status_line(
    tray_app: TrayApplication, fake_stats: FakeStats, loop, notifications: list[str]
) -> None:
    fake_stats.opt_in("2")
    tray_app.start(ask_consent=False)

    tray_app.scheduler.timer.timeout.emit()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.network_calls == ["submit_due"]
    assert notifications == []
    assert tray_app.window.status_label.full_text() == "Report sent (server receipt s1)."


def nothing_due(fake_stats: FakeStats, monkeypatch) -> None:
    """Make every check of `fake_stats` find no report due, as the client core reports it."""
    async def submit_due(force: bool = False) -> list:
        fake_stats.submit_forced.append(force)
        return [Skipped("no report is due", ReasonDetail("nothing_due"))]

    monkeypatch.setattr(fake_stats, "submit_due", submit_due)


def test_scheduled_nothing_due_keeps_status(tray_app: TrayApplication, fake_stats: FakeStats, loop, monkeypatch) -> None:
    fake_stats.opt_in("2")
    tray_app.start(ask_consent=False)
    nothing_due(fake_stats, monkeypatch)
    tray_app.window.show_message("Report sent (server receipt s1).")

    tray_app.scheduler.timer.timeout.emit()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.submit_forced == [False]
    assert tray_app.window.status_label.full_text() == "Report sent (server receipt s1)."


def test_resume_with_nothing_due_says_resumed(
    tray_app: TrayApplication, fake_stats: FakeStats, loop, monkeypatch, notifications: list[str]
) -> None:
    fake_stats.opt_in("2")
    tray_app.start(ask_consent=False)
    tray_app.actions.update_state()
    nothing_due(fake_stats, monkeypatch)

    tray_app.actions.pause_action.trigger()
    paused_until = fake_stats.paused_until
    tray_app.actions.pause_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.submit_forced == [False]
    assert notifications == [f"Sharing is paused for 7 days, until {day_and_date(paused_until)}.", "Sharing resumed."]
    assert tray_app.window.status_label.full_text() == "Sharing resumed."


def test_send_now_says_nothing_due(
    tray_app: TrayApplication, fake_stats: FakeStats, loop, monkeypatch, notifications: list[str]
) -> None:
    fake_stats.opt_in("2")
    tray_app.start(ask_consent=False)
    nothing_due(fake_stats, monkeypatch)

    tray_app.actions.send_now()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert notifications == ["Sending the report...", "No report was sent: no report is due"]


def test_send_now_during_scheduled_check_follows_it(
    tray_app: TrayApplication, fake_stats: FakeStats, loop, notifications: list[str]
) -> None:
    fake_stats.opt_in("2")
    tray_app.start(ask_consent=False)

    tray_app.scheduler.timer.timeout.emit()
    tray_app.actions.send_now()
    loop.run_until_complete(tray_app.runner.wait_idle())
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.submit_forced == [False, True]
    assert notifications == ["Sending the report...", "Report sent (server receipt s1)."]


def test_deferred_send_now_dropped_after_stop(
    tray_app: TrayApplication, fake_stats: FakeStats, loop, notifications: list[str]
) -> None:
    fake_stats.opt_in("2")
    tray_app.start(ask_consent=False)
    tray_app.actions.ask_question = lambda title, text: True  # type: ignore[method-assign]

    tray_app.scheduler.timer.timeout.emit()
    tray_app.actions.send_now()
    tray_app.actions.change_sharing()
    loop.run_until_complete(tray_app.runner.wait_idle())
    loop.run_until_complete(tray_app.runner.wait_idle())

    # The scheduled check found sharing off when it ran, so nothing was submitted at all.
    assert fake_stats.submit_forced == []
    assert not any(text.startswith("Nothing is sent while sharing is off") for text in notifications)


def test_resume_keeps_send_now_notification(
    tray_app: TrayApplication, fake_stats: FakeStats, loop, notifications: list[str]
) -> None:
    fake_stats.opt_in("2")
    tray_app.start(ask_consent=False)

    tray_app.actions.update_state()
    tray_app.actions.send_now()
    tray_app.actions.pause_action.trigger()
    paused_until = fake_stats.paused_until
    tray_app.actions.pause_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.submit_forced == [True]
    assert notifications == [
        "Sending the report...", f"Sharing is paused for 7 days, until {day_and_date(paused_until)}.", "Sharing resumed.",
        "Report sent (server receipt s1).",
    ]


def test_scheduled_idle_check_shows_nothing(
    tray_app: TrayApplication, fake_stats: FakeStats, loop, notifications: list[str]
) -> None:
    tray_app.start(ask_consent=False)

    tray_app.scheduler.timer.timeout.emit()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.network_calls == []
    assert notifications == []
    assert tray_app.window.status_label.full_text() == ""


def test_pause_action_pauses_then_resumes(tray_app: TrayApplication, fake_stats: FakeStats, loop) -> None:
    fake_stats.opt_in("2")
    tray_app.actions.update_state()

    tray_app.actions.pause_action.trigger()
    assert fake_stats.paused_until is not None
    assert tray_app.actions.pause_action.text() == "&Resume"
    assert tray_app.actions.status_action.text().startswith("Sharing: paused until ")
    assert fake_stats.network_calls == []

    tray_app.actions.pause_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())
    assert fake_stats.paused_until is None
    assert tray_app.actions.pause_action.text() == "&Pause for 7 days"
    # What waited during the pause is sent at once, by a check that does not end the period early.
    assert fake_stats.submit_forced == [False]


@pytest.mark.parametrize(
    ("case", "expect_attempt"),
    [("sharing", True), ("undecided", False), ("older policy", False), ("paused", False), ("no server", False)],
)
def test_next_send_attempt_only_when_check_can_send(tray_app: TrayApplication, fake_stats: FakeStats, case, expect_attempt) -> None:
    if case != "undecided":
        fake_stats.opt_in("1" if case == "older policy" else "2")
    if case == "paused":
        fake_stats.pause(7)
    if case == "no server":
        fake_stats.endpoint = None
    tray_app.scheduler.start()

    attempt = tray_app.actions.next_send_attempt()

    assert (attempt is not None) is expect_attempt
    if expect_attempt:
        assert attempt == pytest.approx(tray_app.scheduler.next_check_at(), abs=dt.timedelta(seconds=1))


def test_pause_disabled_without_consent(tray_app: TrayApplication) -> None:
    assert not tray_app.actions.pause_action.isEnabled()


@pytest.mark.parametrize(
    ("choice", "events_left", "network_calls"),
    [
        (DeleteChoice.LOCAL, 0, []),
        (DeleteChoice.SERVER, 1, ["request_server_deletion"]),
        (DeleteChoice.BOTH, 0, ["request_server_deletion"]),
    ],
)
def test_delete_action_applies_choice(
    tray_app: TrayApplication, fake_stats: FakeStats, loop, monkeypatch, choice, events_left, network_calls
) -> None:
    def pick_and_confirm(dialog: DeleteDialog) -> int:
        dialog.select(choice)
        dialog.button_box.accepted.emit()
        return dialog.result()

    monkeypatch.setattr(DeleteDialog, "ask_confirmation", lambda self, text: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(DeleteDialog, "exec", pick_and_confirm)
    fake_stats.record("job_created")

    tray_app.actions.delete_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert len(fake_stats.events) == events_left
    assert fake_stats.network_calls == network_calls


def test_delete_action_cancelled_keeps_data(tray_app: TrayApplication, fake_stats: FakeStats, monkeypatch) -> None:
    monkeypatch.setattr(DeleteDialog, "exec", lambda dialog: 0)
    fake_stats.record("job_created")
    tray_app.actions.delete_action.trigger()

    assert len(fake_stats.events) == 1


def test_dialogs_deleted_after_closing(tray_app: TrayApplication, monkeypatch) -> None:
    monkeypatch.setattr(DeleteDialog, "exec", lambda dialog: 0)
    monkeypatch.setattr(PolicyDialog, "exec", lambda dialog: 0)
    tray_app.actions.delete_action.trigger()
    tray_app.actions.policy_action.trigger()
    opened = len(tray_app.window.findChildren(DeleteDialog)) + len(tray_app.window.findChildren(PolicyDialog))

    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    assert opened == 2
    assert tray_app.window.findChildren(DeleteDialog) == []
    assert tray_app.window.findChildren(PolicyDialog) == []


def test_download_action_saves_server_data(tray_app: TrayApplication, fake_stats: FakeStats, loop, tmp_path) -> None:
    target = tmp_path / "server.json"
    tray_app.actions.choose_save_path = lambda *args: (str(target), "")  # type: ignore[method-assign]
    tray_app.actions.download_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert target.read_bytes() == b'{"submissions":[]}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert fake_stats.network_calls == ["fetch_server_data"]


def test_policy_action_opens_policy(tray_app: TrayApplication, monkeypatch) -> None:
    opened: list[tuple[str, str]] = []

    def record(dialog: PolicyDialog) -> int:
        opened.append((dialog.windowTitle(), dialog.browser.toPlainText().splitlines()[-1]))
        return 0

    monkeypatch.setattr(PolicyDialog, "exec", record)
    tray_app.actions.policy_action.trigger()

    assert opened == [
        ("Privacy policy (version 2)", f"While sharing is on, reports from this computer go to the statistics server at {tray_app.stats.status().endpoint}.")
    ]


def test_stop_sharing_opts_out_and_requests_deletion(tray_app, fake_stats: FakeStats, loop) -> None:
    fake_stats.opt_in("2")
    tray_app.actions.update_state()
    tray_app.actions.ask_question = lambda title, text: True  # type: ignore[method-assign]

    assert tray_app.actions.sharing_action.text() == "&Stop sharing..."
    tray_app.actions.sharing_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert fake_stats.consent_value.state == "refused"
    assert fake_stats.network_calls == ["request_server_deletion"]
    assert tray_app.actions.status_action.text() == "Sharing: off"


def test_quit_action_closes_store(qtbot, fake_stats: FakeStats, fake_policy: FakePolicy, caplog) -> None:
    application = TrayApplication(fake_stats, fake_policy, tray_available=True)
    qtbot.addWidget(application.window)
    application.start(ask_consent=False)
    finished: list[bool] = []
    application.finished.connect(lambda: finished.append(True))

    with caplog.at_level(logging.INFO, logger="app.ui"):
        application.actions.quit_action.trigger()

    assert finished == [True]
    assert caplog.messages[-1] == "Tray app stopped"
    assert fake_stats.closed
    assert fake_stats.calls == ["start_session", "end_session"]
    assert not application.scheduler.timer.isActive()
    assert not application.heartbeat_timer.isActive()
    assert not application.tray.icon.isVisible()


def test_no_tray_opens_window(qtbot, fake_stats: FakeStats, fake_policy: FakePolicy) -> None:
    application = TrayApplication(fake_stats, fake_policy, tray_available=False)
    qtbot.addWidget(application.window)
    application.start(ask_consent=False)

    assert application.tray is None
    assert application.window.isVisible()
    assert not application.actions.close_window_action.isEnabled()
    menus = {
        menu_action.text(): [action.text() for action in menu_action.menu().actions() if not action.isSeparator()]
        for menu_action in application.window.menuBar().actions()
    }
    assert menus == {
        "&Data": [
            "&Export...", "Do&wnload what the server holds...", "&Delete my data...", "&Close Window",
            "&Quit Printernizer Usage Statistics",
        ],
        "&Sharing": ["Sharing: not decided yet", "Send report &now", "&Pause for 7 days", "&Share anonymous statistics..."],
        "&Help": ["Privacy p&olicy"],
    }
    application.shutdown()


def test_dnt_shown_and_sharing_locked(qtbot, fake_stats: FakeStats, fake_policy: FakePolicy) -> None:
    fake_stats.consent_value = FakeConsent("undecided", blocked_by_dnt=True)
    application = TrayApplication(fake_stats, fake_policy, tray_available=True)
    qtbot.addWidget(application.window)
    application.actions.view_action.trigger()

    assert application.actions.status_action.text() == "Sharing: off because DO_NOT_TRACK is set"
    assert application.window.overview_tab.field_text("consent") == "off (DO_NOT_TRACK is set in the environment)"
    assert application.window.overview_tab.notice_text() == (
        "Sharing is off because the DO_NOT_TRACK environment variable is set. Nothing is sent."
    )
    assert not application.actions.sharing_action.isEnabled()
    assert not application.actions.pause_action.isEnabled()
    application.shutdown()


def test_dnt_still_lets_user_stop_sharing(tray_app, fake_stats: FakeStats, loop) -> None:
    fake_stats.consent_value = FakeConsent("granted", "3", blocked_by_dnt=True)
    tray_app.actions.update_state()
    tray_app.actions.ask_question = lambda title, text: True  # type: ignore[method-assign]

    enabled = tray_app.actions.sharing_action.isEnabled()
    text = tray_app.actions.sharing_action.text()
    tray_app.actions.sharing_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert (enabled, text) == (True, "&Stop sharing...")
    assert fake_stats.consent_value.state == "refused"
    assert fake_stats.network_calls == ["request_server_deletion"]
    # Sharing cannot be turned on again while DO_NOT_TRACK is set.
    assert not tray_app.actions.sharing_action.isEnabled()


def test_recovered_store_shows_notice(tray_app: TrayApplication, fake_stats: FakeStats, tmp_path) -> None:
    fake_stats.recovered_from = tmp_path / "usage.db.corrupt-20261201T120000Z"
    tray_app.actions.view_action.trigger()

    notice = tray_app.window.overview_tab.notice_text()
    assert notice.startswith("The statistics database was damaged and has been replaced by a new one.")
    assert notice.endswith(f"The damaged file was kept as {fake_stats.recovered_from}.")


def test_tray_click_opens_window(tray_app: TrayApplication) -> None:
    tray_app.tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)

    assert tray_app.window.isVisible() == (sys.platform != "darwin")


def test_tray_context_click_keeps_window_hidden(tray_app: TrayApplication) -> None:
    tray_app.tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)

    assert not tray_app.window.isVisible()
