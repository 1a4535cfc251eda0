"""The user's actions, shared by the tray menu and the stats window's menu bar."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.core import CollectorError, StoreFileTargetError, write_private_file
from app.ui.consent import ConsentDecision, apply_consent_decision, ask_for_consent
from app.ui.delete_dialog import DeleteChoice, DeleteDialog
from app.ui.failures import download_error_text, file_error_text, store_file_text
from app.ui.facade import consent_allows_sharing, consent_blocked_by_dnt, consent_state
from app.ui.formatting import day_and_date, deletion_outcome_text, outcomes_text, pause_end, sharing_status_text
from app.ui.policy_dialog import PolicyDialog
from app.ui.scheduler import CHECK_TASK_NAME, SubmissionScheduler
from app.ui.tasks import TaskRunner

logger = logging.getLogger("app.ui")

PAUSE_DAYS = 7
DELETION_TASK_NAME = "server-deletion"
DOWNLOAD_TASK_NAME = "server-download"
# The user commands that start a submission check. Their outcome is shown as a notification.
SEND_NOW_CHECK = "send-now"
RESUME_CHECK = "resume"
# Kinds of server-data download.
STORED_DATA = "stored"
NOTHING_STORED = "nothing-stored"
NOTHING_SENT = "nothing-sent"


@dataclasses.dataclass
class DeletionContext:
    """The steps a command took before it started a server deletion, which the deletion's messages repeat."""

    sharing_turned_off: bool = False
    local_deleted: bool = False


@dataclasses.dataclass(frozen=True)
class DownloadFailed:
    """A download of the server's data that failed for a known cause, described in the user's language."""

    text: str


class AppActions(QObject):
    """Own one QAction per user command and carry it out through the facade.

    `changed` fires after anything that alters what the window or the tray show.
    `message` carries a sentence about something the user did, which the tray may show as
    a notification. `status_message` carries the outcome of a check that the scheduler
    started by itself. It goes to the window's status line only, so that an app running in
    the background does not notify every hour. `quit_requested` requests a shutdown from
    the application, so the actions never quit Qt themselves.
    """

    changed = Signal()
    message = Signal(str)
    status_message = Signal(str)
    quit_requested = Signal()
    view_requested = Signal()

    def __init__(
        self,
        stats: Any,
        policy: Any,
        runner: TaskRunner,
        scheduler: SubmissionScheduler,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._stats = stats
        self._policy = policy
        self._runner = runner
        self._scheduler = scheduler
        self.dialog_parent: QWidget | None = None
        # What the command that started the running server deletion also did. Its messages repeat
        # that first, because each message replaces the one before it in the status bar.
        self._deletion_context = DeletionContext()
        # The installation id queued last when the running server deletion read the queue.
        self._deletion_started_for: str | None = None
        # The context of a command that queued another id while a deletion ran, which read the queue
        # before. That command's deletion starts when the running one ends.
        self._queued_deletion: DeletionContext | None = None
        # The folder of the last export or download in this run, where the next save dialog starts.
        self._last_save_folder: Path | None = None
        # The running check if the user started it: SEND_NOW_CHECK or RESUME_CHECK, else None.
        self._user_check: str | None = None
        # True when "Send report now" found another check running. The forced check starts once that one ends.
        self._send_now_after_check = False

        self._create_actions()
        self._connect_signals()
        self.update_state()

    def _create_actions(self) -> None:
        self.status_action = QAction(self)
        self.status_action.setEnabled(False)
        self.view_action = QAction(self.tr("&View my data..."), self)
        self.export_action = QAction(self.tr("&Export..."), self)
        self.send_now_action = QAction(self.tr("Send report &now"), self)
        self.pause_action = QAction(self.tr("&Pause for 7 days"), self)
        self.sharing_action = QAction(self.tr("&Stop sharing..."), self)
        self.delete_action = QAction(self.tr("&Delete my data..."), self)
        self.download_action = QAction(self.tr("Do&wnload what the server holds..."), self)
        self.policy_action = QAction(self.tr("Privacy p&olicy"), self)
        # The tray menu has this action too, so its text names the whole app and not only the window.
        self.quit_action = QAction(self.tr("&Quit Printernizer Usage Statistics"), self)
        # Only the stats window's menu has this action. The platform's Close shortcuts (Ctrl+W
        # and Ctrl+F4 on Windows and Linux, Cmd+W on macOS) and Escape hide the window, and
        # the tray keeps running.
        self.close_window_action = QAction(self.tr("&Close Window"), self)
        close_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Close)
        self.close_window_action.setShortcuts([*close_keys, QKeySequence(Qt.Key.Key_Escape)])

        names = (
            "status", "view", "export", "send_now", "pause", "sharing", "delete", "download", "policy", "quit",
            "close_window",
        )
        for name in names:
            getattr(self, f"{name}_action").setObjectName(f"{name}Action")

    def menu_actions(self) -> list[QAction | None]:
        """Return the tray menu's actions in order, with None for each separator."""
        return [
            self.status_action, None,
            self.view_action, self.export_action, self.send_now_action, self.pause_action, self.sharing_action,
            None,
            self.delete_action, self.download_action, self.policy_action, None,
            self.quit_action,
        ]

    def window_menus(self) -> list[tuple[str, list[QAction | None]]]:
        """Return the stats window's menus: every tray menu action except "View my data", plus "Close Window"."""
        return [
            (self.tr("&Data"), [self.export_action, self.download_action, self.delete_action, None,
                                self.close_window_action, self.quit_action]),
            (self.tr("&Sharing"), [self.status_action, None, self.send_now_action, self.pause_action,
                                   self.sharing_action]),
            (self.tr("&Help"), [self.policy_action]),
        ]

    def _connect_signals(self) -> None:
        self.view_action.triggered.connect(self.view_requested)
        self.export_action.triggered.connect(self.export_data)
        self.send_now_action.triggered.connect(self.send_now)
        self.pause_action.triggered.connect(self.toggle_pause)
        self.sharing_action.triggered.connect(self.change_sharing)
        self.delete_action.triggered.connect(self.delete_data)
        self.download_action.triggered.connect(self.download_server_data)
        self.policy_action.triggered.connect(self.show_policy)
        self.quit_action.triggered.connect(self.quit_requested)

        self._scheduler.check_finished.connect(self._on_check_finished)
        self._scheduler.check_failed.connect(self._on_check_failed)
        self._runner.finished.connect(self._on_task_finished)
        self._runner.failed.connect(self._on_task_failed)

    def sharing_allowed(self) -> bool:
        return consent_allows_sharing(self._stats.consent(), self._policy.version)

    def is_paused(self) -> bool:
        return self._stats.status().paused_until is not None

    def next_send_attempt(self) -> datetime | None:
        """Return when the scheduler next tries to send, or None when that check could send nothing.

        Nothing is sent while consent is missing or for an older policy, under DO_NOT_TRACK,
        during a pause, or without a configured statistics server.
        """
        if self._store_closed() or not consent_allows_sharing(self._stats.consent(), self._policy.version):
            return None
        status = self._stats.status()
        if status.endpoint is None or pause_end(status) is not None:
            return None
        return self._scheduler.next_check_at()

    def _store_closed(self) -> bool:
        """Return whether the app shut down and closed the store, as it can while a dialog of this class is open."""
        return bool(getattr(self._stats, "closed", False))

    def update_state(self) -> None:
        """Refresh the status line and the texts and enabled states that depend on consent."""
        if self._store_closed():
            return
        consent = self._stats.consent()
        status = self._stats.status()
        self.status_action.setText(sharing_status_text(status, consent, self._policy.version))

        blocked = consent_blocked_by_dnt(consent)
        granted = consent_state(consent) == "granted"
        self.sharing_action.setText(self.tr("&Stop sharing...") if granted else self.tr("&Share anonymous statistics..."))
        # DO_NOT_TRACK stops sending, but consent given earlier can still be withdrawn, so that
        # nothing is sent once the variable is unset.
        self.sharing_action.setEnabled(granted or not blocked)
        self.pause_action.setText(self.tr("&Resume") if status.paused_until is not None else self.tr("&Pause for 7 days"))
        self.pause_action.setEnabled(granted and not blocked)
        sharing_allowed = consent_allows_sharing(consent, self._policy.version)
        self.send_now_action.setEnabled(sharing_allowed and not self._runner.is_running(CHECK_TASK_NAME))
        self.send_now_action.setToolTip("" if sharing_allowed else self._sharing_off_text(consent))
        self.download_action.setEnabled(status.endpoint is not None)

    def _sharing_off_text(self, consent: Any) -> str:
        """Explain why nothing can be sent and how to change that; the caller checked that sharing is not allowed."""
        if consent_blocked_by_dnt(consent):
            return self.tr("Nothing is sent because DO_NOT_TRACK is set in the environment.")
        if consent_state(consent) == "granted":
            return self.tr("Nothing is sent until you agree to the new privacy policy, which is shown at the next start.")
        return self.tr('Nothing is sent while sharing is off. Choose "Share anonymous statistics..." to turn it on.')

    def _notify_changed(self) -> None:
        if self._store_closed():
            return
        self.update_state()
        self.changed.emit()

    # The file dialog is the one place tests replace, so every save goes through it.
    def choose_save_path(self, title: str, suggested_path: str, name_filters: str) -> tuple[str, str]:
        """Ask for a file to save to. Return its path and the chosen name filter, or two empty strings on Cancel."""
        dialog = SaveFileDialog(self.dialog_parent, title, suggested_path, name_filters)
        accepted = dialog.exec()
        path = dialog.selectedFiles()[0] if accepted and dialog.selectedFiles() else ""
        chosen_filter = dialog.selectedNameFilter() if path else ""
        # A parent owns the dialog, so without this it would stay until the app quits.
        dialog.deleteLater()
        return path, chosen_filter

    def export_formats(self) -> dict[str, str]:
        """Return the export's file dialog filter per format. Each filter names what its format contains."""
        return {
            "json": self.tr("JSON: events and sent reports (*.json)"),
            "csv": self.tr("CSV: events only (*.csv)"),
        }

    def export_data(self) -> None:
        formats = self.export_formats()
        path, chosen_filter = self.choose_save_path(
            self.tr("Export my data"),
            suggested_save_path("printernizer-usage-statistics", self._last_save_folder),
            ";;".join(formats.values()),
        )
        if not path or self._store_closed():
            return
        self._last_save_folder = Path(path).parent

        fmt = "csv" if chosen_filter == formats["csv"] or path.lower().endswith(".csv") else "json"
        try:
            self._stats.export(path, fmt=fmt)
        except StoreFileTargetError:
            logger.warning("Export to %s rejected: it is a file of the usage database", path)
            self.message.emit(f"{self.tr('The export failed.')} {store_file_text(path)}")
            return
        except OSError as error:
            logger.warning("Export to %s failed: %s", path, error)
            failed = self.tr("The export failed.")
            self.message.emit(f"{failed} {file_error_text(path, error)}")
            return
        except Exception as error:  # noqa: BLE001 - reported to the user, the app keeps running
            logger.error("Export to %s failed: %r", path, error)
            self.message.emit(self.tr("The export failed: %1").replace("%1", str(error)))
            return
        self.message.emit(self.tr("Your data was exported to %1.").replace("%1", path))

    def send_now(self) -> None:
        self._send_now(announce=True)

    def _send_now(self, *, announce: bool) -> None:
        """Start a forced check, or mark one to start after the running check.

        With `announce`, the user hears that sending starts or why nothing can be sent.
        """
        if not self.sharing_allowed():
            # The action is disabled then, but consent can change in another process, such as the
            # command line, while a menu is open.
            logger.debug("Send report now ignored: sharing is not allowed")
            if announce:
                self.message.emit(self._sharing_off_text(self._stats.consent()))
            return
        if self._stats.status().endpoint is None:
            logger.debug("Send report now ignored: no collector is configured")
            if announce:
                self.message.emit(self.tr("Nothing was sent because no statistics server is configured."))
            return

        if self._scheduler.trigger_now():
            self._user_check = SEND_NOW_CHECK
        else:
            # The menu opened before a scheduled check started. That check may send nothing
            # early, so the forced one follows it.
            self._send_now_after_check = True
        self.send_now_action.setEnabled(False)
        if announce:
            self.message.emit(self.tr("Sending the report..."))

    def toggle_pause(self) -> None:
        if self.is_paused():
            self._stats.resume()
            self.message.emit(self.tr("Sharing resumed."))
            # Reports that waited during the pause go out now, not at the next hourly check.
            if self._scheduler.check_now():
                self._user_check = RESUME_CHECK
        else:
            self._stats.pause(PAUSE_DAYS)
            # The status line keeps this until the next message, so it names the end of the pause.
            text = self.tr("Sharing is paused for 7 days, until %1.")
            self.message.emit(text.replace("%1", day_and_date(pause_end(self._stats.status()))))
        self._notify_changed()

    def change_sharing(self) -> None:
        consent = self._stats.consent()
        if consent_state(consent) == "granted":
            answer = self.ask_question(
                self.tr("Stop sharing"),
                self.tr(
                    "Stop sending reports? Reports waiting to be sent are cancelled and the statistics "
                    "server is asked to delete what it holds for this installation."
                ),
            )
            if answer and not self._store_closed():
                self._stats.opt_out()
                self._announce_sharing_off()
        else:
            self.ask_consent(force=True)
        self._notify_changed()

    def ask_consent(self, force: bool = False) -> None:
        """Show the consent dialog when a decision is due, or with `force` unless DO_NOT_TRACK is set, and apply it."""
        decision = ask_for_consent(self._stats, self._policy, self.dialog_parent, force=force)
        if self._store_closed():
            # The app quit while the dialog was open, for example on SIGTERM; the decision stays open.
            return
        previous_installation_id = self._stats.status().installation_id
        was_sharing = consent_state(self._stats.consent()) == "granted"
        apply_consent_decision(self._stats, self._policy, decision)
        # The message replaces the status line's last one, which may describe the state before this decision.
        if decision == ConsentDecision.DONT_SHARE and was_sharing:
            self._announce_sharing_off()
        elif decision == ConsentDecision.DONT_SHARE:
            self.message.emit(self.tr("Nothing is shared. You can turn sharing on at any time from the menu."))
        elif decision == ConsentDecision.SHARE:
            self.message.emit(self._sharing_on_text(previous_installation_id))
        self._notify_changed()

    def _announce_sharing_off(self) -> None:
        """Emit that sharing is off, and start the server deletion that the opt-out queued, if any."""
        context = DeletionContext(sharing_turned_off=True)
        if not (self._stats.status().server_deletion == "pending" and self._start_server_deletion(context)):
            self.message.emit(self._in_deletion_context(None, context))

    def _sharing_on_text(self, previous_installation_id: str) -> str:
        """Describe an opt-in that was just applied, naming a new installation id."""
        if self._stats.status().installation_id != previous_installation_id:
            return self.tr("Sharing is on with a new installation id, so no id links new reports to the ones sent before.")
        return self.tr("Sharing is on.")

    def delete_data(self) -> None:
        sharing_on = consent_state(self._stats.consent()) == "granted"
        dialog = DeleteDialog(self._stats.status().endpoint is not None, self.dialog_parent, sharing_on=sharing_on)
        accepted = dialog.exec()
        choice = dialog.choice
        # The window owns its dialogs, so each one would stay until the app quits.
        dialog.deleteLater()
        if not accepted or choice is None or self._store_closed():
            return
        self.apply_delete_choice(choice)

    def apply_delete_choice(self, choice: DeleteChoice) -> None:
        """Delete the chosen copies; deleting the server's copy also stops sharing.

        The core queues a server deletion only on opt-out, and a report sent after the
        deletion would start a new copy on the server, so sharing is turned off first.
        """
        context = DeletionContext()
        if choice in (DeleteChoice.SERVER, DeleteChoice.BOTH) and consent_state(self._stats.consent()) == "granted":
            self._stats.opt_out()
            context.sharing_turned_off = True
        if choice in (DeleteChoice.LOCAL, DeleteChoice.BOTH):
            self._stats.delete_local_data()
            context.local_deleted = True
            self.message.emit(self._in_deletion_context(None, context))
        if choice in (DeleteChoice.SERVER, DeleteChoice.BOTH):
            started = self._start_server_deletion(context)
            if not started and choice == DeleteChoice.SERVER and context.sharing_turned_off:
                self.message.emit(self._in_deletion_context(None, context))
        self._notify_changed()

    def _start_server_deletion(self, context: DeletionContext) -> bool:
        """Start the server deletion task and emit its first message, which begins with `context` as its later ones do.

        While a deletion runs that read the queue before this command added an id to it, this
        command's deletion waits for the running one and the message says so. Return False,
        emitting nothing, without a statistics server or when the running deletion covers the queue.
        """
        status = self._stats.status()
        if status.endpoint is None:
            return False
        if self._runner.is_running(DELETION_TASK_NAME):
            if status.server_deletion != "pending" or status.server_deletion_installation_id == self._deletion_started_for:
                return False
            self._queued_deletion = context
            self.message.emit(
                self._in_deletion_context(
                    self.tr(
                        "The deletion request for your previous installation id is still running. The statistics "
                        "server will be asked to delete your current data when it finishes."
                    ),
                    context,
                )
            )
            return True
        if not self._runner.start(DELETION_TASK_NAME, self._stats.request_server_deletion()):
            return False
        self._deletion_started_for = status.server_deletion_installation_id
        self._deletion_context = context
        self.message.emit(self._in_deletion_context(self.tr("Asking the statistics server to delete your data...")))
        return True

    def _in_deletion_context(self, text: str | None, context: DeletionContext | None = None) -> str:
        """Prefix `text` with the steps of `context`, by default the running deletion's, that are still true.

        "Sharing is off." is left out once the user shares again, as a deletion may end after that.
        """
        context = context or self._deletion_context
        parts = []
        if context.sharing_turned_off and consent_state(self._stats.consent()) != "granted":
            parts.append(self.tr("Sharing is off."))
        if context.local_deleted:
            parts.append(self.tr("The data on this computer was deleted."))
        if text is not None:
            parts.append(text)
        return " ".join(parts)

    def download_server_data(self) -> None:
        path, _ = self.choose_save_path(
            self.tr("Save what the server holds"),
            suggested_save_path("printernizer-usage-server-data", self._last_save_folder),
            self.tr("JSON (*.json)"),
        )
        if not path or self._store_closed():
            return
        self._last_save_folder = Path(path).parent
        if self._runner.start(DOWNLOAD_TASK_NAME, self._download_to(Path(path))):
            # A server that does not respond takes up to the timeout and its retries to fail.
            self.message.emit(self.tr("Downloading what the statistics server holds..."))

    async def _download_to(self, path: Path) -> tuple[Path, str] | DownloadFailed:
        """Save the server's copy to `path`; return the path and the kind of download (see _download_kind).

        A failure of the request or of the write is returned as DownloadFailed, and logged as a
        WARNING without a traceback because the network, the server or the disk caused it.
        """
        try:
            body = await self._stats.fetch_server_data()
        except CollectorError as error:
            logger.warning("Downloading the server's data failed: %s", error)
            return DownloadFailed(download_error_text(error))
        try:
            self._stats.check_write_target(path)
        except StoreFileTargetError:
            logger.warning("Saving the server's data to %s rejected: it is a file of the usage database", path)
            return DownloadFailed(f"{self.tr('The download failed.')} {store_file_text(path)}")
        try:
            # The server's copy contains the installation id and every report, as an export does.
            write_private_file(path, body)
        except OSError as error:
            logger.warning("Saving the server's data to %s failed: %s", path, error)
            failed = self.tr("The download failed.")
            return DownloadFailed(f"{failed} {file_error_text(path, error)}")
        return path, _download_kind(body)

    def show_policy(self) -> None:
        endpoint = None if self._store_closed() else self._stats.status().endpoint
        dialog = PolicyDialog(self._policy, self.dialog_parent, endpoint=endpoint)
        dialog.exec()
        dialog.deleteLater()

    def ask_question(self, title: str, text: str) -> bool:
        """Ask a yes/no question; tests replace this one method to answer it."""
        answer = QMessageBox.question(self.dialog_parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _on_check_finished(self, outcomes: object) -> None:
        outcomes = list(outcomes)  # type: ignore[call-overload]
        text = outcomes_text(outcomes, self._scheduler.next_check_at())
        user_check = self._end_user_check()
        # Unless the user asked to send now, a check that only skipped (nothing due) is not worth
        # a line, because it would replace "Sharing resumed." or the last real outcome.
        only_skipped = all(type(outcome).__name__ == "Skipped" for outcome in outcomes)
        if user_check == SEND_NOW_CHECK or (user_check is not None and not only_skipped):
            self.message.emit(text)
        elif not only_skipped:
            self.status_message.emit(text)
        self._notify_changed()
        self._send_now_if_requested()

    def _on_check_failed(self, error: str) -> None:
        text = self.tr("Sending the report failed: %1").replace("%1", error)
        if self._end_user_check() is not None:
            self.message.emit(text)
        else:
            self.status_message.emit(text)
        self._notify_changed()
        self._send_now_if_requested()

    def _send_now_if_requested(self) -> None:
        if not self._send_now_after_check or self._store_closed():
            return
        self._send_now_after_check = False
        # Sharing may have stopped while the other check ran. The user saw why then, so a
        # refusal here is only logged.
        self._send_now(announce=False)

    def _end_user_check(self) -> str | None:
        """Return which user command started the check that just ended, None for the scheduler, and clear it."""
        user_check = self._user_check
        self._user_check = None
        return user_check

    def _on_task_finished(self, name: str, result: object) -> None:
        if name == DELETION_TASK_NAME:
            self.message.emit(self._in_deletion_context(deletion_outcome_text(result)))
            self._deletion_context = DeletionContext()
            queued, self._queued_deletion = self._queued_deletion, None
            if queued is not None and self._stats.status().server_deletion == "pending":
                self._start_server_deletion(queued)
        elif name == DOWNLOAD_TASK_NAME:
            if isinstance(result, DownloadFailed):
                self.message.emit(result.text)
                return
            path, kind = result  # type: ignore[misc]
            if kind == NOTHING_SENT:
                text = self.tr(
                    "Nothing with this installation id was ever sent, so the statistics server was not asked; "
                    "a file saying so was saved to %1."
                )
            elif kind == NOTHING_STORED:
                text = self.tr("The statistics server holds no data for this installation id; a file saying so was saved to %1.")
            else:
                text = self.tr("What the server holds was saved to %1.")
            self.message.emit(text.replace("%1", str(path)))
        else:
            return
        self._notify_changed()

    def _on_task_failed(self, name: str, error: str) -> None:
        if name == DELETION_TASK_NAME:
            text = self._in_deletion_context(self.tr("The deletion request failed and will be retried: %1"))
            self._deletion_context = DeletionContext()
            # A deletion queued meanwhile waits for the scheduler's retry, as the failed one does.
            self._queued_deletion = None
        elif name == DOWNLOAD_TASK_NAME:
            text = self.tr("The download failed: %1")
        else:
            return
        self.message.emit(text.replace("%1", error))
        self._notify_changed()


def suggested_save_path(stem: str, last_folder: Path | None = None) -> str:
    """Return `<folder>/<stem>-<today>.json` in `last_folder`, else in Documents, else in the home folder.

    A folder that no longer exists is passed over.
    """
    folder = last_folder
    if folder is None or not folder.is_dir():
        folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())
    if not folder.is_dir():
        folder = Path.home()
    return str(folder / f"{stem}-{date.today().isoformat()}.json")


class SaveFileDialog(QFileDialog):
    """A save dialog that appends the selected filter's suffix to a file name typed without one.

    `name_filters` is separated by ";;". The suffix comes from the first pattern of the selected
    filter, such as "csv" from "(*.csv)". Qt appends it only to a name without a dot, so "out"
    is saved as "out.csv" and "out.txt" stays as typed.
    """

    def __init__(self, parent: QWidget | None, title: str, suggested_path: str, name_filters: str) -> None:
        super().__init__(parent, title, suggested_path, name_filters)
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self._use_suffix_of(self.selectedNameFilter())
        self.filterSelected.connect(self._use_suffix_of)

    def _use_suffix_of(self, name_filter: str) -> None:
        self.setDefaultSuffix(filter_suffix(name_filter))


def filter_suffix(name_filter: str) -> str:
    """Return the suffix of a name filter's first pattern without its dot: "json" for "JSON (*.json)", else ""."""
    match = re.search(r"\*\.([^\s;)]+)", name_filter)
    return match.group(1) if match else ""


def _download_kind(body: bytes) -> str:
    """Return NOTHING_SENT, NOTHING_STORED (neither an installation record nor submissions) or STORED_DATA."""
    try:
        data = json.loads(body)
    except ValueError:
        return STORED_DATA
    if not isinstance(data, dict):
        return STORED_DATA
    if data.get("collector_asked") is False:
        return NOTHING_SENT
    if data.get("submissions") == [] and not data.get("installation"):
        return NOTHING_STORED
    return STORED_DATA
