"""Error metrics, map grids and map registration used by ``validate`` and ``score``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import ndimage

from scenes import Ellipsoid
from simulator.validate.maps import MapError, MapGrid, parse_bounds
from simulator.validate.metrics import ErrorSummary, RadiometrySummary, error_in_pixel_axes, surface_distance_km
from simulator.validate.registration import RegistrationError, register_maps

SHIFT_TOLERANCE_CELLS = 0.01
AXIS_TOLERANCE_PX = 1e-6


def test_surface_distance_of_one_degree_on_the_equator():
    ell = Ellipsoid()
    a, c = ell.radii_km[0], ell.radii_km[2]
    d = surface_distance_km(ell, 0.0, 10.0, 0.0, 11.0)
    assert d == pytest.approx(a * np.radians(1.0), rel=1e-4)
    # Planetographic degree of latitude at the equator: meridional radius of curvature c^2 / a.
    d = surface_distance_km(ell, -0.005, 10.0, 0.005, 10.0)
    assert d == pytest.approx(c * c / a * np.radians(0.01), rel=1e-4)
    assert np.isnan(surface_distance_km(ell, np.nan, 0.0, 0.0, 0.0))


@settings(max_examples=40, deadline=None)
@given(ds=st.floats(-3, 3), dl=st.floats(-3, 3), skew=st.floats(-0.5, 0.5))
def test_error_in_pixel_axes_recovers_a_known_offset(ds, dl, skew):
    lines, samples = np.meshgrid(np.arange(6.0), np.arange(7.0), indexing="ij")
    e_s = np.array([2.0, 0.1, 0.0])          # km per sample
    e_l = np.array([skew, 3.0, 0.2])          # km per line
    truth = samples[..., None] * e_s + lines[..., None] * e_l
    recon = truth + ds * e_s + dl * e_l
    got_s, got_l = error_in_pixel_axes(truth, recon)
    worst = max(np.max(np.abs(got_s - ds)), np.max(np.abs(got_l - dl)))
    assert worst < AXIS_TOLERANCE_PX, f"worst axis error {worst:.2e} px"


def test_summaries():
    s = ErrorSummary.of([1.0, 2.0, np.nan, 3.0])
    assert (s.count, s.median, s.max) == (3, 2.0, 3.0)
    assert s.as_dict("geometry_error_px")["geometry_error_px_median"] == 2.0
    assert ErrorSummary.of([np.nan]).as_dict("x")["x_median"] is None
    r = RadiometrySummary.of(np.array([1.1, 0.9, 1.2]), np.ones(3), noise_sigma=0.1)
    assert r.bias == pytest.approx(0.2 / 3)
    assert r.rms == pytest.approx(np.sqrt((0.01 + 0.01 + 0.04) / 3))
    assert r.noise_rms == pytest.approx(0.1)


def test_map_grid_bins_values_into_the_right_cells():
    grid = MapGrid.from_bounds((-10, 10, 350, 370), 1.0)
    assert grid.shape == (20, 20)
    mean, count = grid.bin_values(np.array([9.5, 9.7, -9.5, 0.0]), np.array([350.5, 350.2, 9.5, 200.0]),
                                  np.array([1.0, 3.0, 5.0, 7.0]))
    assert mean[0, 0] == 2.0 and count[0, 0] == 2
    assert mean[19, 19] == 5.0, "west longitude 9.5 lies past 360 in a grid starting at 350"
    assert count.sum() == 3, "the point at 200 W is outside the grid"
    lat, lon = grid.centres()
    assert lat[0, 0] == 9.5 and lon[0, 0] == 350.5 and lon[0, -1] == 9.5


@pytest.mark.parametrize("bad", ["1,2,3", "a,b,c,d", "10,-10,0,360"])
def test_bad_bounds_are_one_clear_error(bad):
    with pytest.raises(MapError, match="LAT|bounds"):
        MapGrid.from_bounds(parse_bounds(bad), 1.0)


def _textured(rows=100, cols=160, seed=0):
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.normal(size=(rows, cols)), 2.0)
    return base + np.sin(np.arange(rows) / 7.0)[:, None]


@settings(max_examples=15, deadline=None)
@given(dr=st.floats(-4, 4), dc=st.floats(-4, 4), gain=st.floats(0.5, 2.0), offset=st.floats(-1, 1))
def test_registration_recovers_shift_gain_and_offset(dr, dc, gain, offset):
    truth = _textured()
    rr, cc = np.meshgrid(np.arange(truth.shape[0], dtype=float), np.arange(truth.shape[1], dtype=float),
                         indexing="ij")
    user = gain * ndimage.map_coordinates(truth, [rr + dr, cc + dc], order=3, mode="nearest") + offset
    user[:8] = np.nan                          # a gap in the user's coverage
    reg = register_maps(user, truth)
    err = max(abs(reg.drow - dr), abs(reg.dcol - dc))
    assert err < SHIFT_TOLERANCE_CELLS, f"shift off by {err:.4f} cells ({reg})"
    assert reg.gain == pytest.approx(gain, rel=1e-3)


def test_registration_refuses_disjoint_maps():
    truth = _textured()
    user = np.full_like(truth, np.nan)
    with pytest.raises(RegistrationError, match="overlap"):
        register_maps(user, truth)
    with pytest.raises(RegistrationError, match="shape"):
        register_maps(truth[:10], truth)


# ------------------------------------------------------------------------------------ map / backplane files
def test_map_files_in_every_documented_format_read_the_same(tmp_path):
    from astropy.io import fits
    from PIL import Image

    from simulator.validate.score import load_map

    values = np.arange(1, 13, dtype=np.float32).reshape(3, 4) / 10.0
    np.save(tmp_path / "m.npy", values)
    fits.PrimaryHDU(values).writeto(tmp_path / "m.fits")
    Image.fromarray(values, mode="F").save(tmp_path / "m.tif")
    Image.fromarray((values * 100).astype(np.uint8), mode="L").save(tmp_path / "m.png")
    for name in ("m.npy", "m.fits", "m.tif"):
        got, integer = load_map(tmp_path / name)
        assert not integer and np.allclose(got, values), name
    got, integer = load_map(tmp_path / "m.png")
    assert integer and np.allclose(got, np.round(values * 100))


@pytest.mark.parametrize("name, content, words", [
    ("m.txt", b"1 2 3", "unknown format"),
    ("m.npy", None, "2-D"),
])
def test_bad_map_files_are_one_clear_error(tmp_path, name, content, words):
    from simulator.validate.score import ScoreError, load_map

    path = tmp_path / name
    if content is None:
        np.save(path, np.zeros((2, 2, 2)))
    else:
        path.write_bytes(content)
    with pytest.raises(ScoreError, match=words):
        load_map(path)


def test_backplane_files_npz_and_fits(tmp_path):
    from astropy.io import fits

    from simulator.validate.score import ScoreError, load_backplanes

    lat = np.array([[10.0, np.nan], [-20.0, 0.0]])
    lon = np.array([[350.0, np.nan], [-10.0, 0.0]])
    np.savez(tmp_path / "b.npz", LAT=lat, LON=lon)
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(lat, name="LAT"), fits.ImageHDU(lon, name="LON")]).writeto(
        tmp_path / "b.fits")
    for name in ("b.npz", "b.fits"):
        got_lat, got_lon = load_backplanes(tmp_path / name, (2, 2))
        assert np.allclose(got_lat, lat, equal_nan=True) and got_lon[1, 0] == 350.0, name
    pc_lat, _ = load_backplanes(tmp_path / "b.npz", (2, 2), latitude="planetocentric")
    assert pc_lat[0, 0] > 10.0, "planetographic latitude is further from the equator than planetocentric"
    with pytest.raises(ScoreError, match=r"shape \(2, 2\); the product's raw image is \(5, 5\)"):
        load_backplanes(tmp_path / "b.npz", (5, 5))
    np.savez(tmp_path / "c.npz", LATITUDE=lat)
    with pytest.raises(ScoreError, match="expected arrays LAT and LON"):
        load_backplanes(tmp_path / "c.npz", (2, 2))
    np.savez(tmp_path / "d.npz", LAT=lat * 10, LON=lon)
    with pytest.raises(ScoreError, match="outside -90..90"):
        load_backplanes(tmp_path / "d.npz", (2, 2))
