"""Client core of the usage statistics: event store, consent, reports, submission, export."""

from app.core._config import ClientConfig
from app.core._errors import (
    CollectorError,
    ConfigError,
    ConsentError,
    StorageError,
    StoreFileTargetError,
    UsageStatsError,
)
from app.core._events import ALLOWED_METADATA, EventType
from app.core._export import write_private_file
from app.core._history import HistoryCheck
from app.core._logfile import attach_log_file
from app.core._policy import POLICY_LANGUAGES, PolicyVersion, policy_version, privacy_policy
from app.core._reasons import ReasonDetail
from app.core._records import Consent, Event, SentReport, Status
from app.core._service import UsageStats
from app.core._submit import DeletionOutcome, Rejected, RetryLater, Sent, Skipped, SubmitOutcome

__all__ = [
    "ALLOWED_METADATA",
    "ClientConfig",
    "CollectorError",
    "ConfigError",
    "Consent",
    "ConsentError",
    "DeletionOutcome",
    "Event",
    "EventType",
    "HistoryCheck",
    "POLICY_LANGUAGES",
    "PolicyVersion",
    "ReasonDetail",
    "Rejected",
    "RetryLater",
    "Sent",
    "SentReport",
    "Skipped",
    "Status",
    "StorageError",
    "StoreFileTargetError",
    "SubmitOutcome",
    "UsageStats",
    "UsageStatsError",
    "attach_log_file",
    "policy_version",
    "privacy_policy",
    "write_private_file",
]
