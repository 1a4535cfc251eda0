"""Collector settings read from the environment, with the defaults written once."""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from collector.errors import ConfigError

APP_DATA_NAME = "printernizer-collector"
DATABASE_FILE_NAME = "collector.db"

DEFAULT_RATE_LIMIT_PER_HOUR = 10
DEFAULT_SOURCE_RATE_LIMIT_PER_HOUR = 60
DEFAULT_MAX_BODY_BYTES = 65_536
DEFAULT_RETENTION_DAYS = 730
DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_LOG_LEVEL = "INFO"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
# Request threads mostly wait for the report writer, so more of them make its batches larger.
DEFAULT_THREADS = 32
DEFAULT_STOP_DELAY_SECONDS = 0
# Report writer kinds: "process" stores reports in a writer process beside the server, "thread" in
# a thread of the server's own process, where it competes with the request threads for the GIL.
WRITER_KINDS = ("process", "thread")
DEFAULT_WRITER = "process"

MIN_KEY_LENGTH_CHARS = 16
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")

# Every environment variable the collector reads; see unknown_settings.
SETTING_NAMES = (
    "DATABASE_URL",
    "COLLECTOR_DATA_DIR",
    "COLLECTOR_API_KEYS",
    "COLLECTOR_ADMIN_KEYS",
    "COLLECTOR_RATE_LIMIT_PER_HOUR",
    "COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR",
    "COLLECTOR_TRUSTED_PROXIES",
    "COLLECTOR_MAX_BODY_BYTES",
    "COLLECTOR_RETENTION_DAYS",
    "COLLECTOR_MIN_GROUP_SIZE",
    "COLLECTOR_LOG_LEVEL",
    "COLLECTOR_HOST",
    "COLLECTOR_PORT",
    "COLLECTOR_THREADS",
    "COLLECTOR_STOP_DELAY_SECONDS",
    "COLLECTOR_WRITER",
)

# Accepted ranges, inclusive, for the integer settings.
RATE_LIMIT_RANGE = (1, 100_000)
MAX_BODY_BYTES_RANGE = (1_024, 10_485_760)
RETENTION_DAYS_RANGE = (1, 36_500)
MIN_GROUP_SIZE_RANGE = (1, 1_000)
PORT_RANGE = (0, 65_535)
THREADS_RANGE = (1, 256)
STOP_DELAY_RANGE = (0, 60)


@dataclass(frozen=True)
class CollectorConfig:
    """Everything the collector reads from its environment; keys are kept out of the repr."""

    database_url: str
    data_dir: Path
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    admin_keys: tuple[str, ...] = field(default=(), repr=False)
    rate_limit_per_hour: int = DEFAULT_RATE_LIMIT_PER_HOUR
    source_rate_limit_per_hour: int = DEFAULT_SOURCE_RATE_LIMIT_PER_HOUR
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    retention_days: int = DEFAULT_RETENTION_DAYS
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    log_level: str = DEFAULT_LOG_LEVEL
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    threads: int = DEFAULT_THREADS
    stop_delay_seconds: int = DEFAULT_STOP_DELAY_SECONDS
    writer: str = DEFAULT_WRITER

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, *, serving: bool = True) -> CollectorConfig:
        """Build the configuration from ``environ`` (``os.environ`` when omitted).

        With ``serving=False`` (``migrate`` and ``purge``) the settings that only the server
        uses keep their defaults unread, so that a mistake in one of them, such as a bad
        COLLECTOR_PORT, does not stop a scheduled purge. An empty value counts as unset.
        Raises ConfigError naming the variable, its value, the accepted range and the fix.
        """
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("COLLECTOR_DATA_DIR") or default_data_dir())
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / DATABASE_FILE_NAME}"
        validate_database_url(database_url)
        retention_days = _read_int(env, "COLLECTOR_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, RETENTION_DAYS_RANGE)
        log_level = _read_log_level(env)
        if not serving:
            return cls(database_url=database_url, data_dir=data_dir, retention_days=retention_days, log_level=log_level)

        api_keys = _read_keys(env, "COLLECTOR_API_KEYS")
        admin_keys = _read_keys(env, "COLLECTOR_ADMIN_KEYS")
        shared = [number for number, key in enumerate(api_keys, start=1) if key in admin_keys]
        if shared:
            # The entry numbers name the keys without writing them into a log.
            numbers = ", ".join(map(str, shared))
            entries = f"entry {numbers} is" if len(shared) == 1 else f"entries {numbers} are"
            msg = (
                f"COLLECTOR_API_KEYS {entries} also listed in COLLECTOR_ADMIN_KEYS. Operator keys can already "
                "submit reports, so remove such a key from COLLECTOR_API_KEYS."
            )
            raise ConfigError(msg)

        return cls(
            database_url=database_url,
            data_dir=data_dir,
            api_keys=api_keys,
            admin_keys=admin_keys,
            rate_limit_per_hour=_read_int(env, "COLLECTOR_RATE_LIMIT_PER_HOUR", DEFAULT_RATE_LIMIT_PER_HOUR, RATE_LIMIT_RANGE),
            source_rate_limit_per_hour=_read_int(
                env, "COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR", DEFAULT_SOURCE_RATE_LIMIT_PER_HOUR, RATE_LIMIT_RANGE
            ),
            trusted_proxies=_read_networks(env, "COLLECTOR_TRUSTED_PROXIES"),
            max_body_bytes=_read_int(env, "COLLECTOR_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, MAX_BODY_BYTES_RANGE),
            retention_days=retention_days,
            min_group_size=_read_int(env, "COLLECTOR_MIN_GROUP_SIZE", DEFAULT_MIN_GROUP_SIZE, MIN_GROUP_SIZE_RANGE),
            log_level=log_level,
            host=env.get("COLLECTOR_HOST") or DEFAULT_HOST,
            port=_read_int(env, "COLLECTOR_PORT", DEFAULT_PORT, PORT_RANGE),
            threads=_read_int(env, "COLLECTOR_THREADS", DEFAULT_THREADS, THREADS_RANGE),
            stop_delay_seconds=_read_int(env, "COLLECTOR_STOP_DELAY_SECONDS", DEFAULT_STOP_DELAY_SECONDS, STOP_DELAY_RANGE),
            writer=_read_writer(env),
        )


def unknown_settings(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """Return each COLLECTOR_ variable that the collector does not read, with the closest setting name or None.

    A misspelled name would otherwise leave its setting at the default without a word.
    """
    prefix = "COLLECTOR_"
    # Compared without the prefix, which every name shares and which would make any two names look close.
    suffixes = [name.removeprefix(prefix) for name in SETTING_NAMES if name.startswith(prefix)]
    unknown = sorted(name for name in environ if name.startswith(prefix) and name not in SETTING_NAMES)
    result = []
    for name in unknown:
        closest = difflib.get_close_matches(name.removeprefix(prefix), suffixes, n=1, cutoff=0.8)
        result.append((name, prefix + closest[0] if closest else None))
    return result


def default_data_dir() -> Path:
    """Return the platform's per-user data folder for the collector."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_DATA_NAME))


# An "@" followed by a host and a "/": what is left of "user:pass/word@host:5432/database" after
# urlsplit took "user:pass" as the user and host part. An "@" in a query value, such as
# application_name=me@host, has no "/" after it.
_MISPLACED_HOST = re.compile(r"@[^/?#&=]*/")


def validate_database_url(url: str) -> None:
    """Raise ConfigError unless ``url`` is a ``sqlite:///path`` or ``postgresql://`` URL.

    ``sqlite:///relative.db`` names a file in the working folder and ``sqlite:////abs/path.db``
    an absolute path, as in SQLAlchemy.
    """
    # The messages below never echo a PostgreSQL URL whole, because it can contain a password.
    try:
        parts = urlsplit(url)
    except ValueError as error:
        msg = f"DATABASE_URL is not a valid URL ({error}); use postgresql://user@host:port/database."
        raise ConfigError(msg) from None
    if parts.scheme not in DATABASE_SCHEMES:
        msg = (
            f"DATABASE_URL has the unsupported scheme {parts.scheme!r}; "
            "use sqlite:////absolute/path/collector.db or postgresql://user@host:port/database."
        )
        raise ConfigError(msg)

    if parts.scheme == "sqlite" and not parts.path.strip("/"):
        msg = f"DATABASE_URL {url!r} names no file; use sqlite:////absolute/path/collector.db (four slashes for an absolute path)."
        raise ConfigError(msg)
    if parts.scheme == "sqlite" and "\x00" in unquote(parts.path):
        msg = "DATABASE_URL names a file with a NUL character (%00); use sqlite:////absolute/path/collector.db."
        raise ConfigError(msg)

    if parts.scheme != "sqlite" and _MISPLACED_HOST.search(parts.path + parts.query + parts.fragment):
        # urlsplit ends the user and host part at the first "/", "?" or "#", so a password that
        # contains one of them moves its rest, and the host, into the database name or the query.
        msg = (
            "DATABASE_URL has an '@' and a host after its host part, so its password probably contains '/', '?' "
            "or '#'. Percent-encode those characters in the password (%2F, %3F, %23), for example with: "
            "python3 -c 'import urllib.parse; print(urllib.parse.quote(input(), safe=\"\"))'"
        )
        raise ConfigError(msg)

    try:
        parts.port  # noqa: B018 - reading the property is what checks the port.
    except ValueError as error:
        msg = f"DATABASE_URL has an invalid port ({error}); use postgresql://user@host:5432/database."
        raise ConfigError(msg) from None

    if parts.scheme != "sqlite" and not (parts.hostname and parts.path.strip("/")):
        msg = (
            f"DATABASE_URL must name a host and a database for PostgreSQL, got scheme {parts.scheme!r} "
            "without one of them; use postgresql://user@host:port/database."
        )
        raise ConfigError(msg)


def _read_int(env: Mapping[str, str], name: str, default: int, bounds: tuple[int, int]) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default

    low, high = bounds
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        msg = f"{name}={raw!r} is invalid: expected a whole number from {low} to {high}; set it in that range or unset it to use {default}."
        raise ConfigError(msg)
    return value


def _read_keys(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    keys = tuple(key.strip() for key in env.get(name, "").split(",") if key.strip())
    for position, key in enumerate(keys, start=1):
        if key[0] in "\"'" or key[-1] in "\"'":
            # `docker run --env-file` and some secret stores keep quotes that a shell would remove,
            # also around a whole list, where only the first entry starts and the last ends with one.
            msg = (
                f"{name} entry {position} starts or ends with a quote character, which would become part of "
                "the key; remove the quotes around the value."
            )
            raise ConfigError(msg)
        if len(key) < MIN_KEY_LENGTH_CHARS or not key.isascii() or not key.isprintable():
            msg = (
                f"{name} entry {position} is invalid: a key must be at least {MIN_KEY_LENGTH_CHARS} printable "
                "ASCII characters; create one with `python -c \"import secrets; print(secrets.token_urlsafe(32))\"`."
            )
            raise ConfigError(msg)
    return keys


def _read_networks(env: Mapping[str, str], name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in (part.strip() for part in env.get(name, "").split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            msg = f"{name} entry {entry!r} is invalid: expected an IP address or CIDR block such as 127.0.0.1 or 10.0.0.0/8."
            raise ConfigError(msg) from None
    return tuple(networks)


def _read_writer(env: Mapping[str, str]) -> str:
    raw = env.get("COLLECTOR_WRITER", "").strip()
    if not raw:
        return DEFAULT_WRITER
    if raw.lower() not in WRITER_KINDS:
        msg = f"COLLECTOR_WRITER={raw!r} is invalid: expected one of {', '.join(WRITER_KINDS)}; unset it to use {DEFAULT_WRITER}."
        raise ConfigError(msg)
    return raw.lower()


def _read_log_level(env: Mapping[str, str]) -> str:
    raw = env.get("COLLECTOR_LOG_LEVEL", "").strip()
    if not raw:
        return DEFAULT_LOG_LEVEL

    level = raw.upper()
    if level not in LOG_LEVELS:
        msg = f"COLLECTOR_LOG_LEVEL={raw!r} is invalid: expected one of {', '.join(LOG_LEVELS)}; unset it to use {DEFAULT_LOG_LEVEL}."
        raise ConfigError(msg)
    return level
