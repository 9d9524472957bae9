"""``render --truth-coding``: the compact line-difference truth (default) and plain values any FITS reader reads.

The two layouts hold the same planes: astropy's floats from a ``values`` product equal what
:class:`simulator.products.reader.TruthFile` decodes from the ``differences`` product of the same seed, to
half a quantisation step (both quantise the same numbers on the same grid).
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from simulator.cli import main
from simulator.products import truth as truth_mod
from simulator.products.reader import TruthFile

GEOMETRY = ("LAT_PG", "LAT_PC", "LON_W", "INCIDENCE", "EMISSION", "RANGE")


def _render(out, kernel_cache_dir, coding: str):
    assert main(["render", "--frames", "1", "--filters", "RED", "--seed", "3", "--out", str(out),
                 "--cache-dir", str(kernel_cache_dir), "--truth-coding", coding]) == 0
    folder = next(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    return next((folder / "truth").glob("*-truth.fits"))


def test_values_coding_is_read_by_astropy_as_the_decoded_differences(tmp_path, kernel_cache_dir):
    coded = _render(tmp_path / "d", kernel_cache_dir, "differences")
    plain = _render(tmp_path / "v", kernel_cache_dir, "values")
    with fits.open(plain) as hdul, TruthFile(coded) as reader:
        for name in GEOMETRY:
            hdu = hdul[name]
            assert "QCODING" not in hdu.header, f"{name}: a values product must not need decoding"
            want = reader.read(name).astype(np.float64)
            got = hdu.data.astype(np.float64)
            assert np.array_equal(np.isnan(got), np.isnan(want)), f"{name}: NaN pattern differs"
            step = truth_mod.QUANTISATION_STEPS[name]
            worst = float(np.nanmax(np.abs(got - want))) if np.isfinite(want).any() else 0.0
            # same value, same grid: equal, or one step apart where float rounding crossed a half step
            assert worst <= step * (1 + 1e-6), f"{name}: worst difference {worst:g} > one step {step:g}"
    with fits.open(coded) as hdul:
        assert "QCODING" in hdul["LAT_PG"].header, "the default layout is the line-difference coding"


def test_an_unknown_truth_coding_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["render", "--frames", "1", "--out", str(tmp_path), "--truth-coding", "zip"])
    assert stop.value.code == 2
    assert "zip" in capsys.readouterr().err
