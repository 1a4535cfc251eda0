"""The rotating app.log in the data folder, shared by the command line and the tray app."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FILENAME = "app.log"
LOG_MAX_BYTES = 1024 * 1024
LOG_BACKUP_COUNT = 2


def attach_log_file(folder: Path, logger_name: str) -> logging.Handler | None:
    """Append INFO and higher lines of `logger_name` to app.log in `folder`.

    Runs started by cron, a container or the desktop session leave a record of what was sent.
    Returns the handler, or None when the file cannot be opened (logged at DEBUG, never raised).
    """
    try:
        handler = logging.handlers.RotatingFileHandler(
            folder / LOG_FILENAME, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUP_COUNT, encoding="utf-8"
        )
    except OSError as error:
        logging.getLogger(logger_name).debug("app.log cannot be opened in %s: %s", folder, error)
        return None

    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    target = logging.getLogger(logger_name)
    target.addHandler(handler)
    if target.getEffectiveLevel() > logging.INFO:
        target.setLevel(logging.INFO)
    return handler
