"""Client configuration: environment, then settings, then bundled defaults, then module constants."""

from __future__ import annotations

import dataclasses
import importlib.resources
import ipaddress
import json
import logging
import re
import urllib.parse
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from app.core._errors import ConfigError
from app.core._events import APP_VERSION, APP_VERSION_RULE, short_repr

logger = logging.getLogger("app.core")

DEFAULT_TIMEOUT_SECONDS = 30
DEFAULT_RETRY_COUNT = 3
DEFAULT_INTERVAL_DAYS = 7
DEFAULT_DEPLOYMENT_MODE = "standalone"
TIMEOUT_SECONDS_RANGE = (5, 60)
RETRY_COUNT_RANGE = (0, 10)
INTERVAL_DAYS_RANGE = (1, 30)
DEPLOYMENT_MODES = ("desktop", "homeassistant", "docker", "standalone", "pi")
DEFAULTS_RESOURCE = "client-defaults.json"
MIN_PORT, MAX_PORT = 1, 65535
# One or more DNS labels of ASCII letters, digits, '_' and inner hyphens, separated by dots.
# The underscore is not valid in a host name (RFC 1123), but Docker service names may contain it.
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*")


@dataclasses.dataclass(frozen=True)
class _Option:
    name: str
    environ: str
    minimum: int | None = None
    maximum: int | None = None
    # Used only to contact the collector, so a strict check defers its error to check_network().
    network: bool = False


_ENDPOINT = _Option("endpoint", "USAGE_STATS_ENDPOINT", network=True)
_API_KEY = _Option("api_key", "USAGE_STATS_API_KEY", network=True)
_TIMEOUT = _Option("timeout_seconds", "USAGE_STATS_TIMEOUT", *TIMEOUT_SECONDS_RANGE, network=True)
_RETRY_COUNT = _Option("retry_count", "USAGE_STATS_RETRY_COUNT", *RETRY_COUNT_RANGE, network=True)
_INTERVAL = _Option("interval_days", "USAGE_STATS_SUBMISSION_INTERVAL_DAYS", *INTERVAL_DAYS_RANGE)
_TIMEZONE = _Option("timezone", "USAGE_STATS_TIMEZONE")
_DEPLOYMENT_MODE = _Option("deployment_mode", "USAGE_STATS_DEPLOYMENT_MODE")


@dataclasses.dataclass(frozen=True)
class ClientConfig:
    """The resolved submission settings. The API key is hidden from repr."""

    endpoint: str | None
    api_key: str | None = dataclasses.field(repr=False)
    timeout_seconds: int
    retry_count: int
    interval_days: int
    timezone: str | None
    deployment_mode: str
    do_not_track: bool
    # Messages of the invalid network settings that a strict resolve replaced by their defaults.
    network_errors: tuple[str, ...] = ()
    # Whether an endpoint was given but is invalid, so that `endpoint` is None for that reason.
    endpoint_invalid: bool = False
    # Messages of the invalid settings that a lenient resolve replaced by their defaults, each
    # ending with the default used; the tray shows them.
    invalid_settings: tuple[str, ...] = ()

    @classmethod
    def resolve(
        cls,
        settings: Mapping[str, Any],
        environ: Mapping[str, str],
        *,
        deployment_mode: str | None = None,
        strict: bool = True,
    ) -> ClientConfig:
        """Resolve every option; raise ConfigError on an invalid value when `strict`, otherwise
        log a WARNING and use the default.

        An invalid network setting (endpoint, API key, timeout, retry count) does not raise here
        even when `strict`, so that local work goes on. Its default is used, its message is kept in
        `network_errors`, and check_network() raises it before the collector is contacted.
        """
        source = _Sources(settings, environ, _bundled_defaults(), strict)
        config = cls(
            endpoint=source.checked(_ENDPOINT, normalize_endpoint, None),
            api_key=source.text(_API_KEY),
            timeout_seconds=source.integer(_TIMEOUT, DEFAULT_TIMEOUT_SECONDS),
            retry_count=source.integer(_RETRY_COUNT, DEFAULT_RETRY_COUNT),
            interval_days=source.integer(_INTERVAL, DEFAULT_INTERVAL_DAYS),
            timezone=source.checked(_TIMEZONE, _check_timezone, None),
            deployment_mode=(
                check_deployment_mode(deployment_mode, "deployment_mode argument")
                if deployment_mode is not None
                else source.checked(_DEPLOYMENT_MODE, check_deployment_mode, DEFAULT_DEPLOYMENT_MODE)
            ),
            do_not_track=environ.get("DO_NOT_TRACK", "").strip().lower() in ("1", "true", "yes"),
        )
        return dataclasses.replace(
            config,
            network_errors=tuple(source.network_errors),
            invalid_settings=tuple(source.invalid_settings),
            endpoint_invalid=source.endpoint_invalid,
        )

    def check_network(self) -> None:
        """Raise ConfigError naming every invalid network setting, so nothing is sent with a default in its place."""
        if self.network_errors:
            raise ConfigError(" ".join(self.network_errors))


class _Sources:
    """The configuration sources, searched in order: environment, settings, bundled defaults."""

    def __init__(self, settings: Mapping[str, Any], environ: Mapping[str, str], bundled: Mapping[str, Any], strict: bool) -> None:
        self._settings = settings
        self._environ = environ
        self._bundled = bundled
        self._strict = strict
        self.network_errors: list[str] = []
        self.invalid_settings: list[str] = []
        self.endpoint_invalid = False

    def raw(self, option: _Option) -> tuple[Any, str]:
        """Return the first value found and a description of where it came from."""
        value = self._environ.get(option.environ)
        if value is not None and value.strip() != "":
            return value.strip(), f"environment variable {option.environ}"
        if self._settings.get(option.name) is not None:
            return self._settings[option.name], f"setting {option.name!r}"
        if self._bundled.get(option.name) is not None:
            return self._bundled[option.name], f"{DEFAULTS_RESOURCE} key {option.name!r}"
        return None, "default"

    def text(self, option: _Option) -> str | None:
        value, _ = self.raw(option)
        return None if value is None else str(value)

    def integer(self, option: _Option, default: int) -> int:
        return self.checked(option, lambda value, where: _check_int(option, value, where), default)

    def checked(self, option: _Option, check: Callable[[Any, str], Any], default: Any) -> Any:
        value, where = self.raw(option)
        if value is None:
            return default

        try:
            return check(value, where)
        except ConfigError as error:
            if option is _ENDPOINT:
                self.endpoint_invalid = True
            if self._strict and option.network:
                self.network_errors.append(str(error))
                return default
            if self._strict:
                raise
            message = f"{error} Using the default {default!r} instead."
            self.invalid_settings.append(message)
            # The configuration is read again for every report, status line and window refresh, so
            # each invalid value is reported once per process, at WARNING, and at DEBUG after that.
            logger.log(logging.DEBUG if message in _REPORTED_INVALID_VALUES else logging.WARNING, "%s", message)
            _REPORTED_INVALID_VALUES.add(message)
            return default


# The messages of the invalid values already logged at WARNING by this process.
_REPORTED_INVALID_VALUES: set[str] = set()


def _check_int(option: _Option, value: Any, where: str) -> int:
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not (option.minimum <= number <= option.maximum):
        msg = (
            f"Invalid {where}: {value!r} is not a whole number from {option.minimum} to "
            f"{option.maximum}. Set it to a value in that range or unset it to use the default."
        )
        raise ConfigError(msg)
    return number


def check_argument(value: Any, check: Callable[[Any, str], Any], where: str, *, strict: bool, fallback: str) -> Any:
    """Return `value` checked by `check`, or None (which selects the default) when it is None or invalid.

    An invalid value raises the ConfigError when `strict`. Otherwise the error is logged as a
    WARNING that names `fallback`, the value used instead.
    """
    if value is None:
        return None

    try:
        return check(value, where)
    except ConfigError as error:
        if strict:
            raise
        logger.warning("%s Using %s instead.", error, fallback)
        return None


def check_deployment_mode(value: Any, where: str) -> str:
    if value not in DEPLOYMENT_MODES:
        msg = f"Invalid {where}: {value!r} is not a deployment mode. Use one of: {', '.join(DEPLOYMENT_MODES)}."
        raise ConfigError(msg)
    return str(value)


def check_app_version(value: Any, where: str) -> str:
    if not APP_VERSION.accepts(value):
        msg = (
            f"Invalid {where}: {short_repr(value)} is not a version such as 2.4.1. Use {APP_VERSION_RULE}, "
            f"because the collector rejects every report whose installation.app_version breaks that rule."
        )
        raise ConfigError(msg)
    return str(value)


def _check_timezone(value: Any, where: str) -> str:
    name = str(value).strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = (
            f"Invalid {where}: {name!r} is not an IANA time zone name. Use a name such as "
            f"Europe/Berlin, or unset it to use the system time zone."
        )
        raise ConfigError(msg) from None
    return name


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_host_name(host: str) -> bool:
    """Return whether `host` is an IP address or a DNS name (letters, digits, '-' and '_' in dot-separated labels)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    try:
        # httpx, which sends the requests, converts an internationalized name to its ASCII form
        # and raises a ValueError (idna.IDNAError) for a name it cannot convert.
        url = httpx.URL(scheme="https", host=host)
        ascii_host = url.raw_host.decode("ascii")
        url.host  # noqa: B018 - decoding the name back checks its "xn--" labels
    except (httpx.InvalidURL, ValueError):
        return False
    return _HOST_NAME.fullmatch(ascii_host.removesuffix(".")) is not None


def _port(parsed: urllib.parse.SplitResult) -> int | None:
    """Return the URL's port, or None when it has none. Raise ValueError unless it is a number from 1 to 65535."""
    port = parsed.port
    if port is not None and not MIN_PORT <= port <= MAX_PORT:
        msg = f"Port out of range {MIN_PORT}-{MAX_PORT}"
        raise ValueError(msg)
    return port


def normalize_endpoint(value: Any, where: str = "endpoint") -> str:
    """Return the collector base URL without a trailing slash or `/submit`.

    HTTPS is required, except for plain HTTP to a loopback address (a collector on the same machine).
    The host must be an IP address or a DNS name, and a port a number from 1 to 65535.
    """
    text = str(value).strip()
    if "@" in text:
        # The URL appears in logs, messages and `status`, so a password in it would be shown there.
        # Every later message quotes the URL, so this check comes first, whatever else is wrong.
        scheme, separator, _ = text.partition("://")
        masked = (f"{scheme}://" if separator else "") + "***@" + text.rpartition("@")[2]
        msg = (
            f"Invalid {where}: {masked!r} contains a user name or password before '@', which would show in logs. "
            f"Remove it: the collector takes its key from USAGE_STATS_API_KEY."
        )
        raise ConfigError(msg)
    not_a_url = f"Invalid {where}: {text!r} is not a collector URL. Use https://host[:port][/path]."
    try:
        parsed = urllib.parse.urlsplit(text)
        host = parsed.hostname or ""
    except ValueError:  # an unclosed IPv6 bracket
        raise ConfigError(not_a_url) from None
    if parsed.scheme not in ("http", "https") or not host or parsed.query or parsed.fragment:
        raise ConfigError(not_a_url)
    if not _is_host_name(host):
        msg = f"Invalid {where}: {text!r} has the invalid host name {host!r}. Use an IP address or a DNS name such as stats.example.org."
        raise ConfigError(msg)
    try:
        _port(parsed)
    except ValueError:
        port_text = parsed.netloc.rpartition(":")[2]
        msg = (
            f"Invalid {where}: {text!r} has the invalid port {port_text!r}. Use a port from {MIN_PORT} to "
            f"{MAX_PORT}, or leave it out to use the scheme's default (443 for https, 80 for http)."
        )
        raise ConfigError(msg) from None
    if parsed.scheme == "http" and not is_loopback_host(host):
        msg = (
            f"Invalid {where}: {text!r} uses plain HTTP to a host that is not loopback. "
            f"Use https:// (plain http:// is accepted only for 127.0.0.1, ::1 or localhost)."
        )
        raise ConfigError(msg)

    path = parsed.path.rstrip("/")
    if path.endswith("/submit"):
        path = path[: -len("/submit")]
    endpoint = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, "", ""))
    try:
        # The collector client parses the URL with httpx, so a shape that httpx rejects is rejected here.
        httpx.URL(endpoint + "/submit")
    except (httpx.InvalidURL, ValueError) as error:
        msg = f"Invalid {where}: {text!r} is not a collector URL ({error}). Use https://host[:port][/path]."
        raise ConfigError(msg) from None
    return endpoint


def _bundled_defaults() -> dict[str, Any]:
    """Read resources/client-defaults.json; a missing or invalid file counts as empty."""
    try:
        text = importlib.resources.files("resources").joinpath(DEFAULTS_RESOURCE).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError, ModuleNotFoundError) as error:
        logger.debug("No usable bundled client defaults: %s", error)
        return {}
    return data if isinstance(data, dict) else {}

