"""Server deletion outcomes in the tray: every code the core sets reads as a German sentence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from PySide6.QtCore import QLocale

from app.core import DeletionOutcome, ReasonDetail, UsageStats, _reasons, privacy_policy
from app.ui.formatting import deletion_outcome_text
from tests.ui.core_stats import START, Clock

ENDPOINT = "http://127.0.0.1:8787"
RETRIED_DE = "Die Löschanfrage wird später erneut gesendet."
DELETED_DE = "Der Statistikserver hat die Daten dieser Installation gelöscht. Gelöschte Berichte: "

# One or more outcomes per code, as the core builds them, and the German text of each. The
# English messages are placeholders, so any English in a result points to a missing translation.
GERMAN_CASES = {
    _reasons.TRANSPORT_ERROR: [
        (
            DeletionOutcome(False, None, "english", detail=ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": "ConnectError", "endpoint": ENDPOINT})),
            f"Der Statistikserver unter {ENDPOINT} war nicht erreichbar. {RETRIED_DE}",
        ),
    ],
    _reasons.RETRYABLE_HTTP_STATUS: [
        (
            DeletionOutcome(False, 502, "english", detail=ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 502, "retry_after_seconds": None})),
            f"Der Statistikserver hat mit HTTP 502 geantwortet. {RETRIED_DE}",
        ),
        (
            DeletionOutcome(False, 429, "english", detail=ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 429, "retry_after_seconds": 600.0})),
            f"Der Statistikserver hat mit HTTP 429 geantwortet und bittet, 600 Sekunden zu warten. {RETRIED_DE}",
        ),
    ],
    _reasons.NO_COLLECTOR: [
        (
            DeletionOutcome(False, None, "english", detail=ReasonDetail(_reasons.NO_COLLECTOR)),
            f"Es ist kein Statistikserver eingerichtet (setzen Sie USAGE_STATS_ENDPOINT). {RETRIED_DE}",
        ),
    ],
    _reasons.DELETED: [
        (DeletionOutcome(True, 200, "english", 2, ReasonDetail(_reasons.DELETED)), f"{DELETED_DE}2."),
        (DeletionOutcome(True, 200, "english", None, ReasonDetail(_reasons.DELETED)), f"{DELETED_DE}?."),
    ],
    _reasons.DELETION_NOT_CONFIRMED: [
        (
            DeletionOutcome(False, 404, "english", detail=ReasonDetail(_reasons.DELETION_NOT_CONFIRMED, {"http_status": 404, "response": "no such route"})),
            f"Der Statistikserver hat mit HTTP 404 geantwortet: no such route. {RETRIED_DE}",
        ),
    ],
    _reasons.NO_DELETION_PENDING: [
        (
            DeletionOutcome(True, None, "english", detail=ReasonDetail(_reasons.NO_DELETION_PENDING)),
            "Beim Statistikserver war nichts mehr zu löschen: Mit dieser Installations-ID wurde nichts gesendet, "
            "oder die Daten dort wurden bereits gelöscht.",
        ),
    ],
}
GERMAN_TABLE = [case for cases in GERMAN_CASES.values() for case in cases]


@pytest.fixture
def german_locale(german) -> Iterator[None]:
    """German translations and German number formats, as on a German system."""
    assert german is not None
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield
    QLocale.setDefault(previous)


@pytest.fixture
def collector():
    """A collector that stores every report and responds to a deletion request with HTTP 404."""

    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(404, text="no such route")
        return httpx.Response(200, json={"status": "ok", "submission_id": "1"})

    return respond


def test_table_covers_every_deletion_code() -> None:
    assert set(GERMAN_CASES) == set(_reasons.DELETION_REASON_CODES)


@pytest.mark.parametrize(("outcome", "expected"), GERMAN_TABLE)
def test_deletion_reads_in_german(german_locale, outcome, expected) -> None:
    text = deletion_outcome_text(outcome)

    assert text == expected
    assert "english" not in text


def test_unknown_code_keeps_english_message(german_locale) -> None:
    outcome = DeletionOutcome(False, 409, "a message from a newer core", detail=ReasonDetail("some_later_code", {"value": 1}))

    assert deletion_outcome_text(outcome) == f"A message from a newer core. {RETRIED_DE}"


def test_missing_detail_keeps_english_message(german_locale) -> None:
    outcome = DeletionOutcome(False, 502, "collector responded with HTTP 502")

    assert deletion_outcome_text(outcome) == f"Collector responded with HTTP 502. {RETRIED_DE}"


def test_missing_detail_confirmed_outcomes(german_locale) -> None:
    nothing_pending = DeletionOutcome(True, None, "no server deletion is pending")
    deleted = DeletionOutcome(True, 200, "deleted", 3)

    assert deletion_outcome_text(nothing_pending) == (
        "Beim Statistikserver war nichts mehr zu löschen: Mit dieser Installations-ID wurde nichts gesendet, "
        "oder die Daten dort wurden bereits gelöscht."
    )
    assert deletion_outcome_text(deleted) == f"{DELETED_DE}3."


def test_params_not_matching_code_keep_english(german_locale) -> None:
    detail = ReasonDetail(_reasons.DELETION_NOT_CONFIRMED, {"status": 404})
    outcome = DeletionOutcome(False, 404, "no such route", detail=detail)

    assert deletion_outcome_text(outcome) == f"No such route. {RETRIED_DE}"


def test_server_response_with_placeholder_kept(german_locale) -> None:
    response = "expected %1 or %2"
    detail = ReasonDetail(_reasons.DELETION_NOT_CONFIRMED, {"http_status": 400, "response": response})

    text = deletion_outcome_text(DeletionOutcome(False, 400, response, detail=detail))

    assert text == f"Der Statistikserver hat mit HTTP 400 geantwortet: {response}. {RETRIED_DE}"


def test_english_without_translation(qapp) -> None:
    detail = ReasonDetail(_reasons.DELETION_NOT_CONFIRMED, {"http_status": 404, "response": "no such route"})

    text = deletion_outcome_text(DeletionOutcome(False, 404, "no such route", detail=detail))

    assert text == (
        "The statistics server responded with HTTP 404: no such route. The deletion request will be sent again later."
    )


def test_core_deletion_reads_in_german(german_locale, stats: UsageStats, clock: Clock, loop) -> None:
    stats.opt_in(privacy_policy().version)
    stats.record("job_created", printer_type="prusa_mk4")
    clock.now = START + timedelta(days=7, minutes=5)
    loop.run_until_complete(stats.submit_due())
    stats.opt_out()

    outcome = loop.run_until_complete(stats.request_server_deletion())

    assert outcome.message == "no such route"
    assert deletion_outcome_text(outcome) == f"Der Statistikserver hat mit HTTP 404 geantwortet: no such route. {RETRIED_DE}"
