"""World boundaries of the audience maps (titlegraph/world.py) and the page's world.json."""

from __future__ import annotations

import json

import numpy as np
import pytest

from titlegraph import world
from training.metrics import REGION_OF


@pytest.fixture(scope="module")
def world_map() -> world.WorldMap:
    return world.world_shapes()


def test_every_chart_country_has_a_shape_and_the_tiny_ones_a_dot(world_map):
    shapes = {shape.iso2: shape for shape in world_map.shapes}
    assert set(REGION_OF) <= set(shapes), set(REGION_OF) - set(shapes)
    for iso2 in ("BH", "SG", "MT", "MU", "MV", "HK", "GP", "MQ", "RE"):
        assert shapes[iso2].small, iso2
    for iso2 in ("US", "FR", "BR", "KR", "NL"):
        assert not shapes[iso2].small, iso2


def test_overseas_departments_are_cut_out_of_france(world_map):
    shapes = {shape.iso2: shape for shape in world_map.shapes}
    france = np.concatenate([polygon[0] for polygon in shapes["FR"].polygons])
    # Mainland France and Corsica only: nothing west of the Bay of Biscay or south of Corsica.
    width, height = world_map.width, world_map.height
    assert france[:, 0].min() > 0.45 * width and france[:, 1].max() < 0.35 * height
    reunion_x, reunion_y = shapes["RE"].anchor
    guadeloupe_x, _ = shapes["GP"].anchor
    assert reunion_x > 0.6 * width and reunion_y > 0.6 * height  # Indian Ocean, south of the equator
    assert guadeloupe_x < 0.35 * width  # Caribbean


def test_australia_keeps_its_mainland_next_to_ashmore(world_map):
    australia = [shape for shape in world_map.shapes if shape.iso2 == "AU"]
    assert len(australia) == 1 and not australia[0].small
    assert max(world.polygon_area(polygon) for polygon in australia[0].polygons) > 1000


def test_anchors_lie_inside_their_country(world_map):
    from matplotlib.path import Path as Outline

    for shape in world_map.shapes:
        if shape.iso2 in REGION_OF:
            outlines = [Outline(polygon[0]) for polygon in shape.polygons]
            assert any(outline.contains_point(shape.anchor) for outline in outlines), shape.iso2


def test_no_outline_jumps_across_the_map_at_the_antimeridian(world_map):
    for shape in world_map.shapes:
        for polygon in shape.polygons:
            for ring in polygon:
                assert np.abs(np.diff(ring[:, 0])).max() < 0.5 * world_map.width, shape.name


def test_a_ring_over_the_antimeridian_is_cut_into_its_east_and_west_pieces():
    square = np.array([[170.0, 0.0], [-170.0, 0.0], [-170.0, 10.0], [170.0, 10.0], [170.0, 0.0]])
    pieces = world.split_at_antimeridian([square])
    boxes = sorted((p[0][:, 0].min(), p[0][:, 0].max()) for p in pieces)
    assert boxes == [(-180.0, -170.0), (170.0, 180.0)]
    assert sum(abs(world.ring_area(p[0])) for p in pieces) == pytest.approx(200.0)


def test_equal_earth_matches_the_published_extent():
    x, y = world.equal_earth(np.array([180.0, 0.0]), np.array([0.0, 90.0]))
    # Šavrič et al. 2018: the map is 2.7066 wide each side of the centre, 1.3173 high each side.
    assert x[0] == pytest.approx(2.7066, abs=1e-3) and y[1] == pytest.approx(1.3173, abs=1e-3)


def test_svg_paths_round_trip_to_the_projected_rings():
    ring = np.array([[10.0, 10.0], [20.04, 10.0], [20.0, 25.55], [10.0, 20.0]])
    path = world.svg_path([[ring]])
    assert path == "M10 10l10 0 0 15.6 -10 -5.6z"
    assert world.tenths(-3) == "-.3" and world.tenths(5234) == "523.4" and world.tenths(0) == "0"


def test_the_pages_world_json_is_up_to_date_with_the_vendored_topology(world_map):
    """Refresh with `python -m titlegraph.world` (scripts/vendor_world.sh does it after an update)."""
    committed = json.loads(world.WEB_GEOMETRY.read_text())
    assert committed == json.loads(json.dumps(world.web_geometry(world_map)))
    assert committed["source"].startswith("world-atlas ")
