"""Turn facade values into the short texts the tray menu and the stats window show."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QLocale

from app.ui.facade import (
    CONSENT_GRANTED,
    CONSENT_REFUSED,
    DELETION_CONFIRMED,
    DELETION_PENDING,
    consent_blocked_by_dnt,
    consent_state,
    server_deletion_state,
)


def _as_utc(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def format_time(value: datetime | str | None) -> str:
    """Show a UTC time in the local zone as "YYYY-MM-DD HH:MM"; "-" when there is none."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def day_and_date(value: datetime | str | None) -> str:
    """Name the local day and date of `value` as the locale writes them, e.g. "Fri 11 Dec" or "Fr. 11 Dez."."""
    moment = _as_utc(value)
    if moment is None:
        return "-"
    local = moment.astimezone()
    return QLocale().toString(QDate(local.year, local.month, local.day), "ddd d MMM")


def long_date(value: datetime | date | str | None) -> str:
    """Show a time like the events table does ("YYYY-MM-DD HH:MM", local zone), or a date as "YYYY-MM-DD"."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return format_time(value)


def sharing_status_text(status: Any, consent: Any, policy_version: str | None = None) -> str:
    """Build the one-line status shown at the top of the tray menu."""
    state = consent_state(consent)
    if consent_blocked_by_dnt(consent):
        return QCoreApplication.translate("Status", "Sharing: off because DO_NOT_TRACK is set")
    if state == CONSENT_REFUSED:
        return QCoreApplication.translate("Status", "Sharing: off")
    if state != CONSENT_GRANTED:
        return QCoreApplication.translate("Status", "Sharing: not decided yet")
    if policy_version is not None and str(consent.policy_version) != str(policy_version):
        return QCoreApplication.translate("Status", "Sharing: on hold until you review the new privacy policy")

    paused_until = _as_utc(getattr(status, "paused_until", None))
    if paused_until is not None and paused_until > datetime.now(timezone.utc):
        text = QCoreApplication.translate("Status", "Sharing: paused until %1")
        return text.replace("%1", long_date(paused_until))
    if getattr(status, "endpoint", None) is None:
        return QCoreApplication.translate("Status", "Sharing: on - no collector configured")
    text = QCoreApplication.translate("Status", "Sharing: on - next report %1")
    return text.replace("%1", day_and_date(status.next_submission_due))


def server_deletion_text(status: Any) -> str:
    """Describe the server deletion, naming its installation id when that is a previous one."""
    state = server_deletion_state(status)
    deletion_id = getattr(status, "server_deletion_installation_id", None)
    previous_id = deletion_id if deletion_id not in (None, getattr(status, "installation_id", None)) else None
    if state == DELETION_PENDING and previous_id is not None:
        text = QCoreApplication.translate(
            "Status", "requested for the previous installation id %1, waiting for the server to confirm"
        )
        return text.replace("%1", str(previous_id))
    if state == DELETION_PENDING:
        return QCoreApplication.translate("Status", "requested, waiting for the server to confirm")
    if state == DELETION_CONFIRMED and previous_id is not None:
        text = QCoreApplication.translate("Status", "confirmed by the server for the previous installation id %1")
        return text.replace("%1", str(previous_id))
    if state == DELETION_CONFIRMED:
        return QCoreApplication.translate("Status", "confirmed by the server")
    return QCoreApplication.translate("Status", "none requested")


def outcome_text(outcome: Any) -> str:
    """Describe one `SubmitOutcome` (Sent, RetryLater, Rejected, Skipped) in a sentence."""
    kind = type(outcome).__name__
    if kind == "Sent":
        text = QCoreApplication.translate("Status", "Report sent (submission %1).")
        return text.replace("%1", str(outcome.submission_id))
    if kind == "RetryLater":
        text = QCoreApplication.translate("Status", "The report could not be sent and will be retried later: %1")
        return text.replace("%1", str(outcome.reason))
    if kind == "Rejected":
        text = QCoreApplication.translate("Status", "The server rejected the report (HTTP %1): %2")
        return text.replace("%1", str(outcome.http_status)).replace("%2", str(outcome.message))
    if kind == "Skipped":
        text = QCoreApplication.translate("Status", "No report was sent: %1")
        return text.replace("%1", str(outcome.reason))
    return str(outcome)


def outcomes_text(outcomes: list[Any]) -> str:
    if not outcomes:
        return QCoreApplication.translate("Status", "No report is due.")
    return " ".join(outcome_text(outcome) for outcome in outcomes)
