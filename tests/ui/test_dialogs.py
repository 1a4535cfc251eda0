"""The consent, delete and policy dialogs as widgets, driven by clicks and keys."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QMessageBox,
    QProxyStyle,
    QScrollArea,
    QStyle,
    QStyleFactory,
)

from app.ui.actions import SaveFileDialog, filter_suffix
from app.ui.consent import (
    EXAMPLE_REPORT,
    FIRST_RUN,
    RECONSENT,
    ConsentDecision,
    ConsentDialog,
    consent_question,
    report_example,
)
from app.ui.delete_dialog import DeleteChoice, DeleteDialog
from app.ui.policy_dialog import PolicyDialog
from tests.ui.fakes import FakeConsent, FakePolicy, FakeStats


def _open_dialog(qtbot, previous_version: str | None = None) -> ConsentDialog:
    dialog = ConsentDialog(FakePolicy(), "{}", example_is_real=False, previous_version=previous_version)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def test_consent_share_button_decides_share(qtbot) -> None:
    dialog = _open_dialog(qtbot)
    qtbot.mouseClick(dialog.share_button, Qt.MouseButton.LeftButton)

    assert dialog.decision == ConsentDecision.SHARE
    assert not dialog.isVisible()


def test_consent_dont_share_button_decides_refusal(qtbot) -> None:
    dialog = _open_dialog(qtbot)
    qtbot.mouseClick(dialog.dont_share_button, Qt.MouseButton.LeftButton)

    assert dialog.decision == ConsentDecision.DONT_SHARE


def test_consent_escape_leaves_undecided(qtbot) -> None:
    dialog = _open_dialog(qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    assert dialog.decision == ConsentDecision.UNDECIDED
    assert not dialog.isVisible()


def test_consent_close_leaves_undecided(qtbot) -> None:
    dialog = _open_dialog(qtbot)
    dialog.close()

    assert dialog.decision == ConsentDecision.UNDECIDED
    assert not dialog.isVisible()


def test_consent_enter_picks_nothing(qtbot) -> None:
    dialog = _open_dialog(qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)

    assert dialog.decision == ConsentDecision.UNDECIDED
    assert dialog.isVisible()


@pytest.mark.parametrize(
    ("key", "decision"),
    [(Qt.Key.Key_S, ConsentDecision.SHARE), (Qt.Key.Key_D, ConsentDecision.DONT_SHARE)],
)
def test_consent_mnemonic_decides(qtbot, key, decision: ConsentDecision) -> None:
    dialog = _open_dialog(qtbot)
    qtbot.waitUntil(dialog.isActiveWindow)

    qtbot.keyClick(dialog, key, Qt.KeyboardModifier.AltModifier)

    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.decision == decision


def test_consent_buttons_show_mnemonics(qtbot) -> None:
    dialog = _open_dialog(qtbot)

    assert dialog.share_button.text() == "&Share anonymous statistics"
    assert dialog.dont_share_button.text() == "&Don't share"


def test_consent_buttons_equally_prominent(qtbot) -> None:
    dialog = _open_dialog(qtbot)
    share, dont_share = dialog.share_button, dialog.dont_share_button

    assert share.size() == dont_share.size()
    assert not share.isDefault()
    assert not dont_share.isDefault()
    assert not share.autoDefault()
    assert not dont_share.autoDefault()
    assert share.styleSheet() == dont_share.styleSheet() == ""


def test_consent_first_run_lists_policy(qtbot) -> None:
    dialog = _open_dialog(qtbot)
    text = dialog.findChild(object, "policyView").toPlainText()

    assert "Counts of print jobs" in text
    assert "File names" in text
    assert dialog.findChild(object, "reportExample").isVisibleTo(dialog)


def test_reconsent_shows_only_changes(qtbot) -> None:
    dialog = _open_dialog(qtbot, previous_version="1")
    text = dialog.findChild(object, "policyView").toPlainText()

    assert dialog.is_reconsent()
    assert "Failed jobs are counted separately." in text
    assert "Counts of print jobs" not in text
    assert dialog.findChild(object, "reportExample") is None


@pytest.mark.parametrize(
    ("consent", "expected"),
    [
        (FakeConsent("undecided"), FIRST_RUN),
        (FakeConsent("granted", "1"), RECONSENT),
        (FakeConsent("granted", "2"), None),
        (FakeConsent("refused"), None),
        (FakeConsent("undecided", blocked_by_dnt=True), None),
        (FakeConsent("granted", "1", blocked_by_dnt=True), None),
    ],
)
def test_consent_question_by_state(consent: FakeConsent, expected: str | None) -> None:
    assert consent_question(consent, FakePolicy(version="2")) == expected


def test_report_example_uses_preview(qapp) -> None:
    text, is_real = report_example(FakeStats())

    assert is_real
    assert json.loads(text) == {"report_id": "r-next", "usage_stats": {"job_count": 0}}


def test_report_example_falls_back_when_empty(qapp) -> None:
    stats = FakeStats()
    stats.preview = lambda: b""  # type: ignore[method-assign]
    text, is_real = report_example(stats)

    assert not is_real
    assert json.loads(text) == EXAMPLE_REPORT


def _delete_dialog(qtbot, answer: QMessageBox.StandardButton, server: bool = True) -> tuple[DeleteDialog, list[str]]:
    dialog = DeleteDialog(server_deletion_possible=server)
    qtbot.addWidget(dialog)
    questions: list[str] = []

    def answer_with(text: str) -> QMessageBox.StandardButton:
        questions.append(text)
        return answer

    dialog.ask_confirmation = answer_with  # type: ignore[method-assign]
    dialog.open()
    return dialog, questions


@pytest.mark.parametrize("choice", list(DeleteChoice))
def test_delete_dialog_returns_confirmed_choice(qtbot, choice: DeleteChoice) -> None:
    dialog, questions = _delete_dialog(qtbot, QMessageBox.StandardButton.Yes)
    dialog.select(choice)
    dialog.button_box.accepted.emit()

    assert dialog.choice == choice
    assert len(questions) == 1
    assert questions[0].endswith("This cannot be undone.")
    assert ("on this computer" in questions[0]) == (choice != DeleteChoice.SERVER)
    assert ("statistics server" in questions[0]) == (choice != DeleteChoice.LOCAL)


@pytest.mark.parametrize(
    ("choice", "kept"),
    [
        (DeleteChoice.LOCAL, "Your sharing choice and installation id are kept."),
        (DeleteChoice.BOTH, "Your installation id is kept."),
    ],
)
def test_delete_confirmation_names_what_stays(qtbot, choice: DeleteChoice, kept: str) -> None:
    dialog = DeleteDialog(server_deletion_possible=True)
    qtbot.addWidget(dialog)

    text = dialog.confirmation_text(choice)

    assert kept in text
    assert ("sharing choice" in text) == (choice == DeleteChoice.LOCAL)
    assert ("Sharing will be turned off" in text) == (choice == DeleteChoice.BOTH)


SERVER_RETRY_TEXT = "If it cannot be reached now, the request is retried until it is confirmed."
LOCAL_TEXT = (
    "All events, sessions, reports waiting to be sent and the history of sent reports on this computer will be "
    "deleted."
)


@pytest.mark.parametrize(
    ("sharing_on", "choice", "expected"),
    [
        (True, DeleteChoice.SERVER, [
            "Sharing will be turned off, and the statistics server will be asked to delete every report it holds for "
            f"this installation. {SERVER_RETRY_TEXT}",
        ]),
        (False, DeleteChoice.SERVER, [
            f"The statistics server will be asked to delete every report it holds for this installation. {SERVER_RETRY_TEXT}",
        ]),
        (True, DeleteChoice.BOTH, [
            f"{LOCAL_TEXT} Reports then show printers and features only once Printernizer records them again. Your "
            "installation id is kept.",
            "Sharing will be turned off, and the statistics server will be asked to delete every report it holds for "
            f"this installation. {SERVER_RETRY_TEXT}",
        ]),
        (False, DeleteChoice.BOTH, [
            f"{LOCAL_TEXT} Reports then show printers and features only once Printernizer records them again. Your "
            "sharing choice and installation id are kept.",
            f"The statistics server will be asked to delete every report it holds for this installation. {SERVER_RETRY_TEXT}",
        ]),
    ],
)
def test_delete_confirmation_follows_sharing(qtbot, sharing_on, choice, expected) -> None:
    dialog = DeleteDialog(server_deletion_possible=True, sharing_on=sharing_on)
    qtbot.addWidget(dialog)

    assert dialog.confirmation_text(choice).split("\n\n") == [*expected, "This cannot be undone."]


class IconButtonsStyle(QProxyStyle):
    """A style that puts icons on standard dialog buttons, as some desktop themes do."""

    def styleHint(self, hint, option=None, widget=None, return_data=None) -> int:  # noqa: ANN001
        if hint == QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 1
        return super().styleHint(hint, option, widget, return_data)


def test_delete_confirmation_button_without_icon(qtbot) -> None:
    original_style = QApplication.style().name()
    QApplication.setStyle(IconButtonsStyle())
    try:
        dialog = DeleteDialog(server_deletion_possible=True)
        qtbot.addWidget(dialog)
        box, delete_button = dialog.confirmation_box("text")
        cancel_button = box.button(QMessageBox.StandardButton.Cancel)

        assert delete_button.text() == "&Delete"
        assert delete_button.shortcut() == QKeySequence("Alt+D")
        assert box.buttonRole(delete_button) == QMessageBox.ButtonRole.DestructiveRole
        assert delete_button.icon().isNull()
        assert not cancel_button.icon().isNull()
        assert box.defaultButton() is cancel_button
    finally:
        QApplication.setStyle(QStyleFactory.create(original_style))


def test_delete_dialog_cancelled_confirmation(qtbot) -> None:
    dialog, questions = _delete_dialog(qtbot, QMessageBox.StandardButton.Cancel)
    dialog.select(DeleteChoice.BOTH)
    dialog.button_box.accepted.emit()

    assert dialog.choice is None
    assert dialog.isVisible()
    assert len(questions) == 1


def test_delete_dialog_needs_a_choice(qtbot) -> None:
    dialog, _ = _delete_dialog(qtbot, QMessageBox.StandardButton.Yes)
    delete_button = [b for b in dialog.button_box.buttons()
                     if dialog.button_box.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole][0]

    assert not delete_button.isEnabled()
    dialog.select(DeleteChoice.LOCAL)
    assert delete_button.isEnabled()


def _click_option(qtbot, dialog: DeleteDialog, choice: DeleteChoice) -> None:
    """Click an option on its round indicator, where a user clicks, and not in the middle of its row."""
    radio = dialog.findChild(object, f"delete_{choice.value}")
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert radio.isChecked()


@pytest.mark.parametrize("choice", list(DeleteChoice))
def test_delete_tab_order_after_choice(qtbot, choice: DeleteChoice) -> None:
    dialog, _ = _delete_dialog(qtbot, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(dialog.isActiveWindow)
    cancel_button = dialog.button_box.button(QDialogButtonBox.StandardButton.Cancel)
    _click_option(qtbot, dialog, choice)

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget().text() == "&Delete..."
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is cancel_button


def test_delete_tab_enter_asks_confirmation(qtbot) -> None:
    dialog, questions = _delete_dialog(qtbot, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(dialog.isActiveWindow)
    _click_option(qtbot, dialog, DeleteChoice.LOCAL)

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    assert len(questions) == 1
    assert dialog.choice == DeleteChoice.LOCAL


def test_delete_options_have_mnemonics(qtbot) -> None:
    dialog, _ = _delete_dialog(qtbot, QMessageBox.StandardButton.Yes)
    delete_button = [b for b in dialog.button_box.buttons()
                     if dialog.button_box.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole][0]
    shortcuts = {choice: dialog.findChild(object, f"delete_{choice.value}").shortcut() for choice in DeleteChoice}

    # Qt turns the letter after "&" into an Alt shortcut that chooses the option.
    assert shortcuts[DeleteChoice.LOCAL] == QKeySequence("Alt+T")
    assert shortcuts[DeleteChoice.SERVER] == QKeySequence("Alt+S")
    assert shortcuts[DeleteChoice.BOTH] == QKeySequence("Alt+B")
    assert delete_button.shortcut() == QKeySequence("Alt+D")


@pytest.mark.parametrize(
    ("sharing_on", "server_text", "both_text"),
    [
        (True, "Only what the statistics &server holds (turns sharing off)", "&Both (turns sharing off)"),
        (False, "Only what the statistics &server holds", "&Both"),
    ],
)
def test_delete_labels_follow_sharing(qtbot, sharing_on, server_text, both_text) -> None:
    dialog = DeleteDialog(server_deletion_possible=True, sharing_on=sharing_on)
    qtbot.addWidget(dialog)

    assert dialog.findChild(object, "delete_server").text() == server_text
    assert dialog.findChild(object, "delete_both").text() == both_text


def test_delete_dialog_without_collector(qtbot) -> None:
    dialog, _ = _delete_dialog(qtbot, QMessageBox.StandardButton.Yes, server=False)

    assert not dialog.findChild(object, "delete_server").isEnabled()
    assert not dialog.findChild(object, "delete_both").isEnabled()
    assert dialog.findChild(object, "delete_local").isEnabled()


def test_policy_dialog_lists_policy(qtbot) -> None:
    dialog = PolicyDialog(FakePolicy())
    qtbot.addWidget(dialog)

    assert dialog.windowTitle() == "Privacy policy (version 2)"
    assert "File names" in dialog.browser.toPlainText()
    assert dialog.browser.toPlainText().endswith(
        "No statistics server is set up on this computer, so nothing is sent until one is."
    )


def test_policy_dialog_names_server(qtbot) -> None:
    dialog = PolicyDialog(FakePolicy(), endpoint="https://stats.example.org")
    qtbot.addWidget(dialog)

    assert dialog.browser.toPlainText().endswith(
        "While sharing is on, reports from this computer go to the statistics server at https://stats.example.org."
    )


def test_consent_shrinks_to_minimum(qtbot) -> None:
    dialog = ConsentDialog(FakePolicy(), json.dumps(EXAMPLE_REPORT, indent=2), example_is_real=False)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(dialog.minimumSize())
    qtbot.waitUntil(lambda: dialog.size() == QSize(420, 320))

    assert dialog.minimumSize() == QSize(420, 320)
    for button in (dialog.share_button, dialog.dont_share_button):
        assert dialog.rect().contains(button.geometry())
    scroll_area = dialog.findChild(QScrollArea, "consentScrollArea")
    assert scroll_area.verticalScrollBar().maximum() > 0


@pytest.mark.parametrize(("previous_version", "size"), [(None, (600, 640)), ("1", (520, 320))])
def test_consent_start_size_fits_screen(qtbot, previous_version: str | None, size: tuple[int, int]) -> None:
    dialog = ConsentDialog(FakePolicy(), "{}", example_is_real=False, previous_version=previous_version)
    qtbot.addWidget(dialog)
    available = dialog.screen().availableGeometry()

    assert dialog.size() == QSize(min(size[0], available.width()), min(size[1], available.height()))


def test_save_dialog_suffix_follows_filter(qtbot, tmp_path) -> None:
    dialog = SaveFileDialog(None, "Export", str(tmp_path / "data.json"), "JSON (*.json);;CSV (*.csv)")
    qtbot.addWidget(dialog)
    dialog.open()
    file_types = dialog.findChild(QComboBox, "fileTypeCombo")
    initial_suffix = dialog.defaultSuffix()

    qtbot.keyClick(file_types, Qt.Key.Key_Down)
    csv_suffix = dialog.defaultSuffix()
    qtbot.keyClick(file_types, Qt.Key.Key_Up)

    assert initial_suffix == "json"
    assert csv_suffix == "csv"
    assert dialog.defaultSuffix() == "json"


@pytest.mark.parametrize(
    ("name_filter", "suffix"),
    [
        ("JSON: events and sent reports (*.json)", "json"),
        ("CSV: Nur Ereignisse (*.csv)", "csv"),
        ("Archives (*.tar.gz *.zip)", "tar.gz"),
        ("All files (*)", ""),
    ],
)
def test_filter_suffix_of_first_pattern(name_filter: str, suffix: str) -> None:
    assert filter_suffix(name_filter) == suffix


@pytest.mark.parametrize(
    ("sharing_on", "server_text"),
    [
        (True, "Das Teilen wird ausgeschaltet, und der Statistikserver wird gebeten, alle Berichte dieser "
               "Installation zu löschen."),
        (False, "Der Statistikserver wird gebeten, alle Berichte dieser Installation zu löschen."),
    ],
)
def test_delete_confirmation_in_german(qtbot, german, sharing_on, server_text) -> None:
    dialog = DeleteDialog(server_deletion_possible=True, sharing_on=sharing_on)
    qtbot.addWidget(dialog)

    assert dialog.confirmation_text(DeleteChoice.SERVER) == (
        f"{server_text} Ist er gerade nicht erreichbar, wird die Anfrage wiederholt, bis er sie bestätigt."
        "\n\nDas kann nicht rückgängig gemacht werden."
    )
