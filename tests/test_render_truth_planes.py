"""Only the truth planes a product keeps are computed (issue #16): ``RenderOptions.truth_planes``.

A subset of planes is the full render's planes bit for bit, the image does not change, and a product at
``--truth none`` or ``minimal`` has the raw PNG, metadata and quicklook of the ``full`` product, byte for byte.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pytest

from simulator.products import calibration_out, truth as truth_mod
from simulator.products.writer import render_planes
from simulator.render import RenderOptions
from simulator.render.types import TRUTH_DTYPES, RenderError
from test_render_common import LIMB_FRAME, default_scenario, request_for, render_one

NONE_LEVEL = render_planes(truth_mod.TruthStorage(level="none"))


def _with_planes(request, planes):
    return request.with_overrides(options=replace(request.options, truth_planes=planes))


def test_each_level_asks_for_what_its_writer_reads_and_no_more():
    assert render_planes(truth_mod.TruthStorage(level="full")) is None, "full truth must compute every plane"
    minimal = render_planes(truth_mod.TruthStorage(level="minimal"))
    readers = {*truth_mod.QUICKLOOK_PLANES, *truth_mod.TruthSummary.PLANES, *calibration_out.PLANES}
    assert set(NONE_LEVEL) == readers, f"none level asks for {NONE_LEVEL}; the writer reads {sorted(readers)}"
    assert set(minimal) == readers | set(truth_mod.MINIMAL_PLANES), f"minimal level asks for {minimal}"
    skipped = set(TRUTH_DTYPES) - set(NONE_LEVEL)
    assert {"LAT_PG", "PHASE", "RANGE", "IOF", "DN12"} <= skipped, f"none level still computes {NONE_LEVEL}"


def test_without_manifest_figures_no_plane_only_they_read_is_made():
    """The render command's writer gathers no manifest figures (``summary=False``): INCIDENCE and EMISSION
    (and PIXEL_SCALE at ``none``) are then not rendered unless the truth FITS keeps them."""
    readers = {*truth_mod.QUICKLOOK_PLANES, *calibration_out.PLANES}
    none = render_planes(truth_mod.TruthStorage(level="none"), summary=False)
    assert set(none) == readers, f"none level without figures asks for {none}"
    minimal = render_planes(truth_mod.TruthStorage(level="minimal"), summary=False)
    assert set(minimal) == readers | set(truth_mod.MINIMAL_PLANES), f"minimal level without figures asks for {minimal}"
    assert not {"INCIDENCE", "EMISSION"} & set(minimal), f"minimal without figures still makes {minimal}"
    assert render_planes(truth_mod.TruthStorage(level="full"), summary=False) is None


@pytest.mark.parametrize("bad", [("LATITUDE",), "BODY"])
def test_unknown_or_misshaped_plane_names_are_refused(bad):
    with pytest.raises(RenderError, match="truth.plane"):
        RenderOptions(truth_planes=bad)


@pytest.mark.parametrize("summing", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_a_subset_of_planes_is_the_full_renders_planes_and_the_image_is_unchanged(default_kernels, summing):
    """Summing 1 takes the geometry of the stage node at mid-exposure, summing 2 intersects again: both paths."""
    base = request_for(default_scenario(), default_kernels.parent, summing=summing, sample_range=(700, 900),
                       noise={"enabled": True})
    full = render_one(base)
    for planes in (NONE_LEVEL, ("IOF", "PIXEL_SCALE", "DN12")):
        got = render_one(_with_planes(base, planes))
        assert set(got.truth) == {"BODY", *planes}, f"asked {planes}, got {sorted(got.truth)}"
        assert np.array_equal(got.dn8, full.dn8) and np.array_equal(got.dn12, full.dn12), \
            f"the image changed with truth_planes={planes}: {np.count_nonzero(got.dn8 != full.dn8)} px"
        for name, plane in got.truth.items():
            assert plane.dtype == full.truth[name].dtype, f"{name}: {plane.dtype} vs {full.truth[name].dtype}"
            assert np.array_equal(plane, full.truth[name], equal_nan=True), \
                f"{name} (summing {summing}) differs from the full render in " \
                f"{np.count_nonzero(~((plane == full.truth[name]) | np.isnan(plane)))} px"
    assert np.count_nonzero(full.truth["BODY"]) > 0, f"frame {LIMB_FRAME} must see Jupiter for this test to mean something"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_products_at_each_truth_level_share_the_raw_bytes(tmp_path, kernel_cache_dir):
    from astropy.io import fits

    from simulator.products.pipeline import ProductRequest, render_product_with_summary
    from simulator.products.writer import product_paths
    from simulator.scenario import load_scenario

    scenario = load_scenario("default").replace(imaging={"frames": 2, "filters": ["GREEN", "RED"]})
    out = {}
    for level in ("full", "minimal", "none"):
        folder, summary = render_product_with_summary(ProductRequest(
            scenario=scenario, out_dir=tmp_path / level, cache_dir=kernel_cache_dir,
            truth=truth_mod.TruthStorage(level=level)))
        out[level] = (product_paths(folder, summary.pop("product_id")), summary)
    full_paths, full_summary = out["full"]
    for level in ("minimal", "none"):
        paths, summary = out[level]
        for role in ("raw_png", "metadata", "img", "quicklook"):
            assert _digest(paths[role]) == _digest(full_paths[role]), f"{role} differs between {level} and full"
        for name in ("flat.fits", "dark.fits", "mask.fits"):
            assert _digest(paths["kernels"].parent / calibration_out.FOLDER / name) == \
                _digest(full_paths["kernels"].parent / calibration_out.FOLDER / name), f"calibration/{name} ({level})"
        assert summary == full_summary, f"manifest figures differ at {level}: {summary} vs {full_summary}"
    with fits.open(out["minimal"][0]["truth_fits"]) as small, fits.open(full_paths["truth_fits"]) as big:
        for hdu in small[1:]:
            assert np.array_equal(hdu.data, big[hdu.name].data, equal_nan=True), f"minimal {hdu.name} differs"
