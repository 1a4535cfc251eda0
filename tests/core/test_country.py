"""Time zone to country mapping from tzdata's tables."""

from __future__ import annotations

import pytest

from app.core._country import configured_zone, country_for_zone, system_country, windows_zone_countries

CASES = [
    ("Europe/Berlin", "DE"),
    ("America/New_York", "US"),
    ("Asia/Tokyo", "JP"),
    ("Europe/Busingen", "DE"),
    ("Europe/Kiev", "UA"),
    ("Europe/Kyiv", "UA"),
    ("Asia/Calcutta", "IN"),
    ("Asia/Saigon", "VN"),
    ("US/Pacific", "US"),
    ("GB", "GB"),
    ("Canada/Eastern", "CA"),
    ("Etc/UTC", "XX"),
    ("UTC", "XX"),
    ("Etc/GMT+5", "XX"),
    ("GMT", "XX"),
    ("Mars/Olympus_Mons", "XX"),
    ("../../etc/passwd", "XX"),
    ("Europe", "XX"),
    ("", "XX"),
    (None, "XX"),
]


@pytest.mark.parametrize(("zone", "country"), CASES)
def test_country_for_zone_maps_zone(zone, country):
    assert country_for_zone(zone) == country


def test_configured_zone_prefers_environment():
    assert configured_zone({"USAGE_STATS_TIMEZONE": "Asia/Tokyo"}) == "Asia/Tokyo"


def test_configured_zone_falls_back_to_system_zone():
    import tzlocal

    assert configured_zone({}) == tzlocal.get_localzone_name()


def _region(code: str | None):
    """Return a region reader that returns `code` and counts its calls."""

    def read() -> str | None:
        read.calls += 1
        return code

    read.calls = 0
    return read


@pytest.mark.parametrize(
    ("zone", "region", "country"),
    [
        # tzlocal reads "W. Europe Standard Time" as Europe/Berlin in all of its countries.
        ("Europe/Berlin", "AT", "AT"),
        ("Europe/Berlin", "DE", "DE"),
        ("Europe/Berlin", "it", "IT"),
        # "FLE Standard Time" becomes Europe/Kiev, for Finland too.
        ("Europe/Kiev", "FI", "FI"),
        # A region outside the Windows zone's countries, or none, names no country.
        ("Europe/Berlin", "US", "XX"),
        ("Europe/Berlin", None, "XX"),
    ],
)
def test_windows_region_picks_among_zone_countries(zone, region, country):
    assert system_country(zone, platform="win32", windows_region=_region(region)) == country


def test_windows_zone_of_one_country_needs_no_region():
    region = _region("DE")

    assert system_country("Australia/Sydney", platform="win32", windows_region=region) == "AU"
    assert region.calls == 0


def test_system_country_elsewhere_is_the_zone_country():
    region = _region("AT")

    assert system_country("Europe/Berlin", platform="linux", windows_region=region) == "DE"
    assert system_country("Europe/Berlin", platform="darwin", windows_region=region) == "DE"
    assert region.calls == 0


def test_windows_zone_countries_of_west_europe():
    assert windows_zone_countries("Europe/Berlin") == {
        "AD", "AT", "CH", "DE", "GI", "IT", "LI", "LU", "MC", "MT", "NL", "NO", "SE", "SJ", "SM", "VA"
    }
    assert windows_zone_countries("Mars/Olympus_Mons") == frozenset()
