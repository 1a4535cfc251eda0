"""CollectorConfig.from_environ: defaults, every variable, and errors that name the fix."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from collector.config import CollectorConfig, default_data_dir, unknown_settings
from collector.errors import ConfigError

KEY = "k" * 20


def test_config_defaults(tmp_path):
    config = CollectorConfig.from_environ({"COLLECTOR_DATA_DIR": str(tmp_path)})

    assert config.database_url == f"sqlite:///{tmp_path / 'collector.db'}"
    assert config.api_keys == ()
    assert config.admin_keys == ()
    assert config.rate_limit_per_hour == 10
    assert config.source_rate_limit_per_hour == 60
    assert config.trusted_proxies == ()
    assert config.max_body_bytes == 65_536
    assert config.retention_days == 730
    assert config.min_group_size == 5
    assert config.log_level == "INFO"
    assert (config.host, config.port, config.threads) == ("127.0.0.1", 8080, 32)
    assert config.stop_delay_seconds == 0


def test_config_default_data_dir_is_platform_folder():
    config = CollectorConfig.from_environ({})

    assert config.data_dir == default_data_dir()
    assert config.data_dir.name == "printernizer-collector"


def test_config_reads_every_variable(tmp_path):
    environ = {
        "DATABASE_URL": "postgresql://collector@db.internal:5433/stats",
        "COLLECTOR_DATA_DIR": str(tmp_path),
        "COLLECTOR_API_KEYS": f" {KEY}1 , {KEY}2 ,",
        "COLLECTOR_ADMIN_KEYS": f"{KEY}3",
        "COLLECTOR_RATE_LIMIT_PER_HOUR": "20",
        "COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR": "200",
        "COLLECTOR_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8,::1",
        "COLLECTOR_MAX_BODY_BYTES": "8192",
        "COLLECTOR_RETENTION_DAYS": "365",
        "COLLECTOR_MIN_GROUP_SIZE": "10",
        "COLLECTOR_LOG_LEVEL": "debug",
        "COLLECTOR_HOST": "0.0.0.0",
        "COLLECTOR_PORT": "9000",
        "COLLECTOR_THREADS": "16",
        "COLLECTOR_STOP_DELAY_SECONDS": "3",
    }

    config = CollectorConfig.from_environ(environ)

    assert config.database_url == "postgresql://collector@db.internal:5433/stats"
    assert config.data_dir == Path(tmp_path)
    assert config.api_keys == (f"{KEY}1", f"{KEY}2")
    assert config.admin_keys == (f"{KEY}3",)
    assert config.rate_limit_per_hour == 20
    assert config.source_rate_limit_per_hour == 200
    assert config.trusted_proxies == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    assert config.max_body_bytes == 8192
    assert config.retention_days == 365
    assert config.min_group_size == 10
    assert config.log_level == "DEBUG"
    assert (config.host, config.port, config.threads) == ("0.0.0.0", 9000, 16)
    assert config.stop_delay_seconds == 3


def test_config_repr_hides_keys():
    config = CollectorConfig.from_environ({"COLLECTOR_API_KEYS": KEY, "COLLECTOR_ADMIN_KEYS": KEY + "x"})

    assert KEY not in repr(config)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("COLLECTOR_RATE_LIMIT_PER_HOUR", "0", "COLLECTOR_RATE_LIMIT_PER_HOUR='0' is invalid: expected a whole number from 1 to 100000"),
        ("COLLECTOR_RATE_LIMIT_PER_HOUR", "ten", "COLLECTOR_RATE_LIMIT_PER_HOUR='ten' is invalid"),
        ("COLLECTOR_SOURCE_RATE_LIMIT_PER_HOUR", "-5", "from 1 to 100000"),
        ("COLLECTOR_MAX_BODY_BYTES", "100", "COLLECTOR_MAX_BODY_BYTES='100' is invalid: expected a whole number from 1024 to 10485760"),
        ("COLLECTOR_RETENTION_DAYS", "1.5", "COLLECTOR_RETENTION_DAYS='1.5' is invalid"),
        ("COLLECTOR_MIN_GROUP_SIZE", "0", "from 1 to 1000"),
        ("COLLECTOR_PORT", "70000", "COLLECTOR_PORT='70000' is invalid: expected a whole number from 0 to 65535"),
        ("COLLECTOR_THREADS", "0", "COLLECTOR_THREADS='0' is invalid"),
        ("COLLECTOR_STOP_DELAY_SECONDS", "61", "COLLECTOR_STOP_DELAY_SECONDS='61' is invalid: expected a whole number from 0 to 60"),
        ("COLLECTOR_LOG_LEVEL", "LOUD", "COLLECTOR_LOG_LEVEL='LOUD' is invalid: expected one of DEBUG, INFO, WARNING, ERROR"),
        ("COLLECTOR_TRUSTED_PROXIES", "10.0.0.0/33", "COLLECTOR_TRUSTED_PROXIES entry '10.0.0.0/33' is invalid"),
        ("COLLECTOR_API_KEYS", "short", "COLLECTOR_API_KEYS entry 1 is invalid: a key must be at least 16"),
        ("DATABASE_URL", "mysql://db/stats", "DATABASE_URL has the unsupported scheme 'mysql'; use sqlite:////absolute/path/collector.db"),
        ("DATABASE_URL", "sqlite://", "DATABASE_URL 'sqlite://' names no file"),
        ("DATABASE_URL", "postgresql://user@host", "DATABASE_URL must name a host and a database"),
        ("DATABASE_URL", "postgresql://user@host:abc/stats", "DATABASE_URL has an invalid port"),
        ("DATABASE_URL", "postgresql://user@host:99999/stats", "DATABASE_URL has an invalid port (Port out of range 0-65535)"),
        ("DATABASE_URL", "postgresql://user@[::1/stats", "DATABASE_URL is not a valid URL (Invalid IPv6 URL)"),
        ("DATABASE_URL", "sqlite:///data/%00.db", "DATABASE_URL names a file with a NUL character"),
        (
            "DATABASE_URL",
            "postgresql://collector:a/b@127.0.0.1:5432/collector",
            "DATABASE_URL has an '@' and a host after its host part, so its password probably contains '/', '?' "
            "or '#'. Percent-encode those characters in the password (%2F, %3F, %23)",
        ),
    ],
)
def test_config_bad_value_names_variable(name, value, message):
    with pytest.raises(ConfigError) as caught:
        CollectorConfig.from_environ({name: value})

    assert message in str(caught.value)


def test_config_error_suggests_default():
    with pytest.raises(ConfigError) as caught:
        CollectorConfig.from_environ({"COLLECTOR_RATE_LIMIT_PER_HOUR": "0"})

    assert str(caught.value).endswith("set it in that range or unset it to use 10.")


@pytest.mark.parametrize(
    ("value", "position"),
    [
        (f'{KEY}x,"{KEY}"', 2),
        (f"'{KEY}'", 1),
        # Quotes around a whole list stay on its first and last entry.
        (f'"{KEY}x,{KEY}"', 1),
        (f'{KEY}x,{KEY}"', 2),
    ],
)
def test_config_quoted_key_is_rejected(value, position):
    with pytest.raises(ConfigError) as caught:
        CollectorConfig.from_environ({"COLLECTOR_API_KEYS": value})

    assert str(caught.value) == (
        f"COLLECTOR_API_KEYS entry {position} starts or ends with a quote character, which would become part "
        "of the key; remove the quotes around the value."
    )


def test_config_for_migrate_and_purge_skips_server_settings(tmp_path):
    environ = {
        "COLLECTOR_DATA_DIR": str(tmp_path),
        "COLLECTOR_PORT": "abc",
        "COLLECTOR_API_KEYS": "short",
        "COLLECTOR_RETENTION_DAYS": "90",
        "COLLECTOR_LOG_LEVEL": "warning",
    }

    config = CollectorConfig.from_environ(environ, serving=False)

    assert (config.retention_days, config.log_level, config.port, config.api_keys) == (90, "WARNING", 8080, ())
    with pytest.raises(ConfigError, match="COLLECTOR_API_KEYS entry 1 is invalid"):
        CollectorConfig.from_environ(environ)


@pytest.mark.parametrize(("name", "value"), [("COLLECTOR_RETENTION_DAYS", "0"), ("COLLECTOR_LOG_LEVEL", "LOUD"), ("DATABASE_URL", "mysql://db/x")])
def test_config_for_migrate_and_purge_checks_their_settings(name, value):
    with pytest.raises(ConfigError, match=name):
        CollectorConfig.from_environ({name: value}, serving=False)


def test_unknown_settings_suggest_closest_name():
    environ = {"COLLECTOR_ADMIN_KEY": "x", "COLLECTOR_PORT": "8080", "COLLECTOR_COLOUR": "blue", "PATH": "/bin"}

    assert unknown_settings(environ) == [("COLLECTOR_ADMIN_KEY", "COLLECTOR_ADMIN_KEYS"), ("COLLECTOR_COLOUR", None)]


def test_config_key_error_does_not_echo_key():
    bad_key = "secret\x01value-0123456789"

    with pytest.raises(ConfigError) as caught:
        CollectorConfig.from_environ({"COLLECTOR_ADMIN_KEYS": bad_key})

    assert bad_key not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://user:pass-word-1@host:abc/stats",
        "postgresql://user:pass-word-1@[::1/stats",
        "postgresql://user:pass/word-1@host:5432/stats",
        "postgresql://user:pass?word-1@host:5432/stats",
        "postgresql://user:pass#word-1@host:5432/stats",
    ],
)
def test_config_database_url_error_hides_password(url):
    with pytest.raises(ConfigError) as caught:
        CollectorConfig.from_environ({"DATABASE_URL": url})

    assert "pass-word-1" not in str(caught.value)


@pytest.mark.parametrize(
    ("api_keys", "message"),
    [
        ("client-key-0123456789,operator-key-0123456789", "COLLECTOR_API_KEYS entry 2 is also listed in COLLECTOR_ADMIN_KEYS."),
        (
            "operator-key-0123456789,client-key-0123456789,second-operator-0123456789",
            "COLLECTOR_API_KEYS entries 1, 3 are also listed in COLLECTOR_ADMIN_KEYS.",
        ),
    ],
)
def test_config_key_in_both_lists_named_by_entry(api_keys, message):
    environ = {"COLLECTOR_API_KEYS": api_keys, "COLLECTOR_ADMIN_KEYS": "operator-key-0123456789,second-operator-0123456789"}

    with pytest.raises(ConfigError) as caught:
        CollectorConfig.from_environ(environ)

    assert str(caught.value) == f"{message} Operator keys can already submit reports, so remove such a key from COLLECTOR_API_KEYS."
    assert "operator-key-0123456789" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://collector@127.0.0.1:5432/collector?application_name=stats@vps",
        "postgresql://collector:p%2Fw@127.0.0.1:5432/collector",
        "postgresql://collector:p@ss@127.0.0.1:5432/collector",
        "postgresql://collector@127.0.0.1:5432/db@v2",
    ],
)
def test_config_database_url_with_at_sign_accepted(url):
    assert CollectorConfig.from_environ({"DATABASE_URL": url}).database_url == url
