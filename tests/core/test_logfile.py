"""app.log in the data folder."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX only")
def test_log_file_created_owner_only(tmp_path, permissive_umask):
    handler = attach_log_file(tmp_path, "app.test_logfile")
    handler.close()
    logging.getLogger("app.test_logfile").removeHandler(handler)

    assert _mode(tmp_path / "app.log") == 0o600


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX only")
def test_log_file_rotation_owner_only(tmp_path, permissive_umask):
    logger = logging.getLogger("app.test_logfile")
    handler = attach_log_file(tmp_path, "app.test_logfile")
    handler.maxBytes = 200
    try:
        for number in range(20):
            logger.info("Usage report r-%d sent to http://127.0.0.1:8000.", number)
    finally:
        logger.removeHandler(handler)
        handler.close()

    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["app.log", "app.log.1", "app.log.2"]
    assert _mode(tmp_path / "app.log") == 0o600
    assert _mode(tmp_path / "app.log.1") == 0o600
    assert _mode(tmp_path / "app.log.2") == 0o600
    assert (tmp_path / "app.log").read_text().splitlines()[-1].endswith("Usage report r-19 sent to http://127.0.0.1:8000.")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX only")
def test_log_file_existing_files_narrowed(tmp_path, permissive_umask):
    for name in ("app.log", "app.log.1", "app.log.2"):
        (tmp_path / name).write_text("2026-03-01 09:00:00,000 INFO app: older line\n")
        os.chmod(tmp_path / name, 0o644)
    logger = logging.getLogger("app.test_logfile")

    handler = attach_log_file(tmp_path, "app.test_logfile")
    try:
        logger.info("Usage report %s sent.", "r-2")
    finally:
        logger.removeHandler(handler)
        handler.close()

    assert _mode(tmp_path / "app.log") == 0o600
    assert _mode(tmp_path / "app.log.1") == 0o600
    assert _mode(tmp_path / "app.log.2") == 0o600
    lines = (tmp_path / "app.log").read_text().splitlines()
    assert len(lines) == 2
    assert lines[0] == "2026-03-01 09:00:00,000 INFO app: older line"
    assert lines[1].endswith("INFO app.test_logfile: Usage report r-2 sent.")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX only")
def test_log_file_do_rollover_owner_only(tmp_path, permissive_umask):
    handler = attach_log_file(tmp_path, "app.test_logfile")
    try:
        handler.doRollover()
        handler.doRollover()
    finally:
        logging.getLogger("app.test_logfile").removeHandler(handler)
        handler.close()

    assert _mode(tmp_path / "app.log") == 0o600
    assert _mode(tmp_path / "app.log.1") == 0o600
    assert _mode(tmp_path / "app.log.2") == 0o600


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX only")
def test_log_file_read_only_left_alone(tmp_path, permissive_umask):
    (tmp_path / "app.log").write_text("2026-03-01 09:00:00,000 INFO app: older line\n")
    os.chmod(tmp_path / "app.log", 0o400)
    (tmp_path / "app.log.1").write_text("")
    os.chmod(tmp_path / "app.log.1", 0o444)

    handler = attach_log_file(tmp_path, "app.test_logfile")

    assert handler is None
    assert _mode(tmp_path / "app.log") == 0o400
    assert _mode(tmp_path / "app.log.1") == 0o444
    assert (tmp_path / "app.log").read_text() == "2026-03-01 09:00:00,000 INFO app: older line\n"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX only")
def test_log_file_backup_keeps_owner_bits(tmp_path, permissive_umask):
    (tmp_path / "app.log.1").write_text("")
    os.chmod(tmp_path / "app.log.1", 0o444)

    handler = attach_log_file(tmp_path, "app.test_logfile")
    logging.getLogger("app.test_logfile").removeHandler(handler)
    handler.close()

    assert _mode(tmp_path / "app.log") == 0o600
    assert _mode(tmp_path / "app.log.1") == 0o400
