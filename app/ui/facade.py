"""Read the client core's consent and status values in one place, whatever their exact types."""

from __future__ import annotations

import json
from typing import Any

CONSENT_GRANTED = "granted"
CONSENT_REFUSED = "refused"
CONSENT_UNDECIDED = "undecided"

DELETION_NONE = "none"
DELETION_PENDING = "pending"
DELETION_CONFIRMED = "confirmed"


def state_name(value: Any) -> str:
    """Return the plain string of a state that may be an Enum member or a string."""
    raw = getattr(value, "value", value)
    return str(raw) if raw is not None else ""


def consent_state(consent: Any) -> str:
    return state_name(getattr(consent, "state", consent))


def consent_blocked_by_dnt(consent: Any) -> bool:
    return bool(getattr(consent, "blocked_by_dnt", False))


def consent_allows_sharing(consent: Any, policy_version: str | None = None) -> bool:
    """True only for granted consent that DO_NOT_TRACK does not override.

    With `policy_version`, the consent must also be for that version of the privacy policy,
    so nothing is sent between a policy change and the user's decision in the re-consent dialog.
    """
    if consent_blocked_by_dnt(consent) or consent_state(consent) != CONSENT_GRANTED:
        return False
    if policy_version is not None and str(getattr(consent, "policy_version", "")) != str(policy_version):
        return False
    return True


def consent_is_undecided(consent: Any) -> bool:
    return consent_state(consent) == CONSENT_UNDECIDED and not consent_blocked_by_dnt(consent)


def server_deletion_state(status: Any) -> str:
    """Return "none", "pending" or "confirmed" from `Status.server_deletion`."""
    deletion = getattr(status, "server_deletion", None)
    if deletion is None:
        return DELETION_NONE
    if isinstance(deletion, dict):
        return state_name(deletion.get("state", DELETION_NONE))
    if hasattr(deletion, "state"):
        return state_name(deletion.state)
    return state_name(deletion)


def server_deletion_pending(status: Any) -> bool:
    return server_deletion_state(status) == DELETION_PENDING


def pretty_json(body: bytes | str) -> str:
    """Indent a JSON document for reading; return it unchanged if it is not valid JSON."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
    except ValueError:
        return text


def flatten_json(value: Any, prefix: str = "") -> dict[str, Any]:
    """Map each leaf of a JSON value to its dotted path, e.g. ``usage_stats.job_count``.

    An empty object has no leaves, so ``{"ConnectionError": 2}`` becoming ``{}`` shows as the
    one removed leaf ``error_summary.ConnectionError`` and not also as a new ``error_summary``.
    """
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten_json(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


class _Missing:
    """Marker for a field that one of two compared reports does not have."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def report_changes(previous_body: bytes | str | None, next_body: bytes | str) -> list[tuple[str, Any, Any]]:
    """List (path, previous value, next value) for each field that differs between two reports.

    Fields that change with every report by design (report id, period, send time) are left
    out, so the list shows what the user's own usage changed. A field missing on one side
    has ``MISSING`` there, which keeps it apart from a JSON null.
    """
    if previous_body is None:
        return []

    previous = flatten_json(json.loads(previous_body))
    upcoming = flatten_json(json.loads(next_body))

    changes = []
    for path in sorted(previous.keys() | upcoming.keys()):
        if path.split(".")[0] in _FIELDS_THAT_ALWAYS_CHANGE or path in _FIELDS_THAT_ALWAYS_CHANGE:
            continue
        before, after = previous.get(path, MISSING), upcoming.get(path, MISSING)
        if before != after:
            changes.append((path, before, after))
    return changes


_FIELDS_THAT_ALWAYS_CHANGE = frozenset({"report_id", "period", "submission_timestamp"})
