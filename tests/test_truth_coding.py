"""Truth planes coded as line differences / LAT_PC's residual (simulator.products.truth_coding, issue #16 item 4).

Every coded plane read back through the one reader (``products.reader.TruthFile``), whole or by any band of rows,
is within half its step of what was written, NaN exactly where BODY is 0; LAT_PC from the closed form of the
decoded LAT_PG plus its residual likewise; the numba pass and the numpy definition store the same bytes; and a
plane that cannot be coded (NaN where BODY is not 0) is stored as values.
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from hypothesis import given, settings
from hypothesis import strategies as st

from scenes.ellipsoid import planetocentric_from_planetographic_deg
from simulator.products import truth as truth_mod
from simulator.products import truth_coding
from simulator.products.reader import TruthFile, read_truth_planes

TILE_LINES = 8
SAMPLES = 40
ROUNDING_DEG = 1e-12      # float64 rounding of sin/cos/atan2 in LAT_PC's closed form, deg
LAT_LON_CONTRACT_DEG = 1e-6   # issue #16


def disk_planes(rng: np.random.Generator, tiles: int, moon: bool = False) -> dict[str, np.ndarray]:
    """Planes of a limb crossing like the renderer's: Jupiter's disk (BODY 599), sky (BODY 0, geometry NaN,
    IOF/DN12 finite), optionally a moon (BODY 501) whose LAT_PC is not the spheroid's function of LAT_PG;
    longitudes cross the 0/360 seam; LAT_PC exactly the closed form of LAT_PG on Jupiter."""
    lines, samples = np.mgrid[0:tiles * TILE_LINES, 0:SAMPLES].astype(np.float64)
    r = np.hypot(lines - rng.uniform(0, tiles * TILE_LINES), samples - rng.uniform(0, SAMPLES))
    body = np.where(r < rng.uniform(5, 40), 599, 0).astype(np.int32)
    if moon:
        body[np.hypot(lines - 3, samples - 5) < 3] = 501
    hit = body != 0
    pg = np.clip(rng.uniform(-60, 60) + lines * rng.uniform(-0.9, 0.9) + samples * 0.01 + 5 * np.sin(samples / 7),
                 -90, 90)
    planes = {"BODY": body, "LAT_PG": pg, "LAT_PC": planetocentric_from_planetographic_deg(pg),
              "LON_W": np.mod(rng.uniform(0, 360) + samples * rng.uniform(-2, 2) + lines * 0.3, 360.0)}
    planes["LAT_PC"][body == 501] = pg[body == 501] - 0.3 * np.cos(np.radians(pg[body == 501]))
    for name, scale in (("INCIDENCE", 90.0), ("EMISSION", 80.0), ("PHASE", 120.0), ("RANGE", 9e4),
                        ("PIXEL_SCALE", 60.0)):
        planes[name] = scale * (0.5 + 0.4 * np.sin(lines / 13 + rng.uniform(0, 6)) * np.cos(samples / 17))
    for name in list(planes):
        if name != "BODY":
            planes[name] = np.where(hit, planes[name], np.nan)
    planes["IOF"] = rng.uniform(0, 1.2, lines.shape) * hit
    planes["DN12"] = np.floor(rng.uniform(0, 4095, lines.shape))
    planes["DARK"] = np.round(rng.uniform(5, 600, (TILE_LINES, SAMPLES)) * 64)[np.arange(lines.shape[0]) % TILE_LINES] / 64
    planes["FLAT"] = np.round(rng.uniform(0.5, 1, lines.shape) * 4096) / 4096
    planes["DEFECT"] = rng.integers(0, 32, lines.shape)
    return {name: planes[name].astype(truth_mod.plane_dtype(name)) for name in truth_mod.BACKPLANE_NAMES}


def write(path, planes, storage=truth_mod.TruthStorage()):
    truth_mod.write_truth_fits(path, planes, product_id="P", scenario="s", seed=1, abcorr="LT+S",
                               software_version="test", tile_lines=TILE_LINES, storage=storage)
    return path


def worst_excess(name: str, got: np.ndarray, want: np.ndarray) -> float:
    """Largest error beyond half the plane's step (+ the stored dtype's rounding); longitudes circular."""
    step = truth_mod.QUANTISATION_STEPS.get(name)
    if not step:
        return float(np.abs(got.astype(np.float64) - want).max(initial=0.0)) if got.size else 0.0
    error = np.abs(got.astype(np.float64) - want.astype(np.float64))
    if name == "LON_W":
        error = np.minimum(error, 360.0 - error)
    rounding = np.spacing(np.abs(want)).astype(np.float64) if want.dtype == np.float32 else ROUNDING_DEG
    return float(np.nan_to_num(error - step / 2 - rounding, nan=-1.0).max(initial=-1.0))


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), tiles=st.integers(1, 4), moon=st.booleans(),
       level=st.sampled_from(["full", "minimal"]), band=st.tuples(st.integers(0, 40), st.integers(1, 20)))
def test_every_coded_plane_comes_back_within_half_its_step_whole_and_by_rows(tmp_path_factory, seed, tiles, moon,
                                                                             level, band):
    planes = disk_planes(np.random.default_rng(seed), tiles, moon)
    path = write(tmp_path_factory.mktemp("c") / "t.fits", planes, truth_mod.TruthStorage(level=level))
    lines = planes["BODY"].shape[0]
    first = min(band[0], lines - 1)
    with TruthFile(path) as f, fits.open(path) as raw:
        assert f.names == truth_mod.TruthStorage(level=level).planes(truth_mod.BACKPLANE_NAMES)
        for name in f.names:
            got = f.read(name)
            if truth_mod.QUANTISATION_STEPS.get(name) and name not in ("DARK", "FLAT", "DN12"):
                assert "QCODING" in raw[name].header, f"{name} was not coded"
            assert got.dtype == planes[name].dtype, f"{name}: dtype {got.dtype}"
            assert np.array_equal(np.isnan(got), np.isnan(planes[name])) if got.dtype.kind == "f" else True, \
                f"{name}: NaN pixels moved"
            excess = worst_excess(name, got, planes[name])
            assert excess <= 0, f"{name}: worst error beyond step/2 by {excess}"
            part = f.read(name, (first, band[1]))
            assert np.array_equal(part, got[first:first + band[1]], equal_nan=got.dtype.kind == "f"), \
                f"{name}: rows {first}+{band[1]} differ from the whole plane's"


def test_latitude_residual_is_almost_all_zero_on_jupiter_and_lat_lon_keep_1e_6_deg(tmp_path):
    planes = disk_planes(np.random.default_rng(7), 6, moon=True)
    path = write(tmp_path / "t.fits", planes)
    with fits.open(path) as raw:
        header = raw["LAT_PC"].header
        residual = raw["LAT_PC"].data
    assert header["QCODING"] == truth_coding.PG_RESIDUAL
    on_jupiter = residual[planes["BODY"] == 599]
    assert set(np.unique(on_jupiter)) <= {-1, 0, 1}, f"residuals on Jupiter {np.unique(on_jupiter)}"
    assert np.abs(residual[planes["BODY"] == 501]).max() > 100, "a moon's own latitude difference is stored"
    back = read_truth_planes(path, ("LAT_PC", "LAT_PG", "LON_W"))
    for name, got in back.items():
        error = np.abs(got - planes[name])
        if name == "LON_W":
            error = np.minimum(error, 360.0 - error)
        assert np.nanmax(error) < LAT_LON_CONTRACT_DEG, f"{name}: worst {np.nanmax(error)} deg"
        assert np.all((back["LON_W"][np.isfinite(back["LON_W"])] >= 0) & (back["LON_W"][np.isfinite(back["LON_W"])] < 360))


def test_longitudes_across_the_seam_cost_no_more_than_away_from_it(tmp_path):
    lines, samples = np.mgrid[0:4 * TILE_LINES, 0:SAMPLES].astype(np.float64)
    sizes = {}
    for offset in (100.0, 359.9):
        lon = np.mod(offset + 0.0123 * samples + 0.0071 * lines, 360.0)
        sizes[offset] = len(truth_mod.encode_plane("LON_W", lon, 2.0 ** -19, TILE_LINES, "LT+S",
                                                   coding="differences"))
    assert sizes[359.9] <= sizes[100.0] + 2880, f"bytes by longitude offset {sizes}"


def test_the_numpy_definition_and_the_compiled_pass_store_the_same_bytes(tmp_path, monkeypatch):
    if not truth_coding.COMPILED:
        pytest.skip("numba absent: only the numpy definition runs")
    planes = disk_planes(np.random.default_rng(9), 5, moon=True)
    compiled = write(tmp_path / "a.fits", planes).read_bytes()
    monkeypatch.setattr(truth_coding, "COMPILED", False)
    assert write(tmp_path / "b.fits", planes).read_bytes() == compiled


def test_a_plane_with_nan_where_body_is_not_zero_is_stored_as_values(tmp_path):
    planes = disk_planes(np.random.default_rng(4), 3)
    hit = np.argwhere(planes["BODY"] != 0)[0]
    planes["EMISSION"][tuple(hit)] = np.nan            # a NaN on the body: not the sky's mask
    planes["LAT_PG"][tuple(hit)] = np.nan              # ...and LAT_PC cannot lean on LAT_PG any more
    path = write(tmp_path / "t.fits", planes)
    with fits.open(path) as raw:
        assert "QCODING" not in raw["EMISSION"].header and "QCODING" not in raw["LAT_PG"].header
        assert raw["LAT_PC"].header["QCODING"] == truth_coding.LINE_DIFFERENCES
    back = read_truth_planes(path)
    for name in ("EMISSION", "LAT_PG", "LAT_PC"):
        assert np.array_equal(np.isnan(back[name]), np.isnan(planes[name])), name
        assert worst_excess(name, back[name], planes[name]) <= 0, name


def test_coding_values_keeps_every_plane_readable_as_floats_and_differences_are_smaller(tmp_path):
    planes = disk_planes(np.random.default_rng(5), 3)
    coded = write(tmp_path / "d.fits", planes)
    plain = write(tmp_path / "v.fits", planes, truth_mod.TruthStorage(coding="values"))
    with fits.open(plain) as raw:
        assert not any("QCODING" in h.header for h in raw[1:])
        assert raw["LAT_PG"].data.dtype.kind == "f"
    values = read_truth_planes(plain)
    for name, got in read_truth_planes(coded).items():
        assert worst_excess(name, got, planes[name]) <= 0 and worst_excess(name, values[name], planes[name]) <= 0, name
    # a latitude ramp like the renderer's (~1,000 steps of 2**-19 deg per pixel, curved, framelet tiles, a
    # limb): as line differences (RICE) it costs well under its values (HCOMPRESS, the smallest codec for values)
    lines, samples = np.mgrid[0:256, 0:400].astype(np.float64)
    lat = 30 + 2e-3 * samples + 1.5e-3 * lines + 1e-6 * samples ** 2 + 1e-6 * lines * samples
    body = np.where(np.hypot(lines - 300, samples - 200) < 280, 599, 0).astype(np.int32)
    lat[body == 0] = np.nan
    sizes = {coding: len(truth_mod.encode_plane("LAT_PG", lat, 2.0 ** -19, 128, "LT+S", codec, coding=coding,
                                                body=body))
             for coding, codec in (("differences", "RICE_1"), ("values", "HCOMPRESS_1"))}
    assert sizes["differences"] < 0.75 * sizes["values"], f"extension bytes {sizes}"


def test_an_unknown_coding_is_refused():
    from simulator.errors import ProductError

    with pytest.raises(ProductError, match="truth coding 'zip'"):
        truth_mod.TruthStorage(coding="zip")


def _former_residual(pc: np.ndarray, pg: np.ndarray, body: np.ndarray, step: float) -> np.ndarray:
    """LAT_PC's residual as the second closed form computed it before scenes.ellipsoid's served (issue #16):
    ``atan2((c/a)^2 sin pg, cos pg)``, kept here only as the reference the stored bytes must still equal."""
    a, c = truth_coding.JUPITER_RADII_KM
    g = np.radians(np.rint(pg / step) * step)
    former = np.degrees(np.arctan2((c / a) ** 2 * np.sin(g), np.cos(g)))
    return np.where(body == 0, 0, np.rint(np.nan_to_num(pc - former) / step)).astype(np.int32)


@pytest.fixture(scope="module")
def rendered_latitudes(kernel_cache_dir) -> dict[str, np.ndarray]:
    """BODY, LAT_PC and LAT_PG of a real render (the default scenario's first RED framelet, limb in view)."""
    from simulator.render import RenderRequest, render_framelets
    from simulator.scenario import load_scenario

    scenario = load_scenario("default").replace(imaging={"frames": 1, "filters": ["RED"]})
    (result,) = render_framelets(RenderRequest.from_scenario(scenario, kernel_cache_dir))
    return {name: np.asarray(result.truth[name]) for name in ("BODY", "LAT_PC", "LAT_PG")}


@pytest.mark.parametrize("compiled", [True, False])
def test_lat_pc_residual_of_a_rendered_framelet_is_the_same_integers_as_before_the_twin_went(
        rendered_latitudes, monkeypatch, compiled):
    if compiled and not truth_coding.COMPILED:
        pytest.skip("numba absent")
    monkeypatch.setattr(truth_coding, "COMPILED", compiled)
    planes, step = rendered_latitudes, truth_mod.QUANTISATION_STEPS["LAT_PC"]
    assert np.count_nonzero(planes["BODY"]) > 1000 and not planes["BODY"].all(), "no limb in the framelet"
    got = truth_coding.pg_residual(planes["LAT_PC"], planes["LAT_PG"], planes["BODY"], step, step)
    want = _former_residual(planes["LAT_PC"], planes["LAT_PG"], planes["BODY"], step)
    differ = np.flatnonzero(got != want)
    assert differ.size == 0, f"{differ.size} residuals differ from the former formula's, first at {differ[:5]}"
