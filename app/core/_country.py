"""Map an IANA time zone to an ISO 3166 country code using the tables that ship with tzdata.

The country is derived only from the configured time zone, never from an IP address.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import os
import sys
from collections.abc import Callable, Mapping

logger = logging.getLogger("app.core")

UNKNOWN_COUNTRY = "XX"

# Zones that name no country: UTC and its aliases, fixed offsets and the old POSIX-style zones.
_NEUTRAL_PREFIXES = ("Etc/", "UTC", "GMT", "UCT", "Zulu", "Universal", "Greenwich", "Factory")


def _read_tab(name: str) -> list[list[str]]:
    text = importlib.resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def _countries() -> frozenset[str]:
    return frozenset(fields[0] for fields in _read_tab("iso3166.tab"))


@functools.cache
def _zone_countries() -> dict[str, str]:
    """Return zone name -> country code from zone.tab, checked against iso3166.tab."""
    countries = _countries()
    return {fields[2]: fields[0] for fields in _read_tab("zone.tab") if fields[0] in countries}


@functools.cache
def _country_by_zone_content() -> dict[bytes, str]:
    """Return compiled zone bytes -> country, for resolving backward links such as Europe/Kiev.

    tzdata ships compiled zone files but not its `backward` link list, and a link's compiled
    file has the same bytes as its target. The targets come from zone1970.tab, which lists the
    country of the zone's most populous city first (Europe/London: GB,GG,IM,JE).
    """
    countries = _countries()
    by_content: dict[bytes, str] = {}
    for fields in _read_tab("zone1970.tab"):
        country = fields[0].split(",")[0]
        if country not in countries:
            continue
        try:
            by_content.setdefault(_zone_bytes(fields[2]), country)
        except (OSError, ValueError):
            continue
    return by_content


def _zone_bytes(zone: str) -> bytes:
    parts = zone.split("/")
    if any(part in ("", ".", "..") for part in parts):
        msg = f"invalid zone name {zone!r}"
        raise ValueError(msg)
    return importlib.resources.files("tzdata").joinpath("zoneinfo", *parts).read_bytes()


def country_for_zone(zone: str | None) -> str:
    """Return the ISO 3166 alpha-2 code for an IANA zone name, or "XX" when it names no country."""
    if not zone or zone.startswith(_NEUTRAL_PREFIXES):
        return UNKNOWN_COUNTRY

    direct = _zone_countries().get(zone)
    if direct is not None:
        return direct

    try:
        content = _zone_bytes(zone)
    except (OSError, ValueError):
        return UNKNOWN_COUNTRY
    return _country_by_zone_content().get(content, UNKNOWN_COUNTRY)


def configured_zone(environ: Mapping[str, str] = os.environ) -> str | None:
    """Return USAGE_STATS_TIMEZONE if set, otherwise the system zone from tzlocal, or None."""
    zone = environ.get("USAGE_STATS_TIMEZONE", "").strip()
    if zone:
        return zone

    try:
        import tzlocal

        return tzlocal.get_localzone_name()
    except Exception as error:  # tzlocal raises several types for odd system setups
        logger.debug("The system time zone could not be read: %s", error)
        return None


def system_country(
    zone: str | None,
    *,
    platform: str = sys.platform,
    windows_region: Callable[[], str | None] | None = None,
) -> str:
    """Return the country of the system time zone `zone`, as `configured_zone` read it.

    On Windows the system zone is a Windows zone, which tzlocal turns into the IANA zone of its
    largest country: "W. Europe Standard Time" becomes Europe/Berlin for Austria and Italy too.
    Where the Windows zone covers several countries, the region setting of Windows picks one of
    them; a region outside them, or none, gives "XX". Elsewhere this is `country_for_zone`.
    """
    if platform != "win32" or not zone:
        return country_for_zone(zone)
    countries = windows_zone_countries(zone)
    if len(countries) <= 1:
        return country_for_zone(zone)
    region = ((windows_region or _windows_region)() or "").upper()
    return region if region in countries else UNKNOWN_COUNTRY


def windows_zone_countries(zone: str) -> frozenset[str]:
    """Return the countries of every IANA zone that shares `zone`'s Windows zone; empty when Windows has no such zone."""
    try:
        from tzlocal.windows_tz import tz_win
    except ImportError:
        return frozenset()
    windows_zone = tz_win.get(zone)
    return _countries_of_windows_zone(windows_zone) if windows_zone else frozenset()


@functools.cache
def _countries_of_windows_zone(windows_zone: str) -> frozenset[str]:
    from tzlocal.windows_tz import tz_win

    countries = {country_for_zone(zone) for zone, name in tz_win.items() if name == windows_zone}
    return frozenset(countries - {UNKNOWN_COUNTRY})


def _windows_region() -> str | None:
    """Return the two-letter region of the Windows user's settings, or None when it cannot be read."""
    try:
        import winreg

        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Control Panel\International\Geo") as key:
            value, _ = winreg.QueryValueEx(key, "Name")
    except (ImportError, OSError) as error:
        logger.debug("The Windows region could not be read: %s", error)
        return None
    return value if isinstance(value, str) else None
