"""The fast size estimator: its stated error holds on framelets it was not fitted on."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.budget import (
    ESTIMATOR_ERROR_90PCT, ESTIMATOR_QUALITIES, FrameletStats, calibration_framelets, estimate_framelet_bytes,
    estimate_image_bytes, framelet_stats, relative_errors,
)

# A seed used neither for fitting (20261121) nor for stating the error (20261122).
TEST_SEED = 424242
TEST_COUNT = 50


@pytest.fixture(scope="module")
def held_out():
    return calibration_framelets(TEST_SEED, TEST_COUNT)


# On calibration-like framelets the LOSSLESS estimate is tighter than the stated error (which covers a rendered
# limb image, see ESTIMATOR_ERROR_90PCT): the refit's own held-out 90th percentile x 1.25.
CALIBRATION_LOSSLESS_90PCT = 0.03


def test_lossless_estimate_error_holds(held_out):
    err = np.abs(relative_errors(held_out, "LOSSLESS"))
    p90 = np.percentile(err, 90)
    assert p90 <= CALIBRATION_LOSSLESS_90PCT <= ESTIMATOR_ERROR_90PCT["LOSSLESS"], (
        f"90th percentile {p90:.3f} > {CALIBRATION_LOSSLESS_90PCT}, worst {err.max():.3f}")


@pytest.mark.parametrize("quality", [10, 50, 62, 75, 88, 90, 97])
def test_ict_estimate_error_holds_on_and_between_calibrated_qualities(held_out, quality):
    err = np.abs(relative_errors(held_out, "INTEGER COSINE TRANSFORM", quality))
    p90 = np.percentile(err, 90)
    limit = ESTIMATOR_ERROR_90PCT["INTEGER COSINE TRANSFORM"]
    assert p90 <= limit, f"quality {quality}: 90th percentile {p90:.3f} > {limit}, worst {err.max():.3f}"


def test_whole_image_estimate_is_closer_than_per_framelet(held_out):
    from simulator.budget import measured_sizes

    for mode in ("LOSSLESS", "ICT"):
        total = estimate_image_bytes(held_out, mode) - 64 * len(held_out)
        measured = measured_sizes(held_out, mode, 90).sum()
        assert abs(total / measured - 1) <= ESTIMATOR_ERROR_90PCT["LOSSLESS" if mode == "LOSSLESS" else
                                                                  "INTEGER COSINE TRANSFORM"], mode


def test_estimator_ranks_sky_bland_and_belts():
    rng = np.random.default_rng(3)
    shape = (128, 1648)
    sky = np.clip(np.round(8 + rng.normal(0, 0.7, shape)), 0, 255).astype(np.uint8)
    y, x = np.mgrid[0:128, 0:1648]
    bland = np.clip(np.round(120 + 20 * np.sin(x / 90) + rng.normal(0, 1, shape)), 0, 255).astype(np.uint8)
    belts = np.clip(np.round(120 + 35 * rng.standard_normal(shape)), 0, 255).astype(np.uint8)
    for mode in ("LOSSLESS", "ICT"):
        s, b, t = (estimate_framelet_bytes(f, mode) for f in (sky, bland, belts))
        assert s * 2 < t and b * 2 < t, f"{mode}: estimates sky {s:.0f}, bland {b:.0f}, belts {t:.0f}"


def test_stats_are_cheap_summaries():
    f = calibration_framelets(1, 1)[0]
    stats = framelet_stats(f)
    assert isinstance(stats, FrameletStats) and stats.n_pixels == f.size
    assert stats.block_std_dn.size == 8 * 206
    assert estimate_framelet_bytes(stats, "NONE") == f.size
    assert estimate_framelet_bytes(stats, "ICT", 90) == estimate_framelet_bytes(f, "ICT", 90)
    assert ESTIMATOR_QUALITIES[0] == 1 and ESTIMATOR_QUALITIES[-1] == 100


@pytest.mark.slow
def test_estimate_error_holds_on_framelets_sampled_from_the_scene_model():
    """Framelets sampled from the scenes package's Jupiter (about 1 s each), not the procedural generator."""
    framelets = calibration_framelets(TEST_SEED + 1, 0, scene_count=24)
    for mode, quality in (("LOSSLESS", 90), ("ICT", 50), ("ICT", 75), ("ICT", 90)):
        err = np.abs(relative_errors(framelets, mode, quality))
        limit = ESTIMATOR_ERROR_90PCT["LOSSLESS" if mode == "LOSSLESS" else "INTEGER COSINE TRANSFORM"]
        p90 = np.percentile(err, 90)
        assert p90 <= limit, f"{mode} q{quality}: 90th percentile {p90:.3f} > {limit}, worst {err.max():.3f}"


# The default scenario's image (its first frames: limb, sky and disk; TDI 1) and a limb image the planner
# proposes for it (`plan --scenario default --target limb`: 2 s later, TDI 2), rendered with the realistic
# default detector and no compression: held-out renders, not calibration framelets.
RENDERED_CASES = {"default": {"frames": 4}, "limb TDI 2": {"frames": 3, "start_utc": "2018-04-01T09:45:02.190",
                                                           "tdi": 2}}
# Tolerance of a whole image's estimated total against its measured one (a planner's question). Measured after
# the refit on the full images: default (78 framelets) -3.7 % (ICT q55) .. +1.4 % (LOSSLESS); the limb image
# (27 framelets, bright smooth disk at TDI 2) -8.7 % (ICT q55) .. +4.9 % (LOSSLESS). After the refit for the
# white read noise (issue #13 item 3), on this test's renders: default -2.0 % (q70) .. +1.1 % (q55), limb
# -9.4 % (q55) .. +5.8 % (LOSSLESS).
WHOLE_RENDER_TOLERANCE = 0.10


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(RENDERED_CASES))
def test_estimate_error_holds_on_rendered_default_scenario_framelets(case, kernel_cache_dir):
    from dataclasses import replace

    from simulator.render import RenderRequest
    from simulator.render.engine import render_framelets
    from simulator.budget import measured_sizes
    from simulator.scenario import load_scenario

    scenario = load_scenario("default").replace(imaging=RENDERED_CASES[case])
    request = RenderRequest.from_scenario(scenario, kernel_cache_dir, compression="NONE")
    request = request.with_overrides(options=replace(request.options, with_truth=False))
    framelets = [r.dn8 for r in render_framelets(request)]
    for mode, quality in (("LOSSLESS", 90), ("ICT", 85), ("ICT", 70), ("ICT", 55)):
        err = relative_errors(framelets, mode, quality)
        limit = ESTIMATOR_ERROR_90PCT["LOSSLESS" if mode == "LOSSLESS" else "INTEGER COSINE TRANSFORM"]
        p90 = np.percentile(np.abs(err), 90)
        worst = err[np.argmax(np.abs(err))]
        assert p90 <= limit, f"{case} {mode} q{quality}: 90th percentile {p90:.3f} > {limit}, worst {worst:+.3f}"
        total = sum(estimate_framelet_bytes(f, mode, quality) for f in framelets)
        whole = total / measured_sizes(framelets, mode, quality).sum() - 1
        assert abs(whole) <= WHOLE_RENDER_TOLERANCE, (
            f"{case} {mode} q{quality}: whole image {whole:+.3f} off (tolerance {WHOLE_RENDER_TOLERANCE}), "
            f"worst framelet {worst:+.3f}")
