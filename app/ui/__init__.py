"""The PySide6 tray app over the client core; `app.ui.main.run(argv)` starts it."""
