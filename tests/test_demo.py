"""``junocam-sim demo``: prints where the product is, and the product is complete and crosses the limb."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from simulator.cli import main
from simulator.products import load_product, product_paths


def _demo(tmp_path, cache, capsys, *extra: str):
    assert main(["demo", "--out", str(tmp_path / "demo-output"), "--cache-dir", str(cache), *extra]) == 0
    out = capsys.readouterr().out
    (folder,) = list((tmp_path / "demo-output").iterdir())
    return folder, out


def _check(folder, out, frames: int) -> None:
    paths = product_paths(folder, folder.name)
    for role, path in paths.items():
        assert path.exists(), f"{role} missing"
        if role != "kernels":
            assert str(path) in out, f"the demo does not print where {role} is"
    assert "junocam-sim inspect" in out
    product = load_product(folder)
    assert product.layout.filters == ("METHANE", "BLUE", "GREEN", "RED") and product.layout.frames == frames
    with fits.open(paths["truth_fits"]) as hdul:
        body = np.asarray(hdul["BODY"].data)
    seen = (body == 599).mean()
    assert 0.0 < seen < 1.0, f"{seen:.1%} of the pixels see Jupiter; the demo must cross the limb"


def test_short_demo(tmp_path, kernel_cache_dir, capsys):
    folder, out = _demo(tmp_path, kernel_cache_dir, capsys, "--frames", "2")
    _check(folder, out, 2)


@pytest.mark.slow
def test_full_demo(tmp_path, kernel_cache_dir, capsys):
    folder, out = _demo(tmp_path, kernel_cache_dir, capsys)
    _check(folder, out, 12)
