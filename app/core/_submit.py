"""Sending to the collector: the httpx client, the stamina retry policy and typed outcomes.

Only retryable failures (network errors, timeouts, 429 and 5xx) go through stamina. A 401 or
another 4xx response is permanent and returned at once, so policy is decided in one place.
The exception is a 422 for a time in the collector's future: it returns RetryLater without a
retry, because only a later attempt, after the clocks agree, can succeed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import logging
from typing import Union

import httpx
import stamina

from app.core import _reasons
from app.core._reasons import ReasonDetail

logger = logging.getLogger("app.core")

MAX_RETRY_AFTER_SECONDS = 120
# A Retry-After beyond a year is read as a year, so that a header of hundreds of digits is not infinite.
RETRY_AFTER_CEILING_SECONDS = 365 * 24 * 3600
RETRY_WAIT_INITIAL_SECONDS = 1.0
RETRY_WAIT_MAX_SECONDS = 60.0
MAX_RESPONSE_BYTES_KEPT = 4096
# Rule code of a collector's 422 for a time more than a day in its future. Such a report is
# fine, but this computer's clock is or was ahead, so it is kept and sent again later. The
# service ends it as rejected instead when the clock was set back since the report was built.
TIME_IN_FUTURE_CODE = "time_in_future"
# The report fields that carry its period.
PERIOD_FIELDS = ("period.start", "period.end")
# A collector released before the rule codes sends none, so its 422 on these fields counts as
# the future-time rule.
# NOTE: such a collector also rejects period.end without a code for a period that is empty or
# longer than 31 days, and that report is then kept and retried as well.
CLOCK_CHECKED_FIELDS_WITHOUT_CODE = PERIOD_FIELDS


@dataclasses.dataclass(frozen=True)
class Sent:
    """The collector stored the report (HTTP 200)."""

    report_id: str
    submission_id: str | None
    http_status: int
    response_body: str = dataclasses.field(default="", repr=False, compare=False)


@dataclasses.dataclass(frozen=True)
class RetryLater:
    """A retryable failure outlasted the retries; the report stays in the outbox."""

    reason: str
    retry_after_seconds: float | None = None
    report_id: str | None = dataclasses.field(default=None, compare=False)
    # The collector's response body when it rejected a time in its future, else None.
    time_in_future_response: str | None = dataclasses.field(default=None, compare=False, repr=False)
    # The field that the collector named when it rejected a time in its future, else None.
    future_field: str | None = dataclasses.field(default=None, compare=False)
    # The reason as a code and params, for a caller that translates it.
    detail: ReasonDetail | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class Rejected:
    """The collector responded with a permanent error (401 or another 4xx)."""

    http_status: int
    message: str
    # Set only when the client wrote `message` around the collector's response body, else None.
    detail: ReasonDetail | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class Skipped:
    """Nothing was sent, and why (no consent, paused, no collector configured, nothing owed)."""

    reason: str
    # The reason as a code and params, for a caller that translates it.
    detail: ReasonDetail | None = dataclasses.field(default=None, compare=False)


SubmitOutcome = Union[Sent, RetryLater, Rejected, Skipped]


@dataclasses.dataclass(frozen=True)
class DeletionOutcome:
    """The result of asking the collector to delete this installation's data."""

    confirmed: bool
    http_status: int | None
    message: str
    deleted_count: int | None = None
    # The message as a code and params, for a caller that translates it.
    detail: ReasonDetail | None = dataclasses.field(default=None, compare=False)


class RetryableResponse(Exception):
    """A 429 or 5xx response: stamina retries it, honouring Retry-After when the server sent one."""

    def __init__(self, response: httpx.Response, retry_after_seconds: float | None) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after_seconds = retry_after_seconds


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Return the delay in seconds of a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_CEILING_SECONDS)

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return min(max(0.0, (when - now).total_seconds()), RETRY_AFTER_CEILING_SECONDS)


def backoff_for(error: Exception) -> bool | float:
    """Decide whether stamina retries `error`, and how long to wait when the server sent Retry-After.

    A Retry-After above MAX_RETRY_AFTER_SECONDS is not waited out inside one submission: the
    error ends the attempt and becomes RetryLater carrying the server's delay.
    """
    if isinstance(error, httpx.TransportError):
        return True
    if not isinstance(error, RetryableResponse):
        return False

    delay = error.retry_after_seconds
    if delay is None:
        return True
    if delay > MAX_RETRY_AFTER_SECONDS:
        return False
    return delay


def response_text(response: httpx.Response) -> str:
    return response.content[:MAX_RESPONSE_BYTES_KEPT].decode("utf-8", errors="replace")


class CollectorClient:
    """A client for one collector, with the configured timeout and retry count."""

    def __init__(
        self,
        endpoint: str,
        *,
        api_key: str | None,
        timeout_seconds: float,
        retry_count: int,
        transport: httpx.AsyncBaseTransport | None = None,
        clock=None,  # noqa: ANN001 - a Clock; kept untyped to avoid importing the clock module twice
    ) -> None:
        self.endpoint = endpoint
        self._api_key = api_key
        self._timeout_seconds = timeout_seconds
        self._retry_count = retry_count
        self._transport = transport
        self._clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))

    def __repr__(self) -> str:
        return f"CollectorClient(endpoint={self.endpoint!r}, api_key={'***' if self._api_key else None})"

    async def request(self, method: str, path: str, *, content: bytes | None = None, headers: dict[str, str]) -> httpx.Response:
        """Send one request, retrying retryable failures; raise the last one when retries run out."""
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout_seconds) as client:
            async for attempt in stamina.retry_context(
                on=backoff_for,
                attempts=self._retry_count + 1,
                timeout=None,
                wait_initial=RETRY_WAIT_INITIAL_SECONDS,
                wait_max=RETRY_WAIT_MAX_SECONDS,
            ):
                with attempt:
                    response = await client.request(method, self.endpoint + path, content=content, headers=headers)
                    if response.status_code == 429 or response.status_code >= 500:
                        retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
                        logger.debug("Collector responded to %s %s with HTTP %d.", method, path, response.status_code)
                        raise RetryableResponse(response, retry_after)
        return response

    async def submit(self, report_id: str, body: bytes) -> SubmitOutcome:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["X-API-Key"] = self._api_key

        try:
            response = await self.request("POST", "/submit", content=body, headers=headers)
        except RetryableResponse as error:
            reason = f"collector responded with HTTP {error.response.status_code}"
            detail = ReasonDetail(
                _reasons.RETRYABLE_HTTP_STATUS,
                {"http_status": error.response.status_code, "retry_after_seconds": error.retry_after_seconds},
            )
            return RetryLater(reason, error.retry_after_seconds, report_id=report_id, detail=detail)
        except httpx.TransportError as error:
            error_type = type(error).__name__
            detail = ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": error_type, "endpoint": self.endpoint})
            return RetryLater(f"{error_type} while sending to {self.endpoint}", report_id=report_id, detail=detail)

        if response.status_code == 200:
            return Sent(report_id, _submission_id(response), 200, response_text(response))
        if response.status_code == 422 and is_time_in_future(response):
            field = _json_field(response, "field")
            field = str(field) if field else None
            reason = (
                f"the collector rejected {field or 'a time'} as being in the future, so this computer's clock is probably "
                "ahead of the collector's, or was when that time was recorded. Check the system clock. If it is "
                "right, the report is sent once that time is at most one day ahead of the collector's clock"
            )
            detail = ReasonDetail(_reasons.CLOCK_AHEAD, {"field": field})
            return RetryLater(
                reason,
                report_id=report_id,
                time_in_future_response=response_text(response),
                future_field=field,
                detail=detail,
            )
        return Rejected(response.status_code, response_text(response))

    async def delete_installation(self, installation_id: str, deletion_token: str) -> DeletionOutcome:
        headers = {"Authorization": f"Bearer {deletion_token}"}
        try:
            response = await self.request("DELETE", f"/installation/{installation_id}", headers=headers)
        except RetryableResponse as error:
            status = error.response.status_code
            detail = ReasonDetail(
                _reasons.RETRYABLE_HTTP_STATUS, {"http_status": status, "retry_after_seconds": error.retry_after_seconds}
            )
            return DeletionOutcome(False, status, f"collector responded with HTTP {status}", detail=detail)
        except httpx.TransportError as error:
            error_type = type(error).__name__
            detail = ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": error_type, "endpoint": self.endpoint})
            return DeletionOutcome(False, None, f"{error_type} while contacting {self.endpoint}", detail=detail)

        # Only 200 confirms: the collector returns 200 with "deleted": 0 for an id it never saw,
        # so a 404 means a wrong URL, and taking it as done could leave data undeleted.
        if response.status_code == 200:
            return DeletionOutcome(True, 200, "deleted", _deleted_count(response), ReasonDetail(_reasons.DELETED))
        text = response_text(response)
        detail = ReasonDetail(_reasons.DELETION_NOT_CONFIRMED, {"http_status": response.status_code, "response": text})
        return DeletionOutcome(False, response.status_code, text, detail=detail)

    async def fetch_installation(self, installation_id: str, deletion_token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {deletion_token}", "Accept": "application/json"}
        return await self.request("GET", f"/installation/{installation_id}", headers=headers)


def is_time_in_future(response: httpx.Response) -> bool:
    """Return whether a 422 response rejects a time in the collector's future.

    The rule code decides whenever the response has one. Without a code, a rejected
    period.start or period.end counts as such a time.
    """
    code = _json_field(response, "code")
    if code is not None:
        return code == TIME_IN_FUTURE_CODE
    return _json_field(response, "field") in CLOCK_CHECKED_FIELDS_WITHOUT_CODE


def _json_field(response: httpx.Response, name: str) -> object:
    try:
        data = response.json()
    except ValueError:
        return None
    return data.get(name) if isinstance(data, dict) else None


def _submission_id(response: httpx.Response) -> str | None:
    value = _json_field(response, "submission_id")
    return None if value is None else str(value)


def _deleted_count(response: httpx.Response) -> int | None:
    value = _json_field(response, "deleted")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
