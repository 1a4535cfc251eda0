"""Exceptions raised by the client core.

UsageStatsError
├── ConfigError        an invalid setting or environment variable
├── StorageError       the local database cannot be opened or migrated, or was closed
│   └── StoreFileTargetError   a file to write is a file of the local database
├── ConsentError       an action that needs consent was requested without it
└── CollectorError     the collector could not be reached or returned an error
"""

from __future__ import annotations

import os

from app.core._reasons import ReasonDetail


class UsageStatsError(Exception):
    """Base class of every error the client core raises."""


class ConfigError(UsageStatsError, ValueError):
    """A setting or environment variable has an invalid value."""


class StorageError(UsageStatsError):
    """The local database cannot be opened, created or migrated, or the store was closed.

    `folder` is set when the data folder itself cannot be created. A caller can then name it in
    the user's language. The message names it too.
    """

    def __init__(self, message: str, *, folder: os.PathLike[str] | str | None = None) -> None:
        super().__init__(message)
        self.folder = folder


class StoreFileTargetError(StorageError, ValueError):
    """A file to write, such as an export, is the local database or one of its companion files.

    Writing it would replace the database, so the next start would find it damaged.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(f"Cannot write to {str(path)!r}: it is a file of the usage database itself. Name another file.")
        self.path = path


class ConsentError(UsageStatsError):
    """An action needs consent that the user has not given."""


class CollectorError(UsageStatsError):
    """The collector could not be reached, or it returned an error status for a request.

    `detail` names the kind of failure by a code of DOWNLOAD_REASON_CODES, so the tray can
    describe it in the user's language. It is None where no code applies.
    """

    def __init__(self, message: str, detail: ReasonDetail | None = None) -> None:
        super().__init__(message)
        self.detail = detail
