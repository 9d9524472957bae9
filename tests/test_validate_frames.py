"""Calibration frames: written beside a product (products/calibration_out.py), read back by the validator
(validate/frames.py) in the product's pixels, and a user's real frames (../shared) read in their units."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from instrument_models.junocam import defects as defect_model
from simulator.errors import SimulatorError
from simulator.products.calibration_out import MASK_BITS, CalibrationCollector
from simulator.validate.frames import FrameCalibration, load_frame_calibration

LINES, SAMPLES = 128, 1648
# The reference frames' flat falls to 0.59-0.83 of its peak at the edges (calibration README): after the
# validator's normalisation its photoactive values must lie in (0, ~1]; the 99.9th percentile is 1 by
# construction, the top 0.1 % may exceed it (measured: 1.066 on GREEN).
FLAT_TOP_TOLERANCE = 0.1
DARK_RANGE_DN = (0.0, 4095.0)


def _planes(rng, summing, filters):
    shape = (LINES // summing, SAMPLES // summing)
    return {f: {"FLAT": rng.uniform(0.5, 1.0, shape).astype(np.float32),
                "DARK": rng.uniform(5.0, 600.0, shape).astype(np.float32),
                "DEFECT": rng.integers(0, 32, shape).astype(np.uint8)} for f in filters}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(summing=st.sampled_from([1, 2]), seed=st.integers(0, 2**31 - 1),
       filters=st.sampled_from([("BLUE", "GREEN", "RED"), ("GREEN", "RED"), ("METHANE", "RED")]))
def test_written_frames_read_back_exactly_in_product_pixels(tmp_path_factory, summing, seed, filters):
    """The round trip is exact: flat and dark to float32, the mask = any of MASK_BITS; fillers are dropped."""
    rng = np.random.default_rng(seed)
    planes = _planes(rng, summing, filters)
    root = tmp_path_factory.mktemp("product")
    collector = CalibrationCollector()
    for f in filters:
        collector.add(f, planes[f])
        collector.add(f, {k: v * 0 for k, v in planes[f].items()})    # later framelets do not replace the first
    names = collector.write(root / "calibration", summing)
    assert names == ["flat.fits", "dark.fits", "mask.fits"]
    frames = load_frame_calibration(root, None, summing, filters)
    assert frames.source == "product" and frames.exact_flat
    assert set(frames.flat) == set(frames.dark_dn) == set(frames.bad) == set(filters), (
        f"filters read back {sorted(frames.flat)}, written {filters}")
    for f in filters:
        flat, dark, bad = frames.maps(f)
        worst = max(float(np.max(np.abs(flat - planes[f]["FLAT"]))), float(np.max(np.abs(dark - planes[f]["DARK"]))))
        assert worst == 0.0, f"{f}: worst difference {worst}"
        assert np.array_equal(bad, (planes[f]["DEFECT"] & MASK_BITS) != 0)
    assert not (MASK_BITS & defect_model.DUST), "dust is a flat-field feature the flat divides out"


def test_no_frames_falls_back_to_the_model_with_a_note(tmp_path):
    frames = load_frame_calibration(tmp_path, None, 1, ("GREEN",))
    assert frames.source == "model" and frames.maps("GREEN") == (None, None, None)
    assert "no calibration frames" in frames.notes[0]


def test_a_missing_user_folder_is_one_clear_error(tmp_path):
    with pytest.raises(SimulatorError, match="does not exist"):
        load_frame_calibration(tmp_path, tmp_path / "nowhere", 1, ("GREEN",))


def test_validate_cli_refuses_a_bad_calibration_folder_before_work(tmp_path, capsys):
    from simulator.cli import main

    status = main(["validate", str(tmp_path), "--calibration", str(tmp_path / "nowhere"),
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err


def test_the_reference_frames_read_as_a_user_calibration(reference_dir):
    """../shared/reference/calibration: the flat normalised per strip, the dark in 12-bit DN, B/G/R."""
    folder = reference_dir / "calibration"
    if not folder.is_dir():
        pytest.skip("no reference calibration frames")
    frames = load_frame_calibration(tmp_root := folder.parent, folder, 1, ("BLUE", "GREEN", "RED", "METHANE"))
    assert tmp_root.is_dir() and frames.source == "user" and not frames.exact_flat
    assert set(frames.flat) == set(frames.dark_dn) == {"BLUE", "GREEN", "RED"}
    assert any("METHANE" in n for n in frames.notes), frames.notes
    for f in ("BLUE", "GREEN", "RED"):
        flat = frames.flat[f][:, 23:1631]
        assert 0 < flat.min() and flat.max() < 1 + FLAT_TOP_TOLERANCE, (f, flat.min(), flat.max())
        dark = frames.dark_dn[f]
        median = float(np.median(dark[:, 23:1631]))
        assert DARK_RANGE_DN[0] < median < 30.0, f"{f} dark median {median} DN (debias18 = DN / 2879: 0.64-0.71)"
        assert dark.max() <= DARK_RANGE_DN[1]


def test_frame_calibration_summed_maps_average_the_blocks(tmp_path):
    """A 2 x 2-summed product's maps are the block means of the 128 x 1648 strips (mask: any bad)."""
    from astropy.io import fits

    rng = np.random.default_rng(5)
    flat = rng.uniform(0.5, 1.0, (384, SAMPLES))
    mask = (rng.random((384, SAMPLES)) < 0.01).astype(np.uint8)
    fits.PrimaryHDU(flat).writeto(tmp_path / "my_flat.fits")
    fits.PrimaryHDU(mask).writeto(tmp_path / "my_mask.fits")
    frames = load_frame_calibration(tmp_path / "x", tmp_path, 2, ("GREEN",))
    green = flat[128:256] / np.percentile(flat[128:256, 23:1631], 99.9)
    expected = green.reshape(64, 2, 824, 2).mean(axis=(1, 3))
    assert np.max(np.abs(frames.flat["GREEN"] - expected)) < 1e-12
    assert np.array_equal(frames.bad["GREEN"], mask[128:256].reshape(64, 2, 824, 2).any(axis=(1, 3)))
    assert isinstance(frames, FrameCalibration) and "no dark frame" in " ".join(frames.notes)
