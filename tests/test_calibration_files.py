"""The one calibration-frame reader (instrument_models/junocam/calibration_files.py) and its three users:
the renderer's ``[detector]`` frames, ``junocam-sim compare`` (realism/frames.py) and validate/colour
``--calibration`` (validate/frames.py); a product's own ``calibration/`` folder (products/calibration_out.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from instrument_models.errors import InstrumentError
from instrument_models.junocam import JunoCam
from instrument_models.junocam import calibration_files as cf
from simulator.products.calibration_out import MASK_BITS, CalibrationCollector
from simulator.realism.frames import load_calibration_folder
from simulator.render.calibration import UserFrames, detector_config
from simulator.validate.frames import load_frame_calibration

FILTERS = ("BLUE", "GREEN", "RED")
ALL = ("METHANE", "BLUE", "GREEN", "RED")
# debias18.tiff's stored values are S / (2879 x 288) with S an integer (measured: worst 3.5e-4 of a step; float32
# keeps ~1e-3 of a step at the largest S, 17,421). The tolerance sits 30x below the misses of other units (>= 0.1).
QUANTUM_TOL = 0.01
DEBIAS18_FRAMELETS = 288                     # "300 dark framelets in PJ18" (BrianSwift/JunoCam commit fa96fee)
# debias18 in 12-bit DN by the rule, mean over columns 23-1630 (B/G/R), measured here; a level, not a range.
DEBIAS18_LEVEL_DN = {"BLUE": 0.650, "GREEN": 0.718, "RED": 0.741}
LEVEL_TOL_DN = 0.001
FLOAT32_REL = 2.0 ** -23                     # float32's relative rounding step (a normalised frame's precision)


def test_debias18_values_are_whole_dn_over_2879_averaged_over_288_framelets(reference_dir):
    """The scale rule, measured: only DN12 / 2879 (x 288 framelets) makes every stored value a whole count."""
    stored, unit = cf.read_image(reference_dir / "calibration" / "debias18.tiff")
    assert stored.dtype == np.float32 and unit is None and cf.stored_to_dn12(stored) == cf.NORMALISED_FULL_SCALE_DN
    values = np.unique(stored[stored > 0]).astype(np.float64)

    def worst_miss(unit_dn: float) -> float:
        counts = values * unit_dn * DEBIAS18_FRAMELETS
        return float(np.max(np.abs(counts - np.round(counts))))

    assert worst_miss(cf.NORMALISED_FULL_SCALE_DN) < QUANTUM_TOL, f"x2879: worst {worst_miss(2879.0):.4f} of a step"
    for other in (65535.0, 4095.9375, 4096.0, 4095.0):           # the conventions the earlier readers used
        assert worst_miss(other) > 10 * QUANTUM_TOL, f"x{other:g} would fit too: {worst_miss(other):.4f}"
    dark = cf.load_dark(reference_dir / "calibration" / "debias18.tiff")
    for f in FILTERS:
        level = float(dark[f][:, cf.FIRST_PHOTOACTIVE:cf.LAST_PHOTOACTIVE + 1].mean())
        assert abs(level - DEBIAS18_LEVEL_DN[f]) < LEVEL_TOL_DN, f"{f}: {level:.4f} DN"
        assert not dark[f][:, :cf.FIRST_PHOTOACTIVE].any(), f"{f}: debias18's reference columns are stored as 0"


def test_the_real_frames_read_the_same_through_compare_renderer_and_validate(reference_dir):
    folder = reference_dir / "calibration"
    compare = load_calibration_folder(folder)
    renderer = UserFrames(detector_config({"flat_path": str(folder / "flatFieldsSmooth12to16.tiff"),
                                           "dark_path": str(folder / "debias18.tiff")}), JunoCam.default())
    validate = load_frame_calibration(folder.parent, folder, 1, FILTERS)
    assert set(compare.strips["dark"]) == set(renderer.dark) == set(validate.dark_dn) == set(FILTERS), (
        "the B/G/R stack has no METHANE strip")
    for f in FILTERS:
        darks = (compare.strips["dark"][f], renderer.dark[f], validate.dark_dn[f])
        flats = (cf.normalise_flat(compare.strips["flat"][f]), renderer.flat[f], validate.flat[f])
        for name, (a, b, c) in (("dark", darks), ("flat", flats)):
            worst = max(float(np.max(np.abs(a - b))), float(np.max(np.abs(b - c))))
            assert worst == 0.0, f"{f} {name}: compare / renderer / validate differ by up to {worst}"


def _stack(strips: dict, layout: str, rng) -> np.ndarray:
    if layout == "strip":
        return strips["GREEN"]
    if layout in ("BGR", "MBGR"):
        return np.concatenate([strips[f] for f in cf.STACKS[cf.LINES * len(layout)]])
    ccd = rng.integers(0, cf.NORMALISED_FULL_SCALE_DN, (cf.CCD_LINES, cf.SAMPLES)).astype(np.float64)
    for f, row in cf.FIRST_ROWS.items():
        ccd[row:row + cf.LINES] = strips[f]
    return ccd


def _write(path_stem, frame: np.ndarray, fmt: str, normalised: bool):
    from astropy.io import fits
    from PIL import Image

    stored = (frame / cf.NORMALISED_FULL_SCALE_DN).astype(np.float32) if normalised else frame
    if fmt == "png":
        path = path_stem.with_suffix(".png")
        Image.fromarray(stored.astype(np.uint16)).save(path)
    elif fmt == "tiff":
        path = path_stem.with_suffix(".tiff")
        Image.fromarray(stored.astype(np.float32)).save(path)
    else:
        path = path_stem.with_suffix(".fits")
        fits.PrimaryHDU(stored.astype(np.float32 if normalised else np.int32)).writeto(path)
    return path


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(["strip", "BGR", "MBGR", "CCD"]), fmt=st.sampled_from(["png", "tiff", "fits"]),
       normalised=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_every_layout_and_format_reads_back_each_filters_strip(tmp_path_factory, layout, fmt, normalised, seed):
    """Strip / B/G/R / M/B/G/R / full CCD, PNG / TIFF / FITS, DN or DN / 2879: each filter's strip in DN."""
    normalised = normalised and fmt != "png"                    # a PNG holds integers only
    rng = np.random.default_rng(seed)
    strips = {f: rng.integers(0, int(cf.NORMALISED_FULL_SCALE_DN), (cf.LINES, cf.SAMPLES)).astype(np.float64)
              for f in ALL}
    frame = _stack(strips, layout, rng)
    path = _write(tmp_path_factory.mktemp("frames") / "dark", frame, fmt, normalised)
    expected = {"strip": {f: strips["GREEN"] for f in ALL}, "BGR": {f: strips[f] for f in FILTERS}}.get(
        layout, strips)
    dark, mask = cf.load_dark(path), cf.load_mask(path)
    assert dark.keys() == mask.keys() == expected.keys(), (layout, sorted(dark))
    tol = cf.NORMALISED_FULL_SCALE_DN * FLOAT32_REL if normalised else 0.0
    for f, want in expected.items():
        worst = float(np.max(np.abs(dark[f] - want)))
        assert worst <= tol, f"{layout} {fmt} normalised={normalised} {f}: worst {worst} DN"
        assert np.array_equal(mask[f], want != 0)
    one = cf.frame_strips(path, "dark", single_filter="RED")
    assert list(one) == (["RED"] if layout == "strip" else list(expected)), "single_filter names a strip's filter"


def test_a_frame_of_another_shape_is_one_error_naming_the_file(tmp_path):
    from PIL import Image

    path = tmp_path / "odd_flat.png"
    Image.fromarray(np.ones((300, cf.SAMPLES), np.uint16)).save(path)
    with pytest.raises(InstrumentError, match=r"odd_flat.png.*300 x 1648.*expected a 128 x 1648 strip"):
        cf.load_flat(path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InstrumentError, match="unknown type"):
        cf.read_image(tmp_path / "notes.txt")
    (tmp_path / "empty").mkdir()
    Image.fromarray(np.ones((cf.LINES, cf.SAMPLES), np.uint16)).save(tmp_path / "empty" / "frame.png")
    with pytest.raises(InstrumentError, match="holds no TIFF, PNG or FITS frame named flat"):
        cf.find_frames(tmp_path / "empty")                        # a frame whose name names no role


def test_a_products_calibration_folder_reads_back_as_the_renderers_frames(tmp_path):
    """Write the renderer's FLAT / DARK / DEFECT planes as calibration/, read them with the one reader (as
    compare and validate do): equal to float32, the mask = DEFECT & MASK_BITS."""
    from simulator.render import RenderRequest
    from simulator.render.electronics import DetectorChain

    req = RenderRequest(metakernel="unused.tm", start_et=0.0, frames=1, filters=FILTERS,
                        tdi_stages={f: 1 for f in FILTERS}, interframe_delay_s=0.371, compression="NONE", seed=3)
    chain = DetectorChain(req, JunoCam.default())
    truth = {f: chain.calibration_truth(f, 1) for f in FILTERS}
    collector = CalibrationCollector()
    for f in FILTERS:
        collector.add(f, truth[f])
    collector.write(tmp_path / "calibration", 1)
    time.sleep(1.1)                  # gzip streams stamp the second they were made: a second write must not differ
    collector.write(tmp_path / "again", 1)
    for name in ("flat.fits", "dark.fits", "mask.fits"):
        first, second = ((tmp_path / d / name).read_bytes() for d in ("calibration", "again"))
        assert first == second, f"{name}: two writes of the same planes differ in bytes"
    compare = load_calibration_folder(tmp_path / "calibration")
    product = load_frame_calibration(tmp_path, None, 1, FILTERS)
    for f in FILTERS:
        flat, dark = (np.asarray(truth[f][k], np.float32).astype(np.float64) for k in ("FLAT", "DARK"))
        bad = (truth[f]["DEFECT"] & MASK_BITS) != 0
        for who, got in (("compare", (compare.strips["flat"][f], compare.strips["dark"][f], compare.strips["mask"][f])),
                         ("validate", product.maps(f))):
            assert np.array_equal(got[0], flat) and np.array_equal(got[1], dark), f"{who} {f}: flat/dark differ"
            assert np.array_equal(got[2], bad), f"{who} {f}: mask differs"


def test_a_dark_in_dn_below_one_is_not_rescaled(tmp_path):
    """A product's dark whose values all lie in [0, 1] (a near-zero dark) keeps its DN: its BUNIT says DN."""
    rng = np.random.default_rng(11)
    planes = {"FLAT": np.ones((cf.LINES, cf.SAMPLES), np.float32),
              "DARK": rng.uniform(0.0, 1.0, (cf.LINES, cf.SAMPLES)).astype(np.float32),
              "DEFECT": np.zeros((cf.LINES, cf.SAMPLES), np.uint8)}
    collector = CalibrationCollector()
    collector.add("GREEN", planes)
    collector.write(tmp_path, 1)
    got = cf.load_dark(tmp_path / "dark.fits")["GREEN"]
    assert np.array_equal(got, planes["DARK"].astype(np.float64)), f"rescaled by {got.max() / planes['DARK'].max()}"
