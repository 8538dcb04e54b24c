"""Expected audience by country on a world map, as a picture for docs/ (docs/audience_maps.png).

Same shapes (titlegraph/world.py), choice of measure, colour ramp and scale as the web page's
service/static/world.js, so the docs show what the page shows. `titlegraph audience-maps` renders
it for a few well-known titles with the current model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure

from graph import audience as graph_audience
from graph import reads
from titlegraph.world import draw_countries, world_shapes


@dataclass(frozen=True)
class Measure:
    """What the colour shows.

    Args:
        field: the audience entry's key.
        label: the legend's words.
        unit: the legend's unit.
        log: a log scale when the values span two decades or more.
    """

    field: str
    label: str
    unit: str
    log: bool = False


# The first measure any entry has a number for colours the map (world.js: WORLD_MEASURES).
MEASURES = (
    Measure("expected_hours", "expected hours viewed, first 4 weeks", "hours", log=True),
    Measure("expected_weeks", "expected weeks in the top 10, first 8 weeks", "weeks"),
    Measure("weeks_in_top10", "observed weeks in the top 10", "weeks"),
)


@dataclass(frozen=True)
class MapPanel:
    """One title's map: its heading and its audience entries ({country, expected_weeks, ...})."""

    heading: str
    entries: list[dict]


def number(value) -> bool:
    """Whether `value` is a finite number (entries may lack a field or hold null)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def pick_measure(entries: Sequence[dict]) -> Measure | None:
    """The first of MEASURES that some entry has a number for."""
    return next((m for m in MEASURES if any(number(entry.get(m.field)) for entry in entries)), None)


def nice_ceiling(value: float) -> float:
    """A round upper end for a linear scale: 1, 2, 2.5 or 5 times a power of ten."""
    if not value > 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value * 0.999)


def colour_norm(values: Sequence[float], measure: Measure):
    """The matplotlib norm of world.js's colourScale: log over whole decades, else 0 to a round top."""
    positive = [v for v in values if v > 0]
    top = max(values, default=0.0)
    if measure.log and positive:
        low = math.floor(math.log10(min(positive)))
        high = max(math.ceil(math.log10(top)), low + 1)
        if high - low >= 2:
            return LogNorm(10.0**low, 10.0**high, clip=True)
    return Normalize(0.0, nice_ceiling(top), clip=True)


def top_countries(entries: Sequence[dict], measure: Measure, count: int = 4) -> str:
    """The highest values of `measure`, e.g. "highest: KR 2.4, TH 1.1 (weeks)"."""
    ranked = sorted((e for e in entries if number(e.get(measure.field))), key=lambda e: -e[measure.field])
    digits = 0 if measure.log else 1
    shown = ", ".join(f"{e['country']} {e[measure.field]:,.{digits}f}" for e in ranked[:count])
    return f"highest: {shown} ({measure.unit})"


def render_audience_maps(panels: Sequence[MapPanel], path: Path, *, heading: str, world_map=None,
                         columns: int = 2) -> Path:
    """One world map per panel on a shared colour scale (so titles can be compared) with its legend."""

    world_map = world_map or world_shapes()
    every = [entry for panel in panels for entry in panel.entries]
    measure = pick_measure(every)
    if measure is None:
        raise ValueError("no audience entry has hours or weeks to draw")
    norm = colour_norm([entry[measure.field] for entry in every if number(entry.get(measure.field))], measure)
    ramp = matplotlib.colormaps["YlOrBr" if measure.field == "weeks_in_top10" else "YlGnBu"]
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(7.4 * columns, 4.0 * rows + 1.2), dpi=110)
    axes = figure.subplots(rows, columns, squeeze=False)
    for axis, panel in zip(axes.flat, panels, strict=False):
        colours = {entry["country"]: matplotlib.colors.to_hex(ramp(norm(entry[measure.field])))
                   for entry in panel.entries if number(entry.get(measure.field))}
        draw_countries(axis, world_map, colours)
        axis.set_title(f"{panel.heading}\n{top_countries(panel.entries, measure)}", fontsize=10)
    for axis in axes.flat[len(panels):]:
        axis.set_axis_off()
    figure.suptitle(heading, fontsize=12, y=1 - 0.12 / figure.get_figheight(), va="top")
    figure.subplots_adjust(left=0.01, right=0.99, top=1 - 0.8 / figure.get_figheight(), bottom=0.12,
                           wspace=0.03, hspace=0.22)
    bar = figure.add_axes((0.3, 0.055, 0.4, 0.022))
    scale = ScalarMappable(norm=norm, cmap=ramp)
    legend = figure.colorbar(scale, cax=bar, orientation="horizontal")
    log = isinstance(norm, matplotlib.colors.LogNorm)
    legend.set_label(f"{measure.label} ({measure.unit}{', log scale' if log else ''}); grey: no value",
                     fontsize=9)
    legend.ax.tick_params(labelsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return path


def title_audience(model, title_id: str, metadata: dict) -> list[dict]:
    """The current model's audience entries of a title in the graph, every chart country (what
    `POST /v1/predict` returns for a new title; the page's title view shows the stored ones)."""
    return model.audience(np.asarray(model.embedding_of(title_id)), metadata)


def render_title_maps(settings, driver, model, path: Path, titles: Sequence[str],
                      echo: Callable[[str], None] = print) -> Path:
    """Find each of `titles` by name in the graph and draw its expected audience with `model`."""
    database = settings.neo4j_database
    panels = []
    for text in titles:
        hits = [hit for hit in reads.search_titles(driver, text, limit=5, database=database)
                if hit["id"] in model.index["title"]]
        if not hits:
            echo(f"{text!r}: not in the graph or not in model {model.version}; left out")
            continue
        hit = hits[0]
        metadata = graph_audience.title_metadata(driver, [hit["id"]], database=database)[hit["id"]]
        year = f", {metadata['year']}" if metadata.get("year") else ""
        panels.append(MapPanel(f"{metadata['title']} ({metadata['kind']}{year})",
                               title_audience(model, hit["id"], metadata)))
        echo(f"{text!r}: {metadata['title']} ({hit['id']})")
    if not panels:
        raise SystemExit("none of the titles is in the graph: ingest the data and train first")
    heading = f"Expected audience by country, model {model.version}"
    return render_audience_maps(panels, path, heading=heading)
