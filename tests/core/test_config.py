"""Configuration precedence and validation, and the privacy policy versions."""

from __future__ import annotations

import asyncio
import importlib.resources
import json
import logging

import pytest

import app
from app.core import ConfigError, UsageStats, privacy_policy
from app.core import _config
from app.core._config import ClientConfig, normalize_endpoint
from app.core._events import APP_VERSION


def test_environment_overrides_settings():
    config = ClientConfig.resolve({"timeout_seconds": 20, "retry_count": 5}, {"USAGE_STATS_TIMEOUT": "45"})

    assert config.timeout_seconds == 45
    assert config.retry_count == 5
    assert config.interval_days == 7
    assert config.endpoint is None


def test_settings_override_defaults(stats: UsageStats):
    stats._settings.set("interval_days", 14)
    stats._settings.set("endpoint", "https://stats.example.org/")

    config = stats.config()

    assert config.interval_days == 14
    assert config.endpoint == "https://stats.example.org"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("USAGE_STATS_TIMEOUT", "4", "from 5 to 60"),
        ("USAGE_STATS_TIMEOUT", "ten", "from 5 to 60"),
        ("USAGE_STATS_RETRY_COUNT", "11", "from 0 to 10"),
        ("USAGE_STATS_SUBMISSION_INTERVAL_DAYS", "0", "from 1 to 30"),
        ("USAGE_STATS_DEPLOYMENT_MODE", "kubernetes", "Use one of: desktop, homeassistant"),
        ("USAGE_STATS_ENDPOINT", "http://stats.example.org", "Use https://"),
        ("USAGE_STATS_ENDPOINT", "ftp://127.0.0.1", "is not a collector URL"),
        ("USAGE_STATS_TIMEZONE", "Mars/Olympus_Mons", "is not an IANA time zone name"),
    ],
)
def test_invalid_environment_names_variable_and_range(variable, value, expected):
    with pytest.raises(ConfigError) as raised:
        ClientConfig.resolve({}, {variable: value}).check_network()

    message = str(raised.value)
    assert variable in message
    assert repr(value) in message
    assert expected in message


def test_strict_resolve_defers_network_errors():
    config = ClientConfig.resolve({}, {"USAGE_STATS_TIMEOUT": "500", "USAGE_STATS_ENDPOINT": "ftp://127.0.0.1"})

    assert config.timeout_seconds == 30
    assert config.endpoint is None
    assert config.network_errors == (
        "Invalid environment variable USAGE_STATS_ENDPOINT: 'ftp://127.0.0.1' is not a collector URL. "
        "Use https://host[:port][/path].",
        "Invalid environment variable USAGE_STATS_TIMEOUT: '500' is not a whole number from 5 to 60. "
        "Set it to a value in that range or unset it to use the default.",
    )
    with pytest.raises(ConfigError) as raised:
        config.check_network()
    assert str(raised.value) == " ".join(config.network_errors)


def test_lenient_resolve_has_no_network_errors():
    config = ClientConfig.resolve({}, {"USAGE_STATS_TIMEOUT": "500"}, strict=False)

    assert config.timeout_seconds == 30
    assert config.network_errors == ()
    config.check_network()


def test_open_strict_bad_timeout_keeps_local_work(home, environ, clock):
    environment = {**environ, "USAGE_STATS_TIMEOUT": "500", "USAGE_STATS_ENDPOINT": "http://127.0.0.1:9"}
    with UsageStats.open(home, environ=environment, clock=clock, strict_config=True) as stats:
        recorded = stats.record("job_created", printer_type="prusa")
        stats.opt_in()
        status = stats.status()
        with pytest.raises(ConfigError) as raised:
            asyncio.run(stats.submit_due(force=True))

    assert recorded is True
    assert status.events_total == 1
    assert status.consent.state == "granted"
    assert "USAGE_STATS_TIMEOUT: '500'" in str(raised.value)


def test_invalid_value_falls_back_with_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="app.core"):
        config = ClientConfig.resolve({"retry_count": 99}, {"USAGE_STATS_TIMEOUT": "0"}, strict=False)

    assert config.retry_count == 3
    assert config.timeout_seconds == 30
    assert [record.levelno for record in caplog.records] == [logging.WARNING, logging.WARNING]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://stats.example.org/submit", "https://stats.example.org"),
        ("https://stats.example.org/usage/", "https://stats.example.org/usage"),
        ("http://127.0.0.1:8787/submit/", "http://127.0.0.1:8787"),
        ("http://localhost:8787", "http://localhost:8787"),
        ("http://[::1]:8787", "http://[::1]:8787"),
    ],
)
def test_endpoint_normalized(value, expected):
    assert normalize_endpoint(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://stats.example.org:8443", "https://stats.example.org:8443"),
        ("http://127.0.0.1:65535", "http://127.0.0.1:65535"),
        ("http://127.0.0.1:1", "http://127.0.0.1:1"),
        ("https://stats_collector.example.org", "https://stats_collector.example.org"),
        ("https://bücher.example", "https://bücher.example"),
        ("https://stats.example.org.", "https://stats.example.org."),
    ],
)
def test_endpoint_accepts_valid_host_and_port(value, expected):
    assert normalize_endpoint(value) == expected


PORT_FIX = "Use a port from 1 to 65535, or leave it out to use the scheme's default (443 for https, 80 for http)."
HOST_FIX = "Use an IP address or a DNS name such as stats.example.org."
URL_FIX = "Use https://host[:port][/path]."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:99999", f"'http://127.0.0.1:99999' has the invalid port '99999'. {PORT_FIX}"),
        ("http://127.0.0.1:0", f"'http://127.0.0.1:0' has the invalid port '0'. {PORT_FIX}"),
        ("http://127.0.0.1:-1", f"'http://127.0.0.1:-1' has the invalid port '-1'. {PORT_FIX}"),
        ("https://stats.example.org:https", f"'https://stats.example.org:https' has the invalid port 'https'. {PORT_FIX}"),
        ("https://stats.example.org:443x", f"'https://stats.example.org:443x' has the invalid port '443x'. {PORT_FIX}"),
        ("https://stats example.org", f"'https://stats example.org' has the invalid host name 'stats example.org'. {HOST_FIX}"),
        ("https://stats..example.org", f"'https://stats..example.org' has the invalid host name 'stats..example.org'. {HOST_FIX}"),
        ("https://-stats.example.org", f"'https://-stats.example.org' has the invalid host name '-stats.example.org'. {HOST_FIX}"),
        ("https://st%61ts.example.org", f"'https://st%61ts.example.org' has the invalid host name 'st%61ts.example.org'. {HOST_FIX}"),
        ("https://xn--abc.example.org", f"'https://xn--abc.example.org' has the invalid host name 'xn--abc.example.org'. {HOST_FIX}"),
        ("http://:8787", f"'http://:8787' is not a collector URL. {URL_FIX}"),
        ("http://[::1", f"'http://[::1' is not a collector URL. {URL_FIX}"),
        ("https://", f"'https://' is not a collector URL. {URL_FIX}"),
    ],
)
def test_endpoint_rejects_invalid_host_or_port(value, expected):
    with pytest.raises(ConfigError) as raised:
        normalize_endpoint(value, "environment variable USAGE_STATS_ENDPOINT")

    assert str(raised.value) == f"Invalid environment variable USAGE_STATS_ENDPOINT: {expected}"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("https://reporter:s3cret@stats.example.org/v1", "https://***@stats.example.org/v1"),
        ("https://s3cret@stats.example.org", "https://***@stats.example.org"),
        ("http://user:s3cret@127.0.0.1:8787", "http://***@127.0.0.1:8787"),
        # Shapes that no URL parser splits cleanly, each with the password where a port or a path would be.
        ("https://user:s3cret/x@stats.example.org", "https://***@stats.example.org"),
        ("https://user:s3cret@[::1", "https://***@[::1"),
        ("user:s3cret@stats.example.org", "***@stats.example.org"),
        ("https://user:s3c#ret@stats.example.org", "https://***@stats.example.org"),
    ],
)
def test_endpoint_with_credentials_rejected_without_showing_them(value, masked):
    with pytest.raises(ConfigError) as raised:
        normalize_endpoint(value, "environment variable USAGE_STATS_ENDPOINT")

    assert str(raised.value) == (
        f"Invalid environment variable USAGE_STATS_ENDPOINT: {masked!r} contains a user name or password before "
        "'@', which would show in logs. Remove it: the collector takes its key from USAGE_STATS_API_KEY."
    )
    assert "s3cret" not in str(raised.value)


def test_do_not_track_read_from_environment():
    assert ClientConfig.resolve({}, {"DO_NOT_TRACK": "1"}).do_not_track is True
    assert ClientConfig.resolve({}, {"DO_NOT_TRACK": "0"}).do_not_track is False


def test_api_key_hidden_in_repr():
    config = ClientConfig.resolve({}, {"USAGE_STATS_API_KEY": "secret-key-123"})

    assert config.api_key == "secret-key-123"
    assert "secret-key-123" not in repr(config)


def test_policy_changes_since_previous_version():
    policy = privacy_policy()

    assert policy.version == "3"
    assert len(policy.changes_since("1")) == 5
    assert len(policy.changes_since("2")) == 3
    assert policy.changes_since("3") == []
    assert "Completed and failed print jobs" in policy.changes_since("1")[0]
    assert "region setting of Windows" in policy.changes_since("2")[-1]
    assert policy.collected
    assert policy.never_collected


def test_opt_in_rejects_unknown_policy_version(stats: UsageStats):
    from app.core import ConsentError

    with pytest.raises(ConsentError, match="'7' does not exist"):
        stats.opt_in("7")
    assert stats.consent().state == "undecided"


def test_re_consent_keeps_schedule(stats: UsageStats, clock):
    stats.opt_in("1")
    installation_id = stats.status().installation_id
    clock.advance(days=2)

    stats.opt_in("2")

    assert stats.consent().policy_version == "2"
    assert stats.status().installation_id == installation_id
    assert stats._settings.get("report.anchor") == "2026-03-02T09:00:00.000000Z"


def test_open_strict_rejects_unknown_deployment_mode(home, environ, clock):
    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        stats.record("job_created")

    with pytest.raises(ConfigError) as raised:
        UsageStats.open(home, environ=environ, clock=clock, deployment_mode="kubernetes", strict_config=True)

    assert str(raised.value) == (
        "Invalid deployment_mode argument: 'kubernetes' is not a deployment mode. "
        "Use one of: desktop, homeassistant, docker, standalone, pi."
    )
    with UsageStats.open(home, environ=environ, clock=clock) as reopened:
        assert reopened.status().events_total == 1


def test_open_lenient_ignores_unknown_deployment_mode(home, environ, clock, caplog):
    with caplog.at_level(logging.WARNING, logger="app.core"):
        stats = UsageStats.open(home, environ=environ, clock=clock, deployment_mode="kubernetes")

    with stats:
        stats.opt_in()
        status = stats.status()
        preview = json.loads(stats.preview())

    assert [record.getMessage() for record in caplog.records] == [
        "Invalid deployment_mode argument: 'kubernetes' is not a deployment mode. "
        "Use one of: desktop, homeassistant, docker, standalone, pi. Using USAGE_STATS_DEPLOYMENT_MODE, "
        "the deployment_mode setting or 'standalone' instead."
    ]
    assert status.consent.state == "granted"
    assert preview["installation"]["deployment_mode"] == "standalone"


def test_open_lenient_deployment_mode_falls_back_to_environment(home, environ, clock):
    environment = {**environ, "USAGE_STATS_DEPLOYMENT_MODE": "docker"}

    with UsageStats.open(home, environ=environment, clock=clock, deployment_mode="kubernetes") as stats:
        assert stats.config().deployment_mode == "docker"
        assert stats.status().installation_id is not None


@pytest.mark.parametrize("schema_name", ["report-1.0.schema.json", "report-1.1.schema.json"])
def test_app_version_rule_matches_schema(schema_name):
    text = importlib.resources.files("resources").joinpath("schemas", schema_name).read_text(encoding="utf-8")
    rule = json.loads(text)["properties"]["installation"]["properties"]["app_version"]

    assert rule == {"type": "string", "pattern": f"^{APP_VERSION.regex.pattern}$"}


LONG_VERSION = "2.4.1 beta ü" * 4
LONG_VERSION_MESSAGE = (
    "Invalid app_version argument: '2.4.1 beta ü2.4.1...beta ü2.4.1 beta ü' is not a version such as 2.4.1. "
    "Use 1 to 32 characters of A-Z, a-z, 0-9, '.', '+', '_' and '-', starting with a letter or digit, "
    "because the collector rejects every report whose installation.app_version breaks that rule."
)


def test_open_strict_rejects_invalid_app_version(home, environ, clock):
    with UsageStats.open(home, environ=environ, clock=clock) as stats:
        stats.record("job_created")

    with pytest.raises(ConfigError) as raised:
        UsageStats.open(home, environ=environ, clock=clock, app_version=LONG_VERSION, strict_config=True)

    assert str(raised.value) == LONG_VERSION_MESSAGE
    with UsageStats.open(home, environ=environ, clock=clock) as reopened:
        assert reopened.status().events_total == 1


@pytest.mark.parametrize("version", ["", "2.4.1 beta", "v" * 33, "-2.4", 2.4])
def test_open_strict_rejects_version_outside_schema(home, environ, clock, version):
    with pytest.raises(ConfigError, match="is not a version such as 2.4.1"):
        UsageStats.open(home, environ=environ, clock=clock, app_version=version, strict_config=True)


@pytest.mark.parametrize("version", ["2.4.1", "2.4.1+local", "1.0.0-rc_1", "v" * 32])
def test_open_strict_accepts_schema_versions(home, environ, clock, version):
    with UsageStats.open(home, environ=environ, clock=clock, app_version=version, strict_config=True) as stats:
        stats.opt_in()
        preview = json.loads(stats.preview())

    assert preview["installation"]["app_version"] == version


def test_open_lenient_ignores_invalid_app_version(home, environ, clock, caplog):
    with caplog.at_level(logging.WARNING, logger="app.core"):
        stats = UsageStats.open(home, environ=environ, clock=clock, app_version=LONG_VERSION)

    with stats:
        stats.opt_in()
        before_app_start = json.loads(stats.preview())["installation"]["app_version"]
        stats.record("app_start", app_version="2.3.0")
        after_app_start = json.loads(stats.preview())["installation"]["app_version"]

    assert [record.getMessage() for record in caplog.records] == [
        f"{LONG_VERSION_MESSAGE} Using the app_version of the latest app_start event or {app.__version__!r} instead."
    ]
    assert before_app_start == app.__version__
    assert after_app_start == "2.3.0"


def test_invalid_value_warns_once_per_process(monkeypatch, caplog):
    monkeypatch.setattr(_config, "_REPORTED_INVALID_VALUES", set())
    environ = {"USAGE_STATS_TIMEOUT": "500"}

    with caplog.at_level(logging.DEBUG, logger="app.core"):
        for _ in range(3):
            assert ClientConfig.resolve({}, environ, strict=False).timeout_seconds == 30
        assert ClientConfig.resolve({}, {"USAGE_STATS_TIMEOUT": "501"}, strict=False).timeout_seconds == 30

    levels = [(record.levelname, "'500'" in record.getMessage()) for record in caplog.records if "USAGE_STATS_TIMEOUT" in record.getMessage()]
    assert levels == [("WARNING", True), ("DEBUG", True), ("DEBUG", True), ("WARNING", False)]
