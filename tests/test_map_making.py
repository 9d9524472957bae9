"""How ``compare`` makes a mission-like map of a product (``simulator.realism.mission_view.MapMaking``): the dark
removed before mapping, bad pixels left out, a resampling kernel that changes values, never positions, and the
CLI's refusal of a bad ``--resampler``.

Synthetic and fast: framelets of known signal under a known dark pattern, and scattered samples on a grid.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import ndimage

from instrument_models.junocam import compand, decompand
from simulator.cli import main
from simulator.errors import ProductError, SimulatorError
from simulator.realism import mission_view as mv
from simulator.validate.frames import FrameCalibration

LINES, SAMPLES = 128, 1648
LAYOUT = SimpleNamespace(companding="SQROOT", summing=1)
CODE_TOL = 1            # re-companding a decompanded value: the table's mid-interval DN is within one code
POSITION_TOL_PX = 1e-9  # float64 sums of a few dozen weights
GAUSS_POSITION_TOL_PX = 0.005   # a Gaussian of std >= 0.6 source px sums to one over the grid to < 0.1 %


def _framelet(signal_dn: np.ndarray, dark_dn: np.ndarray):
    """A projected framelet (``colourview.ProjectedFramelet``'s fields the map making reads) of raw codes
    holding ``signal_dn + dark_dn``, every line and sample kept."""
    codes = compand(np.clip(np.round(signal_dn + dark_dn), 0, 4095).astype(np.int64), "SQROOT")
    p = SimpleNamespace(codes=codes, lines=np.arange(LINES), samples=np.arange(SAMPLES),
                        framelet=SimpleNamespace(filter="GREEN"))
    return p, codes


def _dark_pattern(rng) -> tuple[np.ndarray, np.ndarray]:
    """A dark map like the PJ28 strips' (bias ~10 DN, warm columns of 55-70 DN, hot 3-line streaks of
    700-1,550 DN; issue #13's table) and the mask of its hot streaks and warm columns."""
    dark = 10.0 + rng.normal(0, 1.5, (LINES, SAMPLES))
    bad = np.zeros((LINES, SAMPLES), bool)
    warm = rng.choice(np.arange(23, SAMPLES), 50, replace=False)
    dark[:, warm] += rng.uniform(55, 70, warm.size)
    bad[:, warm] = True
    for _ in range(300):
        line, sample = rng.integers(0, LINES - 3), rng.integers(23, SAMPLES)
        dark[line:line + 3, sample] += rng.uniform(700, 1550)
        bad[line:line + 3, sample] = True
    return dark, bad


def test_dark_removal_gives_back_the_signal_s_codes_and_leaves_the_mask_out():
    rng = np.random.default_rng(11)
    dark, bad = _dark_pattern(rng)
    signal = 300.0 + 200.0 * np.sin(np.arange(SAMPLES) / 90.0)[None, :] + np.zeros((LINES, 1))
    p, codes = _framelet(signal, dark)
    frames = FrameCalibration("product", None, {}, {"GREEN": dark}, {"GREEN": bad})
    out = mv.codes_for_map(p, codes, LAYOUT, "dark", frames, None)
    assert np.isnan(out[bad]).all() and np.isfinite(out[~bad]).all(), "the mask's pixels were not left out"
    want = compand(np.round(signal).astype(np.int64), "SQROOT").astype(float)
    err = np.abs(out - want)[~bad]
    assert err.max() <= CODE_TOL, f"dark-removed codes off the signal's by up to {err.max()} codes"
    raw = mv.codes_for_map(p, codes, LAYOUT, "none", frames, None)
    assert np.array_equal(raw, codes.astype(float)), "'none' must keep the raw codes"
    # without the dark removed the warm columns stand out: the figure the real maps do not show
    columns = np.abs(raw - want)[:, ~bad.any(axis=0)].mean(), np.abs(raw - want)[:, bad.all(axis=0)].mean()
    assert columns[1] > 5 * max(columns[0], 0.5), f"raw codes' warm columns {columns[1]:.2f} vs {columns[0]:.2f}"


def test_without_a_dark_frame_the_reference_columns_are_the_dark():
    rng = np.random.default_rng(12)
    dark = np.full((LINES, SAMPLES), 12.0)
    signal = np.where(np.arange(SAMPLES) < 23, 0.0, 400.0)[None, :] + rng.normal(0, 0.3, (LINES, SAMPLES))
    p, codes = _framelet(signal, dark)
    out = mv.codes_for_map(p, codes, LAYOUT, "dark", FrameCalibration("model"), None)
    want = compand(np.array([400]), "SQROOT")[0]
    assert np.abs(out[:, 23:] - want).max() <= CODE_TOL, "the reference columns' 12 DN were not removed"


def test_dark_and_flat_divides_by_the_frames_flat():
    flat = np.tile(np.linspace(0.6, 1.0, SAMPLES), (LINES, 1))
    dark = np.full((LINES, SAMPLES), 10.0)
    p, codes = _framelet(500.0 * flat, dark)
    frames = FrameCalibration("product", None, {"GREEN": flat}, {"GREEN": dark}, {})
    out = mv.codes_for_map(p, codes, LAYOUT, "dark+flat", frames, None)
    level = decompand(out.astype(np.int64), "SQROOT")
    assert np.abs(level / 500.0 - 1).max() < 0.03, f"flat-divided levels {level.min()}..{level.max()}, expected 500"


@pytest.mark.parametrize("spec", ("bilinear", "bspline2", "bspline3", mv.DEFAULT_RESAMPLER))
def test_a_kernel_changes_values_never_positions(spec):
    """Only the value interpolation changes with the resampler: a map of each camera pixel's own exact map
    coordinates reads, at every map pixel, that pixel's centre (a kernel that sums to one over the source grid
    and reproduces a linear field: no value moves), and a constant field stays constant."""
    from simulator.realism.resample import local_to_source, resampler_spec
    from tests.test_resample import grid_samples

    col, row, *_ = grid_samples(0.4, 0.9, n=60, origin=(40.0, 5.0))
    kind, width = resampler_spec(spec)
    coords = np.stack([col.ravel(), row.ravel(), np.full(col.size, 100.0)])
    m = mv.camera_pixels_to_map(col.ravel(), row.ravel(), coords, (90, 90), kind, width,
                                to_source=local_to_source(col, row)[None], group=np.zeros(col.size, np.int64))
    inner = ndimage.binary_erosion(m[2] > 0, iterations=8)   # beyond the widest kernel's reach of the grid's edge
    yy, xx = np.indices(inner.shape)
    off = max(np.abs(m[0] - (xx + 0.5))[inner].max(), np.abs(m[1] - (yy + 0.5))[inner].max())
    tol = POSITION_TOL_PX if kind != "gauss" else GAUSS_POSITION_TOL_PX
    assert off < tol, f"{spec}: values moved by up to {off:.2e} map px"
    assert np.allclose(m[2][m[2] > 0], 100.0), f"{spec}: a constant field is not constant"


def test_map_making_refuses_bad_fields_in_one_sentence():
    with pytest.raises(ProductError, match="map calibration 'bias'"):
        mv.MapMaking(calibration="bias")
    with pytest.raises(ProductError, match="map surface 'cube'"):
        mv.MapMaking(surface="cube")
    with pytest.raises(SimulatorError, match="resampler 'tent' is invalid"):
        mv.MapMaking(resampler="tent")


def test_compare_refuses_a_bad_resampler_in_one_line_before_any_work(tmp_path, capsys):
    assert main(["compare", str(tmp_path), str(tmp_path), "--resampler", "bilinear*0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bilinear*0" in err[0], err
