"""The privacy policy shown at consent time, read from resources/policy/policy.json.

The file's top-level texts are English. Each version, and the shared `text` object, may carry
`translations: {"<language>": {...}}` with the same fields in another language. A field missing
from a translation falls back to its English text, so a partial translation still shows a
complete policy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.resources
import json
import logging

logger = logging.getLogger("app.core")

POLICY_RESOURCE = ("policy", "policy.json")
DEFAULT_LANGUAGE = "en"
# Languages that policy.json is written in. tests/core/test_policy.py checks that each
# translation covers every field of every version.
POLICY_LANGUAGES = (DEFAULT_LANGUAGE, "de")

# Fields of a version entry and of the shared `text` object that a translation may replace.
VERSION_TEXT_FIELDS = ("summary", "collected", "never_collected", "changes")
SHARED_TEXT_FIELDS = ("title", "collected_heading", "never_collected_heading", "changes_heading", "rights", "retention")


@dataclasses.dataclass(frozen=True)
class PolicyHeadings:
    """Headings of the plain-text policy in one language, as `str.format` templates."""

    title: str  # placeholders: {version} and {effective_date}, a datetime.date
    collected: str
    never_collected: str
    changes_since: str  # placeholder: {version}, the version the user agreed to


@dataclasses.dataclass(frozen=True)
class PolicyVersion:
    """One version of the privacy policy in one language: what is collected, what never is, and what changed.

    `version` and `effective_date` are the same in every language, so consent never depends on
    the language the policy was shown in.
    """

    version: str
    effective_date: str
    summary: str
    collected: tuple[str, ...]
    never_collected: tuple[str, ...]
    changes: tuple[str, ...]
    rights: str
    retention: str
    language: str
    headings: PolicyHeadings = dataclasses.field(repr=False)
    all_versions: tuple[str, ...] = dataclasses.field(repr=False, default=())

    def changes_since(self, version: str | None) -> list[str]:
        """Return the changes made after `version` up to this one, oldest first, in this policy's language.

        An unknown or missing version returns an empty list, because the user then sees the
        whole policy instead of a list of changes.
        """
        if version is None or version not in self.all_versions:
            return []

        later = self.all_versions[self.all_versions.index(version) + 1 : self.all_versions.index(self.version) + 1]
        changes: list[str] = []
        for name in later:
            changes.extend(policy_version(name, self.language).changes)
        return changes

    def as_text(self) -> str:
        """Format the policy as plain text for a dialog or the command line."""
        effective = dt.date.fromisoformat(self.effective_date)
        title = self.headings.title.format(version=self.version, effective_date=effective)
        lines = [title, "", self.summary, ""]
        lines += [self.headings.collected, *(f"  - {item}" for item in self.collected), ""]
        lines += [self.headings.never_collected, *(f"  - {item}" for item in self.never_collected), ""]
        lines += [self.rights, "", self.retention]
        return "\n".join(lines)

    def changes_since_text(self, version: str | None) -> str:
        """Format the changes since `version` under a heading, or return "" when nothing changed."""
        changes = self.changes_since(version)
        if not changes:
            return ""

        lines = [self.headings.changes_since.format(version=version), *(f"  - {change}" for change in changes)]
        return "\n".join(lines)


@functools.cache
def _load() -> dict:
    path = importlib.resources.files("resources").joinpath(*POLICY_RESOURCE)
    return json.loads(path.read_text(encoding="utf-8"))


def _language_code(language: str) -> str:
    """Reduce a code such as "de", "de_DE" or "de-AT" to a policy language, else English."""
    primary = language.replace("-", "_").split("_", 1)[0].lower()
    if primary in POLICY_LANGUAGES:
        return primary

    logger.debug("The privacy policy has no %r text; showing it in English", language)
    return DEFAULT_LANGUAGE


def _translated(entry: dict, fields: tuple[str, ...], language: str, where: str) -> dict:
    """Return `fields` of `entry` in `language`, each missing translation replaced by the English text."""
    if language == DEFAULT_LANGUAGE:
        return {field: entry[field] for field in fields}

    translation = entry.get("translations", {}).get(language, {})
    texts = {}
    for field in fields:
        if field not in translation:
            logger.warning(
                "Privacy policy %s: the %r translation is missing %r, so the English text is shown", where, language, field
            )
        texts[field] = translation.get(field, entry[field])
    return texts


@functools.cache
def _shared_texts(language: str) -> dict:
    return _translated(_load()["text"], SHARED_TEXT_FIELDS, language, "shared text")


def _headings(language: str) -> PolicyHeadings:
    texts = _shared_texts(language)
    return PolicyHeadings(
        title=texts["title"],
        collected=texts["collected_heading"],
        never_collected=texts["never_collected_heading"],
        changes_since=texts["changes_heading"],
    )


def policy_version(version: str, language: str = DEFAULT_LANGUAGE) -> PolicyVersion:
    """Return one stored policy version in `language`, or in English when the policy is not written in it.

    Raises KeyError for a version that does not exist.
    """
    return _policy_version(version, _language_code(language))


@functools.cache
def _policy_version(version: str, language: str) -> PolicyVersion:
    data = _load()
    names = tuple(entry["version"] for entry in data["versions"])
    for entry in data["versions"]:
        if entry["version"] != version:
            continue

        texts = _translated(entry, VERSION_TEXT_FIELDS, language, f"version {version}")
        shared = _shared_texts(language)
        return PolicyVersion(
            version=entry["version"],
            effective_date=entry["effective_date"],
            summary=texts["summary"],
            collected=tuple(texts["collected"]),
            never_collected=tuple(texts["never_collected"]),
            changes=tuple(texts["changes"]),
            rights=shared["rights"],
            retention=shared["retention"],
            language=language,
            headings=_headings(language),
            all_versions=names,
        )
    msg = f"Privacy policy version {version!r} does not exist. Known versions: {', '.join(names)}."
    raise KeyError(msg)


def privacy_policy(language: str = DEFAULT_LANGUAGE) -> PolicyVersion:
    """Return the current privacy policy in `language`, or in English when it is not written in that language."""
    return policy_version(_load()["current"], language)
