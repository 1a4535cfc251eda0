"""The privacy policy in the language of the loaded Qt translation, shown in real dialogs."""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QTextBrowser

from app.core import privacy_policy
from app.ui.consent import ConsentDialog
from app.ui.i18n import install_translator, translation_language
from app.ui.policy_dialog import PolicyDialog


def _policy_view_lines(dialog: ConsentDialog) -> list[str]:
    return dialog.findChild(QTextBrowser, "policyView").toPlainText().splitlines()


def test_translation_language_german(german) -> None:
    assert translation_language(german) == "de"


def test_translation_language_english(qapp) -> None:
    translator = install_translator(qapp, QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    try:
        assert translator is not None
        assert translation_language(translator) == "en"
    finally:
        qapp.removeTranslator(translator)


def test_translation_language_without_translation(qapp) -> None:
    translator = install_translator(qapp, QLocale(QLocale.Language.Japanese, QLocale.Country.Japan))

    try:
        assert translation_language(translator) == "en"
    finally:
        qapp.removeTranslator(translator)


def test_german_consent_dialog_lists_german_policy(qtbot, german) -> None:
    dialog = ConsentDialog(privacy_policy(translation_language(german)), "{}", example_is_real=False)
    qtbot.addWidget(dialog)
    dialog.open()
    lines = _policy_view_lines(dialog)

    assert lines[0] == "Was erfasst wird"
    assert lines[4] == "Die Anzahl der Drucker, aufgeschlüsselt nach Druckertyp"
    assert lines[10].startswith("Ein Fingerabdruck Ihrer IP-Adresse, den der Statistikserver aufbewahrt")
    assert lines[11] == "Was nie erfasst wird"
    assert lines[17] == "Der Löschschlüssel selbst"
    assert lines[18:] == [
        "Wohin die Daten gehen und wie lange sie gespeichert werden",
        "Auf diesem Computer ist kein Statistikserver eingerichtet, daher wird nichts gesendet, bis einer "
        "eingerichtet ist.",
        "Dieser Computer löscht Ereignisse nach 90 Tagen, bei eingeschaltetem Teilen aber erst, nachdem ein "
        "Bericht sie gezählt hat. Der Statistikserver bewahrt Berichte höchstens zwei Jahre auf.",
        "Sie können diese Daten jederzeit über das Menü des Symbols im Infobereich der Taskleiste ansehen, "
        "exportieren und löschen sowie den Statistikserver bitten, seine Daten zu löschen.",
        "Wenn Sie nicht teilen, werden Ereignisse weiterhin auf diesem Computer erfasst, wo Sie sie ansehen "
        "können, aber nie gesendet.",
    ]


def test_german_reconsent_dialog_lists_german_changes(qtbot, german) -> None:
    policy = privacy_policy(translation_language(german))
    dialog = ConsentDialog(policy, "{}", example_is_real=False, previous_version="1")
    qtbot.addWidget(dialog)
    dialog.open()

    assert _policy_view_lines(dialog) == [
        "Änderungen seit Version 1, der Sie zugestimmt haben",
        "Abgeschlossene und fehlgeschlagene Druckaufträge werden jetzt getrennt von den erstellten Aufträgen gezählt.",
        "Jeder Bericht enthält einen Fingerabdruck eines geheimen Löschschlüssels, der auf Ihrem Computer "
        "gespeichert ist. So können nur Sie den Statistikserver bitten, Ihre Daten zu löschen oder Ihnen zu zeigen, "
        "welche Daten er gespeichert hat.",
        "Die Erklärung sagt jetzt, wie der Statistikserver die Berichte pro Adresse begrenzt: mit einem Fingerabdruck "
        "der Adresse, dessen Schlüssel täglich ersetzt wird, nie mit der Adresse selbst.",
        "Der erste Bericht nach Ihrer Zustimmung beschreibt Ihre Drucker und die eingeschalteten Funktionen so, wie sie "
        "zu diesem Zeitpunkt eingerichtet sind, auch wenn Sie sie vor Ihrer Zustimmung eingerichtet haben. "
        "Druckaufträge, Dateien und Fehler werden weiterhin erst ab Ihrer Zustimmung gezählt.",
        "Unter Windows wählt die Regionseinstellung von Windows das Land aus, wenn eine Zeitzone mehrere Länder "
        "umfasst; das Land stammt weiterhin nur aus diesen Einstellungen.",
    ]


def test_german_policy_dialog_text(qtbot, german) -> None:
    dialog = PolicyDialog(privacy_policy(translation_language(german)))
    qtbot.addWidget(dialog)
    lines = dialog.browser.toPlainText().splitlines()

    assert dialog.windowTitle() == "Datenschutzerklärung (Version 3)"
    assert lines[0] == "Datenschutzerklärung, Version 3 (gültig ab 05.12.2026)"
    assert lines[13] == "Was nie erfasst wird"
    assert lines[19] == "Der Löschschlüssel selbst"
    assert lines[21].startswith("Ereignisse werden 90 Tage nach ihrer Aufzeichnung von diesem Computer gelöscht")


def _list_items(document: QTextDocument) -> list[tuple[str, int]]:
    """Return the text and list indent of every block that belongs to a list."""
    items = []
    block = document.begin()
    while block.isValid():
        if block.textList() is not None:
            items.append((block.text(), block.textList().format().indent()))
        block = block.next()
    return items


def test_policy_dialog_uses_real_lists(qtbot) -> None:
    policy = privacy_policy()
    dialog = PolicyDialog(policy)
    qtbot.addWidget(dialog)
    lines = dialog.browser.toPlainText().splitlines()

    expected = [(item, 1) for item in (*policy.collected, *policy.never_collected)]
    assert _list_items(dialog.browser.document()) == expected
    assert lines[:3] == ["Privacy policy, version 3 (effective 2026-12-05)", policy.summary, "What is collected"]
    assert lines[-3:] == [
        policy.rights, policy.retention, "No statistics server is set up on this computer, so nothing is sent until one is."
    ]
    assert not any(line.startswith("  - ") for line in lines)


def test_english_consent_dialog_lists_english_policy(qtbot) -> None:
    dialog = ConsentDialog(
        privacy_policy(translation_language(None)), "{}", example_is_real=False, endpoint="https://stats.example.org"
    )
    qtbot.addWidget(dialog)
    lines = _policy_view_lines(dialog)

    assert lines[0] == "What is collected"
    assert lines[10].startswith("A fingerprint of your IP address, which the statistics server keeps")
    assert lines[17] == "The deletion key itself"
    assert lines[18:] == [
        "Where the data goes and how long it is kept",
        "Reports go to the statistics server at https://stats.example.org.",
        "This computer deletes events after 90 days, but with sharing on not before a report has counted them. "
        "The statistics server keeps reports for at most two years.",
        "You can view, export and delete this data at any time from the tray menu, and ask the statistics server "
        "to delete what it holds.",
        "If you don't share, events are still recorded on this computer, where you can view them, but they are "
        "never sent.",
    ]


def _first_sentence(text: str) -> str:
    return text.split(". ")[0] + "."


def _consent_intro(qtbot, language: str) -> str:
    dialog = ConsentDialog(privacy_policy(language), "{}", example_is_real=False)
    qtbot.addWidget(dialog)
    return dialog.findChild(QLabel, "consentIntro").text()


def test_consent_intro_states_policy_purpose(qtbot) -> None:
    intro = _consent_intro(qtbot, "en")

    assert _first_sentence(intro) == _first_sentence(privacy_policy("en").summary)
    assert _first_sentence(intro) == (
        "Printernizer can send one anonymous report a week to help its maintainers decide what to work on."
    )


def test_german_consent_intro_states_policy_purpose(qtbot, german) -> None:
    intro = _consent_intro(qtbot, translation_language(german))

    assert _first_sentence(intro) == _first_sentence(privacy_policy("de").summary)
    assert _first_sentence(intro) == (
        "Printernizer kann einmal pro Woche einen anonymen Bericht senden, damit die Entwickler besser "
        "entscheiden können, woran sie arbeiten."
    )
