"""simulator.realism.mission_view / map_figures: mission-like maps drawn and read with one geometry, and
``junocam-sim compare``'s refusal of a bad mission map set (one line, exit 2, before any work).

Synthetic and fast: a sphere drawn in the perspective view with a known brightness law, a known noise or
spikes, and map sets with one thing wrong.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image

from simulator.cli import main
from simulator.errors import ProductError
from simulator.realism import map_figures as mf
from simulator.realism import mission_view as mv

R = mv.JUPITER_EQUATORIAL_RADIUS_KM
# A view like the real PJ32 image's: ~1.9 Jupiter radii from the centre over -56 deg, the Sun ~72 deg away.
SPACECRAFT_KM = 1.88 * R * np.array([0.56 * 0.13, -0.56 * 0.99, -0.83])
SUN = np.array([0.888, -0.460, -0.006]) / np.linalg.norm([0.888, -0.460, -0.006])
GEO = {"spacecraft_km": SPACECRAFT_KM, "sun": SUN, "start_utc": "2021-02-21T18:29:46.903"}
SHAPE, CIRCLE = (400, 400), (200.0, 200.0, 199.0)
ROUND_TRIP_TOL_KM = 1e-6          # float64 ray-sphere intersection and its inverse
EXPONENT_TOL = 0.02               # least-squares (b, c) of a noise-free drawn law (sampling of the patches)
FALLOFF_TOL = 0.02               # a 4 deg sector and +-2 px rings against the law on the sector's middle line
NOISE_TOL = 0.05                  # relative: the robust residual of 100,000 pixels
META = {"START_TIME": "2021-02-21T18:29:46.903", "ORBIT_NUMBER": 32, "SPACECRAFT_ALTITUDE": "66525.5 <km>",
        "SUB_SPACECRAFT_LATITUDE": "-55.8434", "SUB_SPACECRAFT_LONGITUDE": "79.5828", "SAMPLE_BIT_MODE_ID": "SQROOT"}


def _drawn(b: float, c: float) -> np.ndarray:
    """A sphere seen from SPACECRAFT_KM as a perspective map, I = 100 mu0^b mu^c (0 on the night side)."""
    p, hit, mu = mv.trace_map(SHAPE, CIRCLE, SPACECRAFT_KM, True)
    mu0 = (p / np.linalg.norm(p, axis=-1, keepdims=True)) @ SUN
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.where(hit & (mu0 > 0) & (mu > 0), 100.0 * mu0 ** b * mu ** c, 0.0))


@settings(max_examples=25, deadline=None)
@given(lat=st.floats(-85, 85), lon=st.floats(0, 360))
def test_a_visible_surface_point_maps_to_the_pixel_that_traces_back_to_it(lat, lon):
    la, lo = np.radians(lat), np.radians(lon)
    point = R * np.array([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
    if (SPACECRAFT_KM - point) @ point <= 0.05 * R * np.linalg.norm(SPACECRAFT_KM - point):
        return                                                     # behind or at the limb: not in the view
    col, row = mv.perspective_pixels(point[None], SPACECRAFT_KM, SHAPE, CIRCLE[2])
    rows, cols = np.floor(row).astype(int), np.floor(col).astype(int)
    offset = (float(col[0] - cols[0]), float(row[0] - rows[0]))
    p, hit, _ = mv.trace_pixels(rows, cols, CIRCLE, SPACECRAFT_KM, True, offset=offset)
    err = float(np.linalg.norm(p[0] - point))
    assert hit[0] and err < ROUND_TRIP_TOL_KM, f"lat {lat} lon {lon}: traced back {err:.2e} km away"


def test_camera_pixels_go_into_the_map_pixel_they_fall_in():
    rng = np.random.default_rng(4)
    col, row = rng.uniform(100, 110, 5000), rng.uniform(50, 53, 5000)
    values = rng.uniform(1, 2, (2, 5000))
    maps = mv.camera_pixels_to_map(col, row, values, (300, 200))
    r, c = 51, 104
    inside = (np.floor(col) == c) & (np.floor(row) == r)
    assert maps[0, r, c] == pytest.approx(values[0, inside].mean(), rel=1e-12), "not the mean of its pixels"
    assert maps[1, r, c] == pytest.approx(values[1, inside].mean(), rel=1e-12)
    assert (maps[:, :45] == 0).all() and (maps[:, :, 120:] == 0).all(), "values outside the covered area"


def test_brightness_law_of_a_drawn_sphere_is_recovered_and_ratios_are_exact():
    b, c = 1.3, -0.1
    image = _drawn(b, c)
    points, values, mu0, mu = mf.traced(image, CIRCLE, GEO)
    exponents = mf.photometric_exponents(values, mu0, mu)
    worst = max(abs(exponents[0] - b), abs(exponents[1] - c))
    assert worst < EXPONENT_TOL, f"I ~ mu0^{b} mu^{c} measured as {exponents} (worst {worst:.3f})"
    assert mf.disk_ratios(0.4 * image, image, 1.25 * image) == pytest.approx((0.4, 1.25), rel=1e-12)
    f = {"limb": mf.limb_falloff(image, CIRCLE, mf.sun_position_angle(GEO))}
    # The falloff towards the Sun: the drawn law at 0.9 and 0.995 R along the Sun's sector's middle angle.
    pa = mf.sun_position_angle(GEO)
    angle = np.radians((pa // mf.LIMB_SECTOR_DEG + 0.5) * mf.LIMB_SECTOR_DEG)
    law = []
    for r0 in mf.LIMB_RADII:
        x, y = CIRCLE[0] - r0 * CIRCLE[2] * np.sin(angle), CIRCLE[1] - r0 * CIRCLE[2] * np.cos(angle)
        p, _, mu = mv.trace_pixels(np.array([y]), np.array([x]), CIRCLE, SPACECRAFT_KM, True, offset=(0, 0))
        law.append(((p[0] / np.linalg.norm(p[0])) @ SUN) ** b * mu[0] ** c)
    expected = 1.0 - law[1] / law[0]
    assert f["limb"]["position_angle_deg"] == pytest.approx(pa)
    assert abs(f["limb"]["falloff"] - expected) < FALLOFF_TOL, f"falloff {f['limb']['falloff']:.4f} vs the law's {expected:.4f}"


def test_pixel_residual_measures_white_noise_and_spikes_are_counted():
    rng = np.random.default_rng(7)
    yy, xx = np.indices((400, 400))
    disk = np.hypot(xx + 0.5 - 200, yy + 0.5 - 200) < 199
    sigma = 0.01
    image = np.where(disk, 100.0 * (1 + sigma * rng.standard_normal((400, 400))), 0.0)
    # pixel minus the mean of 4 independent neighbours: sigma * sqrt(1 + 1/4)
    f = mf.pixel_figures(image, CIRCLE)
    assert f["residual"] == pytest.approx(sigma * np.sqrt(1.25), rel=NOISE_TOL), f
    assert f["spikes"] == 0.0, f"no pixel is 5 sigma above its neighbours' median: {f}"
    spiked = image.copy()
    spiked[150:250:10, 150:250:10] *= 1.5                       # 100 spikes inside 0.7 of the radius
    inner = mf.pixel_figures(spiked, CIRCLE)
    measured = round(inner["spikes"] * _inner_count(image))
    assert measured == 100, f"{measured} spikes counted of 100"


def _inner_count(image: np.ndarray) -> int:
    from scipy import ndimage

    yy, xx = np.indices(image.shape)
    inner = ndimage.binary_erosion(image > 0, np.ones((3, 3), bool))
    return int((inner & (np.hypot(xx + 0.5 - 200, yy + 0.5 - 200) < mf.PIXEL_MAX_RADIUS * 199)).sum())


def _map_set(folder, filters=("blue", "green", "red"), meta=META):
    folder.mkdir(parents=True, exist_ok=True)
    image = np.clip(_drawn(0.7, -0.05), 0, 255).round().astype(np.uint8)
    for f in filters:
        Image.fromarray(image).save(folder / f"JNCE_TEST-{f}.png")
    if meta is not None:
        (folder / "JNCE_TEST-Metadata.json").write_text(meta if isinstance(meta, str) else json.dumps(meta))
    return folder


def test_a_map_set_is_found_with_its_metadata(tmp_path):
    found = mv.load_map_set(_map_set(tmp_path / "maps"))
    assert set(found.files) == {"BLUE", "GREEN", "RED"} and found.companding == "SQROOT"
    assert mv.is_map_set(tmp_path / "maps") and mv.is_map_set(found.files["GREEN"])
    assert mv.load_map_set(found.files["RED"]).files == found.files, "a map file names its set"


@pytest.mark.parametrize("case, named", [
    ("no maps", "'*-blue.png'"), ("no red", "'*-red.png'"), ("no metadata", "0 metadata JSON"),
    ("bad json", "not readable JSON"), ("no time", "lacks START_TIME"), ("bad altitude", "SPACECRAFT_ALTITUDE"),
])
def test_a_bad_map_set_is_refused_naming_what_is_wrong(tmp_path, case, named):
    folder = tmp_path / "maps"
    if case == "no maps":
        _map_set(folder, filters=())
    elif case == "no red":
        _map_set(folder, filters=("blue", "green"))
    elif case == "no metadata":
        _map_set(folder, meta=None)
    elif case == "bad json":
        _map_set(folder, meta="{not json")
    elif case == "no time":
        _map_set(folder, meta={k: v for k, v in META.items() if k != "START_TIME"})
    else:
        _map_set(folder, meta={**META, "SPACECRAFT_ALTITUDE": "high"})
    with pytest.raises(ProductError, match=named):
        mv.load_map_set(folder)


def test_compare_refuses_a_bad_map_set_in_one_line_before_any_work(tmp_path, capsys):
    folder = _map_set(tmp_path / "maps", filters=("blue", "green"))
    # ``tmp_path / "never"`` would be measured first if the map set were not checked before any work
    assert main(["compare", str(tmp_path / "maps"), str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'*-red.png'" in err[0], err
    _map_set(folder)
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(folder / "JNCE_TEST-red.png")   # no lit pixel
    assert main(["compare", str(folder), str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "JNCE_TEST-red.png" in err[0] and "lit pixels" in err[0], err
    (folder / "JNCE_TEST-red.png").write_bytes(b"not a png")
    assert main(["compare", str(folder), str(folder), "--texture-mode", "mission"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a readable image" in err[0], err
    assert main(["compare", str(folder), str(folder), "--texture-mode", "map"]) == 2
    assert "--texture-mode mission" in capsys.readouterr().err


def test_only_the_side_facing_the_spacecraft_is_visible():
    """A product mapped in another time's view (a map set's) must not put the far side onto the disk."""
    radii = np.array([71492.0, 71492.0, 66854.0])                    # pck00010
    v = SPACECRAFT_KM / np.linalg.norm(SPACECRAFT_KM)
    near, far = 0.99 * radii * v, -0.99 * radii * v                  # straight below and straight behind
    assert mv.visible(np.array([near, far]), SPACECRAFT_KM, radii).tolist() == [True, False]
    # The limb seen from the spacecraft: points just inside it are visible, just beyond it not.
    p, hit, mu = mv.trace_map((101, 101), (50.5, 50.5, 50.0), SPACECRAFT_KM, True)
    assert mv.visible(p[hit], SPACECRAFT_KM, np.full(3, R)).all(), "a traced (visible) point was dropped"


def test_an_unknown_map_surface_is_refused():
    with pytest.raises(ProductError, match="map surface 'cube'"):
        mv.product_maps(None, SPACECRAFT_KM, surface="cube")
