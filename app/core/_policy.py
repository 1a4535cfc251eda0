"""The privacy policy shown at consent time, read from resources/policy/policy.json."""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import json

POLICY_RESOURCE = ("policy", "policy.json")


@dataclasses.dataclass(frozen=True)
class PolicyVersion:
    """One version of the privacy policy: what is collected, what never is, and what changed."""

    version: str
    effective_date: str
    summary: str
    collected: tuple[str, ...]
    never_collected: tuple[str, ...]
    changes: tuple[str, ...]
    rights: str
    retention: str
    all_versions: tuple[str, ...] = dataclasses.field(repr=False, default=())

    def changes_since(self, version: str | None) -> list[str]:
        """Return the changes made after `version` up to this one, oldest first.

        An unknown or missing version returns an empty list, because the user then sees the
        whole policy instead of a list of changes.
        """
        if version is None or version not in self.all_versions:
            return []

        later = self.all_versions[self.all_versions.index(version) + 1 : self.all_versions.index(self.version) + 1]
        changes: list[str] = []
        for name in later:
            changes.extend(policy_version(name).changes)
        return changes

    def as_text(self) -> str:
        """Return the policy as plain text for a dialog or the command line."""
        lines = [f"Privacy policy, version {self.version} (effective {self.effective_date})", "", self.summary, ""]
        lines += ["What is collected:", *(f"  - {item}" for item in self.collected), ""]
        lines += ["What is never collected:", *(f"  - {item}" for item in self.never_collected), ""]
        lines += [self.rights, "", self.retention]
        return "\n".join(lines)


@functools.cache
def _load() -> dict:
    path = importlib.resources.files("resources").joinpath(*POLICY_RESOURCE)
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def policy_version(version: str) -> PolicyVersion:
    """Return one stored policy version; raise KeyError for a version that does not exist."""
    data = _load()
    names = tuple(entry["version"] for entry in data["versions"])
    for entry in data["versions"]:
        if entry["version"] == version:
            return PolicyVersion(
                version=entry["version"],
                effective_date=entry["effective_date"],
                summary=entry["summary"],
                collected=tuple(entry["collected"]),
                never_collected=tuple(entry["never_collected"]),
                changes=tuple(entry["changes"]),
                rights=data["text"]["rights"],
                retention=data["text"]["retention"],
                all_versions=names,
            )
    msg = f"Privacy policy version {version!r} does not exist. Known versions: {', '.join(names)}."
    raise KeyError(msg)


def privacy_policy() -> PolicyVersion:
    """Return the current privacy policy."""
    return policy_version(_load()["current"])
