"""Turn facade values into the short texts the tray menu and the stats window show."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QObject

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
    """Name the local day and date of `value` as the locale writes them, e.g. "Fri 11 Dec" or "Fr., 11. Dez."."""
    moment = _as_utc(value)
    if moment is None:
        return "-"
    local = moment.astimezone()
    # German writes a comma after the day name and the day of the month as an ordinal: "Sa., 12. Dez.".
    pattern = "ddd, d. MMM" if QLocale().language() == QLocale.Language.German else "ddd d MMM"
    return QLocale().toString(QDate(local.year, local.month, local.day), pattern)


def long_date(value: datetime | date | str | None) -> str:
    """Show a time like the events table does ("YYYY-MM-DD HH:MM", local zone), or a date as "YYYY-MM-DD"."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return format_time(value)


def pause_end(status: Any) -> datetime | None:
    """Return when a pause of submission ends, or None when sending is not paused."""
    paused_until = _as_utc(getattr(status, "paused_until", None))
    if paused_until is None or paused_until <= datetime.now(timezone.utc):
        return None
    return paused_until


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

    paused_until = pause_end(status)
    if paused_until is not None:
        text = QCoreApplication.translate("Status", "Sharing: paused until %1")
        return text.replace("%1", day_and_date(paused_until))
    if getattr(status, "endpoint", None) is None:
        return QCoreApplication.translate("Status", "Sharing: on – no statistics server configured")
    waiting = int(getattr(status, "pending_reports", 0) or 0)
    if waiting > 0:
        # Reports wait only after a failed send, so this line shows the problem in the tray too.
        return StatusCounts().waiting_reports_text(waiting)
    text = QCoreApplication.translate("Status", "Sharing: on – next report %1")
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


class StatusCounts(QObject):
    """Status texts with a count in them, translated with Qt's plural forms.

    They use tr() with the count because lupdate from PySide6 6.11 marks a message as plural only
    there, and not in QCoreApplication.translate() with a count held in a variable.
    """

    def retry_wait_text(self, seconds: int) -> str:
        return self.tr("the statistics server responded with HTTP %1 and requested a wait of %n second(s)", "", seconds)

    def waiting_reports_text(self, count: int) -> str:
        return self.tr("Sharing: on – %n report(s) waiting to be sent", "", count)


def html_list(title: str, items: list[Any]) -> str:
    """Format `items` as a bulleted HTML list under a heading, escaping every text."""
    entries = "".join(f"<li>{html.escape(str(item))}</li>" for item in items)
    return f"<h3>{html.escape(title)}</h3><ul>{entries}</ul>"


def fill(text: str, *values: object) -> str:
    """Replace %1, %2, ... in a translated `text` in one pass, so a value that contains "%2" stays as it is."""
    return re.sub(r"%([1-9])", lambda match: str(values[int(match.group(1)) - 1]), text)


def _time_with_seconds(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _transport_error_text(params: Mapping[str, Any]) -> str:
    # The exception name (params["error_type"]) is for the log, which the core and the scheduler write.
    text = QCoreApplication.translate("Status", "the statistics server at %1 could not be reached")
    return fill(text, params["endpoint"])


def _retryable_status_text(params: Mapping[str, Any]) -> str:
    retry_after = params["retry_after_seconds"]
    if retry_after is None:
        text = QCoreApplication.translate("Status", "the statistics server responded with HTTP %1")
        return fill(text, params["http_status"])
    # Rounded up, so the wait shown is never shorter than the one the server requested.
    text = StatusCounts().retry_wait_text(math.ceil(retry_after))
    return fill(text, params["http_status"])


def _clock_ahead_text(params: Mapping[str, Any]) -> str:
    field = params["field"]
    if field is None:
        return QCoreApplication.translate(
            "Status",
            "the statistics server rejected a time in the report as being in the future, so this computer's clock is "
            "probably ahead of the server's, or was when that time was recorded. Check the system clock. If it is "
            "right, the report is sent once that time is at most one day ahead of the server's clock.",
        )
    text = QCoreApplication.translate(
        "Status",
        "the statistics server rejected %1 as being in the future, so this computer's clock is probably ahead of "
        "the server's, or was when that time was recorded. Check the system clock. If it is right, the report is "
        "sent once that time is at most one day ahead of the server's clock.",
    )
    return fill(text, field)


def _built_while_clock_ahead_text(params: Mapping[str, Any]) -> str:
    text = QCoreApplication.translate(
        "Status",
        "the report was built while this computer's clock was ahead, and the clock has been set back since, so the "
        "server rejects its times as being in the future and the report is not sent again. Server response: %1",
    )
    return fill(text, params["response"])


def _period_ahead_of_clock_text(params: Mapping[str, Any]) -> str:
    text = QCoreApplication.translate(
        "Status",
        "the report's period was scheduled while this computer's clock was ahead and ends after the current time, "
        "so the server rejects it as being in the future and the report is not sent again. The next period starts "
        "at %1. Server response: %2",
    )
    return fill(text, _time_with_seconds(_as_utc(params["next_period_start"])), params["response"])


def _deletion_not_confirmed_text(params: Mapping[str, Any]) -> str:
    text = QCoreApplication.translate("Status", "the statistics server responded with HTTP %1: %2")
    return fill(text, params["http_status"], params["response"])


def _paused_text(params: Mapping[str, Any]) -> str:
    text = QCoreApplication.translate("Status", "sharing is paused until %1")
    return fill(text, long_date(params["until"]))


def _period_too_short_text(params: Mapping[str, Any]) -> str:
    if "send_at" in params:
        text = QCoreApplication.translate(
            "Status",
            "a report covers at least one whole second, and the current period is not that long yet. "
            "Send again at %1 or later.",
        )
        return fill(text, _time_with_seconds(_as_utc(params["send_at"])))
    # A wait in tenths of a second takes the plural in English and German, even at 1.0.
    text = QCoreApplication.translate(
        "Status",
        "a report covers at least one whole second, and the current period is not that long yet. "
        "Send again in %1 seconds.",
    )
    return fill(text, QLocale().toString(float(params["wait_seconds"]), "f", 1))


# Keyed by the codes in app/core/_reasons.py. tests/ui/test_outcome_reasons.py and
# tests/ui/test_deletion_reasons.py render each code the core defines, so a code missing here fails
# there instead of showing English in German text.
_REASON_TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "transport_error": _transport_error_text,
    "retryable_http_status": _retryable_status_text,
    "clock_ahead": _clock_ahead_text,
    "built_while_clock_ahead": _built_while_clock_ahead_text,
    "period_ahead_of_clock": _period_ahead_of_clock_text,
    "deletion_not_confirmed": _deletion_not_confirmed_text,
    "paused": _paused_text,
    "period_too_short": _period_too_short_text,
    "do_not_track": lambda _params: QCoreApplication.translate(
        "Status", "DO_NOT_TRACK is set, so usage statistics are off"
    ),
    "not_opted_in": lambda _params: QCoreApplication.translate(
        "Status", "you have not agreed to share usage statistics"
    ),
    "policy_outdated": lambda params: fill(
        QCoreApplication.translate(
            "Status", "you agreed to version %1 of the privacy policy, but version %2 is current. Nothing is sent "
            "until you agree to it"
        ),
        params["agreed"],
        params["current"],
    ),
    "no_collector": lambda _params: QCoreApplication.translate(
        "Status", "no statistics server is configured (set USAGE_STATS_ENDPOINT)"
    ),
    "nothing_due": lambda _params: QCoreApplication.translate("Status", "no report is due"),
}


def reason_text(outcome: Any, english: str) -> str:
    """Translate the reason of `outcome` from its `detail`, or return `english` for a missing or unknown code."""
    detail = getattr(outcome, "detail", None)
    describe = _REASON_TEXTS.get(getattr(detail, "code", None))
    if describe is None:
        return english
    try:
        return describe(detail.params)
    except (AttributeError, KeyError, TypeError, ValueError):
        # Params that do not match the code, as from a newer core, are shown in English.
        return english


def attempt_time(value: datetime) -> str:
    """Show a coming time in the local zone as "HH:MM" when it is today, else as "YYYY-MM-DD HH:MM"."""
    local = value.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _retry_later_text(outcome: Any, next_attempt: datetime | None) -> str:
    """Describe a report that stays queued; a network failure gets a plain sentence and no exception name."""
    if getattr(getattr(outcome, "detail", None), "code", None) == "transport_error":
        if next_attempt is None:
            return QCoreApplication.translate(
                "Status",
                "The statistics server could not be reached. The report is kept and sent again automatically. "
                "Either this computer is offline or the server is down.",
            )
        text = QCoreApplication.translate(
            "Status",
            "The statistics server could not be reached. The report is kept and sent again automatically "
            "(next attempt: %1). Either this computer is offline or the server is down.",
        )
        return fill(text, attempt_time(next_attempt))

    text = fill(
        QCoreApplication.translate("Status", "The report could not be sent and will be retried later: %1"),
        reason_text(outcome, str(outcome.reason)),
    )
    if next_attempt is None:
        return text
    next_text = fill(QCoreApplication.translate("Status", "Next attempt: %1."), attempt_time(next_attempt))
    return f"{text} {next_text}" if text.endswith(".") else f"{text}. {next_text}"


def outcome_text(outcome: Any, next_attempt: datetime | None = None) -> str:
    """Describe one `SubmitOutcome` (Sent, RetryLater, Rejected, Skipped) in a sentence.

    `next_attempt` is when the scheduler checks again, or None when it is not running.
    """
    kind = type(outcome).__name__
    if kind == "Sent":
        # The number counts reports across every installation, so the text calls it a receipt, not a count.
        if outcome.submission_id in (None, ""):
            return QCoreApplication.translate("Status", "Report sent.")
        return fill(QCoreApplication.translate("Status", "Report sent (server receipt %1)."), outcome.submission_id)
    if kind == "RetryLater":
        return _retry_later_text(outcome, next_attempt)
    if kind == "Rejected":
        text = QCoreApplication.translate("Status", "The server rejected the report (HTTP %1): %2")
        return fill(text, outcome.http_status, reason_text(outcome, str(outcome.message)))
    if kind == "Skipped":
        text = QCoreApplication.translate("Status", "No report was sent: %1")
        return fill(text, reason_text(outcome, str(outcome.reason)))
    return str(outcome)


def outcomes_text(outcomes: list[Any], next_attempt: datetime | None = None) -> str:
    if not outcomes:
        return QCoreApplication.translate("Status", "No report is due.")
    return " ".join(outcome_text(outcome, next_attempt) for outcome in outcomes)


def deletion_outcome_text(outcome: Any) -> str:
    """Describe one `DeletionOutcome` in a sentence, translating its message from its `detail`."""
    code = getattr(getattr(outcome, "detail", None), "code", None)
    confirmed = bool(getattr(outcome, "confirmed", False))
    # Without a detail, a confirmed outcome with no HTTP status is one where no request was needed.
    nothing_pending = code is None and confirmed and getattr(outcome, "http_status", None) is None
    if code == "no_deletion_pending" or nothing_pending:
        return QCoreApplication.translate(
            "Status",
            "Nothing was left to delete at the statistics server: nothing was sent with this installation id, "
            "or its data there was deleted already.",
        )

    if confirmed:
        count = getattr(outcome, "deleted_count", None)
        text = QCoreApplication.translate(
            "Status", "The statistics server deleted the data of this installation. Reports deleted: %1."
        )
        return fill(text, "?" if count is None else count)

    text = QCoreApplication.translate("Status", "%1 The deletion request will be sent again later.")
    return fill(text, as_sentence(reason_text(outcome, str(getattr(outcome, "message", outcome)))))


def as_sentence(text: str) -> str:
    """Capitalize the first letter of a reason and end it with a full stop, so it can follow another sentence."""
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."
