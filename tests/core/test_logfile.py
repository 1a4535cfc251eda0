"""app.log in the data folder."""

from __future__ import annotations

import logging

from app.core import attach_log_file


def test_log_file_receives_info_lines(tmp_path):
    logger = logging.getLogger("app.test_logfile")
    handler = attach_log_file(tmp_path, "app.test_logfile")
    try:
        logger.info("Usage report %s sent.", "r-1")
        logger.debug("not written")
    finally:
        logger.removeHandler(handler)
        handler.close()

    lines = (tmp_path / "app.log").read_text().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("INFO app.test_logfile: Usage report r-1 sent.")


def test_log_file_missing_folder_returns_none(tmp_path):
    handler = attach_log_file(tmp_path / "missing", "app.test_logfile")

    assert handler is None
