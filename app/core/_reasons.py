"""Machine-readable forms of the reasons that submission and deletion outcomes give in English.

The CLI and the logs print an outcome's English `reason` (or the `message` of a Rejected or a
DeletionOutcome). The tray translates the outcome instead, from its `detail`: a code below and
the values the English text names. A caller that does not know a code shows the English text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

# RetryLater or DeletionOutcome: a network error or timeout outlasted the retries. Params:
# error_type (the name of the httpx.TransportError subclass) and endpoint (the collector URL).
TRANSPORT_ERROR = "transport_error"
# RetryLater or DeletionOutcome: a 429 or 5xx response outlasted the retries, or its Retry-After
# was too long to wait out. Params: http_status and retry_after_seconds (a float, or None
# without Retry-After).
RETRYABLE_HTTP_STATUS = "retryable_http_status"
# RetryLater: the collector rejected a time as being in its future. Params: field (the
# rejected field, such as "period.end", or None when the response named none).
CLOCK_AHEAD = "clock_ahead"
# Rejected (HTTP 422): the report was built while the clock was ahead, and the clock was set
# back since. Params: response (the collector's response body, verbatim).
BUILT_WHILE_CLOCK_AHEAD = "built_while_clock_ahead"
# Rejected (HTTP 422): the collector rejected the report's period as being in its future, and
# the period also ends after the current time, because the schedule was set while the clock was
# ahead. The next period starts at the current time instead. Params: response (the collector's
# response body, verbatim) and next_period_start (an aware UTC datetime, whole seconds).
PERIOD_AHEAD_OF_CLOCK = "period_ahead_of_clock"
# Skipped: DO_NOT_TRACK is set. No params.
DO_NOT_TRACK = "do_not_track"
# Skipped: the user has not opted in. No params.
NOT_OPTED_IN = "not_opted_in"
# Skipped: the user agreed to an older version of the privacy policy than the current one.
# Params: agreed (a version string, or None when the consent names none) and current.
POLICY_OUTDATED = "policy_outdated"
# Skipped: submission is paused. Params: until (an aware UTC datetime).
PAUSED = "paused"
# Skipped or DeletionOutcome: USAGE_STATS_ENDPOINT is not set. No params.
NO_COLLECTOR = "no_collector"
# Skipped: no report is owed and none waits in the outbox. No params.
NOTHING_DUE = "nothing_due"
# Skipped: a forced send found the open period shorter than one whole second. Params: exactly
# one of wait_seconds (a float in tenths of a second, under 60) and send_at (an aware UTC
# datetime, a minute or more away), the same choice the English text makes.
PERIOD_TOO_SHORT = "period_too_short"
# DeletionOutcome: the collector confirmed the deletion (HTTP 200). No params, because the
# number of reports it deleted is in `deleted_count`.
DELETED = "deleted"
# DeletionOutcome: the collector responded to the deletion request with a status other than 200,
# 429 or 5xx. Params: http_status and response (the collector's response body, the same text as
# `message`).
DELETION_NOT_CONFIRMED = "deletion_not_confirmed"
# DeletionOutcome: no installation id waits for a server deletion, so nothing was requested.
# No params.
NO_DELETION_PENDING = "no_deletion_pending"
# CollectorError of a download: the collector did not respond within the timeout, on every
# attempt. Params: endpoint and timeout_seconds (a float).
TIMED_OUT = "timed_out"
# CollectorError of a download: the collector responded with a status other than 200, 404, 429
# or 5xx, such as 401 for a deletion token it does not accept. Params: endpoint and http_status.
UNEXPECTED_HTTP_STATUS = "unexpected_http_status"
# CollectorError of a download: the collector's response broke the HTTP protocol or could not be
# decoded. Params: endpoint and error_type (the name of the httpx exception).
INVALID_RESPONSE = "invalid_response"

# The codes of submission outcomes (Sent, RetryLater, Rejected, Skipped).
REASON_CODES = (
    TRANSPORT_ERROR,
    RETRYABLE_HTTP_STATUS,
    CLOCK_AHEAD,
    BUILT_WHILE_CLOCK_AHEAD,
    PERIOD_AHEAD_OF_CLOCK,
    DO_NOT_TRACK,
    NOT_OPTED_IN,
    POLICY_OUTDATED,
    PAUSED,
    NO_COLLECTOR,
    NOTHING_DUE,
    PERIOD_TOO_SHORT,
)

# The codes of a DeletionOutcome. Three of them are shared with submission outcomes because
# they mean the same there and carry the same params.
DELETION_REASON_CODES = (
    TRANSPORT_ERROR,
    RETRYABLE_HTTP_STATUS,
    NO_COLLECTOR,
    DELETED,
    DELETION_NOT_CONFIRMED,
    NO_DELETION_PENDING,
)


# The codes of the CollectorError that UsageStats.fetch_server_data() raises. TRANSPORT_ERROR
# there covers the network errors other than a timeout.
DOWNLOAD_REASON_CODES = (
    NO_COLLECTOR,
    TRANSPORT_ERROR,
    TIMED_OUT,
    RETRYABLE_HTTP_STATUS,
    UNEXPECTED_HTTP_STATUS,
    INVALID_RESPONSE,
)


@dataclasses.dataclass(frozen=True)
class ReasonDetail:
    """The code of an outcome's reason and the values its English text names."""

    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False)
