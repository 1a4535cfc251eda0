"""The rotating app.log in the data folder, shared by the command line and the tray app."""

from __future__ import annotations

import errno
import io
import logging
import logging.handlers
import os
import stat
from pathlib import Path

from app.core._store import FILE_MODE

LOG_FILENAME = "app.log"
LOG_MAX_BYTES = 1024 * 1024
LOG_BACKUP_COUNT = 2


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose log file and rotated copies only the owner may read on POSIX.

    The log names reports and the collector URL, and it sits next to the 0600 database, so it
    gets the same mode whatever the umask. Rotation renames the open file, which keeps its mode.
    Existing files lose their group and other bits but never gain owner bits, and an app.log
    whose owner may not write to it is not opened.
    """

    def __init__(self, filename: Path, **options: object) -> None:
        super().__init__(filename, **options)
        if os.name != "posix":
            return
        try:
            self._restrict_backups()
        except OSError:
            self.close()
            raise

    def _open(self) -> io.TextIOWrapper:
        if os.name != "posix":
            return super()._open()

        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            # O_CREAT sets the mode of a new file only, so an app.log left by an older version is narrowed here.
            _narrow_open_file(descriptor, self.baseFilename)
            return open(descriptor, self.mode, encoding=self.encoding, errors=self.errors)
        except BaseException:
            os.close(descriptor)
            raise

    def _restrict_backups(self) -> None:
        """Narrow rotated copies left by an older version. Later copies are renamed from the 0600 app.log."""
        for number in range(1, self.backupCount + 1):
            backup = self.rotation_filename(f"{self.baseFilename}.{number}")
            mode = stat.S_IMODE(os.stat(backup).st_mode) if os.path.exists(backup) else 0
            if mode & 0o077:
                os.chmod(backup, mode & 0o700)


def _narrow_open_file(descriptor: int, name: str) -> None:
    """Remove the group and other bits of an open log file.

    Raises PermissionError when the file's owner bits do not allow writing, which root would
    otherwise ignore.
    """
    status = os.fstat(descriptor)
    mode = stat.S_IMODE(status.st_mode)
    if status.st_uid == os.geteuid() and not mode & 0o200:
        raise PermissionError(errno.EACCES, f"the owner may not write to it (mode {mode:04o})", name)
    if mode & 0o077:
        os.fchmod(descriptor, mode & 0o700)


def attach_log_file(folder: Path, logger_name: str) -> logging.Handler | None:
    """Append INFO and higher lines of `logger_name` to app.log in `folder`.

    Runs started by cron, a container or the desktop session leave a record of what was sent.
    Returns the handler, or None when the file cannot be opened (logged at DEBUG, never raised).
    """
    try:
        handler = PrivateRotatingFileHandler(
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
