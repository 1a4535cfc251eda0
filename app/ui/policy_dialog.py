"""A read-only window with the full privacy policy text."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget


class PolicyDialog(QDialog):
    """Show the policy's full text, or its two lists when the policy object has no `as_text()`."""

    def __init__(self, policy: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyDialog")
        self.setWindowTitle(self.tr("Privacy policy (version %1)").replace("%1", str(policy.version)))
        self.resize(560, 520)

        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        if hasattr(policy, "as_text"):
            self.browser.setPlainText(policy.as_text())
        else:
            self.browser.setHtml(self._policy_html(policy))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)

    def _policy_html(self, policy: Any) -> str:
        collected = "".join(f"<li>{html.escape(str(item))}</li>" for item in policy.collected)
        never = "".join(f"<li>{html.escape(str(item))}</li>" for item in policy.never_collected)
        collected_title = html.escape(self.tr("What is collected"))
        never_title = html.escape(self.tr("What is never collected"))
        return f"<h3>{collected_title}</h3><ul>{collected}</ul><h3>{never_title}</h3><ul>{never}</ul>"
