"""Time zone to country mapping from tzdata's tables."""

from __future__ import annotations

import pytest

from app.core._country import configured_zone, country_for_zone

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
