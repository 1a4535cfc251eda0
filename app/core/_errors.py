"""Exceptions raised by the client core.

UsageStatsError
├── ConfigError        an invalid setting or environment variable
├── StorageError       the local database cannot be opened or migrated, or was closed
├── ConsentError       an action that needs consent was requested without it
└── CollectorError     the collector could not be reached or returned an error
"""

from __future__ import annotations


class UsageStatsError(Exception):
    """Base class of every error the client core raises."""


class ConfigError(UsageStatsError, ValueError):
    """A setting or environment variable has an invalid value."""


class StorageError(UsageStatsError):
    """The local database cannot be opened, created or migrated, or the store was closed."""


class ConsentError(UsageStatsError):
    """An action needs consent that the user has not given."""


class CollectorError(UsageStatsError):
    """The collector could not be reached, or it returned an error status for a request."""
