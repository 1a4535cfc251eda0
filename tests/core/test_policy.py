"""The privacy policy texts in English and German, and the fallback to English."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator

import pytest

from app.core import POLICY_LANGUAGES, UsageStats, policy_version, privacy_policy
from app.core import _policy

GERMAN_SUMMARY = (
    "Printernizer kann einmal pro Woche einen anonymen Bericht senden, damit die Entwickler besser entscheiden "
    "können, woran sie arbeiten. Ohne Ihre Zustimmung wird nichts gesendet, und Sie können Ihre Entscheidung "
    "jederzeit ändern."
)
GERMAN_CHANGES_IN_VERSION_2 = [
    "Abgeschlossene und fehlgeschlagene Druckaufträge werden jetzt getrennt von den erstellten Aufträgen gezählt.",
    "Jeder Bericht enthält einen Fingerabdruck eines geheimen Löschschlüssels, der auf Ihrem Computer gespeichert "
    "ist. So können nur Sie den Statistikserver bitten, Ihre Daten zu löschen oder Ihnen zu zeigen, welche Daten "
    "er gespeichert hat.",
]
ENGLISH_CHANGES_IN_VERSION_2 = [
    "Completed and failed print jobs are now counted separately from created jobs.",
    "Each report carries a fingerprint of a secret deletion key kept on your computer, so that you, and nobody "
    "else, can ask the collector to delete your data or show you what it holds.",
]
GERMAN_CHANGES_IN_VERSION_3 = [
    "Die Erklärung sagt jetzt, wie der Statistikserver die Berichte pro Adresse begrenzt: mit einem Fingerabdruck "
    "der Adresse, dessen Schlüssel täglich ersetzt wird, nie mit der Adresse selbst.",
    "Der erste Bericht nach Ihrer Zustimmung beschreibt Ihre Drucker und die eingeschalteten Funktionen so, wie sie "
    "zu diesem Zeitpunkt eingerichtet sind, auch wenn Sie sie vor Ihrer Zustimmung eingerichtet haben. "
    "Druckaufträge, Dateien und Fehler werden weiterhin erst ab Ihrer Zustimmung gezählt.",
    "Unter Windows wählt die Regionseinstellung von Windows das Land aus, wenn eine Zeitzone mehrere Länder "
    "umfasst; das Land stammt weiterhin nur aus diesen Einstellungen.",
]
ENGLISH_CHANGES_IN_VERSION_3 = [
    "The policy now says how the statistics server limits the reports per address: with a fingerprint of the "
    "address whose key is replaced daily, never with the address itself.",
    "The first report after you agree describes your printers and the features switched on as they are set up at "
    "that time, also when you set them up before agreeing. Jobs, files and errors are still counted only from "
    "your agreement.",
    "On Windows, where one time zone covers several countries, the region setting of Windows picks the country "
    "among them; the country still comes only from these settings.",
]
TRANSLATIONS = [language for language in POLICY_LANGUAGES if language != _policy.DEFAULT_LANGUAGE]


@pytest.fixture
def policy_data(monkeypatch) -> Iterator[dict]:
    """A copy of policy.json that a test may change; the policy caches are emptied around it."""
    data = copy.deepcopy(_policy._load())
    _policy._policy_version.cache_clear()
    _policy._shared_texts.cache_clear()
    monkeypatch.setattr(_policy, "_load", lambda: data)
    yield data
    _policy._policy_version.cache_clear()
    _policy._shared_texts.cache_clear()


def test_german_policy_texts() -> None:
    policy = privacy_policy("de")

    assert policy.language == "de"
    assert policy.summary == GERMAN_SUMMARY
    assert len(policy.collected) == 10
    assert policy.collected[3] == "Die Anzahl der Drucker, aufgeschlüsselt nach Druckertyp"
    assert policy.collected[9] == (
        "Ein Fingerabdruck Ihrer IP-Adresse, den der Statistikserver aufbewahrt, um zu begrenzen, wie viele Berichte "
        "eine Adresse pro Stunde sendet. Er wird mit einem Schlüssel gebildet, der täglich ersetzt wird. Danach lässt "
        "er sich der Adresse nicht mehr zuordnen. Die Adresse selbst wird nicht gespeichert"
    )
    assert policy.never_collected[-1] == "Der Löschschlüssel selbst"
    assert list(policy.changes) == GERMAN_CHANGES_IN_VERSION_3
    assert policy.retention == (
        "Ereignisse werden 90 Tage nach ihrer Aufzeichnung von diesem Computer gelöscht, bei eingeschaltetem Teilen "
        "aber nicht, bevor ein Bericht sie gezählt hat. Der Statistikserver bewahrt Berichte höchstens zwei Jahre auf."
    )


def test_german_older_version_texts() -> None:
    policy = policy_version("1", "de")

    assert policy.version == "1"
    assert policy.language == "de"
    assert policy.collected[4] == (
        "Die Zahl der pro Woche erstellten Druckaufträge sowie der heruntergeladenen und hochgeladenen Dateien"
    )
    assert policy.never_collected[-1] == "Fehlermeldungen, Stacktraces oder sonstiger Freitext"
    assert policy.changes == ()


def test_english_is_default() -> None:
    policy = privacy_policy()

    assert policy.language == "en"
    assert policy == privacy_policy("en")
    assert policy.never_collected[-1] == "The deletion key itself"
    assert policy.retention == (
        "Events are deleted from this computer 90 days after they were recorded, but while sharing is on not before "
        "a report has counted them. The statistics server keeps reports for at most two years."
    )
    assert policy.rights.endswith("and asks the statistics server to delete your data.")


def test_version_same_in_every_language() -> None:
    english = privacy_policy("en")
    german = privacy_policy("de")

    assert german.version == english.version == "3"
    assert german.effective_date == english.effective_date == "2026-12-05"
    assert german.all_versions == english.all_versions == ("1", "2", "3")


@pytest.mark.parametrize("language", ["fr", "", "xx-YY"])
def test_unknown_language_falls_back_to_english(language: str) -> None:
    policy = privacy_policy(language)

    assert policy.language == "en"
    assert policy == privacy_policy("en")


@pytest.mark.parametrize("language", ["de_DE", "de-AT", "DE"])
def test_regional_german_code_gives_german(language: str) -> None:
    policy = privacy_policy(language)

    assert policy.language == "de"
    assert policy.summary == GERMAN_SUMMARY


def test_unknown_version_raises_in_german() -> None:
    with pytest.raises(KeyError, match="'9' does not exist"):
        policy_version("9", "de")


def test_missing_german_field_falls_back(policy_data: dict, caplog) -> None:
    del policy_data["versions"][-1]["translations"]["de"]["never_collected"]
    del policy_data["text"]["translations"]["de"]["retention"]

    with caplog.at_level(logging.WARNING, logger="app.core"):
        policy = privacy_policy("de")

    assert policy.language == "de"
    assert policy.summary == GERMAN_SUMMARY
    assert policy.never_collected[-1] == "The deletion key itself"
    assert policy.retention == policy_data["text"]["retention"]
    assert policy.rights.startswith("Sie können jedes auf diesem Computer gespeicherte Ereignis")
    assert caplog.messages == [
        "Privacy policy version 3: the 'de' translation is missing 'never_collected', so the English text is shown",
        "Privacy policy shared text: the 'de' translation is missing 'retention', so the English text is shown",
    ]


def test_missing_german_version_falls_back(policy_data: dict) -> None:
    del policy_data["versions"][0]["translations"]

    policy = policy_version("1", "de")

    assert policy.summary == policy_data["versions"][0]["summary"]
    assert policy.as_text().splitlines()[0] == "Datenschutzerklärung, Version 1 (gültig ab 01.06.2026)"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_version_fully_translated(language: str) -> None:
    for entry in _policy._load()["versions"]:
        translation = entry["translations"][language]

        assert sorted(translation) == sorted(_policy.VERSION_TEXT_FIELDS), f"version {entry['version']}"
        assert translation["summary"] != entry["summary"], f"version {entry['version']}"
        for field in ("collected", "never_collected", "changes"):
            assert len(translation[field]) == len(entry[field]), f"version {entry['version']} {field}"
            for english, translated in zip(entry[field], translation[field]):
                assert translated.strip(), f"version {entry['version']} {field}: empty text for {english!r}"
                assert translated != english, f"version {entry['version']} {field}: untranslated {english!r}"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_shared_text_fully_translated(language: str) -> None:
    text = _policy._load()["text"]
    translation = text["translations"][language]

    assert sorted(translation) == sorted(_policy.SHARED_TEXT_FIELDS)
    for field in _policy.SHARED_TEXT_FIELDS:
        assert translation[field] != text[field], field


def test_german_changes_since() -> None:
    german = privacy_policy("de")

    assert german.changes_since("1") == GERMAN_CHANGES_IN_VERSION_2 + GERMAN_CHANGES_IN_VERSION_3
    assert german.changes_since("2") == GERMAN_CHANGES_IN_VERSION_3
    assert german.changes_since("3") == []
    assert german.changes_since(None) == []
    assert german.changes_since("9") == []


def test_english_changes_since() -> None:
    assert privacy_policy("en").changes_since("1") == ENGLISH_CHANGES_IN_VERSION_2 + ENGLISH_CHANGES_IN_VERSION_3


def test_german_changes_since_text() -> None:
    text = privacy_policy("de").changes_since_text("1")

    assert text.splitlines() == [
        "Änderungen seit Version 1, der Sie zugestimmt haben:",
        *(f"  - {change}" for change in GERMAN_CHANGES_IN_VERSION_2 + GERMAN_CHANGES_IN_VERSION_3),
    ]
    assert privacy_policy("de").changes_since_text("3") == ""


def test_german_as_text_headings() -> None:
    lines = privacy_policy("de").as_text().splitlines()

    assert lines[0] == "Datenschutzerklärung, Version 3 (gültig ab 05.12.2026)"
    assert lines[2] == GERMAN_SUMMARY
    assert lines[4] == "Was erfasst wird:"
    assert lines[5] == (
        "  - Eine zufällige Installations-ID, die nicht aus Ihrer Hardware abgeleitet ist und die Sie ersetzen können"
    )
    assert lines[16] == "Was nie erfasst wird:"
    assert lines[22] == "  - Der Löschschlüssel selbst"
    assert lines[24].startswith("Sie können jedes auf diesem Computer gespeicherte Ereignis")
    assert lines[-1] == privacy_policy("de").retention


def test_english_as_text_unchanged() -> None:
    lines = privacy_policy().as_text().splitlines()

    assert lines[0] == "Privacy policy, version 3 (effective 2026-12-05)"
    assert lines[4] == "What is collected:"
    assert lines[16] == "What is never collected:"
    assert lines[22] == "  - The deletion key itself"


def test_german_consent_stores_same_version(stats: UsageStats) -> None:
    stats.opt_in(privacy_policy("de").version)

    assert stats.consent().policy_version == "3"
    assert stats.consent().state == "granted"
