"""Submission outcomes in the tray: every reason code the core sets reads as a German sentence."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from PySide6.QtCore import QLocale

from app.core import ReasonDetail, Rejected, RetryLater, Sent, Skipped, UsageStats, _reasons, privacy_policy
from app.ui.formatting import outcome_text
from app.ui.i18n import install_translator
from tests.ui.core_stats import START, Clock

ENDPOINT = "http://127.0.0.1:8787"
SERVER_RESPONSE = '{"field": "period.end", "code": "time_in_future"}'
CLOCK_CHECK_DE = (
    "Die Uhr dieses Computers geht also wahrscheinlich gegenüber der des Servers vor, oder sie ging vor, als diese "
    "Zeit erfasst wurde. Bitte prüfen Sie die Systemuhr. Geht sie richtig, wird der Bericht gesendet, sobald diese "
    "Zeit höchstens einen Tag vor der Uhr des Servers liegt."
)
RETRIED_DE = "Der Bericht konnte nicht gesendet werden und wird später erneut versucht: "
NOT_SENT_DE = "Es wurde kein Bericht gesendet: "
TOO_SHORT_DE = "ein Bericht umfasst mindestens eine volle Sekunde, und der aktuelle Zeitraum ist noch nicht so lang. "

# One or more outcomes per reason code, as the core builds them, and the German text of each.
# The English reasons are placeholders, so any English in a result points to a missing translation.
GERMAN_CASES = {
    _reasons.TRANSPORT_ERROR: [
        (
            RetryLater("english", detail=ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": "ConnectError", "endpoint": ENDPOINT})),
            "Der Statistikserver war nicht erreichbar. Der Bericht bleibt gespeichert und wird automatisch erneut "
            "gesendet. Entweder hat dieser Computer keine Netzwerkverbindung oder der Server ist ausgefallen.",
        ),
    ],
    _reasons.RETRYABLE_HTTP_STATUS: [
        (
            RetryLater("english", detail=ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 502, "retry_after_seconds": None})),
            f"{RETRIED_DE}der Statistikserver hat mit HTTP 502 geantwortet",
        ),
        (
            RetryLater("english", 1.0, detail=ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 429, "retry_after_seconds": 1.0})),
            f"{RETRIED_DE}der Statistikserver hat mit HTTP 429 geantwortet und bittet, 1 Sekunde zu warten",
        ),
        (
            RetryLater("english", 3599.2, detail=ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 503, "retry_after_seconds": 3599.2})),
            f"{RETRIED_DE}der Statistikserver hat mit HTTP 503 geantwortet und bittet, 3600 Sekunden zu warten",
        ),
    ],
    _reasons.CLOCK_AHEAD: [
        (
            RetryLater("english", detail=ReasonDetail(_reasons.CLOCK_AHEAD, {"field": "period.end"})),
            f"{RETRIED_DE}der Statistikserver hat die Zeit in period.end abgelehnt, weil sie in der Zukunft liegt. {CLOCK_CHECK_DE}",
        ),
        (
            RetryLater("english", detail=ReasonDetail(_reasons.CLOCK_AHEAD, {"field": None})),
            f"{RETRIED_DE}der Statistikserver hat eine Zeitangabe im Bericht abgelehnt, weil sie in der Zukunft liegt. {CLOCK_CHECK_DE}",
        ),
    ],
    _reasons.BUILT_WHILE_CLOCK_AHEAD: [
        (
            Rejected(422, "english", ReasonDetail(_reasons.BUILT_WHILE_CLOCK_AHEAD, {"response": SERVER_RESPONSE})),
            "Der Server hat den Bericht abgelehnt (HTTP 422): der Bericht wurde erstellt, als die Uhr dieses Computers "
            "vorging, und die Uhr wurde seitdem zurückgestellt. Der Server lehnt seine Zeitangaben daher als in der "
            f"Zukunft liegend ab, und der Bericht wird nicht erneut gesendet. Antwort des Servers: {SERVER_RESPONSE}",
        ),
    ],
    _reasons.PERIOD_AHEAD_OF_CLOCK: [
        (
            Rejected(
                422,
                "english",
                ReasonDetail(
                    _reasons.PERIOD_AHEAD_OF_CLOCK,
                    {"response": SERVER_RESPONSE, "next_period_start": datetime(2026, 3, 9, 10, 0, tzinfo=timezone.utc)},
                ),
            ),
            "Der Server hat den Bericht abgelehnt (HTTP 422): der Zeitraum des Berichts wurde festgelegt, als die Uhr "
            "dieses Computers vorging, und endet nach der aktuellen Zeit. Der Server lehnt ihn daher als in der Zukunft "
            "liegend ab, und der Bericht wird nicht erneut gesendet. Der nächste Zeitraum beginnt am 2026-03-09 "
            f"10:00:00. Antwort des Servers: {SERVER_RESPONSE}",
        ),
    ],
    _reasons.DO_NOT_TRACK: [
        (
            Skipped("english", ReasonDetail(_reasons.DO_NOT_TRACK)),
            f"{NOT_SENT_DE}DO_NOT_TRACK ist gesetzt, daher ist die Nutzungsstatistik aus",
        ),
    ],
    _reasons.NOT_OPTED_IN: [
        (
            Skipped("english", ReasonDetail(_reasons.NOT_OPTED_IN)),
            f"{NOT_SENT_DE}Sie haben dem Teilen der Nutzungsstatistik nicht zugestimmt",
        ),
    ],
    _reasons.POLICY_OUTDATED: [
        (
            Skipped("english", ReasonDetail(_reasons.POLICY_OUTDATED, {"agreed": "2", "current": "3"})),
            f"{NOT_SENT_DE}Sie haben Version 2 der Datenschutzerklärung zugestimmt, aktuell ist aber Version 3. "
            "Bis Sie ihr zustimmen, wird nichts gesendet",
        ),
    ],
    _reasons.PAUSED: [
        (
            Skipped("english", ReasonDetail(_reasons.PAUSED, {"until": datetime(2026, 3, 9, 9, 30, tzinfo=timezone.utc)})),
            f"{NOT_SENT_DE}das Teilen ist bis 2026-03-09 09:30 pausiert",
        ),
    ],
    _reasons.NO_COLLECTOR: [
        (
            Skipped("english", ReasonDetail(_reasons.NO_COLLECTOR)),
            f"{NOT_SENT_DE}es ist kein Statistikserver eingerichtet (setzen Sie USAGE_STATS_ENDPOINT)",
        ),
    ],
    _reasons.NOTHING_DUE: [
        (
            Skipped("english", ReasonDetail(_reasons.NOTHING_DUE)),
            f"{NOT_SENT_DE}es ist kein Bericht fällig",
        ),
    ],
    _reasons.PERIOD_TOO_SHORT: [
        (
            Skipped("english", ReasonDetail(_reasons.PERIOD_TOO_SHORT, {"wait_seconds": 0.7})),
            f"{NOT_SENT_DE}{TOO_SHORT_DE}Senden Sie in 0,7 Sekunden erneut.",
        ),
        (
            Skipped("english", ReasonDetail(_reasons.PERIOD_TOO_SHORT, {"send_at": datetime(2026, 3, 2, 9, 0, 1, tzinfo=timezone.utc)})),
            f"{NOT_SENT_DE}{TOO_SHORT_DE}Senden Sie ab 2026-03-02 09:00:01 erneut.",
        ),
    ],
}
GERMAN_TABLE = [case for cases in GERMAN_CASES.values() for case in cases]


def _set_locale(language: QLocale.Language, country: QLocale.Country) -> Iterator[None]:
    previous = QLocale()
    QLocale.setDefault(QLocale(language, country))
    yield
    QLocale.setDefault(previous)


@pytest.fixture(autouse=True)
def utc_zone(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def german_locale(german) -> Iterator[None]:
    """German translations and German number formats, as on a German system."""
    assert german is not None
    yield from _set_locale(QLocale.Language.German, QLocale.Country.Germany)


@pytest.fixture
def english_locale(qapp) -> Iterator[None]:
    """The English translation, which contains the plural forms, as the tray installs it on an English system."""
    locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    translator = install_translator(qapp, locale)
    assert translator is not None
    yield from _set_locale(QLocale.Language.English, QLocale.Country.UnitedStates)
    qapp.removeTranslator(translator)
    if translator.qt_base is not None:
        qapp.removeTranslator(translator.qt_base)


@pytest.fixture
def collector():
    """A collector that rejects period.end of every report as being in its future."""

    def respond(request: httpx.Request) -> httpx.Response:
        body = {"field": "period.end", "code": "time_in_future", "detail": "must not be more than 1 day in the future"}
        return httpx.Response(422, json=body)

    return respond


def test_table_covers_every_reason_code() -> None:
    assert set(GERMAN_CASES) == set(_reasons.REASON_CODES)


@pytest.mark.parametrize(("outcome", "expected"), GERMAN_TABLE)
def test_reason_reads_in_german(german_locale, outcome, expected) -> None:
    text = outcome_text(outcome)

    assert text == expected
    assert "english" not in text


def test_unknown_code_keeps_english_reason(german_locale) -> None:
    outcome = Skipped("a reason from a newer core", ReasonDetail("some_later_code", {"value": 1}))

    assert outcome_text(outcome) == "Es wurde kein Bericht gesendet: a reason from a newer core"


def test_missing_detail_keeps_english_reason(german_locale) -> None:
    retry = RetryLater("collector responded with HTTP 502")
    rejected = Rejected(400, "period.end is required")

    assert outcome_text(retry) == f"{RETRIED_DE}collector responded with HTTP 502"
    assert outcome_text(rejected) == "Der Server hat den Bericht abgelehnt (HTTP 400): period.end is required"


def test_params_not_matching_code_keep_english(german_locale) -> None:
    outcome = Skipped("submission is paused until later", ReasonDetail(_reasons.PAUSED, {"resume": "later"}))

    assert outcome_text(outcome) == "Es wurde kein Bericht gesendet: submission is paused until later"


def test_server_text_with_placeholder_kept(german_locale) -> None:
    response = "expected %1 or %2"
    outcome = Rejected(422, "english", ReasonDetail(_reasons.BUILT_WHILE_CLOCK_AHEAD, {"response": response}))

    assert outcome_text(outcome).endswith(f"Antwort des Servers: {response}")


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (1.0, "the statistics server responded with HTTP 429 and requested a wait of 1 second"),
        (90.0, "the statistics server responded with HTTP 429 and requested a wait of 90 seconds"),
    ],
)
def test_english_retry_wait_plural(english_locale, seconds, expected) -> None:
    detail = ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 429, "retry_after_seconds": seconds})

    text = outcome_text(RetryLater("english", seconds, detail=detail))

    assert text == f"The report could not be sent and will be retried later: {expected}"


def test_english_forced_send_wait(english_locale) -> None:
    outcome = Skipped("english", ReasonDetail(_reasons.PERIOD_TOO_SHORT, {"wait_seconds": 0.1}))

    assert outcome_text(outcome) == (
        "No report was sent: a report covers at least one whole second, and the current period is not that long "
        "yet. Send again in 0.1 seconds."
    )


@pytest.mark.parametrize(
    ("submission_id", "expected"),
    [
        ("4711", "Bericht gesendet (Empfangsnummer des Servers: 4711)."),
        (None, "Bericht gesendet."),
        ("", "Bericht gesendet."),
    ],
)
def test_sent_names_server_receipt(german_locale, submission_id, expected) -> None:
    assert outcome_text(Sent("r1", submission_id, 200)) == expected


def test_core_outcomes_read_in_german(german_locale, stats: UsageStats, clock: Clock, loop) -> None:
    before_opt_in = loop.run_until_complete(stats.submit_due(force=True))
    stats.opt_in(privacy_policy().version)
    stats.record("job_created", printer_type="prusa_mk4")
    clock.now = START + timedelta(days=7, minutes=5)

    clock_ahead = loop.run_until_complete(stats.submit_due())

    assert [outcome_text(outcome) for outcome in before_opt_in] == [
        f"{NOT_SENT_DE}Sie haben dem Teilen der Nutzungsstatistik nicht zugestimmt"
    ]
    assert [outcome_text(outcome) for outcome in clock_ahead] == [
        f"{RETRIED_DE}der Statistikserver hat die Zeit in period.end abgelehnt, weil sie in der Zukunft liegt. {CLOCK_CHECK_DE}"
    ]


UNREACHABLE = RetryLater(
    "ConnectError while sending to http://127.0.0.1:8787",
    detail=ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": "ConnectError", "endpoint": ENDPOINT}),
)
BUSY = RetryLater(
    "collector responded with HTTP 503",
    detail=ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 503, "retry_after_seconds": None}),
)


def test_unreachable_names_next_attempt(english_locale) -> None:
    today = datetime.now(timezone.utc).replace(hour=14, minute=5, second=0, microsecond=0)
    later_day = datetime(2026, 3, 9, 8, 30, tzinfo=timezone.utc)

    assert outcome_text(UNREACHABLE, today) == (
        "The statistics server could not be reached. The report is kept and sent again automatically "
        "(next attempt: 14:05). Either this computer is offline or the server is down."
    )
    assert outcome_text(UNREACHABLE, later_day) == (
        "The statistics server could not be reached. The report is kept and sent again automatically "
        "(next attempt: 2026-03-09 08:30). Either this computer is offline or the server is down."
    )


def test_german_unreachable_names_next_attempt(german_locale) -> None:
    today = datetime.now(timezone.utc).replace(hour=9, minute=45, second=0, microsecond=0)

    assert outcome_text(UNREACHABLE, today) == (
        "Der Statistikserver war nicht erreichbar. Der Bericht bleibt gespeichert und wird automatisch erneut "
        "gesendet (nächster Versuch: 09:45). Entweder hat dieser Computer keine Netzwerkverbindung oder der Server ist ausgefallen."
    )
    assert "ConnectError" not in outcome_text(UNREACHABLE)


def test_http_retry_names_next_attempt(german_locale) -> None:
    today = datetime.now(timezone.utc).replace(hour=9, minute=45, second=0, microsecond=0)

    assert outcome_text(BUSY, today) == (
        f"{RETRIED_DE}der Statistikserver hat mit HTTP 503 geantwortet. Nächster Versuch: 09:45."
    )
