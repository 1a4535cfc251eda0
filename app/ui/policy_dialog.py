"""A read-only window with the full privacy policy text."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app.ui.formatting import html_list


class PolicyDialog(QDialog):
    """Show the whole policy with bulleted lists, or only its two lists for a policy without headings.

    Below the policy, a line names the statistics server that this computer sends to, or states
    that none is set up, because the policy text itself cannot name a deployment's server.
    """

    def __init__(self, policy: Any, parent: QWidget | None = None, *, endpoint: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyDialog")
        self.setWindowTitle(self.tr("Privacy policy (version %1)").replace("%1", str(policy.version)))
        self.resize(560, 520)

        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        if hasattr(policy, "headings"):
            text = full_policy_html(policy)
        else:
            text = self._policy_html(policy)
        self.browser.setHtml(text + f"<p>{html.escape(self._destination_text(endpoint))}</p>")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)

    def _destination_text(self, endpoint: str | None) -> str:
        if endpoint is None:
            return self.tr("No statistics server is set up on this computer, so nothing is sent until one is.")
        return self.tr("While sharing is on, reports from this computer go to the statistics server at %1.").replace(
            "%1", endpoint
        )

    def _policy_html(self, policy: Any) -> str:
        collected = html_list(self.tr("What is collected"), list(policy.collected))
        never = html_list(self.tr("What is never collected"), list(policy.never_collected))
        return collected + never


def full_policy_html(policy: Any) -> str:
    """Format a `PolicyVersion` as HTML with the same texts as its `as_text()`, in its own language.

    The headings in policy.json end with a colon for the plain text, which a heading does not need.
    """
    effective_date = dt.date.fromisoformat(policy.effective_date)
    title = policy.headings.title.format(version=policy.version, effective_date=effective_date)
    parts = [
        f"<h2>{html.escape(title)}</h2>",
        f"<p>{html.escape(policy.summary)}</p>",
        html_list(policy.headings.collected.rstrip(":"), list(policy.collected)),
        html_list(policy.headings.never_collected.rstrip(":"), list(policy.never_collected)),
        f"<p>{html.escape(policy.rights)}</p>",
        f"<p>{html.escape(policy.retention)}</p>",
    ]
    return "".join(parts)
