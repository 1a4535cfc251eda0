"""The "Delete my data" dialog: choose local, server or both, then confirm what will be gone."""

from __future__ import annotations

import enum

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


class DeleteChoice(enum.Enum):
    """The copies of the data to delete."""

    LOCAL = "local"
    SERVER = "server"
    BOTH = "both"


class DeleteDialog(QDialog):
    """Offer the three choices; Delete stays disabled until one is picked.

    Accepting opens a confirmation that spells out what will be gone. The dialog returns
    the choice and the caller deletes.
    """

    def __init__(self, server_deletion_possible: bool, parent: QWidget | None = None, *, sharing_on: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("deleteDialog")
        self.setWindowTitle(self.tr("Delete my data"))
        self._choice: DeleteChoice | None = None
        self._sharing_on = sharing_on

        self._create_widgets(server_deletion_possible, sharing_on)
        self._create_layout()
        self._connect_signals()

    @property
    def choice(self) -> DeleteChoice | None:
        return self._choice

    @property
    def button_box(self) -> QDialogButtonBox:
        return self._buttons

    def select(self, choice: DeleteChoice) -> None:
        self._radios[choice].setChecked(True)

    def _create_widgets(self, server_deletion_possible: bool, sharing_on: bool) -> None:
        self._intro = QLabel(self.tr("Which data should be deleted?"))
        # Each option has a mnemonic, because the arrow keys move between options without
        # choosing one while none is chosen. None uses C, which GNOME's and KDE's Cancel
        # button takes. While sharing is on, the server options' labels add that they end it.
        if sharing_on:
            server_text = self.tr("Only what the statistics &server holds (turns sharing off)")
            both_text = self.tr("&Both (turns sharing off)")
        else:
            server_text = self.tr("Only what the statistics &server holds")
            both_text = self.tr("&Both")
        self._radios = {
            DeleteChoice.LOCAL: QRadioButton(self.tr("Only the data on &this computer")),
            DeleteChoice.SERVER: QRadioButton(server_text),
            DeleteChoice.BOTH: QRadioButton(both_text),
        }
        self._group = QButtonGroup(self)
        for choice, radio in self._radios.items():
            radio.setObjectName(f"delete_{choice.value}")
            self._group.addButton(radio)

        self._server_note = QLabel(
            self.tr("No statistics server is configured, so there is nothing on a server to delete.")
        )
        self._server_note.setWordWrap(True)
        self._server_note.setVisible(not server_deletion_possible)
        self._radios[DeleteChoice.SERVER].setEnabled(server_deletion_possible)
        self._radios[DeleteChoice.BOTH].setEnabled(server_deletion_possible)

        self._buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self._delete_button = self._buttons.addButton(self.tr("&Delete..."), QDialogButtonBox.ButtonRole.AcceptRole)
        self._delete_button.setEnabled(False)

    def _create_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self._intro)
        for radio in self._radios.values():
            layout.addWidget(radio)
        layout.addWidget(self._server_note)
        layout.addWidget(self._buttons)
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        # Qt 6.11 otherwise tabs from the options to Cancel before Delete..., so Tab then Enter
        # would cancel. Tab leaves an exclusive radio group from its checked option, so the
        # order is the options, Delete..., then Cancel, whatever the platform's button layout.
        cancel_button = self._buttons.button(QDialogButtonBox.StandardButton.Cancel)
        chain = [*self._radios.values(), self._delete_button, cancel_button]
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)

    def _connect_signals(self) -> None:
        self._group.buttonToggled.connect(lambda *_: self._delete_button.setEnabled(self._checked() is not None))
        self._buttons.accepted.connect(self._confirm)
        self._buttons.rejected.connect(self.reject)

    def _checked(self) -> DeleteChoice | None:
        for choice, radio in self._radios.items():
            if radio.isChecked():
                return choice
        return None

    def _confirm(self) -> None:
        choice = self._checked()
        if choice is None:
            return

        answer = self.ask_confirmation(self.confirmation_text(choice))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._choice = choice
        self.accept()

    def ask_confirmation(self, text: str) -> QMessageBox.StandardButton:
        """Ask the second question and return Yes for Delete; tests replace this one method to answer it."""
        box, delete_button = self.confirmation_box(text)
        box.exec()
        if box.clickedButton() is delete_button:
            return QMessageBox.StandardButton.Yes
        return QMessageBox.StandardButton.Cancel

    def confirmation_box(self, text: str) -> tuple[QMessageBox, QPushButton]:
        """Build the confirmation with Cancel as the default button, and return it with its Delete button.

        Delete is a button of its own with the destructive role, not a renamed Yes, so styles
        that put icons on standard buttons do not give it a check mark.
        """
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Delete my data"), text, parent=self)
        delete_button = box.addButton(self.tr("&Delete"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box, delete_button

    def confirmation_text(self, choice: DeleteChoice) -> str:
        local = self.tr(
            "All events, sessions, reports waiting to be sent and the history of sent reports on this "
            "computer will be deleted. Reports then show printers and features only once Printernizer records "
            "them again. Your sharing choice and installation id are kept."
        )
        if self._sharing_on:
            # A server deletion also turns sharing off, so with both only the installation id is kept.
            local_with_server = self.tr(
                "All events, sessions, reports waiting to be sent and the history of sent reports on this "
                "computer will be deleted. Reports then show printers and features only once Printernizer records "
                "them again. Your installation id is kept."
            )
            server = self.tr(
                "Sharing will be turned off, and the statistics server will be asked to delete every report it "
                "holds for this installation. If it cannot be reached now, the request is retried until it is confirmed."
            )
        else:
            local_with_server = local
            server = self.tr(
                "The statistics server will be asked to delete every report it holds for this installation. If it "
                "cannot be reached now, the request is retried until it is confirmed."
            )
        parts = {
            DeleteChoice.LOCAL: [local],
            DeleteChoice.SERVER: [server],
            DeleteChoice.BOTH: [local_with_server, server],
        }[choice]
        return "\n\n".join([*parts, self.tr("This cannot be undone.")])
