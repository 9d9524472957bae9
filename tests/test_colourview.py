"""The colour view's pure steps (simulator/products/colourview.py) on synthetic pixels with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from simulator.errors import ProductError
from simulator.products.colourtone import (ColourStyle, camera_weights, enhance_saturation, illumination_gain,
                                           illumination_law, srgb_encode, terminator_fade, white_balance)
from simulator.products.colourview import (SeenPixels, colour_image, crop_to_content, grid_average, linearise,
                                           perspective_coordinates, tangent_plane_coordinates)

R_KM = 71492.0
# A camera whose BLUE is half as sensitive as GREEN and RED 1.25 x (electrons per second per unit I/F), about
# the camera model aged to PJ32 (0.43 / 1.29, instrument_models.junocam.aging; real raw DN on Jupiter 0.399 / 1.255).
RATES = {"BLUE": 500.0, "GREEN": 1000.0, "RED": 1250.0, "METHANE": 50.0}
# Hue tolerance: the output is 8-bit, cells average many pixels; ratios of channel means are good to ~1 %.
HUE_TOL = 0.02


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


def _banded_planet(colours, rates=RATES, sun=(1.0, 0.0, 0.0), n_side=160, k=0.875):
    """A sphere cap seen from +X with latitude bands of given I/F colours (R, G, B) and a Minnaert-lit
    surface under a Sun in direction ``sun``; raw values = I/F x the camera's rate (what the camera records).

    ``colours``: list of (lat_min, lat_max, (R, G, B) albedo). Returns SeenPixels with ``rate_per_iof``."""
    y, z = np.meshgrid(np.linspace(-0.75, 0.75, n_side), np.linspace(-0.75, 0.75, n_side))
    x = np.sqrt(np.clip(1 - y**2 - z**2, 0, None))
    pts = R_KM * np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1)
    normal = pts / R_KM
    sun = np.asarray(sun, float) / np.linalg.norm(sun)
    cos_i = normal @ sun
    incidence = np.degrees(np.arccos(np.clip(cos_i, -1, 1)))
    emission = np.degrees(np.arccos(np.clip(normal[:, 0], -1, 1)))
    lat = np.degrees(np.arcsin(normal[:, 2]))
    albedo = np.zeros((3, lat.size))
    for lo, hi, rgb in colours:
        sel = (lat >= lo) & (lat < hi)
        albedo[:, sel] = np.asarray(rgb, float)[:, None]
    law = illumination_law(incidence, emission, k)
    n = lat.size
    value = np.concatenate([albedo[2] * law * rates["BLUE"], albedo[1] * law * rates["GREEN"],
                            albedo[0] * law * rates["RED"]])
    return SeenPixels(points=np.tile(pts, (3, 1)), value=value, filter_index=np.repeat(np.arange(3), n),
                      incidence=np.tile(incidence, 3), emission=np.tile(emission, 3),
                      filters=("BLUE", "GREEN", "RED"), observer=np.array([4 * R_KM, 0.0, 0.0]),
                      pixel_km=np.full(3 * n, 300.0), rate_per_iof=dict(rates))


def _band_rgb(rgb, seen, lat_lo, lat_hi):
    """Mean output colour (R, G, B) of the view's cells whose latitude (from the view's geometry) lies in
    [lat_lo, lat_hi): the view is north up and centred, so rows map to latitude on this cap."""
    rows = rgb.shape[0]
    lat_rows = np.degrees(np.arcsin(np.linspace(0.75, -0.75, rows)))   # gnomonic ~ linear in z here
    band = (lat_rows >= lat_lo) & (lat_rows < lat_hi)
    cut = rgb[band][:, rgb.shape[1] // 3: 2 * rgb.shape[1] // 3].reshape(-1, 3).astype(float)
    return cut[cut.max(axis=1) > 0].mean(axis=0)


# Scene-like colours (I/F, R G B): cream zone, reddish-brown belt (dark in BLUE), bluish-grey polar region.
ZONE, BELT, POLAR = (0.86, 0.83, 0.75), (0.81, 0.74, 0.52), (0.70, 0.76, 0.78)


def test_known_belt_zone_and_polar_colours_come_out_in_the_right_hue_order():
    seen = _banded_planet([(-90, -25, POLAR), (-25, 5, ZONE), (5, 25, BELT), (25, 90, ZONE)])
    for balance in ("camera", "image"):
        # three flat colours are a histogram of three spikes: a linear stretch (no midtone curve) keeps them apart
        rgb, weights = colour_image(seen, ColourStyle(width_px=160, detail_gain=0.0, flatten_strength=0.0,
                                                      balance=balance, median_level=None, black_scale=0.5))
        if balance == "camera":
            assert weights == pytest.approx((1000 / 1250, 1.0, 1000 / 500)), "camera balance: rate(G) / rate(F)"
        belt, zone = _band_rgb(rgb, seen, 8, 22), _band_rgb(rgb, seen, -20, 0)
        polar = _band_rgb(rgb, seen, -60, -30)
        bluish = {name: c[2] / c[0] for name, c in (("belt", belt), ("zone", zone), ("polar", polar))}
        assert bluish["belt"] < bluish["zone"] < bluish["polar"], f"B/R of the bands ({balance}): {bluish}"
        assert belt[0] > belt[2] + 10 and polar[2] > polar[0], f"belt {belt} not reddish or polar {polar} not bluish"
        assert belt.mean() < zone.mean(), f"the belt {belt} must be darker than the zone {zone} ({balance})"


def test_grey_surface_is_grey_with_the_camera_balance_whatever_the_enhancement():
    seen = _banded_planet([(-90, 90, (0.8, 0.8, 0.8))])
    for sat in (1.0, 3.0):
        rgb, _ = colour_image(seen, ColourStyle(width_px=120, saturation=sat, balance="camera"))
        lit = rgb[rgb.max(axis=-1) > 20].astype(float)
        spread = float(np.max(np.ptp(lit, axis=1)))
        assert spread <= 1, f"a grey surface shows colour: worst channel spread {spread} (saturation {sat})"


def test_white_balance_weights_are_applied_as_documented():
    rgb_cells = np.stack([np.full((4, 4), 2.0), np.full((4, 4), 1.0), np.full((4, 4), 0.25)])
    lit = np.ones((4, 4), bool)
    neutral = ColourStyle(balance="image", balance_target_rgb=(1.0, 1.0, 1.0))
    assert white_balance(rgb_cells, lit, neutral) == pytest.approx((0.5, 1.0, 4.0)), "grey world"
    # the default target: a grey lit disk, as the mission's colour product of the real PJ32 image has it
    assert white_balance(rgb_cells, lit, ColourStyle()) == pytest.approx((0.5, 1.0, 4.0))
    bluish = ColourStyle(balance="image", balance_target_rgb=(1.0, 1.0, 1.04))
    assert white_balance(rgb_cells, lit, bluish) == pytest.approx((0.5, 1.0, 4.16)), "the target scales a channel"
    given = ColourStyle(weights_rgb=(0.768, 1.0, 2.63))
    assert white_balance(rgb_cells, lit, given, (9.0, 1.0, 9.0)) == (0.768, 1.0, 2.63), "given weights win"
    assert camera_weights(RATES) == pytest.approx((0.8, 1.0, 2.0))
    # the given weights multiply the linear channels: a surface with raw ratios 1/w comes out grey
    seen = _banded_planet([(-90, 90, (0.5, 0.5, 0.5))], rates={"RED": 1 / 0.768, "GREEN": 1.0, "BLUE": 1 / 2.63})
    out, used = colour_image(seen, ColourStyle(width_px=100, weights_rgb=(0.768, 1.0, 2.63), saturation=2.0))
    assert used == (0.768, 1.0, 2.63)
    lit_cells = out[out.max(axis=-1) > 20].astype(float)
    assert float(np.max(np.ptp(lit_cells, axis=1))) <= 1
    for bad in ((1.0, -1.0, 1.0), (1.0, 1.0)):
        with pytest.raises(ProductError, match="three positive"):
            ColourStyle(weights_rgb=bad)
    with pytest.raises(ProductError, match="white balance 'auto'"):
        ColourStyle(balance="auto")


def test_sky_and_night_side_stay_black_and_the_terminator_is_soft():
    seen = _banded_planet([(-90, 90, ZONE)], sun=(0.3, 1.0, 0.0))   # terminator crosses the view
    rgb, _ = colour_image(seen, ColourStyle(width_px=160, crop_margin=0.05))
    night = (seen.incidence[: seen.value.size // 3] > 92)
    assert night.any()
    # outside the disk (corners of the view) and on the night side: exactly black
    assert rgb[0, 0].max() == 0 and rgb[-1, -1].max() == 0
    lum = rgb.astype(float).mean(axis=-1)
    row = lum[lum.shape[0] // 2]
    lit = np.flatnonzero(row > 0)
    profile = row[lit[0]: lit[0] + 12]           # from the terminator into the day side
    assert profile[0] < 0.5 * profile[-1], f"the terminator must fade in, profile {profile}"
    assert np.max(np.diff(profile)) < 0.5 * profile[-1], f"no hard edge at the terminator: {profile}"


def test_the_colour_view_is_the_same_bytes_twice():
    seen = _banded_planet([(-90, -25, POLAR), (-25, 5, ZONE), (5, 25, BELT), (25, 90, ZONE)], n_side=90)
    a, wa = colour_image(seen, ColourStyle(width_px=90))
    b, wb = colour_image(seen, ColourStyle(width_px=90))
    assert wa == wb and a.tobytes() == b.tobytes()


def test_srgb_encoding_is_the_standard_curve():
    x = np.array([0.0, 0.0031308, 0.18, 0.5, 1.0, 2.0, -1.0])
    expected = np.array([0.0, 0.040450, 0.461356, 0.735357, 1.0, 1.0, 0.0])   # IEC 61966-2-1 values
    worst = float(np.max(np.abs(srgb_encode(x) - expected)))
    assert worst < 1e-5, f"worst sRGB error {worst}"


@given(st.floats(0.0, 89.0), st.floats(0.0, 80.0), st.floats(0.0, 1.0))
def test_illumination_flattening_and_the_soft_terminator(inc, em, law_b):
    """Step 1 makes a Minnaert surface flat wherever its law is above the floor; the terminator fade is 0
    on the night side, rises monotonically and is ~1 where well lit."""
    style = ColourStyle()
    law = illumination_law(inc, em, style.minnaert_k)
    flat = law * illumination_gain(inc, em, style)
    if law >= style.law_floor:
        assert flat == pytest.approx(1.0), f"a lit pixel must be flattened to 1, got {flat} at L={law}"
    fade = terminator_fade(np.array([0.0, law, law_b]), style)
    assert fade[0] == 0.0 and np.all((fade >= 0) & (fade <= 1))
    assert (fade[1] <= fade[2]) == (law <= law_b) or np.isclose(fade[1], fade[2])
    if law > 4 * style.terminator_softness:
        assert fade[1] > 0.96, f"well lit (L={law}) must keep its brightness, fade {fade[1]}"


@given(st.floats(0.2, 3.0), st.floats(0.0, 4.0))
def test_saturation_scales_the_departure_from_grey(ratio, factor):
    r = np.array([ratio, 1.0, 2.0 - ratio if ratio < 2 else 0.0])
    out = enhance_saturation(r, factor)
    expected = np.maximum(1 + factor * (r - 1), 0)
    assert np.allclose(out, expected) and out[1] == 1.0


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
