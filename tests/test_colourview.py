"""The colour view's pure steps (simulator/products/colourview.py) on synthetic pixels with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from simulator.errors import ProductError
from simulator.products.colourview import (ColourStyle, SeenPixels, colour_image, crop_to_content, grid_average,
                                           linearise, perspective_coordinates, tangent_plane_coordinates,
                                           white_balance)

R_KM = 71492.0


def _sphere_cap(n_side=120, distance_km=3 * R_KM, albedo_rgb=(0.5, 0.45, 0.3)):
    """Points on a sphere seen from +X, one pixel of each filter per point (R, G, B values = albedo x cos i)."""
    y, z = np.meshgrid(np.linspace(-0.6, 0.6, n_side), np.linspace(-0.6, 0.6, n_side))
    x = np.sqrt(1 - y**2 - z**2)
    pts = R_KM * np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1)
    cos_i = np.clip(pts[:, 0] / R_KM, 0, 1)
    filters = ("BLUE", "GREEN", "RED")
    n = pts.shape[0]
    value = np.concatenate([albedo_rgb[2] * cos_i, albedo_rgb[1] * cos_i, albedo_rgb[0] * cos_i]) * 1000
    return SeenPixels(points=np.tile(pts, (3, 1)), value=value, filter_index=np.repeat(np.arange(3), n),
                      incidence=np.zeros(3 * n), emission=np.zeros(3 * n), filters=filters,
                      observer=np.array([distance_km, 0.0, 0.0]), pixel_km=np.full(3 * n, 300.0))


def test_linearise_subtracts_the_reference_columns_and_divides_by_the_flat():
    codes = np.full((128, 1648), 100, dtype=np.uint8)
    codes[:, :23] = 10
    flat = np.full((128, 1648), 0.5)
    from instrument_models.junocam import decompand

    expected = (float(decompand(np.uint8(100), "SQROOT")) - float(decompand(np.uint8(10), "SQROOT"))) / 0.5
    assert np.allclose(linearise(codes, "SQROOT", flat, 1)[:, 23:], expected)


def test_perspective_view_of_a_sphere_is_centred_and_north_up():
    seen = _sphere_cap()
    x, y = perspective_coordinates(seen)
    north = seen.points[:, 2] > 0.5 * R_KM
    assert abs(np.mean(x)) < 1e-3 and abs(np.mean(y)) < 1e-3
    assert np.all(y[north] > 0), "north must be up"
    east = seen.points[:, 1] > 0.5 * R_KM          # +Y seen from +X is to the right when +Z is up
    assert np.all(x[east] > 0)


@given(st.floats(min_value=-80, max_value=80), st.floats(min_value=0, max_value=359))
def test_tangent_plane_distances_are_km_near_the_centre(lat, lon):
    c = R_KM * np.array([np.cos(np.radians(lat)) * np.cos(np.radians(lon)),
                         np.cos(np.radians(lat)) * np.sin(np.radians(lon)), np.sin(np.radians(lat))])
    step = 100.0 / R_KM                                  # 100 km north along the meridian
    north = R_KM * np.array([np.cos(np.radians(lat) + step) * np.cos(np.radians(lon)),
                             np.cos(np.radians(lat) + step) * np.sin(np.radians(lon)),
                             np.sin(np.radians(lat) + step)])
    e, n = tangent_plane_coordinates(north[None, :], c)
    assert abs(e[0]) < 1e-6 and abs(n[0] - 100.0) < 1e-3, (e, n)


def test_grid_average_means_cells_and_fills_only_small_gaps():
    x = np.array([0.5, 0.5, 2.5, 5.5])
    y = np.array([0.5, 0.5, 0.5, 0.5])
    v = np.array([1.0, 3.0, 5.0, 7.0])
    means, seen = grid_average(x, y, v, np.zeros(4, int), 1, 1.0, (0.0, 6.0, 0.0, 1.0), 2)
    assert means[0, 0, 0] == 2.0 and means[0, 0, 2] == 5.0
    assert seen[0, 0, 1], "a one-cell gap between data is filled"
    assert not seen[0, 0, 4] or seen[0, 0, 5], "filling must not run far from the data"


def test_white_balance_from_the_image_makes_the_bright_zones_grey_and_weights_override():
    seen = _sphere_cap()
    rgb, weights = colour_image(seen, ColourStyle(width_px=200))
    assert weights[1] == 1.0 and weights[0] == pytest.approx(0.45 / 0.5, rel=0.02)
    assert weights[2] == pytest.approx(0.45 / 0.3, rel=0.02)
    centre = rgb[rgb.shape[0] // 2 - 3:rgb.shape[0] // 2 + 3, rgb.shape[1] // 2 - 3:rgb.shape[1] // 2 + 3]
    spread = np.ptp(centre.reshape(-1, 3).mean(axis=0))
    assert spread <= 2, f"the brightest area should be grey after balancing, channel spread {spread}"
    _, given_w = colour_image(seen, ColourStyle(width_px=200, weights_rgb=(0.768, 1.0, 2.63)))
    assert given_w == (0.768, 1.0, 2.63)
    with pytest.raises(ProductError, match="three positive"):
        white_balance(np.ones((3, 2, 2)), np.ones((2, 2), bool), ColourStyle(weights_rgb=(1.0, -1.0, 1.0)))


def test_colour_view_needs_three_colours():
    seen = _sphere_cap()
    seen = SeenPixels(**{**vars(seen), "filters": ("METHANE", "GREEN", "RED")})
    with pytest.raises(ProductError, match="BLUE"):
        colour_image(seen)


def test_crop_keeps_the_lit_box_and_a_margin():
    rgb = np.zeros((100, 200, 3), np.uint8)
    rgb[40:60, 50:70] = 200
    out = crop_to_content(rgb, 0.05)
    assert out.shape[:2] == (20 + 2 * 5, 20 + 2 * 10)


@given(st.integers(0, 2**31 - 1))
def test_inpainting_restores_a_linear_line_and_leaves_good_pixels(seed):
    """Bad pixels of a line that is linear in the sample come back exactly; good pixels are untouched."""
    from simulator.products.colourview import inpaint_lines

    rng = np.random.default_rng(seed)
    slope, offset = rng.uniform(-2, 2, 2)
    value = offset + slope * np.arange(64)[None, :] + rng.uniform(0, 100, (8, 1))
    bad = rng.random(value.shape) < 0.2
    bad[:, 0] = bad[:, -1] = False          # interpolation, not extrapolation
    damaged = np.where(bad, 1e6, value)
    out = inpaint_lines(damaged, bad)
    worst = float(np.max(np.abs(out - value)))
    assert worst < 1e-9, f"worst inpainting error {worst}"
    assert np.array_equal(out[~bad], damaged[~bad]) and inpaint_lines(damaged, None) is damaged
