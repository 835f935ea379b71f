"""Places every facility of the gazetteer on an SVG drawn by the server: no tiles, no map
library, no other host. An equirectangular projection of Xinjiang's extent, with the width
scaled by the cosine of the middle latitude so distances look right."""

import math
from dataclasses import dataclass

WEST, EAST, SOUTH, NORTH = 73.0, 97.0, 34.0, 50.0
WIDTH = 1000
HEIGHT = round(WIDTH * (NORTH - SOUTH) / ((EAST - WEST) * math.cos(math.radians(42))))
TIER_COLOURS = {1: "#fdbb84", 2: "#ef6548", 3: "#b30000", 4: "#4a0000", None: "#8c8c8c"}


@dataclass(frozen=True)
class Mark:
    url: str
    slug: str
    label: str
    tier: int | None
    prefecture: str
    records: int
    x: float
    y: float
    r: float
    colour: str


def project(latitude: float, longitude: float) -> tuple[float, float]:
    x = (longitude - WEST) / (EAST - WEST) * WIDTH
    y = (NORTH - latitude) / (NORTH - SOUTH) * HEIGHT
    return round(x, 1), round(y, 1)


def marks(camps, records_by_term: dict[int, int], url_pattern: str) -> list[Mark]:
    """One mark per camp with coordinates; the area grows with the records tagged.
    `url_pattern` is a facility page's URL with "{slug}" in it (reversing a URL per mark
    would be most of the page's time)."""
    out = []
    for camp in camps:
        x, y = project(float(camp.latitude), float(camp.longitude))
        n = records_by_term.get(camp.term_id, 0)
        out.append(
            Mark(
                url=url_pattern.replace("{slug}", camp.term.slug),
                slug=camp.term.slug,
                label=camp.term.preferred_label,
                tier=camp.security_tier,
                prefecture=camp.prefecture,
                records=n,
                x=x,
                y=y,
                r=round(4 + 3 * math.sqrt(n), 1),
                colour=TIER_COLOURS.get(camp.security_tier, TIER_COLOURS[None]),
            )
        )
    # Larger marks first, so small ones stay clickable on top of them.
    return sorted(out, key=lambda m: -m.r)


def prefecture_labels(all_marks: list[Mark]) -> list[tuple[str, float, float]]:
    """Each prefecture's name at the centre of its facilities."""
    groups: dict[str, list[Mark]] = {}
    for mark in all_marks:
        if mark.prefecture:
            groups.setdefault(mark.prefecture, []).append(mark)
    return [
        (name, round(sum(m.x for m in ms) / len(ms), 1), round(sum(m.y for m in ms) / len(ms), 1))
        for name, ms in sorted(groups.items())
    ]


def graticule() -> list[tuple[str, float, float, float, float]]:
    """Lines every 4° of longitude and latitude, with their labels."""
    lines = []
    for lon in range(int(WEST) + 1, int(EAST) + 1, 4):
        x, _ = project(NORTH, lon)
        lines.append((f"{lon}°E", x, 0, x, HEIGHT))
    for lat in range(int(SOUTH) + 2, int(NORTH), 4):
        _, y = project(lat, WEST)
        lines.append((f"{lat}°N", 0, y, WIDTH, y))
    return lines
