"""Issue #13's acceptance test: the default detector at TDI 1 against the real JunoCam figures.

"The figures in the table, for the default detector at TDI 1, fall inside the real ranges (or within +-20 % of
single values), printed by ``junocam-sim compare`` against the frames in ``../shared``." Everything below is
measured through the CLI (``junocam-sim compare A B --json``), i.e. with the one definition of each figure
(``instrument_models.junocam.darkstats``, ``scenes.texture_stats`` via ``simulator.realism``):

* a dark product: the default scenario at PJ28 (``[mission] perijove = 28``, the perijove of the real dark
  frames), TDI 1, two frames pointed at the sky, so every pixel is a dark pixel of the aged camera;
* a disk product: the same at PJ32 (the band ratios were measured on a PJ32 image), two frames on Jupiter, and
  the demo's 13 frames (slow);
* a B/G/R product framed as the real PJ32 image of the texture figures (its date, time and 26 frames, on its
  twin's orbit through the metadata's sub-spacecraft point and altitude, see REAL_LIKE_ORBIT; slow), read like
  for like as the mission's maps of that image are (``compare``'s default; REAL_MAP_DN / REAL_MAP_CODES);
* our default detector's calibration frames (dark strip, flat without blemishes, blemish mask) written as a
  calibration folder and compared with the real frames in ``../shared/reference/calibration``.

Without ``../shared`` the comparison side is skipped; our figures are still checked against the real ranges,
which are constants here with their source. Known misses are ``xfail(strict=True)`` naming the number.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE

from simulator.cli import main
from simulator.commands.demo import DEMO_FRAMES, DEMO_START_UTC   # the demo's framing: its frames see the lit disk

# --- the real figures (12-bit DN, TDI 1, per 1648 x 128 strip; B / G / R) --------------------------------
# Source: issue #13's table and ../shared/reference/calibration/README.md ("Other measured figures of real
# dark frames (PJ28 ...)"). A tuple (lo, hi) is a range (pass inside it); a float is a single value (pass
# within SINGLE_VALUE_TOL of it). One entry for all filters, or a dict per filter.
# The README's "robust noise 4.45 DN with neighbour correlation 0.65-0.75 along a line" is, on the real PJ28
# strips themselves (public: kmgill/junocam_processing src/calib/junocam_dark_pj28_v1_{blue,green,red}.tif, whose
# level, reference and column figures are the README's), the spread of the active pixels WITH the column
# structure and the correlation DOWN a column (darkstats.raw_noise: 4.448 / 4.448 / 4.448 DN, 0.645 / 0.682 /
# 0.750). Along a line, after the column medians (darkstats.line_noise), the same strips measure 2.97 / 3.71 /
# 4.45 DN and 0.005 / 0.005 / 0.007: white noise. Those are the dark_noise_dn / dark_neighbour_correlation
# figures below (until issue #13 item 3 they were held to 4.45 and 0.65-0.75, and the detector's read noise
# was correlated 0.72 along lines to match).
SINGLE_VALUE_TOL = 0.20                                       # issue #13: "within +-20 % of single values"
WHITE_NOISE = (-0.02, 0.02)                                   # real 0.005-0.007; "+-20 %" of ~0 means nothing
REAL_DARK = {
    "dark_active_mean_dn": {"BLUE": 8.8, "GREEN": 10.1, "RED": 11.4},
    "dark_reference_minus_active_dn": (-5.0, -3.0),           # "reference columns 0-22 3-5 DN lower"
    "dark_raw_noise_dn": 4.45,                                # README "robust noise 4.45 DN"
    "dark_column_correlation": (0.65, 0.75),                  # README "neighbour correlation 0.65-0.75"
    "dark_noise_dn": {"BLUE": 2.97, "GREEN": 3.71, "RED": 4.45},   # the PJ28 strips by line_noise
    "dark_neighbour_correlation": WHITE_NOISE,
    "column_median_std_dn": {"BLUE": 4.3, "GREEN": 5.2, "RED": 6.9},
    "columns_above_5dn": {"BLUE": 19.0, "GREEN": 51.0, "RED": 80.0},
    "pixels_above_20dn_per_strip": (1755.0, 8897.0),
    "pixels_above_100dn_per_strip": (179.0, 394.0),
    "brightest_dn": (700.0, 1550.0),
    "hot_clusters_per_strip": (136.0, 546.0),
}
MOSTLY = 0.5                                                  # README: hot clusters "mostly 3-line vertical streaks"
REAL_STREAK_LINES = 3.0
# Texture, bright limb and photometry: issue #13's figures (cloud contrast 1.5-1.7 %, slopes -2.4..-2.5 /
# -2.7..-3.7, bright-limb falloff 13-19 %) were read on the mission site's per-filter maps of the real PJ32 image
# JNCE_2021052_32C00054 (REAL_LIKE_ORBIT's comment), which are perspective views from the spacecraft holding raw
# SQROOT codes (README "What the mission's maps hold"). Like for like, `junocam-sim compare PRODUCT MAPDIR` reads
# both sides as such maps (simulator.realism.mission_compare). The real maps' figures by that reading (its B
# column; `python -m benchmarks.map_encoding --figures` on the maps, same code; the maps are public test data of
# kmgill/junocam_processing, read for measurement, not shipped): the targets are the decompanded (DN) figures,
# the codes figures a second check. GREEN; texture in true km, 5,500 km patches of 150 km cells at incidence
# < 70 and emission < 60 deg; limb falloff 1 - I(0.995 R) / I(0.9 R) in the 4 deg sector towards the Sun.
REAL_MAP_DN = {"plain_5500km": 0.0678, "detrended_5500km": 0.0345, "slope_1200_4800km": -2.93,
               "slope_400_1200km": -2.92, "photometric_b": 1.33, "photometric_c": -0.113, "limb_falloff": 0.275}
REAL_MAP_CODES = {"plain_5500km": 0.0364, "detrended_5500km": 0.0190, "slope_1200_4800km": -2.96,
                  "slope_400_1200km": -2.98, "photometric_b": 0.694, "photometric_c": -0.0711, "limb_falloff": 0.186,
                  # the maps' per-pixel figures (codes, within 0.7 R; simulator.realism.map_figures.pixel_figures)
                  "pixel_residual": 0.0036, "spike_share": 2.0e-5}
MAP_FIGURE_TOL = SINGLE_VALUE_TOL                             # issue #13: "within +-20 % of single values"
# Calibration README: flat edge / peak, peak column, dips; real bad-pixel mask. Issue #13's table widens the
# flat's right edge to 0.59-0.72 and the peak to 575-775 (the range over the real flats it looked at).
# The edges are quoted to two decimals; a figure passes when it rounds into the quoted range, because the real
# BLUE flat in ../shared itself measures 0.588 at column 1630 with compare's definition (the "0.59").
QUOTED_HALF_STEP = 0.005                                      # half a unit of the quoted figures' last digit
# Band ratios, like for like (README "What the mission's maps hold"): the raw DN of the real PJ32 image
# JNCE_2021052_32C00054 on the disk, its mission per-filter maps' SQROOT codes decompanded, medians over the pixels
# lit in all three maps: blue/green 0.399, red/green 1.255. Issue #13's "0.53-0.63 and 1.11-1.13" were those maps'
# codes (0.628 / 1.124) and a pipeline's white-balance weights, not raw DN. BAND_RATIO_TOL, tighter than the
# issue's +-20 % of single values: the real image's own ratios in 5 deg latitude bands (benchmarks.band_colours,
# compare's reading, incidence < 70, emission < 60 deg) span 0.391-0.417 and 1.140-1.304, i.e. up to 3.5 % / 9 %
# from the disk medians (red/green falls 8 % towards the pole), and a framing that sees other latitudes than the
# real image's (the demo's) moves the figure within about that; 0.10 keeps both inside.
REAL_PJ32_RAW_RATIOS = {"blue_over_green": 0.399, "red_over_green": 1.255}
BAND_RATIO_TOL = 0.10
REAL_BAND_RATIOS = {key: (f, (v * (1 - BAND_RATIO_TOL), v * (1 + BAND_RATIO_TOL)))
                    for (key, v), f in zip(REAL_PJ32_RAW_RATIOS.items(), ("BLUE", "RED"))}
REAL_FLAT = {"flat_left_edge": (0.75 - QUOTED_HALF_STEP, 0.83 + QUOTED_HALF_STEP),
             "flat_right_edge": (0.59 - QUOTED_HALF_STEP, 0.72 + QUOTED_HALF_STEP), "flat_peak_column": (575, 775),
             "flat_dips": (7, 13), "flat_deepest_dip": (0.18, 0.48)}
REAL_FLAT_README = {"flat_left_edge": (0.80, 0.83), "flat_right_edge": (0.59, 0.63), "flat_peak_column": (575, 630),
                    "flat_dips": (7, 13), "flat_deepest_dip": (0.18, 0.48)}
README_DEFINITION_TOL = {"flat_left_edge": 0.02, "flat_right_edge": 0.02, "flat_peak_column": 10,
                         "flat_dips": 0, "flat_deepest_dip": 0.02}   # our definition on the real flat (tested)
REAL_MASK = {"blemish_percent": (0.18, 0.57), "blemish_blobs_per_strip": (19.0, 40.0)}
REAL_BLOB_LINES, REAL_BLOB_SAMPLES = (4.0, 8.0), (5.0, 8.0)   # "blobs of about 4-8 x 5-8 px" (lines x samples)
FILTERS = ("BLUE", "GREEN", "RED")
SKY_START_UTC = "2018-04-01T10:30:28.727"    # half a 30 s spin later the camera sees only sky (measured)
CALIBRATION = REFERENCE / "calibration"


def verdict(value, real) -> tuple[bool, float]:
    """(passes, relative distance from the allowed interval) of ``value`` against a range or single value."""
    if value is None:
        return False, float("inf")
    if isinstance(real, tuple):
        lo, hi = real
        ok = lo <= value <= hi
        return ok, 0.0 if ok else min(abs(value - lo), abs(value - hi)) / max(abs(lo), abs(hi))
    rel = abs(value / real - 1.0)
    return rel <= SINGLE_VALUE_TOL, rel


def misses(figures: dict, real: dict, filters=FILTERS) -> list[tuple]:
    """(figure, filter, value, real, relative miss) of every figure outside its real range, worst first."""
    out = []
    for name, ref in real.items():
        for f in filters:
            target = ref[f] if isinstance(ref, dict) else ref
            ok, rel = verdict(figures[f].get(name), target)
            if not ok:
                out.append((name, f, figures[f].get(name), target, round(rel, 3)))
    return sorted(out, key=lambda m: -m[-1])


def compare_json(a: Path, b: Path, *options: str) -> dict:
    """``junocam-sim compare A B --json`` run in-process; its parsed output ({"a": ..., "b": ...})."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["compare", str(a), str(b), "--json", *options]) == 0
    return json.loads(out.getvalue())


def against_real(folder: Path, *options: str) -> dict:
    """``compare FOLDER ../shared/reference/calibration``; without ../shared, FOLDER against itself."""
    return compare_json(folder, CALIBRATION if CALIBRATION.is_dir() else folder, *options)


def render(out_dir: Path, cache: Path, start: str, perijove: int, frames: int, filters=FILTERS,
           orbit: dict | None = None, compression: str | None = None, spin: dict | None = None,
           imaging: dict | None = None) -> Path:
    """A default-scenario product at TDI 1 with the camera aged to ``perijove`` (no truth planes); ``orbit``,
    ``spin`` and ``imaging`` replace keys of those tables (in one step, so the start may lie on the new orbit
    only); ``compression`` the scenario's (ICT at quality 85)."""
    from simulator.products.pipeline import ProductRequest, render_product
    from simulator.products.truth import TruthStorage
    from simulator.scenario import load_scenario

    scenario = load_scenario("default").replace(
        imaging={"start_utc": start, "frames": frames, "tdi": 1, "filters": list(filters),
                 **({"compression": compression} if compression else {}), **(imaging or {})},
        mission={"perijove": perijove}, **({"orbit": orbit} if orbit else {}), **({"spin": spin} if spin else {}))
    return render_product(ProductRequest(scenario=scenario, out_dir=out_dir, cache_dir=cache,
                                         truth=TruthStorage(level="none")))


@pytest.fixture(scope="module")
def dark(tmp_path_factory, kernel_cache_dir) -> dict:
    """Figures of the PJ28 sky product (and of the real frames, when present), returned LOSSLESS as the real
    dark strips were: ICT leaves 8 x 8 block traces and smooths neighbours along a line (ours at quality 85:
    correlation 0.14-0.16; the mean |difference| of line neighbours, after the column medians, is 1.43 x larger
    across the 8-column block edges than at the least-affected phase); the real PJ28 strips show neither
    (correlation 0.005-0.007; that ratio 1.02 / 1.03 / 1.04, ours LOSSLESS 1.02), so they were not
    transform-compressed (MSSS lossless or uncompressed; lossless is what the
    camera's own calibration returns are assumed to use, an inference from these strips, no document found).
    Science products keep the scenario's ICT."""
    result = against_real(render(tmp_path_factory.mktemp("dark"), kernel_cache_dir, SKY_START_UTC, 28, 2,
                                 compression="LOSSLESS"))
    assert all(result["a"]["filters"][f]["sky_fraction"] == 1.0 for f in FILTERS), "the dark product sees Jupiter"
    return result


@pytest.fixture(scope="module")
def disk(tmp_path_factory, kernel_cache_dir) -> dict:
    """Figures of the PJ32 disk product, first two frames of the demo's framing (fast; no 5,500 km patch, so
    the older texture mode, which skips the mission-like map the real-like tests below read)."""
    return against_real(render(tmp_path_factory.mktemp("disk"), kernel_cache_dir, DEMO_START_UTC, 32, 2),
                        "--texture-mode", "map")


@pytest.fixture(scope="module")
def demo_framing(tmp_path_factory, kernel_cache_dir) -> dict:
    """Figures of the PJ32 disk product with the demo's frames (13; texture needs a whole 9,600 km window)."""
    return against_real(render(tmp_path_factory.mktemp("demo"), kernel_cache_dir, DEMO_START_UTC, 32,
                               DEMO_FRAMES))


# The real PJ32 image's framing (issue #13 item 3). The real image is JNCE_2021052_32C00054 ("PJ32 South Polar
# Region", GREEN at TDI 1, INTEGER COSINE TRANSFORM, SQROOT, 26 frames, INTERFRAME_DELAY 0.370 s); its texture
# figures come from the mission's GREEN map of it (README "Texture in the product"). Its metadata: START_TIME
# 2021-02-21T18:29:46.903, SPACECRAFT_ALTITUDE 66,525.5 km, SUB_SPACECRAFT_LATITUDE -55.8434, _LONGITUDE 79.5828,
# SOLAR_DISTANCE 7.5973e8 km (REAL_IMAGE_METADATA). The framing is that image's twin geometry
# (simulator.twins, as `junocam-sim render --like` builds it from the metadata alone): PJ32 at
# 2021-02-21T17:40:34 UTC from the published perijove table (simulator/twins/data/juno_perijoves.csv, LASP MOP
# list; no published perijove latitude was found: the mission's PJ16 plan says ~19 deg N and moving north), a
# two-body polar orbit of the table's period through the metadata's altitude and sub-spacecraft point at
# START_TIME (fit_orbit: perijove 28.95 deg N, 1,687 km, local time 8.52 h, e = 0.9823; the polar plane and
# no J2 make the perijove altitude lower than Juno's ~4,200 km, the position at START_TIME is exact), and the
# spin phase that puts Jupiter's centre in the middle of the sweep (phase.centring_turn; the real raw PNG is not
# public beside the map, so no limb fit). Ours vs the real metadata at START_TIME (test below): sub-spacecraft
# -55.840 / 79.581 deg vs -55.843 / 79.583, altitude 66,527 vs 66,525.5 km, solar distance 7.602e8 vs 7.597e8 km
# (the synthetic Sun: Standish mean elements); the Sun at -0.29 deg latitude, phase and incidence at the
# sub-spacecraft point 71.5 deg. Over compare's texture pixels (i < 70, e < 60 deg) the patches' incidence is
# 46-67 deg (median 59), the real map's traced with this geometry 42-66 deg (median 57), over the same
# ~63,000 x 60,000 km (python -m benchmarks.map_gradient). The earlier framing (2018-04-01, perijove at 25 deg N
# assumed, 66,495 km over -57.4 deg, phase 62 deg at nadir; 14 frames) measured plain 3.92 %.
REAL_IMAGE_METADATA = {"START_TIME": "2021-02-21T18:29:46.903", "SPACECRAFT_ALTITUDE": 66525.5,
                       "SUB_SPACECRAFT_LATITUDE": -55.8434, "SUB_SPACECRAFT_LONGITUDE": 79.5828,
                       "SOLAR_DISTANCE": 7.5973e8, "INTERFRAME_DELAY": 0.370, "frames": 26}
REAL_LIKE_ORBIT = {"perijove_utc": "2021-02-21T17:40:34", "perijove_altitude_km": 1686.976,
                   "perijove_latitude_deg": 28.94661, "perijove_local_time_h": 8.520762, "period_days": 53.037037}
REAL_LIKE_SPIN = {"phase_deg": 242.06}
REAL_LIKE_START_UTC = REAL_IMAGE_METADATA["START_TIME"]
REAL_LIKE_FRAMES = REAL_IMAGE_METADATA["frames"]
REAL_LIKE_IMAGING = {"interframe_delay_s": REAL_IMAGE_METADATA["INTERFRAME_DELAY"], "orbit_number": 32}


@pytest.fixture(scope="module")
def real_like_product(tmp_path_factory, kernel_cache_dir) -> Path:
    """A PJ32 B/G/R product framed like the real image (see REAL_LIKE_ORBIT)."""
    return render(tmp_path_factory.mktemp("real-like"), kernel_cache_dir, REAL_LIKE_START_UTC, 32,
                  REAL_LIKE_FRAMES, FILTERS, REAL_LIKE_ORBIT, spin=REAL_LIKE_SPIN, imaging=REAL_LIKE_IMAGING)


@pytest.fixture(scope="module")
def real_like_framing(real_like_product) -> dict:
    """Its figures by compare's default: each side read as a mission-like map drawn from the product's own
    kernels at START_TIME, which is the real map's geometry (the test below: the twin of its metadata,
    sub-spacecraft point within 0.01 deg)."""
    return compare_json(real_like_product, real_like_product)


# The real-like framing against the real image's metadata at START_TIME: the sub-spacecraft point to 0.01 deg,
# the altitude to 5 km (the metadata's own convention is not stated; ours: LT+S subpnt NEAR POINT, 1.4 km off),
# the solar distance to 0.1 % (the synthetic Sun's mean elements: 0.06 % in 2021, README twin table).
REAL_LIKE_POSITION_TOL_DEG = 0.01
REAL_LIKE_ALTITUDE_TOL_KM = 5.0
REAL_LIKE_SOLAR_DISTANCE_TOL = 1e-3


def test_real_like_framing_is_the_real_images_geometry(kernel_cache_dir):
    import spiceypy

    from simulator.kernelset import kernel_set_for
    from simulator.scenario import load_scenario
    from simulator.spice import KernelPool

    scenario = load_scenario("default").replace(
        imaging={"start_utc": REAL_LIKE_START_UTC, "frames": REAL_LIKE_FRAMES, "filters": ["GREEN"],
                 **REAL_LIKE_IMAGING}, orbit=REAL_LIKE_ORBIT, spin=REAL_LIKE_SPIN)
    with KernelPool([str(kernel_set_for(scenario, kernel_cache_dir))]):
        et = spiceypy.str2et(REAL_LIKE_START_UTC)
        point, _, towards = spiceypy.subpnt("NEAR POINT/ELLIPSOID", "JUPITER", et, "IAU_JUPITER", "LT+S", "JUNO")
        sun_km = np.linalg.norm(spiceypy.spkpos("SUN", et, "J2000", "LT+S", "JUPITER")[0])
    _, lon, lat = spiceypy.reclat(point)
    ours = {"SUB_SPACECRAFT_LATITUDE": np.degrees(lat), "SUB_SPACECRAFT_LONGITUDE": -np.degrees(lon) % 360.0,
            "SPACECRAFT_ALTITUDE": float(np.linalg.norm(towards)), "SOLAR_DISTANCE": float(sun_km)}
    real = REAL_IMAGE_METADATA
    off = {"position_deg": max(abs(ours[k] - real[k]) for k in ("SUB_SPACECRAFT_LATITUDE", "SUB_SPACECRAFT_LONGITUDE")),
           "altitude_km": abs(ours["SPACECRAFT_ALTITUDE"] - real["SPACECRAFT_ALTITUDE"]),
           "solar_distance": abs(ours["SOLAR_DISTANCE"] / real["SOLAR_DISTANCE"] - 1.0)}
    assert (off["position_deg"] <= REAL_LIKE_POSITION_TOL_DEG and off["altitude_km"] <= REAL_LIKE_ALTITUDE_TOL_KM
            and off["solar_distance"] <= REAL_LIKE_SOLAR_DISTANCE_TOL), f"ours {ours} vs the real metadata: {off}"


@pytest.fixture(scope="module")
def detector_frames(tmp_path_factory) -> dict:
    """Our default detector's calibration frames as a folder (dark strip at TDI 1, flat without the blemishes'
    response, blemish mask; 384 lines = B/G/R as the real folder), compared with the real frames."""
    from astropy.io import fits
    from PIL import Image

    from instrument_models.junocam import JunoCam, defects
    from instrument_models.junocam.radiometry import JUPITER_SOLAR_DISTANCE_KM
    from simulator.render import RenderRequest
    from simulator.render.electronics import DetectorChain

    cam = JunoCam.default()
    req = RenderRequest(metakernel="unused.tm", start_et=0.0, frames=1, filters=FILTERS,
                        tdi_stages={f: 1 for f in FILTERS}, interframe_delay_s=0.371, compression="NONE", seed=3)
    chain = DetectorChain(req, cam)
    dark, flat, mask = [], [], []
    for f in FILTERS:
        dark.append(chain.expose(np.zeros((128, 1648)), f, 1, JUPITER_SOLAR_DISTANCE_KM, 0).dn12)
        strip = chain.defects.strip(f, 1)
        flat.append(strip.response / chain.defects.blemishes[f].response_map(128, 1648))
        mask.append((strip.defect & defects.BLEMISH) != 0)
    folder = tmp_path_factory.mktemp("frames")
    fits.PrimaryHDU(np.concatenate(dark).astype(np.float32)).writeto(folder / "dark.fits")
    fits.PrimaryHDU(np.concatenate(flat).astype(np.float32)).writeto(folder / "flat.fits")
    Image.fromarray(np.concatenate(mask).astype(np.uint8) * 255).save(folder / "mask.png")
    return against_real(folder)


# Figures outside the real range (strict: ranges are never widened). strict xfail: a fix turns them red,
# so this list is updated with the fix. Over 40 cameras (fixed_pattern_seed 1-40, python -m benchmarks.dark_seeds)
# the README's dark figures each lay inside their real range (see the README's detector section for the shares).
# Issue #13 item 1 fixed the two last dark misses: BLUE's noise (the read noise grows with the dark level,
# DetectorParams.dark_noise_dn2_per_dn) and the neighbour correlation (the dark product returned LOSSLESS, like
# the real strips; see the ``dark`` fixture).
KNOWN_MISSES: dict = {}


def check(figures: dict, name: str, f: str, real, request) -> None:
    """Assert one figure of one filter against its real value, as an xfail when it is a known miss."""
    if (name, f) in KNOWN_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[(name, f)]))
    target = real[f] if isinstance(real, dict) else real
    bad = misses(figures, {name: target}, (f,))
    assert not bad, f"{name} {f} outside the real figure (figure, filter, ours, real, relative miss): {bad}"


@pytest.mark.parametrize("f", FILTERS)
@pytest.mark.parametrize("name", sorted(REAL_DARK))
def test_dark_figures_of_a_pj28_sky_product_are_real(dark, name, f, request):
    check(dark["a"]["filters"], name, f, REAL_DARK[name], request)


@pytest.mark.parametrize("f", FILTERS)
@pytest.mark.parametrize("name", sorted({**REAL_FLAT, **REAL_MASK}))
def test_detector_flat_and_blemish_figures_are_real(detector_frames, name, f, request):
    check(detector_frames["a"]["filters"], name, f, {**REAL_FLAT, **REAL_MASK}[name], request)


def test_hot_pixels_are_mostly_three_line_vertical_streaks(dark):
    figures = dark["a"]["filters"]
    share = {f: figures[f]["hot_vertical_streak_fraction"] for f in FILTERS}
    assert all(v > MOSTLY for v in share.values()), f"share of vertical streaks: {share}"
    assert all(figures[f]["hot_median_streak_lines"] == REAL_STREAK_LINES for f in FILTERS)
    assert all(figures[f]["hot_common_shape"] == "3 x 1" for f in FILTERS)


def test_blemish_blobs_have_the_real_size(detector_frames):
    sizes = {f: detector_frames["a"]["filters"][f]["blemish_median_size"] for f in FILTERS}
    for f, size in sizes.items():
        lines, samples = (float(v) for v in size.split(" x "))
        assert verdict(lines, REAL_BLOB_LINES)[0] and verdict(samples, REAL_BLOB_SAMPLES)[0], (
            f"median blemish blob (lines x samples) {sizes} vs 4-8 x 5-8")


def test_compare_measures_the_real_frames_as_their_readme_says(detector_frames):
    if not CALIBRATION.is_dir():
        pytest.skip("../shared/reference/calibration is not beside the project")
    real = detector_frames["b"]["filters"]
    bad = []
    for name, (lo, hi) in REAL_FLAT_README.items():
        tol = README_DEFINITION_TOL[name]
        bad += [(name, f, real[f][name], (lo, hi)) for f in FILTERS if not lo - tol <= real[f][name] <= hi + tol]
    assert not bad, f"compare's figures of the real flat differ from its README: {bad}"


# Band ratios: raw signal (DN minus dark) over GREEN's at the same surface points, incidence and emission
# < 70 deg (simulator/realism/ratios.py). Before that definition each filter's own lit-disk mean was used and
# the figure depended on the framing (2 limb-heavy frames: 0.462 / 1.451; the demo's 13 frames: 0.639 / 1.157):
# the three strips see different parts of the planet in the same frame. At shared points the figure was
# 0.641 / 1.169 (13 frames), - / 1.171 (2 frames), 0.626 / 1.166 (benchmarks/band_ratios.py) with GREEN 550/100
# nm; the GREEN passband is 550/104 nm since (instrument_models/junocam/spectral.py). With the per-band photometry
# (scenes/photometry_data.py: RED limb-darkens more than GREEN, OPAL) red/green depends on where the cells lie:
# with OPAL's k difference at every phase 1.133 on the demo's 13 frames (disk centre), 1.111 on its first 2
# (limb-heavy), 1.126 / 1.126 before; the two framings were 0.022 apart, the real range 0.02 wide. With the
# difference scaled by the Rayleigh phase function (0.60 at the demo's ~63 deg phase): 1.1305 / 1.1223, 0.008
# apart; the 13-frame figure stays 0.0005 above the range (GREEN passband kept at 104 nm). With the scene's
# fine_contrast 0.045 (texture): 0.6153 / 1.1300 on 13 frames, inside once compared at the quoted precision.
# At 2 frames the figure depends on the camera drawn (fixed_pattern_seed: dust, blemishes, warm columns and hot
# pixels on the few shared cells) by about +-0.003. With the scene's belt and polar colours measured on the real
# PJ32 image (scenes/jupiter.py ZONE/BELT/POLAR, benchmarks/band_colours.py: belts that take blue but not red,
# a polar region less red and a little bluer; ALBEDO_SCALE recalibrated to Karkoschka): 0.590 / 1.1238 on the
# demo's 13 frames,
# - / 1.1136 on 2 (before: 0.615 / 1.1300, 3e-5 over the range at four decimals, and 1.120); both framings
# inside with 0.004-0.006 to spare (they differ by 0.010 of the range's 0.02), blue/green at the range's middle.
# Camera draws at 2 frames, earlier (before the per-band photometry), with the warm-column law of
# issue #13 item 1 (new draws): cameras 1-5 gave 1.1310 / 1.1324 / 1.1287 / 1.1296 / 1.1293; before it, cameras
# 1-4 gave 1.1258 / 1.1299 / 1.1304 / 1.1278 (camera 3 outside too).
BAND_MISSES: dict = {}


def check_band_ratio(figures: dict, key: str, frames: int, request) -> None:
    if (key, frames) in BAND_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason=BAND_MISSES[(key, frames)]))
    f, real = REAL_BAND_RATIOS[key]
    value = figures["a"]["filters"][f][key]
    assert verdict(value, real)[0], f"{key} {value} vs {real} ({frames} frames)"


def test_band_ratio_needs_surface_points_seen_in_both_filters(disk):
    """Two frames: BLUE and GREEN (about 1.4 frames of spin apart on the CCD) share no surface point: no figure."""
    figures = disk["a"]["filters"]["BLUE"]
    assert figures["blue_over_green"] is None and figures["ratio_cells"] < 20, figures
    assert any("blue_over_green" in n and "seen in both" in n for n in disk["a"]["notes"]), disk["a"]["notes"]


def test_red_over_green_at_pj32(disk, request):
    check_band_ratio(disk, "red_over_green", 2, request)


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(REAL_BAND_RATIOS))
def test_band_ratios_at_pj32_demo_framing(demo_framing, key, request):
    check_band_ratio(demo_framing, key, DEMO_FRAMES, request)


# Like for like (README "What the mission's maps hold"): the real-like product read as the mission's maps are,
# against the real maps' figures (REAL_MAP_DN the targets, REAL_MAP_CODES the second check), within
# MAP_FIGURE_TOL. The older figures (calibrated linear DN on an orthographic 89.5 km/px map: the issue's
# 1.5-1.7 % plane-removed contrast was the real map misread that way) are `compare --texture-mode map`.
# Misses are strict xfails naming the numbers. Ours measured on main after issue #13's eleventh-round merges (B/G/R
# real-like product, default detector, ICT 85; `compare PRODUCT MAPDIR` in the real map's twin geometry, which agrees
# with `compare PRODUCT PRODUCT` in the product's own to 3 digits). Inside +-20 % since the tenth round's cloud-field
# re-base: plane removed, both slopes and the plain std/mean. Since the eleventh round (compare maps our product as
# the real maps evidently were made: dark subtracted, flat divided, gauss*1.6, on the sphere; mission_view.MapMaking;
# the photometry re-based per band): the pixel residual (codes 0.35 % vs 0.36 %; was 0.73 %), b in DN and codes
# (1.30 / 0.71 vs 1.33 / 0.69; was 1.71 / 0.92), the bright-limb falloff in DN (25.6 % vs 27.5 %; was 35.5 % on the
# ellipsoid) and the spike share in DN (0.11 % vs 0.14 %).
_OURS = {"dn": {"photometric_c": -0.028},
         "codes": {"photometric_c": -0.030, "limb_falloff": 0.142, "spike_share": 3.65e-5}}
_CAUSE = {"photometric_c": ("the all-disk emission exponent: the real map's -0.11 is mostly its clouds' latitude "
                            "pattern (inside 5 deg latitude bands it gives c -0.05..+0.21; scenes.photometry_data "
                            "'PJ32 fit'), ours the scene's pattern on a law with c ~ -0.07 on a uniform sphere"),
          "limb_falloff": ("in codes our limb falls off less than the real map's while in DN it matches (25.6 % vs "
                           "27.5 %): the SQROOT companding compresses the bright end, so the codes figure follows "
                           "the limb's DN level and the resampler across its steep gradient; the DN figure is the "
                           "target"),
          "spike_share": ("compare maps our product as the real map evidently was made (README 'How compare maps a "
                          "product'; before it: raw codes averaged, 1.1 %) and at levels >= 60 codes the share is the "
                          "real map's (0.0049 % vs 0.0054 % at 60-80); the excess lies in our pixels darker than code "
                          "40 near the terminator, where our dark-subtracted map is noisier than the real one (read "
                          "noise at zero signal or the dark's level, not settled)")}
_REAL = {"dn": REAL_MAP_DN, "codes": REAL_MAP_CODES}
MAP_MISSES = {(enc, name): (f"{name} ({enc}) {value:.4g} vs the real map's {_REAL[enc][name]:.4g} "
                            f"({value / _REAL[enc][name] - 1:+.0%}): {_CAUSE[name]}")
              for enc, figures in _OURS.items() for name, value in figures.items()}


def _map_figure(real_like_framing, encoding: str, name: str) -> float:
    view = real_like_framing["a"]["mission_view"]
    assert view is not None and view[encoding]["patches"] >= 40, f"too few patches measured: {view}"
    return view[encoding][name]


def _check_map_figure(real_like_framing, encoding: str, name: str, real: float, request) -> None:
    if (encoding, name) in MAP_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason=MAP_MISSES[(encoding, name)]))
    value = _map_figure(real_like_framing, encoding, name)
    ok, rel = verdict(value, real)
    assert ok, (f"{name} ({encoding}) {value:.4g} vs the real map's {real:.4g}: {rel:.0%} off "
                f"(+-{MAP_FIGURE_TOL:.0%} allowed)")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(REAL_MAP_DN) - {"plain_5500km"}))   # plain: its own test below
def test_real_like_product_read_as_the_mission_map_matches_the_real_map_in_dn(real_like_framing, name, request):
    _check_map_figure(real_like_framing, "dn", name, REAL_MAP_DN[name], request)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REAL_MAP_CODES))
def test_real_like_product_read_as_the_mission_map_matches_the_real_map_in_codes(real_like_framing, name, request):
    _check_map_figure(real_like_framing, "codes", name, REAL_MAP_CODES[name], request)


@pytest.mark.slow
def test_plain_contrast_of_the_real_like_framing_is_the_real_maps(real_like_framing, request):
    """The plain std/mean (the illumination gradient across a 5,500 km patch counts) of the real-like product's
    mission-like map against the real map's, in DN (the issue's single-value rule; codes in the test above)."""
    _check_map_figure(real_like_framing, "dn", "plain_5500km", REAL_MAP_DN["plain_5500km"], request)


# `compare PRODUCT MAPDIR`: the map set's geometry is its metadata's twin, and the product is mapped in it. With
# the real image's metadata that is the real-like product's own view, so its figures must come out as in its own
# geometry (the twin's position at START_TIME is within 0.01 deg and 5 km of it: the test above); a map set drawn
# as a Minnaert-like sphere in that geometry must give back its law.
TWIN_VIEW_TOL = 0.01            # relative change of a product's map figures between the two (measured < 0.001)
DRAWN_B, DRAWN_C = 0.7, -0.05   # the drawn map set's law, ~ the real maps' codes
DRAWN_EXPONENT_TOL = 0.03


@pytest.mark.slow
def test_compare_maps_a_product_in_a_map_sets_geometry(real_like_product, real_like_framing, tmp_path,
                                                      kernel_cache_dir):
    from PIL import Image

    from simulator.realism import mission_view as mv

    meta = {**{k: str(v) for k, v in REAL_IMAGE_METADATA.items() if k != "frames"}, "ORBIT_NUMBER": 32}
    (tmp_path / "JNCE_TEST-Metadata.json").write_text(json.dumps(meta))
    geo = mv.real_geometry(tmp_path / "JNCE_TEST-Metadata.json", kernel_cache_dir)
    p, hit, mu = mv.trace_map(mv.MAP_SHAPE, (800.0, 800.0, mv.MAP_LIMB_PX), geo["spacecraft_km"], True)
    mu0 = (p / np.linalg.norm(p, axis=-1, keepdims=True)) @ geo["sun"]
    with np.errstate(invalid="ignore", divide="ignore"):
        law = np.nan_to_num(np.where(hit & (mu0 > 0) & (mu > 0), 150.0 * mu0 ** DRAWN_B * mu ** DRAWN_C, 0.0))
    for f in FILTERS:
        Image.fromarray(np.clip(np.round(law), 0, 254).astype(np.uint8)).save(tmp_path / f"JNCE_TEST-{f.lower()}.png")
    result = compare_json(real_like_product, tmp_path, "--cache-dir", str(kernel_cache_dir))
    a, own = result["a"]["mission_view"], real_like_framing["a"]["mission_view"]
    assert "map set" in a["geometry"] and result["b"]["kind"] == "mission map set", (a["geometry"], result["b"]["kind"])
    off = {f"{enc} {k}": abs(a[enc][k] / own[enc][k] - 1.0) for enc in ("codes", "dn")
           for k in ("plain_5500km", "detrended_5500km", "photometric_b", "limb_falloff")}
    worst = max(off, key=off.get)
    assert off[worst] < TWIN_VIEW_TOL, f"the product in the map set's view vs its own: {worst} {off[worst]:.4f} off"
    b = result["b"]["mission_view"]["codes"]
    assert abs(b["photometric_b"] - DRAWN_B) < DRAWN_EXPONENT_TOL and abs(b["photometric_c"] - DRAWN_C) < DRAWN_EXPONENT_TOL, (
        f"drawn law mu0^{DRAWN_B} mu^{DRAWN_C} read as b {b['photometric_b']:.3f}, c {b['photometric_c']:.3f}")
