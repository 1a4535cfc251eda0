"""Headless command line: `python -m app COMMAND`. Imports no Qt.

Exit status: 0 on success, 1 when an operation failed (a report not sent, the collector not
reachable), 2 on invalid input or configuration. Output to a standard output that its reader
closed early, as `| head` does, is discarded, and the exit status is the command's own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import io
import json
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import peewee

from app.core import _reasons
from app.core._clock import format_display_time, format_iso_time
from app.core._config import TIMEOUT_SECONDS_RANGE
from app.core._errors import ConfigError, ConsentError, StoreFileTargetError, UsageStatsError
from app.core._events import ALLOWED_METADATA, REQUIRED_METADATA, EventType, metadata_reference
from app.core._logfile import attach_log_file
from app.core._policy import DEFAULT_LANGUAGE, POLICY_LANGUAGES, privacy_policy
from app.core._reasons import ReasonDetail
from app.core._records import Consent, Status
from app.core._service import CONSENT_POLICY_OUTDATED_EVENT, ENDPOINT_ERROR_STATUSES, UsageStats
from app.core._submit import DeletionOutcome, Rejected, RetryLater, Sent, Skipped

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_STATUS_HELP = (
    "exit status: 0 success, 1 an operation failed (a report not sent, the collector not reachable), "
    "2 invalid input or configuration"
)
_INTEGER = re.compile(r"[+-]?\d+")


class UsageError(Exception):
    """Invalid command-line input; the message names the value and the fix."""


def parse_value(text: str) -> int | bool | str:
    """Turn the value of a key=value pair into an int or bool when it looks like one."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def parse_metadata(event_type: EventType, pairs: Sequence[str]) -> dict[str, Any]:
    allowed = ALLOWED_METADATA[event_type]
    metadata: dict[str, Any] = {}
    for pair in pairs:
        key, separator, text = pair.partition("=")
        if not separator or not key:
            msg = f"Invalid metadata {pair!r}: write it as key=value, for example printer_type=prusa."
            raise UsageError(msg)
        kind = allowed.get(key)
        if kind is None:
            msg = f"Invalid metadata key {key!r} for {event_type.value}: use one of {', '.join(allowed) or 'no keys'}."
            raise UsageError(msg)
        if key in metadata:
            msg = f"Metadata key {key!r} is given twice; an event holds one value per key, so give it once."
            raise UsageError(msg)
        value = parse_value(text)
        if not kind.accepts(value):
            msg = f"Invalid value {text!r} for {key}: it must be {kind.description}."
            raise UsageError(msg)
        metadata[key] = value

    required = REQUIRED_METADATA.get(event_type)
    if required is not None and required[0] not in metadata:
        key, example = required
        msg = f"Missing metadata key {key!r} for {event_type.value}: add it, for example record {event_type.value} {key}={example}."
        raise UsageError(msg)
    return metadata


def _display_time(value: Any) -> str:
    return format_display_time(value) if value is not None else "-"


def _json_default(value: Any) -> str:
    """Encode a value that JSON lacks: a time as in the export (ISO 8601 UTC with `Z`), anything else as str()."""
    if isinstance(value, dt.datetime):
        return format_iso_time(value)
    return str(value)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=_json_default))


def _next_due_text(status: Any) -> str:
    # The schedule keeps running under DO_NOT_TRACK, but nothing is sent while it is set.
    if status.consent.blocked_by_dnt:
        return "none, because DO_NOT_TRACK is set"
    return _display_time(status.next_submission_due)


def cmd_status(stats: UsageStats, args: argparse.Namespace) -> int:
    status = stats.status()
    if args.json:
        _print_json(dataclasses.asdict(status))
        return EXIT_OK

    lines = [
        f"Sharing:            {_sharing_text(status.consent)}",
        f"Installation id:    {status.installation_id}"
        + (" (replaced by a new id at the next opt-in)" if status.new_id_on_opt_in else ""),
        f"Events stored:      {status.events_total} ({status.events_this_week} in the last 7 days)",
        f"Reports queued:     {status.pending_reports}",
        f"Reports sent:       {_submissions_text(status)}",
        f"Next report due:    {_next_due_text(status)}",
        f"Paused until:       {_display_time(status.paused_until)}",
        f"Collector:          {status.endpoint or 'not configured'}",
        f"Server deletion:    {_server_deletion_text(status)}",
        f"Database:           {stats.path}",
    ]
    print("\n".join(lines))
    for message in stats.config().network_errors:
        print(f"warning: {message} Until then, commands that contact the collector exit with status 2.", file=sys.stderr)
    return EXIT_OK


def _sharing_text(consent: Consent) -> str:
    """Describe the consent state in the tray's words: "on", "off" or "not decided yet".

    An opt-out reads "off", as in the tray, because "refused" would suggest a no at the first prompt.
    """
    if consent.blocked_by_dnt:
        return "off (DO_NOT_TRACK is set in the environment)"
    if consent.state == "granted":
        current = privacy_policy().version
        agreed = f"policy version {consent.policy_version}" if consent.policy_version else "no policy version recorded"
        if consent.policy_version != current:
            # Headless installations have no tray to ask again, so the status line names the commands that do.
            return f"on, {agreed} (version {current} is current: `policy` shows what changed, `opt-in` agrees to it)"
        return f"on, {agreed}"
    if consent.state == "refused":
        return "off"
    if consent.state == "undecided":
        return "not decided yet"
    return consent.state


def _submissions_text(status: Status) -> str:
    """Return the reports sent with the current installation id, plus the total when earlier ids sent some."""
    text = str(status.submission_count)
    if status.submission_count_total != status.submission_count:
        text += f" with this installation id, {status.submission_count_total} in total"
    if status.last_submission:
        text += f", last at {_display_time(status.last_submission)}"
    return text


def _server_deletion_text(status: Status) -> str:
    """Name the deletion state, and the installation id it concerns when that is a previous one."""
    deletion_id = status.server_deletion_installation_id
    if status.server_deletion == "none":
        return "none requested"
    if deletion_id in (None, status.installation_id):
        return status.server_deletion
    return f"{status.server_deletion} for the previous installation id {deletion_id}"


def cmd_record(stats: UsageStats, args: argparse.Namespace) -> int:
    try:
        event_type = EventType(args.event_type)
    except ValueError:
        msg = f"Unknown event type {args.event_type!r}: use one of {', '.join(member.value for member in EventType)}."
        raise UsageError(msg) from None

    if not stats.record(event_type, **parse_metadata(event_type, args.metadata)):
        print("The event could not be stored; see the warning above.", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_preview(stats: UsageStats, args: argparse.Namespace) -> int:
    body = stats.preview()
    if args.pretty:
        _print_json(json.loads(body))
    else:
        sys.stdout.buffer.write(body + b"\n")
        sys.stdout.flush()
    note = _not_sent_note(stats)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def _not_sent_note(stats: UsageStats) -> str | None:
    """Return why the previewed report would not be sent, naming the command or setting that changes it."""
    blocker = stats.sending_blocker()
    if blocker is None:
        return None
    code = blocker.detail.code if blocker.detail is not None else None
    config = stats.config()
    if code == _reasons.NO_COLLECTOR and config.endpoint_invalid:
        # An invalid endpoint reads as no collector. Its own message names the value and the fix.
        return f"this report is not sent until the collector settings are fixed: {' '.join(config.network_errors)}"
    if code == _reasons.DO_NOT_TRACK:
        return "DO_NOT_TRACK is set, so this report is not sent until it is unset."
    if code == _reasons.NOT_OPTED_IN:
        if stats.consent().state == "refused":
            return "sharing is off because you opted out, so this report is not sent. `python -m app opt-in` turns it on again."
        return "you have not agreed to share statistics, so this report is not sent. `python -m app opt-in` turns sharing on."
    if code == _reasons.POLICY_OUTDATED:
        params = blocker.detail.params
        return (
            f"you agreed to privacy policy version {params['agreed']}, and version {params['current']} is current, so "
            "this report is not sent until you agree to it: read `python -m app policy`, then run `python -m app opt-in`."
        )
    if code == _reasons.PAUSED:
        until = _display_time(blocker.detail.params["until"])
        return f"sending is paused until {until}, so this report waits. `python -m app pause --resume` ends the pause."
    if code == _reasons.NO_COLLECTOR:
        return "no collector is configured, so this report is not sent. Set USAGE_STATS_ENDPOINT to the collector's URL."
    return f"this report is not sent now: {blocker.reason}."


def cmd_policy(stats: UsageStats, args: argparse.Namespace) -> int:
    policy = privacy_policy(args.language)
    print(policy.as_text())
    changes = policy.changes_since_text(stats.consent().policy_version)
    if changes:
        print(f"\n{changes}")
    return EXIT_OK


def cmd_opt_in(stats: UsageStats, args: argparse.Namespace) -> int:
    stats.opt_in(args.policy_version)
    consent = stats.consent()
    print(f"Opted in to usage statistics (privacy policy version {consent.policy_version}).")
    current = privacy_policy().version
    if consent.policy_version != current:
        print(
            f"warning: privacy policy version {current} is current, so nothing is sent until you agree to it. "
            "Read `python -m app policy`, then run `python -m app opt-in` without --policy-version.",
            file=sys.stderr,
        )
    if consent.blocked_by_dnt:
        print("DO_NOT_TRACK is set, so nothing is sent until it is unset.")
    return EXIT_OK


def cmd_opt_out(stats: UsageStats, args: argparse.Namespace) -> int:
    stats.opt_out()
    print("Opted out: nothing more is sent and queued reports were cancelled.")
    if stats.status().server_deletion != "pending":
        return EXIT_OK
    try:
        outcome = asyncio.run(stats.request_server_deletion())
    except ConfigError as error:
        print(
            f"The request to delete this installation's data on the collector was not sent: {error} "
            "The request stays queued, and `python -m app submit` sends it once the setting is fixed.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return _report_deletion(stats, outcome)


def _report_deletion(stats: UsageStats, outcome: DeletionOutcome) -> int:
    if outcome.confirmed:
        print(f"Collector data: {outcome.message}.")
        return EXIT_OK
    reason = f"{outcome.message}{_timeout_hint(stats, outcome.detail)}"
    print(f"The collector has not confirmed the deletion yet ({reason}); `submit` retries it.", file=sys.stderr)
    return EXIT_FAILED


def _consent_hint(stats: UsageStats) -> str:
    """Return the commands a user runs to agree to sending, or "" when agreeing would change nothing."""
    consent = stats.consent()
    if consent.blocked_by_dnt:
        return ""
    if consent.state == "granted" and consent.policy_version == privacy_policy().version:
        return ""
    return " Read `python -m app policy`, then agree with `python -m app opt-in`."


def _skipped_text(stats: UsageStats, outcome: Skipped) -> str:
    """Describe why a submit sent nothing, with what the user can do next."""
    code = outcome.detail.code if outcome.detail is not None else None
    if code == _reasons.NOT_OPTED_IN and stats.consent().state == "refused":
        return (
            "sharing is off because you opted out. To turn it on again, read `python -m app policy`, "
            "then run `python -m app opt-in`."
        )
    if code == _reasons.NOTHING_DUE:
        next_due = stats.status().next_submission_due
        if next_due is not None:
            return (
                f"no report is due. The next one is due at {format_display_time(next_due)}. "
                "`python -m app submit --force` sends the current period now."
            )
    return f"{outcome.reason}.{_consent_hint(stats)}"


def _timeout_hint(stats: UsageStats, detail: ReasonDetail | None) -> str:
    """Return the timeout setting and its fix when `detail` is a timed-out request, else ""."""
    if detail is None or detail.code != _reasons.TRANSPORT_ERROR:
        return ""
    if not str(detail.params.get("error_type", "")).endswith("Timeout"):
        return ""
    seconds = stats.config().timeout_seconds
    maximum = TIMEOUT_SECONDS_RANGE[1]
    return (
        f" (no response within USAGE_STATS_TIMEOUT, now {seconds} s. If the collector is slow, "
        f"set it higher, up to {maximum} s)"
    )


def _rejected_text(outcome: Rejected) -> str:
    """Describe a rejection, saying whether the report stays queued as the service keeps it."""
    status_text = f"HTTP {outcome.http_status} {outcome.message}".rstrip()
    if outcome.http_status in (401, 403):
        return (
            f"Not sent, the reports stay queued until USAGE_STATS_API_KEY is fixed: the collector rejected "
            f"the API key ({status_text})."
        )
    if outcome.http_status < 400 or outcome.http_status in ENDPOINT_ERROR_STATUSES:
        return (
            f"Not sent, the reports stay queued until USAGE_STATS_ENDPOINT is fixed: the collector URL looks "
            f"wrong ({status_text})."
        )
    return f"Rejected by the collector: {status_text}"


def cmd_submit(stats: UsageStats, args: argparse.Namespace) -> int:
    failed = False
    for outcome in asyncio.run(stats.submit_due(force=args.force)):
        if isinstance(outcome, Sent):
            print(f"Sent report {outcome.report_id} (submission id {outcome.submission_id}).")
        elif isinstance(outcome, Skipped):
            print(f"Nothing sent: {_skipped_text(stats, outcome)}")
        elif isinstance(outcome, RetryLater):
            wait = f", retry after {outcome.retry_after_seconds:.0f} s" if outcome.retry_after_seconds else ""
            reason = f"{outcome.reason}{_timeout_hint(stats, outcome.detail)}"
            print(f"Report {outcome.report_id} not sent, kept for a later try: {reason}{wait}.", file=sys.stderr)
            failed = True
        elif isinstance(outcome, Rejected):
            print(_rejected_text(outcome), file=sys.stderr)
            failed = True

    if stats.status().server_deletion == "pending" and _report_deletion(stats, asyncio.run(stats.request_server_deletion())):
        failed = True
    return EXIT_FAILED if failed else EXIT_OK


def cmd_export(stats: UsageStats, args: argparse.Namespace) -> int:
    if args.output is None:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = stats.export(Path(folder) / f"export.{args.format}", args.format)
            sys.stdout.write(path.read_text(encoding="utf-8"))
        return EXIT_OK

    path = _export_to_file(stats, args.output, args.format)
    print(f"Exported to {path}.")
    return EXIT_OK


def _export_to_file(stats: UsageStats, output: str, fmt: str) -> str:
    """Write the export to `output`, turning a path that cannot be written into a UsageError."""
    if os.path.isdir(output):
        example = os.path.join(output, f"usage-export.{fmt}")
        msg = f"Cannot export to {output!r}: it is a folder. Name a file in it, for example --output {example}."
        raise UsageError(msg)
    try:
        return str(stats.export(output, fmt))
    except StoreFileTargetError as error:
        raise UsageError(str(error)) from None
    except (FileExistsError, NotADirectoryError):
        # The folders of the path are created as needed, and one of them exists as a file.
        msg = f"Cannot write the export to {output!r}: a folder in the path is a file. Name a file in a folder you can write to."
        raise UsageError(msg) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        msg = f"Cannot write the export to {output!r}: {reason}. Name a file in a folder you can write to."
        raise UsageError(msg) from None


def cmd_delete(stats: UsageStats, args: argparse.Namespace) -> int:
    if not args.yes:
        msg = "Refusing to delete without confirmation: run `delete --yes` to delete all local events and history."
        raise UsageError(msg)
    stats.delete_local_data()
    print(
        "Deleted all local events, sessions, the report history, the count of sent reports and the features "
        "switched on. Consent, installation id and report schedule are kept."
    )
    return EXIT_OK


def cmd_server_data(stats: UsageStats, args: argparse.Namespace) -> int:
    body = asyncio.run(stats.fetch_server_data())
    sys.stdout.buffer.write(body + b"\n")
    sys.stdout.flush()
    return EXIT_OK


def cmd_pause(stats: UsageStats, args: argparse.Namespace) -> int:
    if args.resume:
        stats.resume()
        print("Submission resumed.")
        return EXIT_OK
    until = stats.pause(args.days)
    print(f"Submission paused until {format_display_time(until)}.")
    return EXIT_OK


def cmd_history(stats: UsageStats, args: argparse.Namespace) -> int:
    entries = stats.history()
    for entry in entries:
        sent = _display_time(entry.sent_at)
        line = f"{entry.report_id}  {entry.status:9}  HTTP {entry.http_status or '-'}  sent {sent}"
        if entry.status == "rejected" and entry.dropped_events is not None:
            line += f"  events requeued {entry.requeued_events}, kept locally and not sent {entry.dropped_events}"
        print(line)
    check = stats.verify_history()
    if check.ok:
        statuses = [entry.status for entry in entries]
        print(_history_summary(check.entries_checked, statuses.count("pending"), statuses.count("cancelled")))
        return EXIT_OK
    print(f"History check failed at report {check.first_broken_report_id}: {check.problem}.", file=sys.stderr)
    return EXIT_FAILED


def _history_summary(chained: int, pending: int, cancelled: int) -> str:
    """Describe a verified history: the hash chain covers sent and rejected reports only.

    Pending and cancelled reports are listed by `history` too, so the summary counts them
    separately, and the chain count does not read as a miscount of the rows above it.
    """
    if chained == 0:
        summary = "History verified: no report has been sent yet, so the chain is empty."
    elif chained == 1:
        summary = "History verified: the chain of 1 sent report is intact."
    else:
        summary = f"History verified: the chain of {chained} sent reports is intact."
    if pending == 1:
        summary += " 1 pending report is not part of it until it is sent."
    elif pending > 1:
        summary += f" {pending} pending reports are not part of it until they are sent."
    if cancelled == 1:
        summary += " 1 cancelled report is not part of it, because it was never sent."
    elif cancelled > 1:
        summary += f" {cancelled} cancelled reports are not part of it, because they were never sent."
    return summary


def _positive_days(text: str) -> int:
    if not _INTEGER.fullmatch(text) or not 1 <= int(text) <= 365:
        msg = f"invalid number of days {text!r}: use a whole number from 1 to 365"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    # The shared options follow the command (`status --home DIR`), because `python -m app`
    # starts the tray app when its first argument is an option.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", help="data folder (default: USAGE_STATS_HOME or the platform's app-data folder)")
    common.add_argument(
        "--deployment-mode", choices=("homeassistant", "docker", "standalone", "pi", "desktop"),
        help="how Printernizer is installed (default: USAGE_STATS_DEPLOYMENT_MODE or standalone)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Printernizer usage statistics. Without a COMMAND, the tray app starts; "
        "--self-test checks that Qt, the store and the resources work, then exits.",
        epilog=EXIT_STATUS_HELP,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = functools.partial(commands.add_parser, parents=[common])

    status = command("status", help="show consent, stored events and submission state")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(handler=cmd_status)

    record = command(
        "record",
        help="record one event, e.g. record job_created printer_type=prusa",
        epilog=metadata_reference(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    record.add_argument("event_type", metavar="EVENT_TYPE", help=", ".join(member.value for member in EventType))
    record.add_argument("metadata", nargs="*", metavar="KEY=VALUE", help="metadata; numbers and true/false are typed")
    record.set_defaults(handler=cmd_record)

    preview = command("preview", help="print the next report as the scheduled send would post it (a forced send ends its period now)")
    preview.add_argument("--pretty", action="store_true", help="indent the JSON (the bytes sent are compact)")
    preview.set_defaults(handler=cmd_preview)

    policy = command("policy", help="print the privacy policy and what changed since you agreed")
    policy.add_argument(
        "--language", choices=POLICY_LANGUAGES, default=DEFAULT_LANGUAGE,
        help=f"language of the policy text (default: {DEFAULT_LANGUAGE})",
    )
    policy.set_defaults(handler=cmd_policy)

    opt_in = command("opt-in", help="agree to send anonymous weekly reports")
    opt_in.add_argument("--policy-version", help="privacy policy version agreed to (default: the current one)")
    opt_in.set_defaults(handler=cmd_opt_in)

    command("opt-out", help="stop sending, cancel queued reports, ask the collector to delete").set_defaults(handler=cmd_opt_out)

    submit = command("submit", help="send the reports that are due")
    submit.add_argument(
        "--force", action="store_true",
        help="send now, even while submission is paused: when no report is waiting, the current period "
        "ends now and is sent, and the next period starts now",
    )
    submit.set_defaults(handler=cmd_submit)

    export = command("export", help="export all local data")
    export.add_argument("--format", choices=("json", "csv"), default="json", help="json: everything; csv: the events")
    export.add_argument("--output", metavar="FILE", help="file to write (default: standard output)")
    export.set_defaults(handler=cmd_export)

    delete = command("delete", help="delete all local events, the report history and the count of sent reports")
    delete.add_argument("--yes", action="store_true", help="confirm the deletion")
    delete.set_defaults(handler=cmd_delete)

    command("server-data", help="print what the collector holds for this installation").set_defaults(handler=cmd_server_data)

    pause = command("pause", help="pause submission for some days")
    pause.add_argument("--days", type=_positive_days, default=7, help="days to pause, 1-365 (default: 7)")
    pause.add_argument("--resume", action="store_true", help="end a pause now")
    pause.set_defaults(handler=cmd_pause)

    command("history", help="list sent reports and verify the history chain").set_defaults(handler=cmd_history)
    return parser


def _not_from_stamina(record: logging.LogRecord) -> bool:
    return not record.name.startswith("stamina")


def _not_told_by_command(record: logging.LogRecord) -> bool:
    """Leave out the records whose content a command prints itself, in command-line terms."""
    return getattr(record, "event", None) != CONSENT_POLICY_OUTDATED_EVENT


class _ClosedPipeTolerantOutput(io.RawIOBase):
    """A raw output stream on a file descriptor that discards what is written after its reader closed the pipe.

    A reader such as `head` may close the pipe before or after the last write, depending on
    timing. Discarding the rest keeps a command running to its end, so its exit status does not
    depend on that timing, and no BrokenPipeError reaches the user.
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self.reader_closed = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        if not self.reader_closed:
            try:
                return os.write(self._fd, data)
            except BrokenPipeError:
                self.reader_closed = True
                # The null device takes the place of the pipe, so the interpreter's flush at exit succeeds too.
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, self._fd)
                os.close(null)
        return len(data)


@contextlib.contextmanager
def _tolerate_closed_stdout() -> Iterator[None]:
    """Write standard output through _ClosedPipeTolerantOutput while the block runs.

    Standard output is left as it is when it has no file descriptor, as under pytest's capsys,
    and when it is a terminal, which no reader closes early. On Windows a terminal's own stream
    also writes Unicode through the console, which writing bytes to its descriptor would not.
    """
    original = sys.stdout
    try:
        fd = original.fileno()
        terminal = original.isatty()
    except (AttributeError, OSError, ValueError):
        yield
        return
    if terminal:
        yield
        return

    original.flush()
    raw = _ClosedPipeTolerantOutput(fd)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw), encoding=original.encoding, errors=original.errors, line_buffering=original.line_buffering
    )
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = original


def main(argv: Sequence[str] | None = None) -> int:
    with _tolerate_closed_stdout():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    stderr_handler = logging.StreamHandler(sys.stderr)
    # The level sits on the handler because app.log below lowers the core logger to INFO.
    stderr_handler.setLevel(logging.WARNING)
    stderr_handler.setFormatter(logging.Formatter("usage-stats: %(levelname)s: %(message)s"))
    # stamina logs each scheduled retry as a WARNING named by its event ("stamina.retry_scheduled").
    # The submit command prints one line per report that stayed queued instead.
    stderr_handler.addFilter(_not_from_stamina)
    stderr_handler.addFilter(_not_told_by_command)
    logging.getLogger().addHandler(stderr_handler)
    logging.getLogger().setLevel(logging.WARNING)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "handler", None) is cmd_record and not any(item.startswith("-") for item in extra):
        # argparse ends a `*` positional at the first option, so in `record job_created --home DIR
        # printer_type=prusa` the metadata after the option is left over. It belongs to the event.
        args.metadata = [*args.metadata, *extra]
    elif extra:
        # The KEY=VALUE items of record are valid, so only the options are named.
        unknown = [item for item in extra if item.startswith("-")] if getattr(args, "handler", None) is cmd_record else extra
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")

    try:
        stats = UsageStats.open(args.home, deployment_mode=args.deployment_mode, strict_config=True)
    except UsageStatsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    attach_log_file(stats.path.parent, "app.core")
    try:
        stats.config()
        return args.handler(stats, args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except UsageStatsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE if isinstance(error, (ConfigError, ConsentError)) else EXIT_FAILED
    except (sqlite3.Error, peewee.PeeweeException) as error:
        print(f"error: the usage database {stats.path} failed: {error}. Try again; if it persists, check the disk.", file=sys.stderr)
        return EXIT_FAILED
    finally:
        stats.close()
