"""A failed download or export reads as a German sentence chosen by the kind of failure."""

from __future__ import annotations

import datetime as dt
import errno
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QLocale

from app.core import CollectorError, ReasonDetail, _reasons, privacy_policy
from app.ui.application import TrayApplication
from app.ui.failures import download_error_text, file_error_text
from tests.ui.core_stats import ENDPOINT, START, Clock, open_stats, run_download

FAILED_DE = "Das Herunterladen ist fehlgeschlagen."
LATER_DE = "Versuchen Sie es später erneut."

# One or more errors per code, as the core raises them, and the German text of each. The English
# messages are placeholders, so any English in a result points to a missing translation.
GERMAN_CASES = {
    _reasons.NO_COLLECTOR: [
        (
            CollectorError("english", ReasonDetail(_reasons.NO_COLLECTOR)),
            f"{FAILED_DE} Es ist kein Statistikserver eingerichtet (setzen Sie USAGE_STATS_ENDPOINT).",
        ),
    ],
    _reasons.TRANSPORT_ERROR: [
        (
            CollectorError("english", ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": "ConnectError", "endpoint": ENDPOINT})),
            f"{FAILED_DE} Der Statistikserver unter {ENDPOINT} war nicht erreichbar. Entweder hat dieser Computer keine "
            f"Netzwerkverbindung oder der Server ist ausgefallen. {LATER_DE}",
        ),
    ],
    _reasons.TIMED_OUT: [
        (
            CollectorError("english", ReasonDetail(_reasons.TIMED_OUT, {"endpoint": ENDPOINT, "timeout_seconds": 30.0})),
            f"{FAILED_DE} Der Statistikserver unter {ENDPOINT} hat nicht innerhalb von 30 Sekunden geantwortet. {LATER_DE}",
        ),
        (
            CollectorError("english", ReasonDetail(_reasons.TIMED_OUT, {"endpoint": ENDPOINT, "timeout_seconds": 2.5})),
            f"{FAILED_DE} Der Statistikserver unter {ENDPOINT} hat nicht innerhalb von 2,5 Sekunden geantwortet. {LATER_DE}",
        ),
    ],
    _reasons.RETRYABLE_HTTP_STATUS: [
        (
            CollectorError("english", ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 429, "retry_after_seconds": 60.0})),
            f"{FAILED_DE} Der Statistikserver ist überlastet (HTTP 429). {LATER_DE}",
        ),
        (
            CollectorError("english", ReasonDetail(_reasons.RETRYABLE_HTTP_STATUS, {"http_status": 503, "retry_after_seconds": None})),
            f"{FAILED_DE} Der Statistikserver hat ein Problem (HTTP 503). {LATER_DE}",
        ),
    ],
    _reasons.UNEXPECTED_HTTP_STATUS: [
        (
            CollectorError("english", ReasonDetail(_reasons.UNEXPECTED_HTTP_STATUS, {"endpoint": ENDPOINT, "http_status": 401})),
            f"{FAILED_DE} Der Statistikserver unter {ENDPOINT} hat den Zugriff auf die Daten dieser Installation "
            "verweigert (HTTP 401), daher wurde nichts heruntergeladen.",
        ),
        (
            CollectorError("english", ReasonDetail(_reasons.UNEXPECTED_HTTP_STATUS, {"endpoint": ENDPOINT, "http_status": 400})),
            f"{FAILED_DE} Der Statistikserver unter {ENDPOINT} hat mit einem Fehler geantwortet (HTTP 400), daher "
            "wurde nichts heruntergeladen.",
        ),
    ],
    _reasons.INVALID_RESPONSE: [
        (
            CollectorError(
                "english", ReasonDetail(_reasons.INVALID_RESPONSE, {"endpoint": ENDPOINT, "error_type": "RemoteProtocolError"})
            ),
            f"{FAILED_DE} Der Statistikserver unter {ENDPOINT} hat eine Antwort gesendet, die nicht gelesen werden "
            f"konnte. {LATER_DE}",
        ),
    ],
}
GERMAN_TABLE = [case for cases in GERMAN_CASES.values() for case in cases]

FILE_ERRORS = [
    (errno.EACCES, "/srv/out.json konnte nicht gespeichert werden, weil Sie dort keine Schreibrechte haben."),
    (errno.EPERM, "/srv/out.json konnte nicht gespeichert werden, weil Sie dort keine Schreibrechte haben."),
    (errno.ENOSPC, "/srv/out.json konnte nicht gespeichert werden, weil der Datenträger voll ist."),
    (errno.EROFS, "/srv/out.json konnte nicht gespeichert werden, weil der Datenträger schreibgeschützt ist."),
    (errno.EISDIR, "/srv/out.json konnte nicht gespeichert werden, weil ein Ordner diesen Namen trägt."),
    (errno.ENOENT, "/srv/out.json konnte nicht gespeichert werden, weil der Ordner nicht existiert."),
    (errno.EIO, "/srv/out.json konnte nicht gespeichert werden (Input/output error)."),
]


@pytest.fixture
def german_locale(german) -> Iterator[None]:
    """German translations and German number formats, as on a German system."""
    assert german is not None
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield
    QLocale.setDefault(previous)


class StoppedCollector:
    """Accept reports, then fail every other request as a stopped collector does, unless `down` is False."""

    def __init__(self) -> None:
        self.down = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"submission_id": "1"})
        if self.down:
            raise httpx.ConnectError("All connection attempts failed", request=request)
        return httpx.Response(200, json={"submissions": []})


@pytest.fixture
def collector() -> StoppedCollector:
    return StoppedCollector()


@pytest.fixture
def sent_app(qtbot, tmp_path: Path, collector, clock: Clock, loop) -> Iterator[TrayApplication]:
    """A tray app over a store that sent one report to a collector that is down since."""
    stats = open_stats(tmp_path / "data", collector, clock, USAGE_STATS_RETRY_COUNT="0")
    stats.opt_in(privacy_policy().version)
    stats.record("job_created", printer_type="prusa_mk4")
    clock.now = START + dt.timedelta(days=7, minutes=5)
    loop.run_until_complete(stats.submit_due())
    application = TrayApplication(stats, privacy_policy(), tray_available=True)
    qtbot.addWidget(application.window)
    yield application
    application.scheduler.stop()
    application.heartbeat_timer.stop()
    stats.close()


def test_table_covers_every_download_code() -> None:
    assert set(GERMAN_CASES) == set(_reasons.DOWNLOAD_REASON_CODES)


@pytest.mark.parametrize(("error", "expected"), GERMAN_TABLE)
def test_download_error_reads_in_german(german_locale, error, expected) -> None:
    text = download_error_text(error)

    assert text == expected
    assert "english" not in text


def test_download_error_unknown_code(german_locale) -> None:
    error = CollectorError("a message from a newer core", ReasonDetail("some_later_code", {"value": 1}))

    assert download_error_text(error) == f"{FAILED_DE} {LATER_DE}"


def test_download_error_params_not_matching(german_locale) -> None:
    error = CollectorError("english", ReasonDetail(_reasons.TIMED_OUT, {"endpoint": ENDPOINT}))

    assert download_error_text(error) == f"{FAILED_DE} {LATER_DE}"


def test_download_error_in_english(qapp) -> None:
    error = CollectorError("english", ReasonDetail(_reasons.TRANSPORT_ERROR, {"error_type": "ConnectError", "endpoint": ENDPOINT}))

    assert download_error_text(error) == (
        f"The download failed. The statistics server at {ENDPOINT} could not be reached. Either this computer is "
        "offline or the server is down. Try again later."
    )


@pytest.mark.parametrize(("code", "expected"), FILE_ERRORS)
def test_file_error_reads_in_german(german_locale, code, expected) -> None:
    error = OSError(code, "Input/output error" if code == errno.EIO else "ignored", "/srv/.out.json.tmp")

    assert file_error_text("/srv/out.json", error) == expected


def test_download_collector_down(german_locale, sent_app, loop, tmp_path, caplog) -> None:
    application = sent_app
    target = tmp_path / "server.json"

    with caplog.at_level(logging.DEBUG, logger="app.ui"):
        messages = run_download(application, target, loop)

    assert len(messages) == 2
    assert messages[0] == "Die Daten des Statistikservers werden heruntergeladen..."
    assert messages[-1] == (
        f"{FAILED_DE} Der Statistikserver unter {ENDPOINT} war nicht erreichbar. Entweder hat dieser Computer keine "
        f"Netzwerkverbindung oder der Server ist ausgefallen. {LATER_DE}"
    )
    assert not target.exists()
    records = [record for record in caplog.records if record.name == "app.ui" and record.levelno >= logging.WARNING]
    assert [(record.levelname, record.getMessage()) for record in records] == [
        ("WARNING", f"Downloading the server's data failed: Cannot fetch the collector's data from {ENDPOINT}: "
                    "ConnectError. Try again later."),
    ]
    assert records[0].exc_info is None


def test_download_into_folder_name(german_locale, sent_app, collector, loop, tmp_path, caplog) -> None:
    application = sent_app
    collector.down = False
    target = tmp_path / "taken"
    target.mkdir()

    with caplog.at_level(logging.WARNING, logger="app.ui"):
        messages = run_download(application, target, loop)

    assert messages[-1] == f"{FAILED_DE} {target} konnte nicht gespeichert werden, weil ein Ordner diesen Namen trägt."
    assert [record.levelname for record in caplog.records if record.name == "app.ui"] == ["WARNING"]


def test_export_into_folder_name(german_locale, sent_app, tmp_path, caplog) -> None:
    application = sent_app
    target = tmp_path / "taken.json"
    target.mkdir()
    application.actions.choose_save_path = lambda *args: (str(target), "")  # type: ignore[method-assign]
    messages: list[str] = []
    application.actions.message.connect(messages.append)

    with caplog.at_level(logging.WARNING, logger="app.ui"):
        application.actions.export_data()

    assert messages == [
        f"Der Export ist fehlgeschlagen. {target} konnte nicht gespeichert werden, weil ein Ordner diesen Namen trägt."
    ]
    assert [record.levelname for record in caplog.records if record.name == "app.ui"] == ["WARNING"]


STORE_FILE_DE = "{path} wurde nicht gespeichert, weil es eine Datei der Nutzungsdatenbank ist, die beim Speichern zerstört würde. Wählen Sie eine andere Datei."


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_export_onto_store_file_keeps_store(german_locale, sent_app, suffix, caplog) -> None:
    application = sent_app
    target = application.stats.path.with_name(application.stats.path.name + suffix)
    before = target.read_bytes()
    application.actions.choose_save_path = lambda *args: (str(target), "")  # type: ignore[method-assign]
    messages: list[str] = []
    application.actions.message.connect(messages.append)

    with caplog.at_level(logging.WARNING, logger="app.ui"):
        application.actions.export_data()

    assert messages == [f"Der Export ist fehlgeschlagen. {STORE_FILE_DE.format(path=target)}"]
    assert target.read_bytes() == before
    assert application.stats.consent().state == "granted"


def test_download_onto_store_file_keeps_store(german_locale, sent_app, collector, loop) -> None:
    application = sent_app
    collector.down = False
    target = application.stats.path
    installation_id = application.stats.status().installation_id

    messages = run_download(application, target, loop)

    assert messages[-1] == f"{FAILED_DE} {STORE_FILE_DE.format(path=target)}"
    assert application.stats.status().installation_id == installation_id
    assert application.stats.consent().state == "granted"
