"""Time-zone choices that a person can find: the practice's zone and the common ones first, then
every zone grouped by region (a select with optgroups, which a browser searches as one types)."""

import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# The zones most clients of an English-speaking practice live in; the rest is one keystroke away.
COMMON = [
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
]


def zone_label(name: str) -> str:
    """ "America/New_York" reads "New York (America)"; "UTC" stays "UTC"."""
    if "/" not in name:
        return name
    region, place = name.split("/", 1)
    return f"{place.replace('_', ' ').replace('/', ' / ')} ({region})"


@lru_cache(maxsize=1)
def _by_region() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(zoneinfo.available_timezones()):
        if name.startswith(("Etc/", "SystemV/")) or "/" not in name:
            continue  # legacy aliases: nobody looks for "Etc/GMT+5"
        groups.setdefault(name.split("/", 1)[0], []).append((name, zone_label(name)))
    return tuple((region, tuple(sorted(zones, key=lambda z: z[1]))) for region, zones in sorted(groups.items()))


def time_zone_choices(current: str = "") -> list:
    """Grouped choices: the practice's zone, common zones, then each region. `current` (a stored
    value, even a legacy alias such as "Etc/GMT+5") stays selectable so an old record still saves."""
    practice_zone = settings.TIME_ZONE
    common = [(z, zone_label(z)) for z in COMMON if z != practice_zone]
    choices: list = [
        (_("The practice's zone"), [(practice_zone, zone_label(practice_zone))]),
        (_("Common zones"), common),
    ]
    # Each zone appears once: a select with two equal values would mark both as chosen.
    listed = {practice_zone, *COMMON}
    for region, zones in _by_region():
        rest = [zone for zone in zones if zone[0] not in listed]
        if rest:
            choices.append((region, rest))
    every = listed | {name for _region, zones in _by_region() for name, _label in zones}
    if current and current not in every and current in zoneinfo.available_timezones():
        choices.insert(1, (_("Recorded now"), [(current, zone_label(current))]))
    return choices
