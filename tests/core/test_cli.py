"""The headless command line, run as a user runs it: `python -m app COMMAND` in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core._clock import format_display_time
from app.core._events import metadata_reference

# Imported fixtures are registered here as they are defined there.
from tests.collector.conftest import CLIENT_KEY, start_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path):
    base_environ = {
        key: value for key, value in os.environ.items() if not key.startswith("USAGE_STATS_") and key != "DO_NOT_TRACK"
    }
    base_environ.update({"USAGE_STATS_HOME": str(tmp_path / "data"), "USAGE_STATS_TIMEZONE": "Europe/Berlin", "PYTHONPATH": str(ROOT)})

    def run_command(*arguments: str, **environ: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *arguments],
            capture_output=True, text=True, timeout=60, cwd=ROOT, env={**base_environ, **environ},
        )

    return run_command


def test_cli_imports_no_qt(tmp_path):
    code = (
        "import sys; from app.__main__ import main; code = main(['status']); "
        "print(sorted(name for name in sys.modules if name.startswith('PySide6')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={**os.environ, "USAGE_STATS_HOME": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_cli_record_then_status(run):
    recorded = run("record", "job_created", "printer_type=prusa", "printer_index=3")
    status = run("status", "--json")

    assert recorded.returncode == 0, recorded.stderr
    data = json.loads(status.stdout)
    assert data["events_total"] == 1
    assert data["consent"]["state"] == "undecided"


def test_cli_record_takes_metadata_after_an_option(run, tmp_path):
    other_home = tmp_path / "other"
    recorded = run("record", "job_completed", "--home", str(other_home), "printer_type=prusa", "duration_minutes=42")
    exported = run("export", "--home", str(other_home), "--format", "csv")

    assert recorded.returncode == 0, recorded.stderr
    assert exported.stdout.splitlines()[1].endswith(',"{""duration_minutes"":42,""printer_type"":""prusa""}",false,,')


def test_cli_unknown_argument_after_option_exits_2(run):
    result = run("status", "--json", "bogus")

    assert result.returncode == 2
    assert result.stderr.endswith("python -m app: error: unrecognized arguments: bogus\n")


def test_cli_record_names_only_the_unknown_option(run):
    result = run("record", "job_created", "printer_type=prusa", "--bogus")

    assert result.returncode == 2
    assert result.stderr.endswith("python -m app: error: unrecognized arguments: --bogus\n")


def test_cli_record_help_lists_metadata(run):
    result = run("record", "--help")

    assert result.returncode == 0
    assert result.stdout.endswith("\n\n" + metadata_reference() + "\n")


def test_cli_record_types_values(run):
    run("record", "job_completed", "printer_type=prusa", "duration_minutes=42")
    exported = run("export", "--format", "csv")

    assert exported.stdout.splitlines()[1].endswith(',"{""duration_minutes"":42,""printer_type"":""prusa""}",false,,')


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("record", "job_exploded"), "Unknown event type 'job_exploded'"),
        (("record", "job_created", "printer_name=office"), "Invalid metadata key 'printer_name' for job_created"),
        (("record", "job_created", "printer_index=1000"), "Invalid value '1000' for printer_index"),
        (("record", "job_created", "printer_type"), "write it as key=value"),
        (
            ("record", "job_created", "printer_type=prusa", "printer_type=bambu_lab"),
            "Metadata key 'printer_type' is given twice; an event holds one value per key, so give it once.",
        ),
        (("delete",), "run `delete --yes`"),
        (("opt-in", "--policy-version", "9"), "'9' does not exist"),
    ],
)
def test_cli_bad_input_exits_2(run, arguments, expected):
    result = run(*arguments)

    assert result.returncode == 2
    assert expected in result.stderr


def test_cli_invalid_environment_exits_2(run):
    result = run("status", USAGE_STATS_SUBMISSION_INTERVAL_DAYS="50")

    assert result.returncode == 2
    assert "USAGE_STATS_SUBMISSION_INTERVAL_DAYS" in result.stderr
    assert "'50'" in result.stderr
    assert "from 1 to 30" in result.stderr


def test_cli_submit_after_opt_out_ignores_bad_timeout(run):
    run("opt-in")
    run("opt-out")

    result = run("submit", USAGE_STATS_TIMEOUT="500")

    assert result.returncode == 0, result.stderr
    assert "USAGE_STATS_TIMEOUT" not in result.stderr
    assert result.stdout.startswith("Nothing sent: sharing is off because you opted out")


def test_cli_submit_without_collector_ignores_bad_timeout(run):
    run("opt-in")

    result = run("submit", USAGE_STATS_TIMEOUT="500")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Nothing sent: no collector configured")


def test_preview_without_collector_bad_timeout(run):
    run("opt-in")

    preview = run("preview", USAGE_STATS_TIMEOUT="500")

    assert preview.returncode == 0
    assert preview.stderr == (
        "note: no collector is configured, so this report is not sent. Set USAGE_STATS_ENDPOINT to the collector's URL.\n"
    )


def test_cli_preview_with_invalid_endpoint_names_it(run):
    run("opt-in")

    preview = run("preview", USAGE_STATS_ENDPOINT="http://stats.example.org")

    assert preview.returncode == 0
    assert preview.stderr.startswith(
        "note: this report is not sent until the collector settings are fixed: Invalid environment variable "
        "USAGE_STATS_ENDPOINT: 'http://stats.example.org' uses plain HTTP"
    )


def test_cli_submit_invalid_retry_count_exits_2(run):
    run("opt-in")

    result = run("submit", USAGE_STATS_RETRY_COUNT="50", USAGE_STATS_ENDPOINT="http://127.0.0.1:9")

    assert result.returncode == 2
    assert "USAGE_STATS_RETRY_COUNT" in result.stderr
    assert "'50'" in result.stderr
    assert "from 0 to 10" in result.stderr


def test_cli_opt_in_preview_and_opt_out(run):
    opted_in = run("opt-in")
    preview = run("preview", USAGE_STATS_ENDPOINT="http://127.0.0.1:9")
    opted_out = run("opt-out")
    status = json.loads(run("status", "--json").stdout)

    assert opted_in.returncode == 0
    assert "policy version 3" in opted_in.stdout
    assert preview.stderr == ""
    report = json.loads(preview.stdout)
    assert report["schema_version"] == "1.1"
    assert report["installation"]["country_code"] == "DE"
    assert opted_out.returncode == 0
    assert status["consent"]["state"] == "refused"
    assert status["server_deletion"] == "none"


@pytest.mark.parametrize(
    ("commands", "environ", "note"),
    [
        ((), {}, "note: you have not agreed to share statistics, so this report is not sent. `python -m app opt-in` "
         "turns sharing on.\n"),
        (("opt-out",), {}, "note: sharing is off because you opted out, so this report is not sent. `python -m app "
         "opt-in` turns it on again.\n"),
        (("opt-in", "--policy-version", "2"), {}, "note: you agreed to privacy policy version 2, and version 3 is "
         "current, so this report is not sent until you agree to it: read `python -m app policy`, then run "
         "`python -m app opt-in`.\n"),
        (("opt-in",), {"DO_NOT_TRACK": "1"}, "note: DO_NOT_TRACK is set, so this report is not sent until it is "
         "unset.\n"),
        (("opt-in",), {}, "note: no collector is configured, so this report is not sent. "
         "Set USAGE_STATS_ENDPOINT to the collector's URL.\n"),
    ],
)
def test_cli_preview_says_why_nothing_is_sent(run, commands, environ, note):
    if commands:
        run(*commands)

    preview = run("preview", **environ)

    assert preview.returncode == 0
    assert json.loads(preview.stdout)["schema_version"] == "1.1"
    assert preview.stderr == note


def test_cli_preview_while_paused_names_the_end(run):
    run("opt-in")
    run("pause", "--days", "3")
    paused_until = json.loads(run("status", "--json").stdout)["paused_until"]

    preview = run("preview", USAGE_STATS_ENDPOINT="http://127.0.0.1:9")

    until = format_display_time(dt.datetime.fromisoformat(paused_until.replace("Z", "+00:00")))
    assert preview.stderr == (
        f"note: sending is paused until {until}, so this report waits. `python -m app pause --resume` ends the pause.\n"
    )


def test_cli_status_sharing_words(run):
    undecided = run("status").stdout.splitlines()[0]
    run("opt-in")
    granted = run("status").stdout.splitlines()[0]
    blocked = run("status", DO_NOT_TRACK="1").stdout.splitlines()[0]
    run("opt-out")
    refused = run("status").stdout.splitlines()[0]
    refused_json = json.loads(run("status", "--json").stdout)

    assert undecided == "Sharing:            not decided yet"
    assert granted == "Sharing:            on, policy version 3"
    assert blocked == "Sharing:            off (DO_NOT_TRACK is set in the environment)"
    assert refused == "Sharing:            off"
    assert refused_json["consent"]["state"] == "refused"


def test_status_due_under_do_not_track(run):
    run("opt-in")

    blocked = run("status", DO_NOT_TRACK="1").stdout.splitlines()
    allowed = run("status").stdout.splitlines()

    assert blocked[5] == "Next report due:    none, because DO_NOT_TRACK is set"
    assert allowed[5].startswith("Next report due:    20")
    assert allowed[5].endswith(" UTC")


def test_status_names_replaced_id(run):
    run("opt-in")
    # A forced report needs a period of at least one whole second since the opt-in.
    time.sleep(2.0)
    # Nothing listens on port 9, but the report was built, so it may have reached a collector.
    run("submit", "--force", USAGE_STATS_ENDPOINT="http://127.0.0.1:9", USAGE_STATS_RETRY_COUNT="0")
    run("opt-out")

    line = run("status").stdout.splitlines()[1]

    assert line.startswith("Installation id:    ")
    assert line.endswith(" (replaced by a new id at the next opt-in)")


def test_cli_status_names_newer_policy(run):
    run("opt-in", "--policy-version", "2")
    outdated = run("status").stdout.splitlines()[0]
    run("opt-in")
    current = run("status").stdout.splitlines()[0]

    assert outdated == (
        "Sharing:            on, policy version 2 (version 3 is current: `policy` shows what changed, "
        "`opt-in` agrees to it)"
    )
    assert current == "Sharing:            on, policy version 3"


def test_cli_submit_under_older_policy_names_commands(run):
    run("opt-in", "--policy-version", "2")

    result = run("submit", "--force", USAGE_STATS_ENDPOINT="http://127.0.0.1:9")

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Nothing sent: the user agreed to privacy policy version 2, and version 3 is current, so nothing is sent "
        "until the user agrees to it. Read `python -m app policy`, then agree with `python -m app opt-in`.\n"
    )


def test_cli_submit_without_consent_sends_nothing(run):
    result = run("submit", USAGE_STATS_ENDPOINT="http://127.0.0.1:9")

    assert result.returncode == 0
    assert result.stdout.strip() == (
        "Nothing sent: the user has not opted in. Read `python -m app policy`, then agree with `python -m app opt-in`."
    )


def test_cli_submit_forced_right_after_opt_in(tmp_path, monkeypatch, capsys):
    # In this process, so the clock can stand still: the forced send comes at the instant the
    # opt-in opened the period, whatever the machine's speed. The period can close once the
    # current time cut to whole seconds lies a second after its start, so 1.6 s later.
    from app.core import _service, cli

    moment = _service.utc_now().replace(microsecond=400_000)
    monkeypatch.setattr(_service, "utc_now", lambda: moment)
    # cli.main adds its handlers and levels to these loggers; the test puts them back afterwards.
    for logger in (logging.getLogger(), logging.getLogger("app.core")):
        monkeypatch.setattr(logger, "handlers", [])
        monkeypatch.setattr(logger, "level", logger.level)
    for name in [name for name in os.environ if name.startswith("USAGE_STATS_") or name == "DO_NOT_TRACK"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("USAGE_STATS_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("USAGE_STATS_ENDPOINT", "http://127.0.0.1:9")
    assert cli.main(["opt-in"]) == 0
    assert cli.main(["pause", "--days", "1"]) == 0
    capsys.readouterr()

    status = cli.main(["submit", "--force"])

    assert status == 0
    assert capsys.readouterr().out.strip() == (
        "Nothing sent: a report covers at least one whole second, and the current period is not long enough yet; "
        "send again in 1.6 seconds."
    )


def owe_a_report(run, tmp_path) -> None:
    """Opt in and move the report schedule back, so that a report is due."""
    run("opt-in")
    week_ago = json.dumps("2026-01-01T00:00:00.000000Z")
    with sqlite3.connect(tmp_path / "data" / "usage.db") as connection:
        connection.execute("UPDATE usage_settings SET value = ? WHERE key IN ('report.anchor', 'report.period_opened_at')", (week_ago,))


def test_cli_submit_unreachable_collector_exits_1(run, tmp_path):
    owe_a_report(run, tmp_path)

    # Nothing listens on the discard port of the loopback address, so the connection is refused.
    result = run("submit", USAGE_STATS_ENDPOINT="http://127.0.0.1:9", USAGE_STATS_RETRY_COUNT="0")

    assert result.returncode == 1
    assert "not sent, kept for a later try: ConnectError" in result.stderr
    assert json.loads(run("status", "--json").stdout)["pending_reports"] > 0


def test_cli_export_json_to_file(run, tmp_path):
    run("record", "app_start", "app_version=2.4.1")
    target = tmp_path / "out" / "export.json"

    result = run("export", "--output", str(target))

    assert result.returncode == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [event["event_type"] for event in data["events"]] == ["app_start"]


def test_cli_delete_with_confirmation(run):
    run("record", "job_created")

    result = run("delete", "--yes")

    assert result.returncode == 0
    assert json.loads(run("status", "--json").stdout)["events_total"] == 0


def test_cli_pause_and_resume(run):
    paused = run("pause", "--days", "3")
    status = json.loads(run("status", "--json").stdout)
    resumed = run("pause", "--resume")

    assert paused.returncode == 0
    assert status["paused_until"] is not None
    assert resumed.stdout.strip() == "Submission resumed."
    assert json.loads(run("status", "--json").stdout)["paused_until"] is None


def test_cli_server_data_without_collector_fails(run, tmp_path):
    owe_a_report(run, tmp_path)
    # The report is built, then kept because nothing listens on the discard port.
    run("submit", USAGE_STATS_ENDPOINT="http://127.0.0.1:9", USAGE_STATS_RETRY_COUNT="0")

    result = run("server-data")

    assert result.returncode == 1
    assert "no collector is configured" in result.stderr


def test_cli_server_data_before_first_report_asks_nobody(run):
    run("opt-in")

    # Nothing listens on the discard port, so a request would fail with exit code 1.
    result = run("server-data", USAGE_STATS_ENDPOINT="http://127.0.0.1:9")

    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["submissions"] == []
    assert data["message"] == "No report with this installation id was ever built, so the collector was not asked and holds nothing for it."


def test_cli_history_verifies_empty_chain(run):
    result = run("history")

    assert result.returncode == 0
    assert result.stdout.strip() == "History verified: no report has been sent yet, so the chain is empty."


def test_cli_option_before_command_exits_2(run, tmp_path):
    result = run("--home", str(tmp_path / "other"), "status")

    assert result.returncode == 2
    assert "--home goes after the command name" in result.stderr
    assert not (tmp_path / "other").exists()


def test_cli_writes_app_log(run, tmp_path):
    run("opt-in")

    log = (tmp_path / "data" / "app.log").read_text(encoding="utf-8")

    assert "INFO app.core: Usage statistics consent granted for policy version 3." in log


def test_cli_home_option_after_command(run, tmp_path):
    other = tmp_path / "other"

    result = run("record", "job_created", "--home", str(other))

    assert result.returncode == 0, result.stderr
    assert (other / "usage.db").exists()
    assert json.loads(run("status", "--json", "--home", str(other)).stdout)["events_total"] == 1


def test_cli_help_without_command_needs_no_display(run):
    result = run("--help", QT_QPA_PLATFORM="xcb", DISPLAY="")

    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m app [-h] COMMAND ...")
    assert "Without a COMMAND, the tray app starts" in result.stdout


def test_cli_status_times_to_minute(run):
    run("opt-in")
    run("pause", "--days", "3")

    lines = run("status").stdout.splitlines()
    status = json.loads(run("status", "--json").stdout)

    due = dt.datetime.fromisoformat(status["next_submission_due"])
    paused_until = dt.datetime.fromisoformat(status["paused_until"])
    assert f"Next report due:    {due.strftime('%Y-%m-%d %H:%M')} UTC" in lines
    assert f"Paused until:       {paused_until.strftime('%Y-%m-%d %H:%M')} UTC" in lines
    assert status["next_submission_due"] == due.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert status["paused_until"] == paused_until.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert status["consent"]["decided_at"].endswith("Z")


def test_cli_status_without_deletion_request(run):
    lines = run("status").stdout.splitlines()
    status = json.loads(run("status", "--json").stdout)

    assert "Server deletion:    none requested" in lines
    assert status["server_deletion"] == "none"


def run_into_closed_pipe(tmp_path, *arguments: str, **environ: str) -> tuple[int, bytes]:
    """Run a command whose standard output is closed before it starts; return its exit status and stderr."""
    environment = {
        **os.environ, "USAGE_STATS_HOME": str(tmp_path / "data"), "USAGE_STATS_TIMEZONE": "Europe/Berlin",
        "PYTHONPATH": str(ROOT), **environ,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app", *arguments], cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()

    stderr = process.stderr.read()
    process.stderr.close()
    return process.wait(timeout=60), stderr


@pytest.mark.parametrize("arguments", [("status",), ("export",), ("--help",), ("history",), ("policy",)])
def test_cli_closed_pipe_is_quiet(tmp_path, arguments):
    exit_status, stderr = run_into_closed_pipe(tmp_path, *arguments)

    assert exit_status == 0
    assert stderr == b""


def test_cli_closed_pipe_keeps_exit_status(run, tmp_path):
    owe_a_report(run, tmp_path)
    run("submit", USAGE_STATS_ENDPOINT="http://127.0.0.1:9", USAGE_STATS_RETRY_COUNT="0")

    exit_status, stderr = run_into_closed_pipe(tmp_path, "opt-out", USAGE_STATS_TIMEOUT="500")

    assert exit_status == 2
    assert stderr.startswith(b"The request to delete this installation's data on the collector was not sent: ")
    assert json.loads(run("status", "--json").stdout)["server_deletion"] == "pending"


def test_cli_submit_collector_down_one_line(run):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {"USAGE_STATS_ENDPOINT": f"http://127.0.0.1:{port}", "USAGE_STATS_RETRY_COUNT": "1"}
    run("opt-in")
    run("record", "job_created")
    # A forced send closes the open period at the last whole second, which needs a whole second
    # after the opt-in; two seconds guarantee it whatever fraction of a second the opt-in fell on.
    time.sleep(2)

    result = run("submit", "--force", **environ)

    [report_id] = [line.split()[0] for line in run("history").stdout.splitlines()[:-1]]
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Report {report_id} not sent, kept for a later try: ConnectError while sending to http://127.0.0.1:{port}.\n"
    )


def test_cli_delete_resets_reports_sent(run, tmp_path):
    run("opt-in")
    with sqlite3.connect(tmp_path / "data" / "usage.db") as connection:
        connection.execute("UPDATE usage_settings SET value = '3' WHERE key = 'submission.count'")
        connection.execute("UPDATE usage_settings SET value = '3' WHERE key = 'installation.submission_count'")
        connection.execute(
            "INSERT OR REPLACE INTO usage_settings (key, value, updated_at) VALUES (?, ?, ?)",
            ("submission.last_at", '"2026-12-11T21:28:19.012605Z"', "2026-12-11 21:28:19.012605"),
        )
    before = run("status").stdout.splitlines()

    run("delete", "--yes")
    after = run("status").stdout.splitlines()

    assert "Reports sent:       3, last at 2026-12-11 21:28 UTC" in before
    assert "Reports sent:       0" in after


@pytest.mark.parametrize(
    ("event_type", "message"),
    [
        ("feature_enabled", "Missing metadata key 'feature' for feature_enabled: add it, for example "
                            "record feature_enabled feature=timelapse."),
        ("feature_disabled", "Missing metadata key 'feature' for feature_disabled: add it, for example "
                             "record feature_disabled feature=timelapse."),
        ("error_occurred", "Missing metadata key 'error_type' for error_occurred: add it, for example "
                           "record error_occurred error_type=ConnectionError."),
    ],
)
def test_cli_record_requires_key(run, event_type, message):
    result = run("record", event_type)

    assert result.returncode == 2
    assert result.stderr == f"error: {message}\n"
    assert json.loads(run("status", "--json").stdout)["events_total"] == 0


def test_cli_record_feature_with_key(run):
    result = run("record", "feature_enabled", "feature=timelapse")

    assert result.returncode == 0, result.stderr
    assert json.loads(run("status", "--json").stdout)["events_total"] == 1


def send_one_report(run, server) -> dict[str, str]:
    """Opt in, record an event and send it to the live collector `server`; return its client settings."""
    collector = {"USAGE_STATS_ENDPOINT": server.url, "USAGE_STATS_API_KEY": CLIENT_KEY, "USAGE_STATS_RETRY_COUNT": "0"}
    run("opt-in")
    run("record", "job_created", "printer_type=prusa")
    # A forced send ends the period at the last whole second, so it needs a whole second after the opt-in.
    time.sleep(2)
    sent = run("submit", "--force", **collector)
    assert sent.returncode == 0, sent.stderr
    return collector


def test_cli_status_deletion_of_previous_id(run, start_server):
    collector = send_one_report(run, start_server())
    first_id = json.loads(run("status", "--json").stdout)["installation_id"]

    opted_out = run("opt-out", **collector)
    refused = run("status").stdout.splitlines()
    run("opt-in")
    granted = run("status").stdout.splitlines()
    status = json.loads(run("status", "--json").stdout)

    assert opted_out.stdout.splitlines()[-1] == "Collector data: deleted."
    assert "Server deletion:    confirmed" in refused
    assert status["installation_id"] != first_id
    assert f"Installation id:    {status['installation_id']}" in granted
    assert f"Server deletion:    confirmed for the previous installation id {first_id}" in granted
    assert status["server_deletion"] == "confirmed"
    assert status["server_deletion_installation_id"] == first_id


def test_cli_status_counts_current_id_reports(run, start_server):
    collector = send_one_report(run, start_server())
    run("opt-out", **collector)

    run("opt-in")
    after_opt_in = json.loads(run("status", "--json").stdout)
    after_opt_in_lines = run("status").stdout.splitlines()
    run("record", "job_created", "printer_type=prusa")
    time.sleep(2)
    sent = run("submit", "--force", **collector)
    after_send = json.loads(run("status", "--json").stdout)
    after_send_lines = run("status").stdout.splitlines()

    assert (after_opt_in["submission_count"], after_opt_in["submission_count_total"]) == (0, 1)
    [line] = [line for line in after_opt_in_lines if line.startswith("Reports sent:")]
    assert line.startswith("Reports sent:       0 with this installation id, 1 in total, last at ")
    assert sent.returncode == 0, sent.stderr
    assert (after_send["submission_count"], after_send["submission_count_total"]) == (1, 2)
    [line] = [line for line in after_send_lines if line.startswith("Reports sent:")]
    assert line.startswith("Reports sent:       1 with this installation id, 2 in total, last at ")


def test_cli_server_data_always_indented(run, start_server):
    collector = send_one_report(run, start_server())

    stored = run("server-data", **collector)
    run("opt-out", **collector)
    deleted = run("server-data", **collector)

    stored_data = json.loads(stored.stdout)
    deleted_data = json.loads(deleted.stdout)
    assert stored.returncode == 0, stored.stderr
    assert [submission["job_count"] for submission in stored_data["submissions"]] == [1]
    assert stored.stdout == json.dumps(stored_data, indent=2, sort_keys=True) + "\n"
    assert deleted.returncode == 0, deleted.stderr
    assert deleted_data["message"] == "The collector holds no data for this installation id."
    assert deleted.stdout == json.dumps(deleted_data, indent=2, sort_keys=True) + "\n"


def test_cli_server_data_after_new_id(run, start_server):
    collector = send_one_report(run, start_server())
    run("opt-out", **collector)
    run("opt-in")

    result = run("server-data", **collector)

    data = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert data["collector_asked"] is False
    assert data["installation_id"] == json.loads(run("status", "--json").stdout)["installation_id"]
    assert data["message"] == (
        "No report with this installation id was ever built, so the collector was not asked and holds nothing for it."
    )


def test_cli_history_counts_pending_apart(run, start_server):
    collector = send_one_report(run, start_server())
    run("record", "job_failed")
    time.sleep(2)
    # Nothing listens on the discard port, so the second report stays pending.
    unsent = run("submit", "--force", **{**collector, "USAGE_STATS_ENDPOINT": "http://127.0.0.1:9"})

    result = run("history")

    lines = result.stdout.splitlines()
    assert unsent.returncode == 1
    assert result.returncode == 0, result.stderr
    assert len(lines) == 3
    assert "  pending    HTTP -  sent -" in lines[0]
    assert "  sent       HTTP 200  sent " in lines[1]
    assert lines[2] == (
        "History verified: the chain of 1 sent report is intact. 1 pending report is not part of it until it is sent."
    )


@pytest.mark.parametrize(
    "arguments",
    [
        ("record", "job_created", "printer_type=prusa"),
        ("status",),
        ("policy",),
        ("history",),
        ("export",),
        ("pause", "--days", "2"),
        ("delete", "--yes"),
        ("opt-in",),
        ("opt-out",),
    ],
)
def test_cli_local_command_ignores_bad_timeout(run, arguments):
    result = run(*arguments, USAGE_STATS_TIMEOUT="500")

    assert result.returncode == 0, result.stderr
    assert "error:" not in result.stderr


def test_cli_status_warns_of_bad_timeout(run):
    result = run("status", USAGE_STATS_TIMEOUT="500")

    assert result.returncode == 0
    assert result.stderr == (
        "warning: Invalid environment variable USAGE_STATS_TIMEOUT: '500' is not a whole number from 5 to 60. "
        "Set it to a value in that range or unset it to use the default. "
        "Until then, commands that contact the collector exit with status 2.\n"
    )


def test_cli_record_stored_despite_bad_timeout(run):
    run("record", "job_created", "printer_type=prusa", USAGE_STATS_TIMEOUT="500")

    assert json.loads(run("status", "--json").stdout)["events_total"] == 1


@pytest.mark.parametrize(("variable", "value"), [("USAGE_STATS_TIMEOUT", "500"), ("USAGE_STATS_ENDPOINT", "ftp://127.0.0.1")])
def test_cli_submit_rejects_bad_network_setting(run, tmp_path, variable, value):
    owe_a_report(run, tmp_path)

    result = run("submit", **{"USAGE_STATS_ENDPOINT": "http://127.0.0.1:9", variable: value})

    assert result.returncode == 2
    assert result.stderr.startswith(f"error: Invalid environment variable {variable}: {value!r} ")
    assert json.loads(run("status", "--json").stdout)["pending_reports"] == 0


def test_cli_opt_out_with_bad_timeout_queues_deletion(run, tmp_path):
    owe_a_report(run, tmp_path)
    # The refused connection leaves a built report, so the opt-out queues a server deletion.
    run("submit", USAGE_STATS_ENDPOINT="http://127.0.0.1:9", USAGE_STATS_RETRY_COUNT="0")

    result = run("opt-out", USAGE_STATS_ENDPOINT="http://127.0.0.1:9", USAGE_STATS_TIMEOUT="500")
    status = json.loads(run("status", "--json").stdout)

    assert result.returncode == 2
    assert result.stdout == "Opted out: nothing more is sent and queued reports were cancelled.\n"
    assert result.stderr == (
        "The request to delete this installation's data on the collector was not sent: Invalid environment "
        "variable USAGE_STATS_TIMEOUT: '500' is not a whole number from 5 to 60. Set it to a value in that "
        "range or unset it to use the default. The request stays queued, and `python -m app submit` sends it "
        "once the setting is fixed.\n"
    )
    assert status["consent"]["state"] == "refused"
    assert status["server_deletion"] == "pending"


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:99999", "http://127.0.0.1:port", "https://stats example.org"])
def test_cli_submit_invalid_endpoint_one_line(run, tmp_path, endpoint):
    owe_a_report(run, tmp_path)

    result = run("submit", USAGE_STATS_ENDPOINT=endpoint)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: Invalid environment variable USAGE_STATS_ENDPOINT: {endpoint!r} has the invalid ")
    assert result.stderr.count("\n") == 1


def test_cli_export_to_folder_exits_2(run, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()

    result = run("export", "--output", str(folder))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: Cannot export to {str(folder)!r}: it is a folder. Name a file in it, for example "
        f"--output {folder / 'usage-export.json'}.\n"
    )
    assert list(folder.iterdir()) == []


def test_cli_export_under_file_exits_2(run, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    target = blocker / "export.csv"

    result = run("export", "--format", "csv", "--output", str(target))

    assert result.returncode == 2
    assert result.stderr == (
        f"error: Cannot write the export to {str(target)!r}: a folder in the path is a file. "
        "Name a file in a folder you can write to.\n"
    )


def test_cli_export_creates_missing_folders(run, tmp_path):
    target = tmp_path / "new" / "nested" / "export.csv"

    result = run("export", "--format", "csv", "--output", str(target))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Exported to {target}.\n"
    assert target.read_text(encoding="utf-8").startswith("id,")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder")
def test_cli_export_read_only_folder_exits_2(run, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    target = folder / "export.json"

    result = run("export", "--output", str(target))

    folder.chmod(0o755)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: Cannot write the export to {str(target)!r}: Permission denied. "
        "Name a file in a folder you can write to.\n"
    )


def test_cli_submit_nothing_due_names_next(run):
    run("opt-in")

    result = run("submit", USAGE_STATS_ENDPOINT="http://127.0.0.1:9")
    next_due_line = run("status").stdout.splitlines()[5]

    assert next_due_line.startswith("Next report due:    ")
    next_due = next_due_line.removeprefix("Next report due:    ")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Nothing sent: no report is due. The next one is due at {next_due}. "
        "`python -m app submit --force` sends the current period now.\n"
    )


def test_cli_submit_after_opt_out_says_so(run):
    run("opt-in")
    run("opt-out")

    result = run("submit", USAGE_STATS_ENDPOINT="http://127.0.0.1:9")

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Nothing sent: sharing is off because you opted out. To turn it on again, read `python -m app policy`, "
        "then run `python -m app opt-in`.\n"
    )


def test_cli_help_lists_exit_statuses(run):
    result = run("--help")

    assert result.returncode == 0
    assert " ".join(result.stdout.split()).endswith(
        "exit status: 0 success, 1 an operation failed (a report not sent, the collector not reachable), "
        "2 invalid input or configuration"
    )


def test_cli_opt_in_older_policy_names_command(run):
    result = run("opt-in", "--policy-version", "2")

    assert result.returncode == 0
    assert result.stdout == "Opted in to usage statistics (privacy policy version 2).\n"
    assert result.stderr == (
        "warning: privacy policy version 3 is current, so nothing is sent until you agree to it. "
        "Read `python -m app policy`, then run `python -m app opt-in` without --policy-version.\n"
    )


def test_cli_submit_timeout_names_setting(run, tmp_path):
    owe_a_report(run, tmp_path)
    with socket.socket() as silent:
        # The listening socket completes connections from its backlog but never responds.
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]

        result = run(
            "submit", USAGE_STATS_ENDPOINT=f"http://127.0.0.1:{port}", USAGE_STATS_TIMEOUT="5", USAGE_STATS_RETRY_COUNT="0"
        )

    # history lists the newest report first, and submit sends the oldest first.
    oldest_report_id = run("history").stdout.splitlines()[-2].split()[0]
    assert result.returncode == 1
    assert result.stderr == (
        f"Report {oldest_report_id} not sent, kept for a later try: ReadTimeout while sending to http://127.0.0.1:{port} "
        "(no response within USAGE_STATS_TIMEOUT, now 5 s. If the collector is slow, set it higher, up to 60 s).\n"
    )


def test_cli_submit_wrong_key_stays_queued(run, start_server):
    server = start_server()
    run("opt-in")
    run("record", "job_created", "printer_type=prusa")
    time.sleep(2)

    result = run(
        "submit", "--force", USAGE_STATS_ENDPOINT=server.url, USAGE_STATS_API_KEY="wrong-key-0123456789",
        USAGE_STATS_RETRY_COUNT="0",
    )

    service_line, command_line = result.stderr.splitlines()
    assert result.returncode == 1
    assert service_line == (
        f"usage-stats: ERROR: The collector at {server.url} rejected the API key (HTTP 401); reports stay queued "
        "until the key is fixed."
    )
    assert command_line.startswith(
        "Not sent, the reports stay queued until USAGE_STATS_API_KEY is fixed: the collector rejected the API key (HTTP 401 "
    )
    assert json.loads(run("status", "--json").stdout)["pending_reports"] == 1


def test_cli_submit_wrong_path_stays_queued(run, start_server):
    server = start_server()
    run("opt-in")
    run("record", "job_created", "printer_type=prusa")
    time.sleep(2)

    result = run(
        "submit", "--force", USAGE_STATS_ENDPOINT=f"{server.url}/no-such-path", USAGE_STATS_API_KEY=CLIENT_KEY,
        USAGE_STATS_RETRY_COUNT="0",
    )

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        "Not sent, the reports stay queued until USAGE_STATS_ENDPOINT is fixed: the collector URL looks wrong (HTTP 404 "
    )
    assert json.loads(run("status", "--json").stdout)["pending_reports"] == 1


def test_cli_record_while_locked_waits_once(run, tmp_path):
    run("status")
    holder = sqlite3.connect(tmp_path / "data" / "usage.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    started = time.monotonic()
    result = run("record", "job_created", "printer_type=prusa")
    elapsed = time.monotonic() - started
    holder.execute("ROLLBACK")
    holder.close()

    assert result.returncode == 1
    assert "pruned" not in result.stderr
    assert result.stderr.splitlines()[-1] == "The event could not be stored; see the warning above."
    # The store waits 5 s for a lock; a prune that waited too would double it.
    assert elapsed < 8


@pytest.mark.parametrize("name", ["usage.db", "usage.db-wal"])
def test_cli_export_onto_database_exits_2(run, tmp_path, name):
    run("record", "job_created", "printer_type=prusa")
    target = tmp_path / "data" / name

    result = run("export", "--output", str(target))

    assert result.returncode == 2
    assert result.stderr == f"error: Cannot write to {str(target)!r}: it is a file of the usage database itself. Name another file.\n"
    assert json.loads(run("status", "--json").stdout)["events_total"] == 1
