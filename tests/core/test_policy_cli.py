"""`python -m app policy --language`, run in a subprocess as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path):
    base_environ = {
        key: value for key, value in os.environ.items() if not key.startswith("USAGE_STATS_") and key != "DO_NOT_TRACK"
    }
    base_environ.update({
        "USAGE_STATS_HOME": str(tmp_path / "data"),
        "USAGE_STATS_TIMEZONE": "Europe/Berlin",
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8",
    })

    def run_command(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *arguments],
            capture_output=True, text=True, encoding="utf-8", timeout=60, cwd=ROOT, env=base_environ,
        )

    return run_command


def test_policy_cli_german(run) -> None:
    result = run("policy", "--language", "de")
    lines = result.stdout.splitlines()

    assert result.returncode == 0, result.stderr
    assert lines[0] == "Datenschutzerklärung, Version 3 (gültig ab 05.12.2026)"
    assert lines[4] == "Was erfasst wird:"
    assert lines[16] == "Was nie erfasst wird:"
    assert lines[22] == "  - Der Löschschlüssel selbst"
    assert lines[-1] == (
        "Ereignisse werden 90 Tage nach ihrer Aufzeichnung von diesem Computer gelöscht, bei eingeschaltetem Teilen "
        "aber nicht, bevor ein Bericht sie gezählt hat. Der Statistikserver bewahrt Berichte höchstens zwei Jahre auf."
    )


def test_policy_cli_defaults_to_english(run) -> None:
    result = run("policy")
    lines = result.stdout.splitlines()

    assert result.returncode == 0, result.stderr
    assert lines[0] == "Privacy policy, version 3 (effective 2026-12-05)"
    assert lines[22] == "  - The deletion key itself"
    assert result.stdout == run("policy", "--language", "en").stdout


def test_policy_cli_german_changes(run) -> None:
    opted_in = run("opt-in", "--policy-version", "1")
    result = run("policy", "--language", "de")

    assert opted_in.returncode == 0, opted_in.stderr
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-7:] == [
        "",
        "Änderungen seit Version 1, der Sie zugestimmt haben:",
        "  - Abgeschlossene und fehlgeschlagene Druckaufträge werden jetzt getrennt von den erstellten Aufträgen "
        "gezählt.",
        "  - Jeder Bericht enthält einen Fingerabdruck eines geheimen Löschschlüssels, der auf Ihrem Computer "
        "gespeichert ist. So können nur Sie den Statistikserver bitten, Ihre Daten zu löschen oder Ihnen zu zeigen, "
        "welche Daten er gespeichert hat.",
        "  - Die Erklärung sagt jetzt, wie der Statistikserver die Berichte pro Adresse begrenzt: mit einem "
        "Fingerabdruck der Adresse, dessen Schlüssel täglich ersetzt wird, nie mit der Adresse selbst.",
        "  - Der erste Bericht nach Ihrer Zustimmung beschreibt Ihre Drucker und die eingeschalteten Funktionen so, "
        "wie sie zu diesem Zeitpunkt eingerichtet sind, auch wenn Sie sie vor Ihrer Zustimmung eingerichtet haben. "
        "Druckaufträge, Dateien und Fehler werden weiterhin erst ab Ihrer Zustimmung gezählt.",
        "  - Unter Windows wählt die Regionseinstellung von Windows das Land aus, wenn eine Zeitzone mehrere Länder "
        "umfasst; das Land stammt weiterhin nur aus diesen Einstellungen.",
    ]


def test_policy_cli_english_changes(run) -> None:
    run("opt-in", "--policy-version", "1")
    result = run("policy")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-7:] == [
        "",
        "Changed since version 1, which you agreed to:",
        "  - Completed and failed print jobs are now counted separately from created jobs.",
        "  - Each report carries a fingerprint of a secret deletion key kept on your computer, so that you, and "
        "nobody else, can ask the collector to delete your data or show you what it holds.",
        "  - The policy now says how the statistics server limits the reports per address: with a fingerprint of "
        "the address whose key is replaced daily, never with the address itself.",
        "  - The first report after you agree describes your printers and the features switched on as they are set "
        "up at that time, also when you set them up before agreeing. Jobs, files and errors are still counted only "
        "from your agreement.",
        "  - On Windows, where one time zone covers several countries, the region setting of Windows picks the "
        "country among them; the country still comes only from these settings.",
    ]


def test_policy_cli_rejects_unknown_language(run) -> None:
    result = run("policy", "--language", "fr")

    assert result.returncode == 2
    assert "argument --language: invalid choice: 'fr' (choose from 'en', 'de')" in result.stderr
    assert result.stdout == ""
