"""World boundaries for the audience maps, keyed by ISO 3166-1 alpha-2.

The shapes are Natural Earth's admin-0 countries at 1:50m from the npm package world-atlas,
vendored in service/static/vendor/world-atlas/ (refresh: scripts/vendor_world.sh). They are
decoded from TopoJSON and projected (Equal Earth) here, once, for both users: the web page draws
service/static/world.json, which `python -m titlegraph.world` writes, and the docs pictures draw
`world_shapes()` with matplotlib. Nothing is downloaded at run time.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pycountry
from matplotlib.collections import PatchCollection
from matplotlib.patches import Circle, PathPatch
from matplotlib.path import Path as Outline

from titlegraph.config import PROJECT_ROOT

VENDOR = PROJECT_ROOT / "service" / "static" / "vendor" / "world-atlas"
TOPOLOGY = VENDOR / "countries-50m.json"
WEB_GEOMETRY = PROJECT_ROOT / "service" / "static" / "world.json"
# Projected units across the map; the page's SVG viewBox and the matplotlib axes use them.
WIDTH = 1000.0
# Natural Earth folds these overseas departments into France; Netflix charts them apart. A part of
# the parent whose centre lies within FOLD_DEGREES of the point becomes the territory's own shape.
FOLDED = {
    "GF": ("FR", -53.0, 4.0),
    "GP": ("FR", -61.5, 16.2),
    "MQ": ("FR", -61.0, 14.6),
    "RE": ("FR", 55.5, -21.1),
    "YT": ("FR", 45.1, -12.8),
}
FOLD_DEGREES = 3.0
# Antarctica has no audience and would take a fifth of the map's height.
DROPPED = {"AQ"}
# A country smaller than this on the map (square projected units, about 1 per 1,000 km2) also gets
# a dot, so it can be seen and hovered: Lebanon and Jamaica are about 11, Bahrain and Singapore 1.
DOT_BELOW_AREA = 12.0
# Points closer than this to the previous kept one are dropped from the page's paths (the map is
# about 1,000 px wide, so nothing visible is lost and world.json stays small).
WEB_MIN_STEP = 0.35


@dataclass(frozen=True)
class Shape:
    """One country on the projected map.

    Args:
        iso2: ISO 3166-1 alpha-2, or "" for the few Natural Earth units without an ISO code.
        name: Natural Earth's short name ("Dem. Rep. Congo").
        polygons: each polygon is a list of rings (exterior first), each ring an (n, 2) array of
            projected x, y with y pointing down, inside [0, WIDTH] x [0, height].
        anchor: a point well inside the largest polygon (for a label, a dot, a test's mouse).
        small: too small to see: drawn with a dot at `anchor` as well.
    """

    iso2: str
    name: str
    polygons: list[list[np.ndarray]]
    anchor: tuple[float, float]
    small: bool


@dataclass(frozen=True)
class WorldMap:
    """The projected shapes, largest first (so small countries are drawn on top), and the map size."""

    shapes: list[Shape]
    width: float
    height: float
    source: str


def equal_earth(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth projection (Šavrič, Patterson and Jenny 2018) of degrees; y points up."""
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    lam, phi = np.radians(lon), np.radians(lat)
    theta = np.arcsin(math.sqrt(3) / 2 * np.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * np.cos(theta) / (3 * (9 * a4 * t6 * t2 + 7 * a3 * t6 + 3 * a2 * t2 + a1))
    y = theta * (a4 * t6 * t2 + a3 * t6 + a2 * t2 + a1)
    return x, y


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """The topology's arcs as (n, 2) arrays of longitude, latitude (delta-decoded, unquantized)."""
    scale = np.asarray(topology["transform"]["scale"], dtype=float)
    translate = np.asarray(topology["transform"]["translate"], dtype=float)
    return [np.cumsum(np.asarray(arc, dtype=float), axis=0) * scale + translate for arc in topology["arcs"]]


def ring_of(arc_ids: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    """One ring from its arc references (~i is arc i reversed); shared end points appear once."""
    parts = []
    for index, arc_id in enumerate(arc_ids):
        points = arcs[~arc_id][::-1] if arc_id < 0 else arcs[arc_id]
        parts.append(points if index == 0 else points[1:])
    return np.concatenate(parts)


def geometry_polygons(geometry: dict, arcs: list[np.ndarray]) -> list[list[np.ndarray]]:
    """A Polygon or MultiPolygon geometry as polygons of lon/lat rings, cut at the antimeridian."""
    if geometry["type"] == "Polygon":
        polygons = [[ring_of(ring, arcs) for ring in geometry["arcs"]]]
    elif geometry["type"] == "MultiPolygon":
        polygons = [[ring_of(ring, arcs) for ring in polygon] for polygon in geometry["arcs"]]
    else:
        return []
    return [piece for polygon in polygons for piece in split_at_antimeridian(polygon)]


def split_at_antimeridian(polygon: list[np.ndarray]) -> list[list[np.ndarray]]:
    """The polygon, or its pieces east and west of 180 degrees when its outline jumps across it
    (Chukotka, Wrangel Island and a Fijian island do): on a flat map the jump is a line across
    the world. Such pieces have no holes in Natural Earth."""
    exterior = polygon[0]
    if not (np.abs(np.diff(exterior[:, 0])) > 180).any():
        return [polygon]
    unwrapped = np.column_stack([np.degrees(np.unwrap(np.radians(exterior[:, 0]))), exterior[:, 1]])
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        piece = clip_ring(clip_ring(unwrapped + (shift, 0.0), 180.0, below=True), -180.0, below=False)
        if len(piece) >= 3 and abs(ring_area(piece)) > 0:
            pieces.append([np.vstack([piece, piece[:1]])])
    return pieces


def clip_ring(ring: np.ndarray, limit: float, *, below: bool) -> np.ndarray:
    """Sutherland-Hodgman: the part of a closed ring with longitude <= limit (or >= with below=False)."""
    inside = ring[:, 0] <= limit if below else ring[:, 0] >= limit
    out = []
    for index in range(len(ring)):
        previous, current = ring[index - 1], ring[index]
        if inside[index] != inside[index - 1]:
            share = (limit - previous[0]) / (current[0] - previous[0])
            out.append((limit, previous[1] + share * (current[1] - previous[1])))
        if inside[index]:
            out.append(tuple(current))
    return np.asarray(out, dtype=float).reshape(-1, 2)


def iso2_of(numeric: str | None) -> str:
    """ISO 3166-1 alpha-2 of a numeric code ("" when there is none, as for Kosovo)."""
    country = pycountry.countries.get(numeric=numeric) if numeric else None
    return country.alpha_2 if country else ""


def ring_area(ring: np.ndarray) -> float:
    """Signed shoelace area of a ring."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def polygon_area(polygon: list[np.ndarray]) -> float:
    """Area of a polygon: its exterior less its holes."""
    return abs(ring_area(polygon[0])) - sum(abs(ring_area(hole)) for hole in polygon[1:])


def inner_point(polygon: list[np.ndarray], grid: int = 24) -> tuple[float, float]:
    """Of a grid over the polygon's box, the inside point farthest from its outline (the centroid
    of a curved country such as Chile can lie outside it); the box centre if none is inside."""
    exterior = polygon[0]
    low, high = exterior.min(axis=0), exterior.max(axis=0)
    steps = (np.arange(grid) + 0.5) / grid
    candidates = low + np.stack(np.meshgrid(steps, steps), axis=-1).reshape(-1, 2) * (high - low)
    inside = Outline(exterior).contains_points(candidates)
    for hole in polygon[1:]:
        inside &= ~Outline(hole).contains_points(candidates)
    if not inside.any():
        return float((low[0] + high[0]) / 2), float((low[1] + high[1]) / 2)
    candidates = candidates[inside]
    outline = np.concatenate(polygon)
    outline = outline[:: max(1, len(outline) // 400)]
    clearance = np.linalg.norm(candidates[:, None, :] - outline[None, :, :], axis=2).min(axis=1)
    best = candidates[int(np.argmax(clearance))]
    return float(best[0]), float(best[1])


def split_folded(countries: dict[str, tuple[str, list]]) -> None:
    """Move each folded territory's parts out of its parent's polygons (in place): a part goes to
    the nearest territory point within FOLD_DEGREES of its centre."""
    for parent in sorted({parent for parent, _, _ in FOLDED.values()} & set(countries)):
        territories = {iso2: (lon, lat) for iso2, (owner, lon, lat) in FOLDED.items()
                       if owner == parent and iso2 not in countries}
        name, polygons = countries[parent]
        kept, moved = [], {}
        for polygon in polygons:
            centre = polygon[0].mean(axis=0)
            distance, nearest = min((math.dist(centre, point), iso2) for iso2, point in territories.items())
            if distance <= FOLD_DEGREES:
                moved.setdefault(nearest, []).append(polygon)
            else:
                kept.append(polygon)
        countries[parent] = (name, kept)
        for iso2, parts in moved.items():
            countries[iso2] = (pycountry.countries.get(alpha_2=iso2).name, parts)


def world_shapes(path: Path = TOPOLOGY) -> WorldMap:
    """Decode, split and project the vendored countries; see the module docstring."""
    topology = json.loads(path.read_text())
    arcs = decode_arcs(topology)
    countries: dict[str, tuple[str, list]] = {}
    unnamed = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        iso2 = iso2_of(geometry.get("id"))
        entry = (geometry.get("properties", {}).get("name", ""), geometry_polygons(geometry, arcs))
        if iso2 in DROPPED:
            continue
        if iso2 in countries:  # Ashmore and Cartier Is. carry Australia's code
            name, polygons = countries[iso2]
            countries[iso2] = (name, polygons + entry[1])
        elif iso2:
            countries[iso2] = entry
        else:
            unnamed.append(entry)
    split_folded(countries)
    named = [(iso2, name, polygons) for iso2, (name, polygons) in countries.items()]
    named += [("", name, polygons) for name, polygons in unnamed]
    projected = [(iso2, name, [[np.column_stack(equal_earth(r[:, 0], r[:, 1])) for r in p] for p in polys])
                 for iso2, name, polys in named]
    every = np.concatenate([ring for _, _, polys in projected for polygon in polys for ring in polygon])
    low, high = every.min(axis=0), every.max(axis=0)
    scale = WIDTH / (high[0] - low[0])
    height = (high[1] - low[1]) * scale

    def place(ring: np.ndarray) -> np.ndarray:
        return np.column_stack([(ring[:, 0] - low[0]) * scale, (high[1] - ring[:, 1]) * scale])

    shapes = []
    for iso2, name, polys in projected:
        polygons = [[place(ring) for ring in polygon] for polygon in polys]
        area = sum(polygon_area(polygon) for polygon in polygons)
        anchor = inner_point(max(polygons, key=polygon_area))
        shapes.append((area, Shape(iso2, name, polygons, anchor, area < DOT_BELOW_AREA)))
    shapes.sort(key=lambda pair: (-pair[0], pair[1].iso2, pair[1].name))
    return WorldMap([shape for _, shape in shapes], WIDTH, float(height), source_of(path))


def source_of(path: Path) -> str:
    """The vendored package and file, e.g. "world-atlas 2.0.2, countries-50m.json"."""
    package = json.loads((path.parent / "package.json").read_text())
    return f"{package['name']} {package['version']}, {path.name} (Natural Earth)"


def thin(ring: np.ndarray, step: float) -> np.ndarray:
    """The ring's points, each at least `step` from the previous kept one, rounded to tenths
    (as integers: 523.4 is 5234)."""
    kept = [ring[0]]
    for point in ring[1:]:
        if abs(point[0] - kept[-1][0]) + abs(point[1] - kept[-1][1]) >= step:
            kept.append(point)
    return np.round(np.asarray(kept) * 10).astype(int)


def svg_path(polygons: list[list[np.ndarray]], step: float = WEB_MIN_STEP) -> str:
    """SVG path data of the polygons, relative after each ring's first point (draw with fill-rule
    evenodd for the holes)."""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = thin(ring, step)
            if len(np.unique(points, axis=0)) < 3:
                continue
            steps = np.diff(points, axis=0)
            moves = " ".join(f"{tenths(dx)} {tenths(dy)}" for dx, dy in steps)
            parts.append(f"M{tenths(points[0][0])} {tenths(points[0][1])}l{moves}z")
    return "".join(parts)


def tenths(value: int) -> str:
    """An integer count of tenths as the shortest decimal: 5234 -> 523.4, -3 -> -.3, 20 -> 2."""
    whole, tenth = divmod(abs(int(value)), 10)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole or ''}{'.' + str(tenth) if tenth else ''}" if whole or tenth else "0"


def web_geometry(world: WorldMap) -> dict:
    """The JSON the page draws: each country's SVG path and anchor, and `dot` when it is too small
    to see."""
    countries = []
    for shape in world.shapes:
        entry = {"iso2": shape.iso2, "name": shape.name, "path": svg_path(shape.polygons),
                 "anchor": [round(shape.anchor[0], 1), round(shape.anchor[1], 1)]}
        if shape.small:
            entry["dot"] = True
        countries.append(entry)
    return {"source": world.source, "projection": "Equal Earth", "width": world.width,
            "height": round(world.height, 1), "countries": countries}


def write_web_geometry(path: Path = WEB_GEOMETRY, topology: Path = TOPOLOGY) -> Path:
    """Write service/static/world.json from the vendored topology."""
    text = json.dumps(web_geometry(world_shapes(topology)), separators=(",", ":"), ensure_ascii=False)
    path.write_text(text + "\n")
    return path


if __name__ == "__main__":
    written = write_web_geometry(*(Path(arg) for arg in sys.argv[1:3]))
    print(f"wrote {written} ({written.stat().st_size:,} bytes)")


def draw_countries(axes, world_map: WorldMap, colours: dict[str, str], *, none: str = "#d9dce3",
                   dot_radius: float = 4.0) -> None:
    """Draw `world_map` on matplotlib `axes`: each country in its colour from `colours` (by ISO2,
    `none` for the rest), with a dot at the anchor of each small country that has a colour."""
    patches, faces, dots, dot_faces = [], [], [], []
    for shape in world_map.shapes:
        colour = colours.get(shape.iso2)
        rings = [ring for polygon in shape.polygons for ring in polygon if len(ring) >= 3]
        if rings:
            outline = Outline.make_compound_path(*(Outline(ring, closed=True) for ring in rings))
            patches.append(PathPatch(outline))
            faces.append(colour or none)
        if shape.small and colour:
            dots.append(Circle(shape.anchor, dot_radius))
            dot_faces.append(colour)
    axes.add_collection(PatchCollection(patches, facecolors=faces, edgecolors="white", linewidths=0.25))
    axes.add_collection(PatchCollection(dots, facecolors=dot_faces, edgecolors="#1d2330", linewidths=0.5,
                                        zorder=3))
    axes.set_xlim(0, world_map.width)
    axes.set_ylim(world_map.height, 0)
    axes.set_aspect("equal")
    axes.set_axis_off()
