"""Describe a failed download of the server's data, or a failed file write, in the user's language."""

from __future__ import annotations

import errno
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale

from app.ui.formatting import fill


def _unreachable_text(params: Mapping[str, Any]) -> str:
    text = QCoreApplication.translate(
        "Failures",
        "The statistics server at %1 could not be reached. Either this computer is offline or the server is down. "
        "Try again later."
    )
    return fill(text, params["endpoint"])


def _timed_out_text(params: Mapping[str, Any]) -> str:
    text = QCoreApplication.translate("Failures", "The statistics server at %1 did not respond within %2 seconds. Try again later.")
    return fill(text, params["endpoint"], QLocale().toString(float(params["timeout_seconds"]), "g", 6))


def _retryable_status_text(params: Mapping[str, Any]) -> str:
    status = int(params["http_status"])
    if status == 429:
        text = QCoreApplication.translate("Failures", "The statistics server is busy (HTTP %1). Try again later.")
    else:
        text = QCoreApplication.translate("Failures", "The statistics server has a problem (HTTP %1). Try again later.")
    return fill(text, status)


def _unexpected_status_text(params: Mapping[str, Any]) -> str:
    status = int(params["http_status"])
    if status in (401, 403):
        text = QCoreApplication.translate(
            "Failures",
            "The statistics server at %1 refused access to the data of this installation (HTTP %2), "
            "so nothing was downloaded."
        )
    else:
        text = QCoreApplication.translate("Failures", "The statistics server at %1 responded with an error (HTTP %2), so nothing was downloaded.")
    return fill(text, params["endpoint"], status)


def _invalid_response_text(params: Mapping[str, Any]) -> str:
    text = QCoreApplication.translate("Failures", "The statistics server at %1 sent a response that could not be read. Try again later.")
    return fill(text, params["endpoint"])


# Keyed by DOWNLOAD_REASON_CODES in app/core/_reasons.py. tests/ui/test_failures.py renders each of
# them, so a code missing here fails there.
_DOWNLOAD_TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "no_collector": lambda _params: QCoreApplication.translate("Failures", "No statistics server is configured (set USAGE_STATS_ENDPOINT)."),
    "transport_error": _unreachable_text,
    "timed_out": _timed_out_text,
    "retryable_http_status": _retryable_status_text,
    "unexpected_http_status": _unexpected_status_text,
    "invalid_response": _invalid_response_text,
}


def download_error_text(error: Exception) -> str:
    """Describe a CollectorError of the download from its `detail`; a missing or unknown code gets a general sentence."""
    failed = QCoreApplication.translate("Failures", "The download failed.")
    try_later = QCoreApplication.translate("Failures", "Try again later.")
    detail = getattr(error, "detail", None)
    describe = _DOWNLOAD_TEXTS.get(getattr(detail, "code", None))
    if describe is None:
        return f"{failed} {try_later}"
    try:
        return f"{failed} {describe(detail.params)}"
    except (KeyError, TypeError, ValueError):
        # Params that do not match the code, as from a newer core. The log has the English message.
        return f"{failed} {try_later}"


def file_error_text(path: str | Path, error: OSError) -> str:
    """Describe why `path` could not be written, by the error number of `error`."""
    code = error.errno
    if code in (errno.EACCES, errno.EPERM):
        text = QCoreApplication.translate("Failures", "%1 could not be saved because you are not allowed to write there.")
    elif code in (errno.ENOSPC, errno.EDQUOT):
        text = QCoreApplication.translate("Failures", "%1 could not be saved because the disk is full.")
    elif code == errno.EROFS:
        text = QCoreApplication.translate("Failures", "%1 could not be saved because the disk is read-only.")
    elif code == errno.EISDIR:
        text = QCoreApplication.translate("Failures", "%1 could not be saved because a folder has that name.")
    elif code in (errno.ENOENT, errno.ENOTDIR):
        text = QCoreApplication.translate("Failures", "%1 could not be saved because its folder does not exist.")
    else:
        # The operating system's description, which may be in English, names the rarer failures.
        text = QCoreApplication.translate("Failures", "%1 could not be saved (%2).")
        return fill(text, path, error.strerror or type(error).__name__)
    return fill(text, path)


def store_file_text(path: str | Path) -> str:
    """Say that `path` was not written because it is a file of the usage database."""
    text = QCoreApplication.translate(
        "Failures",
        "%1 was not saved because it is a file of the usage database, which saving would destroy. Choose another file.",
    )
    return fill(text, path)


def folder_error_text(folder: str | Path, error: OSError) -> str:
    """Say why the data folder `folder` could not be created, by the error number of `error`."""
    code = error.errno
    if code in (errno.EEXIST, errno.ENOTDIR):
        reason = QCoreApplication.translate("Failures", "a file has that name or is in its path")
    elif code in (errno.EACCES, errno.EPERM):
        reason = QCoreApplication.translate("Failures", "you are not allowed to write there")
    elif code in (errno.ENOSPC, errno.EDQUOT):
        reason = QCoreApplication.translate("Failures", "the disk is full")
    elif code == errno.EROFS:
        reason = QCoreApplication.translate("Failures", "the disk is read-only")
    else:
        # The operating system's description, which may be in English, names the rarer failures.
        reason = error.strerror or type(error).__name__
    text = QCoreApplication.translate(
        "Failures", "The data folder %1 cannot be created because %2. Set USAGE_STATS_HOME to a folder you can write to."
    )
    return fill(text, folder, reason)
