"""The first-run consent dialog, and the re-consent dialog that shows only what the policy changed."""

from __future__ import annotations

import enum
import json
import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.ui.facade import (
    CONSENT_GRANTED,
    consent_blocked_by_dnt,
    consent_is_undecided,
    consent_state,
    pretty_json,
)
from app.ui.formatting import html_list

logger = logging.getLogger("app.ui")

# Shown when the store has nothing to build a report from yet, so the user still sees the
# shape and size of what would be sent. The values are made up and marked as such.
EXAMPLE_REPORT = {
    "schema_version": "1.1",
    "report_id": "00000000-0000-4000-8000-000000000000",
    "installation": {
        "installation_id": "00000000-0000-4000-8000-000000000001",
        "app_version": "0.1.0",
        "platform": "linux",
        "deployment_mode": "desktop",
        "country_code": "DE",
    },
    "period": {"start": "2026-01-05T00:00:00Z", "end": "2026-01-12T00:00:00Z", "duration_days": 7},
    "printer_fleet": {"printer_count": 2, "printer_types": ["bambu_x1c", "prusa_mk4"],
                      "printer_type_counts": {"bambu_x1c": 1, "prusa_mk4": 1}},
    "usage_stats": {"job_count": 12, "job_completed_count": 11, "job_failed_count": 1, "file_count": 9,
                    "upload_count": 3, "uptime_hours": 40, "feature_usage": {"auto_archive": True}},
    "error_summary": {"ConnectionError": 2},
}


# Starting sizes, reduced to the screen's available area. The texts scroll above the buttons,
# so the dialog can shrink to MINIMUM_SIZE_PX and still fits a 1280x720 screen with a taskbar.
FIRST_RUN_SIZE_PX = (600, 640)
RECONSENT_SIZE_PX = (520, 320)
MINIMUM_SIZE_PX = (420, 320)
POLICY_VIEW_MINIMUM_HEIGHT_PX = 140
EXAMPLE_VIEW_MINIMUM_HEIGHT_PX = 100

FIRST_RUN = "first-run"
RECONSENT = "re-consent"


class ConsentDecision(enum.Enum):
    """The user's choice in the consent dialog, UNDECIDED when it was closed without one."""

    SHARE = "share"
    DONT_SHARE = "dont_share"
    UNDECIDED = "undecided"


class ConsentDialog(QDialog):
    """Ask once whether to share anonymous statistics; the caller applies the decision.

    Both choices are plain buttons of the same size and neither is the default button, so
    Enter does not pick one. The keyboard picks one with Alt and the underlined letter, or
    with Tab and Space. Closing the window or pressing Escape leaves the decision open.
    """

    def __init__(
        self,
        policy: Any,
        report_example: str,
        example_is_real: bool,
        previous_version: str | None = None,
        parent: QWidget | None = None,
        *,
        endpoint: str | None = None,
        new_installation_id: bool = False,
    ) -> None:
        super().__init__(parent)
        self._new_installation_id = new_installation_id
        self._decision = ConsentDecision.UNDECIDED
        self._policy = policy
        self._previous_version = previous_version
        self._endpoint = endpoint

        self.setObjectName("consentDialog")
        self.setWindowTitle(self.tr("Share anonymous usage statistics?"))
        self.setMinimumSize(*MINIMUM_SIZE_PX)

        self._create_widgets(report_example, example_is_real)
        self._create_layout()
        self._connect_signals()
        self._resize_to_screen(RECONSENT_SIZE_PX if previous_version is not None else FIRST_RUN_SIZE_PX)

    @property
    def decision(self) -> ConsentDecision:
        return self._decision

    @property
    def share_button(self) -> QPushButton:
        return self._share_button

    @property
    def dont_share_button(self) -> QPushButton:
        return self._dont_share_button

    def is_reconsent(self) -> bool:
        return self._previous_version is not None

    def _create_widgets(self, report_example: str, example_is_real: bool) -> None:
        self._intro = QLabel(self._intro_text())
        self._intro.setObjectName("consentIntro")
        self._intro.setWordWrap(True)

        self._policy_view = QTextBrowser()
        self._policy_view.setObjectName("policyView")
        self._policy_view.setOpenExternalLinks(False)
        self._policy_view.setHtml(self._policy_html())

        if example_is_real and self._new_installation_id:
            caption = self.tr(
                "A report from this computer would look like this. Sharing again starts a new installation id, "
                "so no id links new reports to the ones sent before. Jobs, files and errors count only from your "
                "agreement, so they start at zero. Printers and features are shown as they are set up now:"
            )
        elif example_is_real:
            caption = self.tr(
                "A report from this computer would look like this. Jobs, files and errors count only from your "
                "agreement, so they start at zero. Printers and features are shown as they are set up now:"
            )
        else:
            caption = self.tr("Nothing is recorded yet, so this example shows what a weekly report looks like:")
        self._example_caption = QLabel(caption)
        self._example_caption.setWordWrap(True)

        self._example_view = QPlainTextEdit(report_example)
        self._example_view.setObjectName("reportExample")
        self._example_view.setReadOnly(True)
        self._example_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        self._share_button = QPushButton(self.tr("&Share anonymous statistics"))
        self._share_button.setObjectName("shareButton")
        self._dont_share_button = QPushButton(self.tr("&Don't share"))
        self._dont_share_button.setObjectName("dontShareButton")
        self._equalize_buttons()

    def _equalize_buttons(self) -> None:
        buttons = (self._share_button, self._dont_share_button)
        width = max(button.sizeHint().width() for button in buttons)
        height = max(button.sizeHint().height() for button in buttons)
        for button in buttons:
            button.setAutoDefault(False)
            button.setDefault(False)
            button.setFixedSize(width, height)

    def _create_layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self._dont_share_button)
        buttons.addWidget(self._share_button)
        buttons.addStretch(1)

        # Below these heights the views would show only a line or two, so the whole content scrolls instead.
        self._policy_view.setMinimumHeight(POLICY_VIEW_MINIMUM_HEIGHT_PX)
        self._example_view.setMinimumHeight(EXAMPLE_VIEW_MINIMUM_HEIGHT_PX)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self._intro)
        content_layout.addWidget(self._policy_view, 3)
        if not self.is_reconsent():
            content_layout.addWidget(self._example_caption)
            content_layout.addWidget(self._example_view, 2)

        # On a short screen the texts scroll, and the two buttons stay visible below them.
        self._scroll_area = QScrollArea()
        self._scroll_area.setObjectName("consentScrollArea")
        self._scroll_area.setWidgetResizable(True)
        self._scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll_area.setWidget(content)

        layout = QVBoxLayout(self)
        layout.addWidget(self._scroll_area, 1)
        layout.addLayout(buttons)

    def _resize_to_screen(self, size_px: tuple[int, int]) -> None:
        available = self.screen().availableGeometry()
        self.resize(min(size_px[0], available.width()), min(size_px[1], available.height()))

    def _connect_signals(self) -> None:
        self._share_button.clicked.connect(lambda: self._decide(ConsentDecision.SHARE))
        self._dont_share_button.clicked.connect(lambda: self._decide(ConsentDecision.DONT_SHARE))

    def _decide(self, decision: ConsentDecision) -> None:
        self._decision = decision
        self.accept()

    def reject(self) -> None:
        self._decision = ConsentDecision.UNDECIDED
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.result() != QDialog.DialogCode.Accepted:
            self._decision = ConsentDecision.UNDECIDED
        super().closeEvent(event)

    def _intro_text(self) -> str:
        if self.is_reconsent():
            return self.tr(
                "The privacy policy changed since you agreed to it. Nothing is sent until you decide again. "
                "If you choose not to share, the statistics server is also asked to delete the reports it holds "
                "from this computer. These are the changes:"
            )
        # The first sentence states the purpose in the words of the privacy policy's summary, so
        # the purpose the user agrees to here is the one the policy window shows later.
        return self.tr(
            "Printernizer can send one anonymous report a week to help its maintainers decide what to work on. "
            "Nothing leaves this computer unless you choose to share, and you can change your mind at any "
            "time from the tray menu."
        )

    def _policy_html(self) -> str:
        if self.is_reconsent():
            changes = list(self._policy.changes_since(self._previous_version))
            if changes:
                title = self.tr("What changed since version %1, which you agreed to").replace(
                    "%1", str(self._previous_version)
                )
                return html_list(title, changes)

        collected = html_list(self.tr("What is collected"), list(self._policy.collected))
        never = html_list(self.tr("What is never collected"), list(self._policy.never_collected))
        handling = html_list(self.tr("Where the data goes and how long it is kept"), self._handling_facts())
        return collected + never + handling

    def _handling_facts(self) -> list[str]:
        """Name the destination, the retention periods, the user's controls and what "Don't share" keeps.

        The retention periods are those of app/core (RETENTION_DAYS) and of the collector's default
        COLLECTOR_RETENTION_DAYS (730), as the privacy policy states them.
        """
        if self._endpoint is None:
            destination = self.tr("No statistics server is set up on this computer, so nothing is sent until one is.")
        else:
            destination = self.tr("Reports go to the statistics server at %1.").replace("%1", self._endpoint)
        return [
            destination,
            self.tr(
                "This computer deletes events after 90 days, but with sharing on not before a report has "
                "counted them. The statistics server keeps reports for at most two years."
            ),
            self.tr(
                "You can view, export and delete this data at any time from the tray menu, and ask the "
                "statistics server to delete what it holds."
            ),
            self.tr(
                "If you don't share, events are still recorded on this computer, where you can view them, "
                "but they are never sent."
            ),
        ]


def report_example(stats: Any) -> tuple[str, bool]:
    """Return the pretty-printed next report and True, or the built-in example and False.

    The example is used when the preview is empty or fails. A failure is logged, because
    the dialog must open either way.
    """
    try:
        body = stats.preview()
    except Exception as error:  # noqa: BLE001 - the dialog must open even if the preview cannot be built
        logger.warning("Could not build the report preview for the consent dialog: %r", error)
        body = b""

    if body:
        return pretty_json(body), True
    return json.dumps(EXAMPLE_REPORT, indent=2, sort_keys=True), False


def _example_installation_id(example: str) -> str | None:
    """Return the installation id of a report preview, None if it has none."""
    try:
        installation = json.loads(example).get("installation")
    except (ValueError, AttributeError):
        return None
    return installation.get("installation_id") if isinstance(installation, dict) else None


def consent_question(consent: Any, policy: Any) -> str | None:
    """Return "first-run" or "re-consent" when the user must be asked, else None.

    No dialog is due under DO_NOT_TRACK or after a refusal. A user who agreed to an older
    policy version is asked again, with only the changes shown.
    """
    if consent_blocked_by_dnt(consent):
        return None
    if consent_is_undecided(consent):
        return FIRST_RUN
    if consent_state(consent) == CONSENT_GRANTED and str(consent.policy_version) != str(policy.version):
        return RECONSENT
    return None


def ask_for_consent(
    stats: Any, policy: Any, parent: QWidget | None = None, force: bool = False
) -> ConsentDecision | None:
    """Show the dialog that the consent state calls for and return its decision.

    With `force` (the user asked to share after refusing), the first-run dialog is shown
    whenever DO_NOT_TRACK allows it. Returns None when no question was due. The caller
    applies the decision, so this function changes nothing in the store.
    """
    question = consent_question(stats.consent(), policy)
    if question is None and force and not consent_blocked_by_dnt(stats.consent()):
        question = FIRST_RUN
    if question is None:
        return None

    previous_version = stats.consent().policy_version if question == RECONSENT else None
    example, example_is_real = report_example(stats)
    status = stats.status()
    # After data may have been sent, the preview carries the id that the next opt-in starts.
    new_installation_id = example_is_real and _example_installation_id(example) not in (None, status.installation_id)
    dialog = ConsentDialog(
        policy, example, example_is_real, previous_version, parent,
        endpoint=status.endpoint, new_installation_id=new_installation_id,
    )
    dialog.exec()
    decision = dialog.decision
    # A parent owns the dialog, so without this it would stay until the app quits.
    dialog.deleteLater()
    return decision


def apply_consent_decision(stats: Any, policy: Any, decision: ConsentDecision | None) -> None:
    """Opt in to `policy`'s version or opt out; an open decision changes nothing."""
    if decision == ConsentDecision.SHARE:
        stats.opt_in(policy.version)
        logger.info("Consent granted for privacy policy version %s", policy.version)
    elif decision == ConsentDecision.DONT_SHARE:
        stats.opt_out()
        logger.info("Consent declined; nothing will be sent")
