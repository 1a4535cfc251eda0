"""Work out which address a request came from and turn it into an unlinkable counter key.

The per-installation and per-source counts themselves are taken in
``Store.store_reports`` (and ``Store.store_report``), inside the transaction that inserts the report.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import threading
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: processes that start a day at the same moment may each write a key.
    fcntl = None  # type: ignore[assignment]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SOURCE_KEY_FILE_NAME = "source-key"
_KEY_BYTES = 32

logger = logging.getLogger("collector.ratelimit")


class SourceKeys:
    """The HMAC key of the current UTC day for client addresses, kept in a file and never in the database.

    IPv4 has only 2**32 addresses, so anyone holding a hash and its key can find the
    address by trying them all. The key therefore lives in ``source-key`` in the data
    folder, outside the database and its backups. Every collector process on the
    machine reads the same file, so they all hash an address alike and the per-source
    limit applies across them. The first request of each UTC day replaces the key with
    a new random one, after which the previous day's hashes cannot be tested at all.
    When the file cannot be used, each process keeps its own key in memory and logs
    a warning: the per-source limit then counts per process. Thread-safe.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / SOURCE_KEY_FILE_NAME
        self._lock = threading.Lock()
        self._day: date | None = None
        self._key = b""
        self._in_memory = False

    def key_for(self, day: date) -> bytes:
        """Return the key of ``day``, creating it when ``day`` is newer than the stored key's."""
        with self._lock:
            if day == self._day:
                return self._key
            if self._day is not None and day < self._day:
                # A request timed just before midnight and handled after it. Its address is
                # counted on its own rather than under a key that no longer exists.
                return secrets.token_bytes(_KEY_BYTES)
            key, current = self._read_or_replace(day)
            if current:
                self._day, self._key = day, key
            return key

    def _read_or_replace(self, day: date) -> tuple[bytes, bool]:
        """Return the key of ``day`` from the file, and whether it is the file's current key."""
        if self._in_memory:
            return secrets.token_bytes(_KEY_BYTES), True
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as error:
            self._in_memory = True
            logger.warning(
                "cannot use the source-address key file %s (%s: %s), so each process keeps its own key and the "
                "per-source limit counts per process. Set COLLECTOR_DATA_DIR to a folder that the collector may write to.",
                self.path,
                type(error).__name__,
                error.strerror or error,
                extra={"event": "source_key_file_unusable"},
            )
            return secrets.token_bytes(_KEY_BYTES), True
        try:
            if fcntl is not None:
                # Closing the descriptor below releases the lock.
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            stored = _parse_key_file(os.read(descriptor, 256))
            if stored is not None and stored[0] == day:
                return stored[1], True
            if stored is not None and stored[0] > day:
                # Another process already started a later day; see key_for.
                return secrets.token_bytes(_KEY_BYTES), False
            key = secrets.token_bytes(_KEY_BYTES)
            os.lseek(descriptor, 0, os.SEEK_SET)
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{day.isoformat()} {key.hex()}\n".encode("ascii"))
            return key, True
        finally:
            os.close(descriptor)


def _parse_key_file(content: bytes) -> tuple[date, bytes] | None:
    """Return the day and key written by SourceKeys, or None for an empty or damaged file."""
    try:
        day_text, key_text = content.decode("ascii").split()
        day, key = date.fromisoformat(day_text), bytes.fromhex(key_text)
    except ValueError:
        return None
    return (day, key) if len(key) == _KEY_BYTES else None


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[Network]) -> str:
    """Return the address that sent the request.

    X-Forwarded-For is read only when the direct peer is a trusted proxy. Its entries
    are walked from the right, skipping further trusted proxies, so a client cannot
    choose its own address by sending the header itself.
    """
    address = peer or "unknown"
    if not forwarded_for or not _is_trusted(address, trusted_proxies):
        return address

    for entry in reversed(forwarded_for.split(",")):
        candidate = entry.strip()
        if _parse_address(candidate) is None:
            return address
        address = candidate
        if not _is_trusted(candidate, trusted_proxies):
            break
    return address


def source_hash(keys: SourceKeys, address: str, now: datetime) -> str:
    """Return HMAC-SHA256(key of the UTC day, address) as hex; the address itself is not kept."""
    return hmac.new(keys.key_for(now.date()), address.encode("utf-8"), hashlib.sha256).hexdigest()


def _parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(text: str, trusted_proxies: Sequence[Network]) -> bool:
    address = _parse_address(text)
    if address is None:
        return False
    return any(address in network for network in trusted_proxies)
