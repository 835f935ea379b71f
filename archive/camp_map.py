"""The facilities the map page lists and hands to its script (archive/static/archive/camp-map.js):
one entry per facility with coordinates, and whether it passes the reader's filters. The page
lists every facility so the script can filter in place; those the filters leave out are
rendered hidden, so the same GET form filters without script."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Facility:
    url: str
    slug: str
    label: str
    tier: int | None
    prefecture: str
    county: str
    latitude: float
    longitude: float
    records: int
    shown: bool


def _natural(label: str) -> tuple:
    # "Guma Facility #2" before "Guma Facility #10".
    return tuple(int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", label))


def facilities(
    camps, records_by_term: dict[int, int], url_pattern: str, tiers: set[int], prefecture: str
) -> list[Facility]:
    """Every camp with coordinates, by name. `url_pattern` is a facility page's URL with
    "{slug}" in it (reversing a URL per facility would be most of the page's time)."""
    out = [
        Facility(
            url=url_pattern.replace("{slug}", camp.term.slug),
            slug=camp.term.slug,
            label=camp.term.preferred_label,
            tier=camp.security_tier,
            prefecture=camp.prefecture,
            county=camp.county,
            latitude=float(camp.latitude),
            longitude=float(camp.longitude),
            records=records_by_term.get(camp.term_id, 0),
            shown=(not tiers or camp.security_tier in tiers)
            and (not prefecture or camp.prefecture == prefecture),
        )
        for camp in camps
    ]
    return sorted(out, key=lambda f: _natural(f.label))
