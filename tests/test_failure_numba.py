"""Without numba (unimportable, or ``NUMBA_DISABLE_JIT=1``) the same product comes out (issue #17).

The raw PNG, the IMG, the Metadata JSON, the label and ``truth.json`` are byte-identical. The truth FITS is
not: the compiled geometry loops use their own arc tangent / arc cosine (within 1.1-2.8 ulp,
``simulator/render/compiled.py``), so the float64 latitude and longitude planes (LAT_PC, LAT_PG, LON_W) differ
in their last bits: measured at most 2.0e-12 deg (1.8e-13 relative) on this 2-framelet product, on ~3 % of
the pixels. Every other plane (BODY, the float32 angles, RANGE, PIXEL_SCALE, IOF, DN12) is identical. The
README ("Rendering") says the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_NUMBA = "import sys; sys.modules['numba'] = None; from simulator.cli import main; sys.exit(main(sys.argv[1:]))"
DIFFERING_PLANES = ("LAT_PC", "LAT_PG", "LON_W")
# Largest difference allowed in those planes, deg (measured 2.0e-12 deg; 50x margin for other CPUs' libm).
LATLON_TOLERANCE_DEG = 1e-10
EQUAL_FILES = ("ImageSet/{id}-raw.png", "PDS/{id}.IMG", "PDS/{id}.LBL", "DataSet/{id}-Metadata.json",
               "truth/truth.json")


def _render(out: Path, cache: Path, prefix: list[str], extra_env: dict | None = None) -> Path:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(extra_env or {}))
    done = subprocess.run([sys.executable, *prefix, "render", "--frames", "1", "--filters", "GREEN,RED",
                           "--out", str(out), "--cache-dir", str(cache)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return next(p for p in out.iterdir() if p.is_dir())


def plane_differences(a: Path, b: Path) -> dict[str, float]:
    """Largest absolute difference of each truth plane of two FITS files (NaN positions must agree)."""
    from simulator.products.reader import read_truth_planes

    out = {}
    planes_a, planes_b = read_truth_planes(a), read_truth_planes(b)      # decoded (line-coded planes)
    for name, x in planes_a.items():
        da, db = np.asarray(x, dtype=float), np.asarray(planes_b[name], dtype=float)
        assert np.array_equal(np.isnan(da), np.isnan(db)), f"{name}: NaN pixels differ"
        ok = np.isfinite(da)
        out[name] = float(np.max(np.abs(da[ok] - db[ok]), initial=0.0))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("how", ["unimportable", "NUMBA_DISABLE_JIT"])
def test_product_without_numba(tmp_path, kernel_cache_dir, how):
    with_numba = _render(tmp_path / "numba", kernel_cache_dir, ["-m", "simulator.cli"])
    if how == "unimportable":
        without = _render(tmp_path / "numpy", kernel_cache_dir, ["-c", NO_NUMBA])
    else:
        without = _render(tmp_path / "numpy", kernel_cache_dir, ["-m", "simulator.cli"], {"NUMBA_DISABLE_JIT": "1"})
    pid = with_numba.name
    for pattern in EQUAL_FILES:
        name = pattern.format(id=pid)
        assert (with_numba / name).read_bytes() == (without / name).read_bytes(), f"{name} differs without numba"
    diffs = plane_differences(with_numba / "truth" / f"{pid}-truth.fits", without / "truth" / f"{pid}-truth.fits")
    unequal = {k: v for k, v in diffs.items() if v != 0.0 and k not in DIFFERING_PLANES}
    assert not unequal, f"planes that should be identical differ: {unequal}"
    worst = max(DIFFERING_PLANES, key=diffs.get)
    assert diffs[worst] <= LATLON_TOLERANCE_DEG, f"worst plane {worst}: {diffs[worst]:.3g} deg; all {diffs}"
