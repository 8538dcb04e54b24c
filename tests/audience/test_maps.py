"""The docs pictures of the audience: world maps of titles (training/audience_map.py) and the
per-region ROC-AUC chart (training/plots.plot_regions)."""

from __future__ import annotations

import json

import pytest
from matplotlib.colors import LogNorm

from training.audience_map import (
    MapPanel,
    colour_norm,
    nice_ceiling,
    pick_measure,
    render_audience_maps,
    top_countries,
)
from training.metrics import REGION_OF
from training.plots import plot_regions_from_report, regions_baseline


def distinct_colours(path) -> int:
    from PIL import Image

    with Image.open(path) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1_000_000) or [])


def test_hours_colour_the_map_when_an_entry_has_them_else_weeks():
    weeks_only = [{"country": "KR", "p_chart": 0.9, "expected_weeks": 3.0}, {"country": "JP"}]
    assert pick_measure(weeks_only).field == "expected_weeks"
    with_hours = weeks_only + [{"country": "US", "expected_weeks": 1.0, "expected_hours": 2.5e5}]
    assert pick_measure(with_hours).field == "expected_hours"
    assert pick_measure([{"country": "US", "weeks_in_top10": 4}]).field == "weeks_in_top10"
    assert pick_measure([{"country": "US", "expected_weeks": None}]) is None


def test_scales_match_the_web_page():
    assert [nice_ceiling(v) for v in (0.7, 2.3, 3.1, 7.0, 0.0)] == [1.0, 2.5, 5.0, 10.0, 1.0]
    hours = pick_measure([{"expected_hours": 1.0}])
    norm = colour_norm([40.0, 2e6], hours)
    assert isinstance(norm, LogNorm) and (norm.vmin, norm.vmax) == (10.0, 1e7)
    # Under two decades a log scale says little: linear from 0 to a round top.
    assert (colour_norm([300.0, 900.0], hours).vmin, colour_norm([300.0, 900.0], hours).vmax) == (0.0, 1000.0)
    weeks = pick_measure([{"expected_weeks": 1.0}])
    assert colour_norm([0.2, 2.3], weeks).vmax == 2.5


def test_top_countries_lists_the_highest_with_the_unit():
    entries = [{"country": "KR", "expected_weeks": 2.34}, {"country": "JP", "expected_weeks": 0.8},
               {"country": "US"}]
    assert top_countries(entries, pick_measure(entries), count=3) == "highest: KR 2.3, JP 0.8 (weeks)"


def test_audience_maps_render_every_panel_with_a_legend(tmp_path):
    countries = sorted(REGION_OF)
    panels = [MapPanel(f"Title {n}", [{"country": iso2, "expected_weeks": (n + i % 7) / 3}
                                      for i, iso2 in enumerate(countries)]) for n in range(3)]
    path = render_audience_maps(panels, tmp_path / "maps.png", heading="test")
    assert distinct_colours(path) > 50
    with pytest.raises(ValueError, match="no audience entry"):
        render_audience_maps([MapPanel("empty", [{"country": "US"}])], tmp_path / "none.png", heading="x")


def test_regions_are_drawn_again_from_a_saved_evaluation(tmp_path):
    regions = sorted(set(REGION_OF.values()))
    report = {
        "selected": "head on GraphSAGE",
        "methods": {"country prior": {"notes": "baseline", "mean_auc": {"value": 0.5}},
                    "comps average (TF-IDF kNN)": {"notes": "baseline", "mean_auc": {"value": 0.59}},
                    "head on GraphSAGE": {"notes": "validation", "mean_auc": {"value": 0.7}}},
        "regions": [{"region": region, "countries": 3, "scored": 3, "positives": 40 + i,
                     "model_auc": 0.62 + 0.01 * i, "baseline_auc": 0.58} for i, region in enumerate(regions)],
    }
    assert regions_baseline(report) == "comps average (TF-IDF kNN)"  # a report from before the chart
    assert regions_baseline(report | {"regions_baseline": "country prior"}) == "country prior"
    saved = tmp_path / "audience_evaluation.json"
    saved.write_text(json.dumps(report))
    path = plot_regions_from_report(saved, tmp_path / "regions.png")
    assert distinct_colours(path) > 50
