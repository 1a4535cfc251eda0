"""The tray app over the real client core: consent, sending, the stats window, export and deletion.

Requests go to an httpx MockTransport that records them, so a test checks exactly what
would have reached a collector. The endpoint is a loopback address that nothing listens on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from pathlib import Path
from collections.abc import Iterator

import httpx
import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
)

from app.core import UsageStats, privacy_policy
from app.ui.application import TrayApplication
from app.ui.consent import ConsentDecision, apply_consent_decision, ask_for_consent
from app.ui.delete_dialog import DeleteChoice
from tests.ui.core_stats import (
    ENDPOINT,
    START,
    Clock,
    open_stats,
    open_stats_window,
    run_download,
    send_three_weekly_reports,
    show_all_time,
)

class CountingCollector:
    """Respond like the collector and keep every request.

    While `deletion_gate` is set, each DELETE gets its response only once the gate opens.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.deletion_gate: asyncio.Event | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            return httpx.Response(200, json={"submission_id": f"sub-{len(self.requests)}"})
        if request.method == "DELETE":
            response = httpx.Response(200, json={"deleted": 1})
            return response if self.deletion_gate is None else self._after_gate(self.deletion_gate, response)
        return httpx.Response(200, json={"installation_id": "x", "submissions": []})

    @staticmethod
    async def _after_gate(gate: asyncio.Event, response: httpx.Response) -> httpx.Response:
        await gate.wait()
        return response

    def deleted_ids(self) -> list[str]:
        return [request.url.path.rsplit("/", 1)[-1] for request in self.requests if request.method == "DELETE"]


@pytest.fixture
def collector() -> CountingCollector:
    return CountingCollector()


@pytest.fixture
def tray_app(qtbot, stats: UsageStats) -> Iterator[TrayApplication]:
    application = TrayApplication(stats, privacy_policy(), tray_available=True)
    qtbot.addWidget(application.window)
    yield application
    application.scheduler.stop()
    application.heartbeat_timer.stop()


def _click_in_modal_dialog(button_name: str | None) -> None:
    """Once the consent dialog is open, click `button_name` in it, or press Escape when None."""

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        assert dialog is not None
        if button_name is None:
            dialog.reject()
        else:
            dialog.findChild(QPushButton, button_name).click()

    QTimer.singleShot(0, act)


def test_consent_dialog_names_endpoint(qapp, stats: UsageStats) -> None:
    seen: list[str] = []

    def read_text_then_decline() -> None:
        dialog = QApplication.activeModalWidget()
        seen.extend(dialog.findChild(QTextBrowser, "policyView").toPlainText().splitlines())
        dialog.findChild(QPushButton, "dontShareButton").click()

    QTimer.singleShot(0, read_text_then_decline)
    apply_consent_decision(stats, privacy_policy(), ask_for_consent(stats, privacy_policy()))

    assert f"Reports go to the statistics server at {ENDPOINT}." in seen
    assert stats.consent().state == "refused"
    # The dialog promises that events are still recorded locally after "Don't share".
    assert stats.record("app_start", app_version="0.1.0")
    assert [event.event_type for event in stats.recent_events()] == ["app_start"]


def test_consent_after_sending_names_new_id(qapp, stats: UsageStats, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    stats.opt_out()
    captions: list[str] = []

    def read_caption_then_close() -> None:
        dialog = QApplication.activeModalWidget()
        captions.extend(label.text() for label in dialog.findChildren(QLabel) if label.text().startswith("A report"))
        dialog.reject()

    QTimer.singleShot(0, read_caption_then_close)
    ask_for_consent(stats, privacy_policy(), force=True)

    assert captions == [
        "A report from this computer would look like this. Sharing again starts a new installation id, so no id "
        "links new reports to the ones sent before. Jobs, files and errors count only from your agreement, so they "
        "start at zero. Printers and features are shown as they are set up now:"
    ]


@pytest.mark.parametrize(
    ("button", "decision", "state"),
    [
        ("shareButton", ConsentDecision.SHARE, "granted"),
        ("dontShareButton", ConsentDecision.DONT_SHARE, "refused"),
        (None, ConsentDecision.UNDECIDED, "undecided"),
    ],
)
def test_consent_dialog_sets_store_state(qapp, stats: UsageStats, button, decision, state) -> None:
    policy = privacy_policy()
    _click_in_modal_dialog(button)
    answer = ask_for_consent(stats, policy)
    apply_consent_decision(stats, policy, answer)

    assert answer == decision
    assert stats.consent().state == state
    assert stats.consent().policy_version == (policy.version if state == "granted" else None)


def _after_one_sent_report(tray_app, stats: UsageStats, clock: Clock, loop) -> list[str]:
    """Opt in, send one report and answer Yes to every question; return the list that collects the tray's messages."""
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    tray_app.actions.ask_question = lambda title, text: True  # type: ignore[method-assign]
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)
    return messages


def _owe_a_report(stats: UsageStats, clock: Clock) -> None:
    stats.record("job_created", printer_type="prusa_mk4")
    clock.now = START + dt.timedelta(days=8)


@pytest.mark.parametrize("decide", [None, "opt_out"])
def test_nothing_sent_without_consent(tray_app, stats, collector, clock, loop, decide) -> None:
    if decide == "opt_out":
        stats.opt_out()
        collector.requests.clear()
    _owe_a_report(stats, clock)

    loop.run_until_complete(tray_app.scheduler.run_check())
    tray_app.scheduler.timer.timeout.emit()
    tray_app.actions.send_now_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert [request for request in collector.requests if request.method == "POST"] == []


def test_send_now_with_consent_posts_report(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)

    tray_app.tray.menu.aboutToShow.emit()
    tray_app.actions.send_now_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    posts = [request for request in collector.requests if request.method == "POST"]
    assert len(posts) == 1
    assert posts[0].url == f"{ENDPOINT}/submit"
    assert json.loads(posts[0].content)["usage_stats"]["job_count"] == 1
    assert messages[-1] == "Report sent (server receipt sub-1)."


def test_send_now_mid_period_posts_report(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    stats.record("job_created")
    clock.now = START + dt.timedelta(days=2, hours=3)
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)

    tray_app.tray.menu.aboutToShow.emit()
    tray_app.actions.send_now_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    [post] = [request for request in collector.requests if request.method == "POST"]
    report = json.loads(post.content)
    assert report["period"] == {"start": "2026-11-02T09:00:00Z", "end": "2026-11-04T12:00:00Z", "duration_days": 2}
    assert report["usage_stats"]["job_count"] == 1
    assert messages[-1] == "Report sent (server receipt sub-1)."
    assert stats.status().next_submission_due == dt.datetime(2026, 11, 11, 12, 0, tzinfo=dt.timezone.utc)


def test_dnt_blocks_dialog_and_sending(qapp, tmp_path, collector, clock, loop) -> None:
    stats = open_stats(tmp_path, collector, clock, DO_NOT_TRACK="1")
    application = TrayApplication(stats, privacy_policy(), tray_available=True)
    _owe_a_report(stats, clock)

    application.actions.ask_consent()
    application.actions.send_now_action.trigger()
    loop.run_until_complete(application.scheduler.run_check(force=True))

    assert stats.consent().state == "undecided"
    assert collector.requests == []
    assert application.actions.status_action.text() == "Sharing: off because DO_NOT_TRACK is set"
    application.shutdown()


def test_window_tabs_show_store_data(tray_app, stats, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    for _ in range(3):
        stats.record("job_created", printer_type="prusa_mk4")
    stats.record("job_failed", printer_type="bambu_x1c")
    clock.now = START + dt.timedelta(days=2)
    window = tray_app.window

    tray_app.actions.view_action.trigger()
    show_all_time(window.events_tab)

    assert window.overview_tab.field_text("installation_id") == stats.status().installation_id
    assert window.overview_tab.field_text("events_total") == "4"
    assert window.overview_tab.field_text("consent") == "on"
    assert window.events_tab.model.rowCount() == 4
    window.events_tab.type_filter.setCurrentIndex(window.events_tab.type_filter.findData("job_failed"))
    assert window.events_tab.model.rowCount() == 1
    assert window.events_tab.model.index(0, 2).data() == "Printer type: bambu_x1c"
    assert window.events_tab.chart.total() == 1
    assert window.next_report_tab.body == stats.preview()
    assert window.next_report_tab.exact_view.toPlainText() == stats.preview().decode()
    assert window.history_tab.chain_label.text() == "The local history contains no sent report."


def test_history_tab_marks_tampered_entry(tray_app, stats, clock, loop, tmp_path) -> None:
    stats.opt_in(privacy_policy().version)
    for week in range(1, 4):
        stats.record("job_created", printer_type="prusa_mk4")
        clock.now = START + dt.timedelta(days=7 * week + 1)
        loop.run_until_complete(stats.submit_due())

    with sqlite3.connect(stats.path) as connection:
        reports = connection.execute("SELECT report_id FROM sent_reports ORDER BY id").fetchall()
        connection.execute("UPDATE sent_reports SET body = body || ' ' WHERE report_id = ?", reports[1])

    tray_app.window.bring_forward()
    model = tray_app.window.history_tab.model

    assert model.rowCount() == 3
    assert [model.index(row, 3).data() for row in range(3)] == ["accepted (HTTP 200)"] * 3
    assert model.broken_row == 1
    assert model.report_at(1).report_id == reports[1][0]
    assert [model.index(row, 5).data() for row in range(3)] == ["unverifiable", "broken", "verified"]
    assert tray_app.window.history_tab.chain_label.text().endswith("The first broken entry is row 2.")


def test_history_tab_names_removed_entries(tray_app, stats, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    stats.record("job_created", printer_type="prusa_mk4")
    clock.now = START + dt.timedelta(days=8)
    loop.run_until_complete(stats.submit_due())

    with sqlite3.connect(stats.path) as connection:
        connection.execute("DELETE FROM sent_reports")

    tray_app.window.bring_forward()

    assert tray_app.window.history_tab.model.rowCount() == 0
    assert tray_app.window.history_tab.chain_label.text() == (
        "The history was changed after it was recorded: sent reports were removed."
    )


@pytest.mark.parametrize(
    ("suffix", "chosen_filter"), [("json", "JSON: events and sent reports (*.json)"), ("csv", "CSV: events only (*.csv)")]
)
def test_export_writes_real_store(tray_app, stats, tmp_path, suffix, chosen_filter) -> None:
    stats.record("job_created", printer_type="prusa_mk4")
    target = tmp_path / f"export.{suffix}"
    tray_app.actions.choose_save_path = lambda *args: (str(target), chosen_filter)  # type: ignore[method-assign]

    tray_app.actions.export_action.trigger()

    text = target.read_text(encoding="utf-8")
    if suffix == "json":
        assert [event["event_type"] for event in json.loads(text)["events"]] == ["job_created"]
    else:
        assert text.splitlines()[0].startswith("id,")
        assert len(text.splitlines()) == 2


def _save_as_in_file_dialog(folder: Path, name: str, filter_steps: int = 0) -> None:
    """Once the save dialog is open, pick a filter with the keyboard, type `name` in `folder` and click Save.

    `filter_steps` is how many times Down is pressed in the file type box, so 1 picks the second filter.
    A dialog that is still open afterwards is cancelled, so a failing test saves nothing instead of hanging.
    """

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        try:
            dialog.setDirectory(str(folder))
            file_types = dialog.findChild(QComboBox, "fileTypeCombo")
            for _ in range(filter_steps):
                QTest.keyClick(file_types, Qt.Key.Key_Down)
            name_edit = dialog.findChild(QLineEdit, "fileNameEdit")
            name_edit.clear()
            QTest.keyClicks(name_edit, name)
            save_button = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
            QTest.mouseClick(save_button, Qt.MouseButton.LeftButton)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, act)


@pytest.mark.parametrize(
    ("filter_steps", "typed_name", "saved_name"),
    [(0, "out", "out.json"), (1, "out", "out.csv"), (1, "out.txt", "out.txt")],
)
def test_export_adds_filter_suffix(tray_app, stats, tmp_path, filter_steps, typed_name, saved_name) -> None:
    stats.record("job_created", printer_type="prusa_mk4")
    folder = tmp_path / "exports"
    folder.mkdir()
    _save_as_in_file_dialog(folder, typed_name, filter_steps)

    tray_app.actions.export_action.trigger()

    assert [path.name for path in folder.iterdir()] == [saved_name]
    text = (folder / saved_name).read_text(encoding="utf-8")
    if filter_steps == 0:
        assert [event["event_type"] for event in json.loads(text)["events"]] == ["job_created"]
    else:
        assert text.splitlines()[0].startswith("id,")


def test_delete_both_clears_store_and_asks_server(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    installation_id = stats.status().installation_id
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)

    tray_app.actions.apply_delete_choice(DeleteChoice.BOTH)
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert stats.status().events_total == 0
    assert stats.consent().state == "refused"
    assert [request.method for request in collector.requests] == ["POST", "DELETE"]
    assert collector.requests[1].url == f"{ENDPOINT}/installation/{installation_id}"
    assert stats.status().server_deletion == "confirmed"
    assert messages == [
        "Sharing is off. The data on this computer was deleted.",
        "Sharing is off. The data on this computer was deleted. Asking the statistics server to delete your data...",
        "Sharing is off. The data on this computer was deleted. The statistics server deleted the data of this "
        "installation. Reports deleted: 1.",
    ]


def test_opt_in_after_deletion_replaces_message(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    first_id = stats.status().installation_id
    tray_app.actions.apply_delete_choice(DeleteChoice.SERVER)
    loop.run_until_complete(tray_app.runner.wait_idle())
    deletion_text = tray_app.window.status_label.full_text()
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)

    _click_in_modal_dialog("shareButton")
    tray_app.actions.sharing_action.trigger()

    assert deletion_text == (
        "Sharing is off. The statistics server deleted the data of this installation. Reports deleted: 1."
    )
    assert stats.consent().state == "granted"
    assert stats.status().installation_id != first_id
    new_id_text = "Sharing is on with a new installation id, so no id links new reports to the ones sent before."
    assert messages == [new_id_text]
    assert tray_app.window.status_label.full_text() == new_id_text


@pytest.mark.parametrize(
    ("button", "expected_messages"),
    [
        ("shareButton", ["Sharing is on."]),
        ("dontShareButton", ["Nothing is shared. You can turn sharing on at any time from the menu."]),
        (None, []),
    ],
)
def test_first_consent_decision_message(tray_app, stats, button, expected_messages) -> None:
    installation_id = stats.status().installation_id
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)

    _click_in_modal_dialog(button)
    tray_app.actions.ask_consent()

    assert messages == expected_messages
    assert stats.status().installation_id == installation_id


def test_declined_reconsent_deletes_server_data(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    # The user had agreed to the version before the current one.
    stats.opt_in("2")
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)

    _click_in_modal_dialog("dontShareButton")
    tray_app.actions.ask_consent()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert stats.consent().state == "refused"
    assert [request.method for request in collector.requests] == ["POST", "DELETE"]
    assert messages == [
        "Sharing is off. Asking the statistics server to delete your data...",
        "Sharing is off. The statistics server deleted the data of this installation. Reports deleted: 1.",
    ]


def test_consent_messages_in_german(german, tray_app, stats, collector, clock, loop) -> None:
    messages = _after_one_sent_report(tray_app, stats, clock, loop)

    tray_app.actions.sharing_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())
    _click_in_modal_dialog("shareButton")
    tray_app.actions.sharing_action.trigger()

    assert messages[0] == "Das Teilen ist ausgeschaltet. Der Statistikserver wird gebeten, Ihre Daten zu löschen..."
    assert messages[-1] == (
        "Das Teilen ist eingeschaltet und verwendet eine neue Installations-ID, sodass keine ID neue Berichte mit "
        "den früher gesendeten verknüpft."
    )


def test_stop_sharing_message(tray_app, stats, collector, clock, loop) -> None:
    messages = _after_one_sent_report(tray_app, stats, clock, loop)

    tray_app.actions.sharing_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert stats.consent().state == "refused"
    assert messages == [
        "Sharing is off. Asking the statistics server to delete your data...",
        "Sharing is off. The statistics server deleted the data of this installation. Reports deleted: 1.",
    ]


def test_late_deletion_omits_sharing_off(tray_app, stats, collector, clock, loop) -> None:
    messages = _after_one_sent_report(tray_app, stats, clock, loop)

    tray_app.actions.sharing_action.trigger()
    # The user shares again before the deletion request has ended.
    _click_in_modal_dialog("shareButton")
    tray_app.actions.sharing_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert stats.consent().state == "granted"
    assert messages == [
        "Sharing is off. Asking the statistics server to delete your data...",
        "Sharing is on with a new installation id, so no id links new reports to the ones sent before.",
        "The statistics server deleted the data of this installation. Reports deleted: 1.",
    ]


def test_delete_during_deletion_keeps_messages(tray_app, stats, collector, clock, loop) -> None:
    messages = _after_one_sent_report(tray_app, stats, clock, loop)

    tray_app.actions.sharing_action.trigger()
    tray_app.actions.apply_delete_choice(DeleteChoice.BOTH)
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert messages == [
        "Sharing is off. Asking the statistics server to delete your data...",
        "The data on this computer was deleted.",
        "Sharing is off. The statistics server deleted the data of this installation. Reports deleted: 1.",
    ]
    # The running request covered the only queued id, so no second one was sent.
    assert [request.method for request in collector.requests] == ["POST", "DELETE"]


def test_deletion_queued_during_another_runs_after_it(tray_app, stats, collector, clock, loop) -> None:
    messages = _after_one_sent_report(tray_app, stats, clock, loop)
    first_id = stats.status().installation_id
    collector.deletion_gate = asyncio.Event()
    tray_app.actions.sharing_action.trigger()
    loop.run_until_complete(_until(lambda: collector.deleted_ids() == [first_id]))
    # While that request waits, the user shares again, a report of the new id goes
    # out, and the user stops sharing again, which queues the new id behind the running request.
    stats.opt_in(privacy_policy().version)
    second_id = stats.status().installation_id
    stats.record("job_created", printer_type="prusa_mk4")
    clock.now += dt.timedelta(days=8)
    loop.run_until_complete(stats.submit_due())
    tray_app.actions.sharing_action.trigger()

    collector.deletion_gate.set()
    loop.run_until_complete(_until(lambda: not tray_app.runner.is_running("server-deletion")))

    assert collector.deleted_ids() == [first_id, second_id]
    assert stats.status().server_deletion == "confirmed"
    assert messages == [
        "Sharing is off. Asking the statistics server to delete your data...",
        "Sharing is off. The deletion request for your previous installation id is still running. The statistics "
        "server will be asked to delete your current data when it finishes.",
        "Sharing is off. The statistics server deleted the data of this installation. Reports deleted: 1.",
        "Sharing is off. Asking the statistics server to delete your data...",
        "Sharing is off. The statistics server deleted the data of this installation. Reports deleted: 1.",
    ]


async def _until(condition, timeout: float = 5.0) -> None:
    """Let the event loop run until `condition()` is true; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.01)


def test_next_report_names_new_id_after_opt_out(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    stats.opt_out()
    tab = tray_app.window.next_report_tab

    tab.refresh()

    previewed_id = json.loads(tab.body)["installation"]["installation_id"]
    current_id = stats.status().installation_id
    tray_app.window.overview_tab.refresh()
    assert previewed_id != current_id
    assert tray_app.window.overview_tab.field_text("installation_id") == (
        f"{current_id} (replaced by a new id when you share again)"
    )
    assert tab.size_label.text() == (
        "Sharing is off, so nothing will be sent. If you turn it on again, this installation gets a new installation "
        "id, the one shown below, so that new reports cannot be linked to earlier ones. The next report would look "
        f"like this ({len(tab.body)} bytes):"
    )
    assert tray_app.window.minimumSizeHint().width() < 860


def test_next_report_after_new_id_compares_with_nothing(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    stats.opt_out()
    stats.opt_in(privacy_policy().version)
    tab = tray_app.window.next_report_tab

    tab.refresh()

    assert tab.changes_view.toPlainText() == (
        "This would be the first report with this installation id, so everything in it would be new to the "
        "statistics server."
    )


def test_next_report_compares_with_same_id(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    stats.record("job_created", printer_type="prusa_mk4")
    stats.record("job_created", printer_type="prusa_mk4")
    tab = tray_app.window.next_report_tab

    tab.refresh()

    assert "usage_stats.job_count: 1 -> 2" in tab.changes_view.toPlainText().splitlines()


def test_next_report_before_any_report_keeps_id(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_out()
    tab = tray_app.window.next_report_tab

    tab.refresh()

    assert json.loads(tab.body)["installation"]["installation_id"] == stats.status().installation_id
    assert tab.size_label.text().startswith("Sharing is off, so nothing will be sent. If you turn sharing on,")


def test_overview_deletion_of_previous_id(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    first_id = stats.status().installation_id
    stats.opt_out()
    loop.run_until_complete(stats.request_server_deletion())
    overview = tray_app.window.overview_tab
    overview.refresh()
    refused_text = overview.field_text("server_deletion")

    stats.opt_in(privacy_policy().version)
    overview.refresh()

    assert refused_text == "confirmed by the server"
    assert overview.field_text("installation_id") != first_id
    assert overview.field_text("server_deletion") == f"confirmed by the server for the previous installation id {first_id}"


def _send_and_opt_in_again(stats: UsageStats, clock: Clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    stats.opt_out()
    stats.opt_in(privacy_policy().version)


def test_overview_counts_current_id_reports(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    overview = tray_app.window.overview_tab
    overview.refresh()
    single_id_text = overview.field_text("submission_count")
    stats.opt_out()

    stats.opt_in(privacy_policy().version)
    overview.refresh()

    assert single_id_text == "1"
    assert overview.field_text("submission_count") == "0 with this installation id, 1 in total"


def test_overview_counts_in_german(german, tray_app, stats, collector, clock, loop) -> None:
    _send_and_opt_in_again(stats, clock, loop)
    overview = tray_app.window.overview_tab

    overview.refresh()

    assert overview.field_text("submission_count") == "0 mit dieser Installations-ID, 1 insgesamt"


def test_overview_pending_deletion_of_previous_id(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    first_id = stats.status().installation_id
    # No deletion request goes out before the new opt-in, so the deletion is still pending.
    stats.opt_out()
    stats.opt_in(privacy_policy().version)
    overview = tray_app.window.overview_tab

    overview.refresh()

    assert overview.field_text("server_deletion") == (
        f"requested for the previous installation id {first_id}, waiting for the server to confirm"
    )


def test_delete_server_before_any_report(tray_app, stats, collector, loop) -> None:
    stats.opt_in(privacy_policy().version)
    stats.record("job_created", printer_type="prusa_mk4")
    messages: list[str] = []
    tray_app.actions.message.connect(messages.append)

    tray_app.actions.apply_delete_choice(DeleteChoice.SERVER)
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert collector.requests == []
    assert stats.status().events_total == 1
    assert messages[-1] == (
        "Sharing is off. Nothing was left to delete at the statistics server: nothing was sent with this "
        "installation id, or its data there was deleted already."
    )


def test_reconsent_after_policy_change(qapp, stats, collector, clock, loop) -> None:
    stats.opt_in("1")
    _owe_a_report(stats, clock)
    application = TrayApplication(stats, privacy_policy(), tray_available=True)

    assert application.actions.status_action.text() == "Sharing: on hold until you review the new privacy policy"
    loop.run_until_complete(application.scheduler.run_check())
    assert collector.requests == []

    _click_in_modal_dialog("shareButton")
    application.actions.ask_consent()
    loop.run_until_complete(application.scheduler.run_check())

    assert stats.consent().policy_version == privacy_policy().version
    assert [request.method for request in collector.requests] == ["POST"]
    application.scheduler.stop()
    application.heartbeat_timer.stop()


def test_reconsent_dialog_lists_changes(qapp, stats) -> None:
    stats.opt_in("1")
    seen: list[tuple[bool, str]] = []

    def read_and_close() -> None:
        dialog = QApplication.activeModalWidget()
        seen.append((dialog.is_reconsent(), dialog.findChild(QTextBrowser, "policyView").toPlainText()))
        dialog.reject()

    QTimer.singleShot(0, read_and_close)
    answer = ask_for_consent(stats, privacy_policy())

    assert answer == ConsentDecision.UNDECIDED
    assert seen[0][0]
    for change in privacy_policy().changes_since("1"):
        assert change in seen[0][1]
    assert privacy_policy().never_collected[0] not in seen[0][1]
    assert stats.consent().policy_version == "1"


def test_download_adds_json_suffix(tray_app, stats, collector, clock, loop, tmp_path) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    folder = tmp_path / "downloads"
    folder.mkdir()
    _save_as_in_file_dialog(folder, "server")

    tray_app.actions.download_action.trigger()
    loop.run_until_complete(tray_app.runner.wait_idle())

    assert [path.name for path in folder.iterdir()] == ["server.json"]
    assert json.loads((folder / "server.json").read_bytes()) == {"installation_id": "x", "submissions": []}


def test_download_saves_server_copy(tray_app, stats, collector, clock, loop, tmp_path) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    target = tmp_path / "server.json"

    run_download(tray_app, target, loop)

    assert target.read_bytes() == b'{\n  "installation_id": "x",\n  "submissions": []\n}'
    assert [request.method for request in collector.requests] == ["POST", "GET"]
    assert collector.requests[1].url == f"{ENDPOINT}/installation/{stats.status().installation_id}"
    assert collector.requests[1].headers["Authorization"].startswith("Bearer ")


def test_download_before_first_report_asks_nobody(tray_app, stats, collector, loop, tmp_path) -> None:
    target = tmp_path / "server.json"

    messages = run_download(tray_app, target, loop)

    assert collector.requests == []
    assert json.loads(target.read_bytes())["collector_asked"] is False
    assert messages[-1] == (
        "Nothing with this installation id was ever sent, so the statistics server was not asked; "
        f"a file saying so was saved to {target}."
    )


def test_download_when_server_holds_nothing(qapp, tmp_path, clock, loop) -> None:
    not_found = {"title": "Installation Not Found", "description": "Nothing is stored for this installation id."}

    def deleted_since_sent(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"submission_id": 1})
        return httpx.Response(404, json=not_found)

    stats = open_stats(tmp_path / "data", deleted_since_sent, clock)
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    application = TrayApplication(stats, privacy_policy(), tray_available=True)
    target = tmp_path / "server.json"

    messages = run_download(application, target, loop)

    assert json.loads(target.read_bytes()) == {
        "installation_id": stats.status().installation_id,
        "message": "The collector holds no data for this installation id.",
        "submissions": [],
    }
    assert messages[-1] == (
        f"The statistics server holds no data for this installation id; a file saying so was saved to {target}."
    )
    application.scheduler.stop()
    application.heartbeat_timer.stop()
    stats.close()


def test_quit_while_consent_dialog_open_leaves_decision_open(qapp, tmp_path, collector, clock, monkeypatch) -> None:
    stats = open_stats(tmp_path, collector, clock)
    application = TrayApplication(stats, privacy_policy(), tray_available=True)

    def quit_while_open(*args, **kwargs) -> ConsentDecision:
        # As when SIGTERM arrives while the dialog runs its own event loop.
        application.shutdown()
        return ConsentDecision.SHARE

    monkeypatch.setattr("app.ui.actions.ask_for_consent", quit_while_open)
    application.actions.ask_consent()

    reopened = open_stats(tmp_path, collector, clock)
    assert stats.closed is True
    assert reopened.consent().state == "undecided"
    reopened.close()


def test_quit_while_save_dialog_open_exports_nothing(qapp, tmp_path, collector, clock, monkeypatch) -> None:
    stats = open_stats(tmp_path, collector, clock)
    application = TrayApplication(stats, privacy_policy(), tray_available=True)
    messages: list[str] = []
    application.actions.message.connect(messages.append)
    target = tmp_path / "export.json"

    def quit_while_open(*args) -> tuple[str, str]:
        application.shutdown()
        return str(target), ""

    monkeypatch.setattr(application.actions, "choose_save_path", quit_while_open)
    application.actions.export_data()

    assert messages == []
    assert not target.exists()


def test_tab_shows_events_recorded_while_window_open(tray_app, stats, collector, clock, loop) -> None:
    window = tray_app.window
    window.bring_forward()
    show_all_time(window.events_tab)
    window.tabs.setCurrentWidget(window.overview_tab)
    before = window.overview_tab.field_text("events_total")

    # Printernizer records from its own process; this store is the same file.
    with UsageStats.open(stats.path.parent, environ={"USAGE_STATS_TIMEZONE": "Europe/Berlin"}, clock=clock) as other:
        other.record("job_created", printer_type="prusa_mk4")
    window.tabs.setCurrentWidget(window.events_tab)
    window.tabs.setCurrentWidget(window.overview_tab)

    assert (before, window.overview_tab.field_text("events_total")) == ("0", "1")
    assert window.events_tab.model.rowCount() == 1


def test_long_overview_value_wraps_instead_of_widening(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    stats.opt_out()
    stats.opt_in(privacy_policy().version)
    window = tray_app.window

    window.bring_forward()
    value = window.overview_tab.findChild(QLabel, "overview_server_deletion")

    assert value.text().startswith("requested for the previous installation id ")
    assert value.fontMetrics().horizontalAdvance(value.text()) > 500
    assert window.minimumSizeHint().width() < 500
    assert window.width() == 860


def test_history_names_reports_the_server_deleted(tray_app, stats, collector, clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    _owe_a_report(stats, clock)
    loop.run_until_complete(stats.submit_due())
    sent_id = stats.status().installation_id
    history = tray_app.window.history_tab
    stats.opt_out()
    history.refresh()
    pending_text = history.chain_label.text()

    loop.run_until_complete(stats.request_server_deletion())
    history.refresh()

    assert pending_text == (
        "The history is intact: no entry was changed after it was recorded. The statistics server was asked to "
        f"delete the reports of installation id {sent_id} and has not confirmed it yet."
    )
    assert history.chain_label.text() == (
        "The history is intact: no entry was changed after it was recorded. The statistics server confirmed that it "
        f"deleted the reports of installation id {sent_id}; they stay listed here as they were sent."
    )


def test_overview_names_invalid_setting(qtbot, tmp_path, collector, clock) -> None:
    stats = open_stats(tmp_path, collector, clock, USAGE_STATS_TIMEOUT="500")
    window = open_stats_window(qtbot, stats)

    notice = window.overview_tab.notice_text()

    assert notice == (
        "Some settings are invalid, so their defaults are used until they are corrected:\n"
        "Invalid environment variable USAGE_STATS_TIMEOUT: '500' is not a whole number from 5 to 60. Set it to a "
        "value in that range or unset it to use the default. Using the default 30 instead."
    )
    stats.close()


def test_returning_to_window_keeps_history_selection(qtbot, tray_app, stats, collector, clock, loop) -> None:
    send_three_weekly_reports(stats, clock, loop)
    window = tray_app.window
    window.bring_forward()
    qtbot.waitUntil(window.isActiveWindow)
    window.tabs.setCurrentWidget(window.history_tab)
    window.history_tab.table.selectRow(1)

    QApplication.sendEvent(window, QEvent(QEvent.Type.ActivationChange))
    kept_while_unchanged = window.history_tab.table.currentIndex().row()
    # Printernizer records from its own process while the user is in another window.
    with UsageStats.open(stats.path.parent, environ={"USAGE_STATS_TIMEZONE": "Europe/Berlin"}, clock=clock) as other:
        other.record("job_created", printer_type="prusa_mk4")
    QApplication.sendEvent(window, QEvent(QEvent.Type.ActivationChange))
    kept_after_reread = window.history_tab.table.currentIndex().row()
    window.tabs.setCurrentWidget(window.events_tab)
    window.tabs.setCurrentWidget(window.history_tab)

    assert (kept_while_unchanged, kept_after_reread) == (1, 1)
    assert window.history_tab.table.currentIndex().row() == 1
    assert window.history_tab.detail_view.toPlainText() != ""
