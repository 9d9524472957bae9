"""benchmarks.map_gradient: tracing a disk map to Jupiter, and telling a camera view from an orthographic map.

The README's claim that the mission's PJ32 GREEN map is the view from the spacecraft rests on ``fit_view``; here
it is checked on synthetic maps of known kind (a Minnaert-lit sphere drawn either way), so the claim cannot
come from a tracing error.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.map_gradient import JUPITER_EQUATORIAL_RADIUS_KM, fit_view, patch_figures, trace_map

SIZE = 400                                    # synthetic map, px
CIRCLE = (200.0, 200.0, 199.0)                # limb circle (cx, cy, radius), px
# A view like the real image's: ~1.9 Jupiter radii from the centre over -56 deg, the Sun ~72 deg away.
SPACECRAFT_KM = 1.88 * JUPITER_EQUATORIAL_RADIUS_KM * np.array([0.56 * 0.13, -0.56 * 0.99, -0.83])
SUN = np.array([0.888, -0.460, -0.006])
EMISSION_TOL_DEG = 1e-6                       # float64 ray-sphere intersection


def _drawn(perspective: bool) -> np.ndarray:
    p, hit, mu = trace_map((SIZE, SIZE), CIRCLE, SPACECRAFT_KM, perspective)
    mu0 = (p / np.linalg.norm(p, axis=-1, keepdims=True)) @ (SUN / np.linalg.norm(SUN))
    with np.errstate(invalid="ignore", divide="ignore"):
        image = np.where(hit & (mu0 > 0) & (mu > 0), 100.0 * mu0 ** 0.9 * mu ** -0.1, 0.0)
    return np.nan_to_num(image)


def test_perspective_trace_puts_the_centre_below_the_spacecraft_and_the_rim_on_the_limb():
    p, hit, mu = trace_map((SIZE, SIZE), CIRCLE, SPACECRAFT_KM, True)
    v = SPACECRAFT_KM / np.linalg.norm(SPACECRAFT_KM)
    centre = p[SIZE // 2, SIZE // 2] / JUPITER_EQUATORIAL_RADIUS_KM
    assert np.degrees(np.arccos(np.clip(centre @ v, -1, 1))) < 0.5, "the map centre is not the sub-spacecraft point"
    yy, xx = np.indices((SIZE, SIZE))
    r = np.hypot(xx + 0.5 - CIRCLE[0], yy + 0.5 - CIRCLE[1]) / CIRCLE[2]
    # A sphere seen from d radii: the ray theta from the centre (tan theta = r tan(limb angle)) meets it at
    # emission e with sin e = d sin theta (sine rule in the triangle centre - spacecraft - surface point).
    d = np.linalg.norm(SPACECRAFT_KM) / JUPITER_EQUATORIAL_RADIUS_KM
    theta = np.arctan(r * np.tan(np.arcsin(1.0 / d)))
    expected = np.degrees(np.arcsin(np.clip(d * np.sin(theta), -1, 1)))
    worst = np.max(np.abs(np.degrees(np.arccos(np.clip(mu[hit], -1, 1))) - expected[hit]))
    assert worst < EMISSION_TOL_DEG, f"traced emission off the sine rule by up to {worst:.2e} deg"
    assert hit[r < 0.999].all() and not hit[r > 1.001].any(), "the traced disk is not the limb circle"


@pytest.mark.parametrize("perspective", [True, False])
def test_fit_view_tells_the_kind_of_map_it_was_drawn_as(perspective):
    image = _drawn(perspective)
    views = {v[0]: v for v in fit_view(image, CIRCLE, {"spacecraft_km": SPACECRAFT_KM, "sun": SUN})}
    right = views["perspective" if perspective else "orthographic"]
    wrong = views["orthographic" if perspective else "perspective"]
    assert right[2] == 0.0 and right[1] == 0.0, f"the drawn view is not recovered: {right}"
    assert right[3] > 0.99 and right[3] > wrong[3], f"Minnaert correlation right {right}, wrong {wrong}"


def test_patch_figures_of_a_linear_ramp_measure_its_slope():
    x, y = (a.ravel() for a in np.meshgrid(np.arange(-20000.0, 20000.0, 40.0), np.arange(-20000.0, 20000.0, 40.0)))
    points = np.c_[x, y, np.full(x.size, JUPITER_EQUATORIAL_RADIUS_KM)]
    slope = 0.10                                               # relative change per 5,500 km
    values = 100.0 * (1.0 + slope * x / 5500.0)
    f = patch_figures(points, values, np.full(x.size, 0.5), np.full(x.size, 0.9))
    assert f["patches"] >= 4 and f["detrended"] < 1e-3, f
    assert abs(f["slope_median"] - slope) < 0.01, f"ramp slope {slope} measured {f['slope_median']}"
