"""Work out which address a request came from and turn it into an unlinkable counter key.

The per-installation and per-source counts themselves are taken in
``Store.store_reports`` (and ``Store.store_report``), inside the transaction that inserts the report.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Sequence
from datetime import datetime

from collector.storage import Store

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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


def source_hash(store: Store, address: str, now: datetime) -> str:
    """Return HMAC-SHA256(key of the UTC day, address) as hex; the address itself is not kept."""
    secret = store.source_secret(now.date())
    return hmac.new(secret, address.encode("utf-8"), hashlib.sha256).hexdigest()


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
